"""`cxbridge inspect` names a file, sheet or column holding an e-mail address as the sync names it
— the address as its `hashed:` key under the dataset's salt — on the terminal, in its JSON and in
the mapping `--write-mapping` writes, which users commit with their config; a sync with that
mapping still reads the column (docs/security.md)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.respondents import salted_hash

SALT = "pepper"
FILE = "exports/survey (kim@corp.example).csv"
FEEDBACK, RECOMMEND = "Feedback for jane.doe@example.com", "How likely to recommend (oz.four@corp.example)?"
LEAKS = ("kim@", "jane.doe", "oz.four", "corp.example", "example.com")
COMMENTS = ("The staff were friendly and quick at the till", "Waited far too long for anyone to help me out",
            "Lovely store and great prices on everything")  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Path:
    """The working directory: one export named with an address, two of its headers holding one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    rows = [f"R{n},2025-06-0{n + 5} 05:24,{score},{text}" for n, (score, text) in enumerate(zip((9, 3, 10), COMMENTS), 1)]
    (tmp_path / FILE).write_text("\n".join([f"Response ID,Submitted,{RECOMMEND},{FEEDBACK}", *rows]) + "\n")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"CXBRIDGE_TEST_SALT": SALT})


def masked(name: str, address: str, salt: str) -> str:
    return name.replace(address, f"hashed:{salted_hash(address, salt)}")


def stored_salt(folder: Path) -> str:
    with sqlite3.connect(folder / "cxbridge.db") as db:
        [(salt,)] = db.execute("SELECT value FROM cxbridge_metadata WHERE name = 'respondent_salt'")
    return salt


@pytest.mark.parametrize("configured", [True, False], ids=["salt configured", "salt chosen by inspect"])
def test_the_mapping_inspect_writes_names_columns_without_their_addresses_and_still_maps_them(folder, configured):
    if configured:
        (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    inspected = run("-vv", "inspect", FILE, "--write-mapping", "map.toml")
    assert inspected.exit_code == 0, inspected.output
    mapping = (folder / "map.toml").read_text()
    salt = SALT if configured else stored_salt(folder)  # a first import would choose it: inspect chose it for it
    feedback = masked(FEEDBACK, "jane.doe@example.com", salt)
    recommend = masked(RECOMMEND, "oz.four@corp.example", salt)
    assert f'comment = "{feedback}"' in mapping and f'column = "{recommend}"' in mapping, mapping
    imported = run("-vv", "import", FILE, "--mapping", "map.toml")
    assert imported.exit_code == 0 and "3 written" in imported.output, imported.output
    with sqlite3.connect(folder / "cxbridge.db") as db:
        comments = db.execute("SELECT f.source_record_id, c.question_id, c.text FROM feedback_comments c "
                              "JOIN feedback f USING (record_id) ORDER BY 1").fetchall()  # fmt: skip
        scores = db.execute("SELECT f.source_record_id, s.question_id, s.value FROM feedback_scores s "
                            "JOIN feedback f USING (record_id) ORDER BY 1").fetchall()  # fmt: skip
    assert comments == [(f"R{n}", feedback, text) for n, text in enumerate(COMMENTS, 1)]
    assert scores == [("R1", recommend, 9), ("R2", recommend, 3), ("R3", recommend, 10)]
    for part in LEAKS:
        assert part not in mapping and part not in imported.output, part


SHEET, NOTES, TEAM = "kim@corp.example", "Notes lee@corp.example", "Team (max@corp.example)"


def test_the_mapping_inspect_writes_names_sheets_without_their_addresses_and_still_reads_them(tmp_path, monkeypatch):
    """Two sheets of responses named with an address, one of notes left out: the mapping lists the
    sheets it reads, each as a sync names it, and `import --mapping` reads them."""
    from tests.workbooks import write_xlsx

    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    responses = [["Submitted", "NPS", "Comment"], ["2025-06-06 05:24", 10, "great"], ["2025-06-07 05:24", 3, "slow"]]
    write_xlsx(tmp_path / "survey.xlsx", {SHEET: responses, NOTES: [["just notes"]], TEAM: responses[:2]})
    inspected = run("inspect", "survey.xlsx", "--write-mapping", "map.toml")
    assert inspected.exit_code == 0, inspected.output
    mapping = (tmp_path / "map.toml").read_text()
    sheets = [masked(SHEET, SHEET, SALT), masked(TEAM, "max@corp.example", SALT)]
    assert f"sheets = {json.dumps(sheets)}" in mapping, mapping
    imported = run("-vv", "import", "survey.xlsx", "--mapping", "map.toml")
    assert imported.exit_code == 0 and "3 written" in imported.output, imported.output
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        read = sorted(db.execute("SELECT json_extract(f.raw, '$.sheet'), s.value FROM feedback_scores s "
                                 "JOIN feedback f USING (record_id)").fetchall())  # fmt: skip
    assert read == sorted([(sheets[0], 10), (sheets[0], 3), (sheets[1], 10)])
    for part in ("kim@", "lee@", "max@", "corp.example"):
        assert part not in mapping and part not in imported.output, part


def test_inspect_prints_files_and_columns_as_a_sync_names_them_in_text_and_json(folder):
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    (folder / "exports" / "empty (kim@corp.example).csv").write_text("")
    file = masked("survey (kim@corp.example).csv", "kim@corp.example", SALT)
    feedback = masked(FEEDBACK, "jane.doe@example.com", SALT)
    recommend = masked(RECOMMEND, "oz.four@corp.example", SALT)
    text = run("-vv", "inspect", "exports")
    assert text.exit_code == 1, text.output  # the empty file cannot be read
    assert f"\n{file}: plain" in text.stdout and f"proposed mapping of {file}" in text.stdout, text.output
    assert feedback in text.stdout and recommend in text.stdout, text.output
    empty = masked("empty (kim@corp.example).csv", "kim@corp.example", SALT)
    assert f"✘ {empty}: " in text.stderr, text.output
    machine = run("inspect", "exports", "--format", "json")
    found = {Path(item["file"]).name: item for item in json.loads(machine.stdout)}
    assert set(found) == {file, empty} and "error" in found[empty], machine.stdout
    assert {row["column"] for row in found[file]["proposals"]} >= {feedback, recommend}
    assert found[file]["mapping"]["columns"]["comment"] == feedback
    for part in LEAKS:
        assert part not in text.output and part not in machine.output, part


def test_inspect_prints_sheets_as_a_sync_names_them_and_reads_a_sheet_named_so(tmp_path, monkeypatch):
    """A sheet left out is named with its address as its key, in the advice to inspect it alone
    too; that advice, followed as printed, inspects that sheet."""
    from tests.workbooks import write_xlsx

    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    responses = [["Submitted", "NPS", "Comment"], ["2025-06-06 05:24", 10, "great"], ["2025-06-07 05:24", 3, "slow"]]
    other = [["Submitted", "Store notes"], ["2025-06-06 05:24", COMMENTS[0]], ["2025-06-07 05:24", COMMENTS[1]]]
    write_xlsx(tmp_path / "survey.xlsx", {SHEET: responses, TEAM: other})
    printed = run("inspect", "survey.xlsx")
    assert printed.exit_code == 0, printed.output
    team = masked(TEAM, "max@corp.example", SALT)
    assert f"cxbridge inspect FILE --sheet {team!r} --write-mapping" in printed.stdout, printed.output
    alone = run("inspect", "survey.xlsx", "--sheet", team)
    assert alone.exit_code == 0 and "Store notes" in alone.stdout, alone.output
    imported = run("import", "survey.xlsx", "--sheet", team)  # so named to `import` too (refused before)
    assert imported.exit_code == 0 and "✔ survey.xlsx" in imported.output, imported.output
    for part in ("kim@", "max@", "corp.example"):
        assert part not in printed.output + alone.output + imported.output, part


def test_inspect_names_columns_under_a_salt_of_its_own_when_the_destination_is_out_of_reach(folder):
    """inspect reads files only: a project's destination it cannot open leaves names masked all the same."""
    (folder / "cxbridge.toml").write_text('[destination]\nurl = "postgresql://nobody@127.0.0.1:1/nothing"\n')
    printed = run("-vv", "inspect", FILE)
    assert printed.exit_code == 0 and "Feedback for hashed:" in printed.stdout, printed.output
    for part in LEAKS:
        assert part not in printed.output, part
    written = run("inspect", FILE, "--write-mapping", "map.toml")  # a mapping needs the dataset's salt
    assert written.exit_code == 1 and "cannot connect to postgresql" in written.output, written.output
    assert not (folder / "map.toml").exists()


def test_inspect_quotes_a_value_that_is_an_address_as_the_sync_stores_it(folder):
    """The evidence quotes a column's values: one that is an e-mail address as a whole (an agent's)
    is quoted as its hashed: key, in the mapping's comments too; free text keeps its words."""
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    agents = ["ag.one@corp.example", "ag.two@corp.example", "ag.one@corp.example"]
    rows = [f"R{n},2025-06-0{n + 5} 05:24,r{n}@mail.example,{agent},{score}"
            for n, (agent, score) in enumerate(zip(agents, (9, 3, 10)), 1)]  # fmt: skip
    (folder / "agents.csv").write_text("\n".join(["Response ID,Submitted,Email,Agent,NPS", *rows]) + "\n")
    printed = run("inspect", "agents.csv", "--write-mapping", "map.toml")
    assert printed.exit_code == 0, printed.output
    mapping = (folder / "map.toml").read_text()
    quoted = f"('hashed:{salted_hash(agents[0], SALT)}', 'hashed:{salted_hash(agents[1], SALT)}')"
    assert f'agent_id = "Agent" # 0.70: the header says \'agent\' {quoted}' in mapping, mapping
    assert quoted in printed.stdout, printed.output
    assert "ag.one" not in mapping + printed.output and "ag.two" not in mapping + printed.output


def test_inspect_quotes_free_text_with_each_address_in_it_as_its_key(folder):
    """A comment quoted in the evidence that names an address is quoted with the address as its
    hashed: key, on the terminal and in the mapping's comments; the database keeps it as written."""
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    comments = ["mail me at bob.k@example.com please", "or ask Ann <ann.lee@corp.example> at the desk",
                "Lovely store and great prices on everything"]  # fmt: skip
    rows = [f"R{n},2025-06-0{n + 5} 05:24,{score},{text}" for n, (score, text) in enumerate(zip((9, 3, 10), comments), 1)]  # fmt: skip
    (folder / "comments.csv").write_text("\n".join(["Response ID,Submitted,NPS,Comments", *rows]) + "\n")
    printed = run("inspect", "comments.csv", "--write-mapping", "map.toml")
    assert printed.exit_code == 0, printed.output
    mapping = (folder / "map.toml").read_text()
    quoted = (f"('mail me at hashed:{salted_hash('bob.k@example.com', SALT)} please', "
              f"'or ask Ann <hashed:{salted_hash('ann.lee@corp.example', SALT)}> at the desk', '{comments[2]}')")  # fmt: skip
    average = f"{sum(map(len, comments)) / 3:.0f} characters on average"
    assert f'comment = "Comments" # 0.90: free text, {average} {quoted}' in mapping, mapping
    assert quoted in printed.stdout, printed.output
    machine = run("inspect", "comments.csv", "--format", "json")
    assert machine.exit_code == 0 and quoted in machine.stdout, machine.output
    for part in ("bob.k", "ann.lee", "example.com", "corp.example"):
        assert part not in mapping + printed.output + machine.output, part


def test_the_python_api_returns_names_as_read_and_the_mapping_it_writes_masked(folder, monkeypatch):
    """`cxbridge.inspect()` hands its caller, who holds the file, the names as read; the mapping it
    writes and `redact_data` (what the CLI prints through) name them as a sync does."""
    import cxbridge
    from cxbridge.masking import redact_data

    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    monkeypatch.setenv("CXBRIDGE_TEST_SALT", SALT)
    [inspection] = cxbridge.inspect([FILE], write_mapping_to="map.toml")
    feedback = masked(FEEDBACK, "jane.doe@example.com", SALT)
    assert inspection.source_config()["columns"]["comment"] == FEEDBACK
    assert redact_data(inspection.source_config())["columns"]["comment"] == feedback
    assert f'comment = "{feedback}"' in (folder / "map.toml").read_text()


def test_import_names_an_address_in_the_values_its_detection_warns_about_by_what_it_is(folder):
    """`import` without a mapping prints the detection's warnings, which quote odd values: a text
    holding an address is named by what it is, as a quarantine reason names it (before, quoted
    with the address as its hashed: key)."""
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    answers = ["9", "12", "ask jo.five@example.com", "10", "15", "3"]
    rows = [f"R{n},2025-06-0{n} 05:24,{answer},{text}" for n, (answer, text) in enumerate(zip(answers, COMMENTS * 2), 1)]
    (folder / "odd.csv").write_text("\n".join(["Response ID,Submitted,How likely to recommend us,Notes", *rows]) + "\n")
    imported = run("import", "odd.csv", "--dry-run")
    assert imported.exit_code == 0, imported.output
    quoted = "('12', '15', (a text holding an e-mail address, not shown))"
    assert f"the values are not 0–10 {quoted}" in imported.output, imported.output
    assert "jo.five" not in imported.output and "'ask " not in imported.output


@pytest.mark.parametrize(("answers", "said"), [
    (["9", "12", "7", "10", "15"], "is not scored: the header asks about recommending ('recommend') but the values are not 0–10 ('12', '15', {})"),
    (["9", "2", "7", "10", "5"], "1 of 6 answers is not on the scale ({}): that row goes to quarantine"),
], ids=["warned", "scored"])  # fmt: skip
def test_an_address_among_a_recommend_columns_answers_is_one_odd_answer_named_by_what_it_is(folder, answers, said):
    """One e-mail address among a recommend column's answers made detection pass the column over
    without a word: neither proposed nor warned about. It is an answer off the scale, as 'abc' is,
    named as a quarantine reason names it."""
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    rows = [f"R{n},2025-06-0{n} 05:24,{answer}" for n, answer in enumerate([*answers, "jo.six@example.com"], 1)]
    (folder / "s.csv").write_text("\n".join(["Response ID,Submitted,How likely to recommend us", *rows]) + "\n")
    machine = run("inspect", "s.csv", "--format", "json")
    assert machine.exit_code == 0, machine.output
    assert said.format("(an e-mail address, not shown)") in machine.stdout, machine.output
    assert "jo.six" not in machine.output


def test_inspect_quotes_free_text_with_each_phone_number_in_it_as_its_key(folder):
    """A comment quoted in the evidence that holds a phone number is quoted with the number as the
    key a phone column stores (its digits, salted) — on the terminal, in JSON and CSV, and in the
    mapping's comments; dates, times, scores, amounts and order numbers beside it keep their words."""
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    comments = ["call me on +44 7700 900123 after 5", "ring (020) 7946 0018 or 0161 496 0000.",
                "came 2025-06-01 at 10.30, order #123456, paid 1.234.567, 1 - 2 times"]  # fmt: skip
    rows = [f'R{n},2025-06-0{n + 5} 05:24,{score},"{text}"' for n, (score, text) in enumerate(zip((9, 3, 10), comments), 1)]  # fmt: skip
    (folder / "comments.csv").write_text("\n".join(["Response ID,Submitted,NPS,Comments", *rows]) + "\n")
    printed = run("inspect", "comments.csv", "--write-mapping", "map.toml")
    assert printed.exit_code == 0, printed.output
    mapping = (folder / "map.toml").read_text()
    key = {digits: f"hashed:{salted_hash(digits, SALT)}" for digits in ("447700900123", "02079460018", "01614960000")}
    quoted = (f"('call me on {key['447700900123']} after 5', 'ring {key['02079460018']} or {key['01614960000']}.', "
              f"'{comments[2]}')")  # fmt: skip
    average = f"{sum(map(len, comments)) / 3:.0f} characters on average"
    assert f'comment = "Comments" # 0.90: free text, {average} {quoted}' in mapping, mapping
    assert quoted in printed.stdout, printed.output
    machine = run("inspect", "comments.csv", "--format", "json")
    assert machine.exit_code == 0 and quoted in machine.stdout, machine.output
    table = run("inspect", "comments.csv", "--format", "csv")
    assert table.exit_code == 0 and key["447700900123"] in table.stdout, table.output
    for part in ("7700", "900123", "7946", "496 0000"):
        assert part not in mapping + printed.output + machine.output + table.output, part


def test_import_names_a_phone_number_in_the_values_its_detection_warns_about_by_what_it_is(folder):
    """`import` without a mapping prints the detection's warnings, which quote odd values: a text
    holding a phone number is named by what it is, as a quarantine reason names it (before, quoted
    with the number as the key a phone column stores)."""
    (folder / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n')
    answers = ["9", "12", "call +44 7700 900123", "10", "15", "3"]
    rows = [f"R{n},2025-06-0{n} 05:24,{answer},{text}" for n, (answer, text) in enumerate(zip(answers, COMMENTS * 2), 1)]
    (folder / "odd.csv").write_text("\n".join(["Response ID,Submitted,How likely to recommend us,Notes", *rows]) + "\n")
    imported = run("import", "odd.csv", "--dry-run")
    assert imported.exit_code == 0, imported.output
    quoted = "('12', '15', (a text holding a phone number, not shown))"
    assert f"the values are not 0–10 {quoted}" in imported.output, imported.output
    assert "7700" not in imported.output, imported.output
