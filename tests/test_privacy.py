"""Personal data never reaches a destination, a log line or the output (docs/security.md,
Privacy): e-mails and phones are stored as their salted hash, names and IP addresses not at
all, and a quarantined record replays to the same respondent key."""

from __future__ import annotations

import copy
import csv
import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cxbridge import api, plugins_host
from cxbridge.cli.main import cli
from cxbridge.layout import TABLES
from cxbridge.addresses import addresses
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.respondents import RespondentKeys, salted_hash

KEYS = RespondentKeys("test-salt")
FREE_TEXT_EMAIL = "talk-to-me@example.org"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`cxbridge init`'s project, with one row quarantined (an 11 on the NPS question) and one
    comment naming an address in a sentence; the sample's e-mails."""
    monkeypatch.chdir(tmp_path)
    api.init(tmp_path)
    path = tmp_path / "data" / "sample_responses.csv"
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    header = rows[0]
    email, nps, comment = (header.index(name) for name in ("Email", header[6], "What could we do better?"))
    rows[1][nps] = "11"
    rows[2][comment] = f"Please write to {FREE_TEXT_EMAIL} about my order"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    return [row[email] for row in rows[1:] if row[email]]


def destination_url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "postgresql":
        return request.getfixturevalue("postgres_database")("privacy")
    suffix = {"sqlite": ".db", "duckdb": ".duckdb", "parquet": ""}[kind]
    return f"{kind}:///{tmp_path / ('store' + suffix)}"


def every_table(url: str) -> dict[str, str]:
    """Every table of the destination, its rows as JSON text."""
    with api.reading(destination=url) as destination:
        return {table.name: json.dumps(destination.query(f"SELECT * FROM {table.name}"), default=str, ensure_ascii=False)
                for table in TABLES}  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_no_table_of_any_destination_and_no_log_line_holds_an_email(kind, sample, tmp_path, request):
    url = destination_url(kind, tmp_path, request)
    result = CliRunner().invoke(cli, ["-vv", "sync", "--destination", url])
    assert result.exit_code == 0, result.output
    assert "1 quarantined" in result.stdout and "batch committed" in result.stderr
    tables = every_table(url)
    printed = result.stdout + result.stderr
    for email in sample:
        for name, text in tables.items():
            assert email.casefold() not in text.casefold(), f"{email} is stored in {name} ({kind})"
        assert email.casefold() not in printed.casefold(), f"{email} is in the output or the -vv log"
    assert "hashed:" + json.loads(tables["feedback"])[0]["respondent_key"] in tables["feedback"]  # raw keeps the key
    assert FREE_TEXT_EMAIL in tables["feedback_comments"]  # free text is kept as written (documented)


def test_the_sqlite_file_and_its_log_hold_no_email_byte(sample, tmp_path):
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    assert stored and not [email for email in sample if email.encode() in stored]


def test_a_quarantined_row_replays_to_the_key_a_clean_row_gets(sample, tmp_path):
    data = tmp_path / "data" / "sample_responses.csv"
    data.write_text(data.read_text(encoding="utf-8").replace(sample[2], sample[0].upper()), encoding="utf-8")
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0  # R1 is quarantined, R3 has R1's address
    [item] = api.quarantine_list()
    assert item.raw["values"]["Email"].startswith("hashed:") and sample[0] not in json.dumps(item.raw)
    config = tmp_path / "cxbridge.toml"
    config.write_text(config.read_text().replace('metric = "nps"\n', 'metric = "nps"\nignore_values = [11]\n', 1))
    replayed = CliRunner().invoke(cli, ["quarantine", "replay"])
    assert replayed.exit_code == 0 and not list(api.quarantine_list())
    with api.reading() as destination:
        keys = dict((row["source_record_id"], row["respondent_key"]) for row in destination.query(
            "SELECT source_record_id, respondent_key FROM feedback WHERE source_record_id IN ('R1', 'R3')"))  # fmt: skip
    assert keys["R1"] == keys["R3"] == item.raw["values"]["Email"].removeprefix("hashed:")


def test_keep_personal_data_keeps_the_contacts_for_follow_up(sample, tmp_path):
    config = tmp_path / "cxbridge.toml"
    config.write_text(config.read_text().replace("[settings]\n", "[settings]\nkeep_personal_data = true\n"))
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    with api.reading() as destination:
        raws = [row["raw"] for row in destination.query("SELECT raw FROM feedback")]
        keys = [row["respondent_key"] for row in destination.query("SELECT respondent_key FROM feedback")]
    assert sample[1] in "".join(raws) and all(len(key) == 32 for key in keys)


# --- the scrubber on its own -----------------------------------------------------------------


def scrub(raw, *, keep: bool = False, **declared):
    fields = PersonalFields(**{name: frozenset(value) if isinstance(value, set) else value
                               for name, value in declared.items()})  # fmt: skip
    return Scrubber(fields, KEYS, keep_personal_data=keep)(raw)


def test_contacts_become_their_key_names_and_ignored_fields_go():
    raw = {"id": "7", "values": {"Email": " Ann@Example.com ", "Phone": 48600100200, "Name": "Ann", "IP": "192.0.2.1",
                                 "Score": 9}, "labels": {"Name": "Ann"}}  # fmt: skip
    scrubbed = scrub(raw, contacts={"Email", "Phone"}, personal={"Name"}, ignored={"IP"})
    assert scrubbed == {"id": "7", "values": {"Email": "hashed:" + salted_hash("ann@example.com", "test-salt"),
                                              "Phone": "hashed:" + salted_hash("48600100200", "test-salt"),
                                              "Score": 9}, "labels": {}}  # fmt: skip
    assert raw["values"]["Name"] == "Ann", "the record read is left as it was"


def test_keep_personal_data_keeps_contacts_and_names_but_never_ignored_fields():
    raw = {"Email": "ann@example.com", "Name": "Ann", "IP": "192.0.2.1", "Other": "bob@example.com"}
    assert scrub(raw, keep=True, contacts={"Email"}, personal={"Name"}, ignored={"IP"}) == {
        "Email": "ann@example.com", "Name": "Ann", "Other": "bob@example.com"
    }  # fmt: skip


def test_a_whole_value_email_is_hashed_wherever_it_is_and_free_text_is_kept():
    raw = {"answers": [{"value": "Bob@Example.com"}, {"value": "mail bob@example.com please"}], "n": 3}
    assert scrub(raw) == {"answers": [{"value": KEYS.pseudonym("bob@example.com")},
                                      {"value": "mail bob@example.com please"}], "n": 3}  # fmt: skip
    not_addresses = {"a": "not@an address", "b": "x@y", "c": "@handle"}
    assert scrub(not_addresses) == not_addresses


def test_a_value_made_of_addresses_is_hashed_in_the_forms_exports_write_them():
    ann, bob = KEYS.pseudonym("ann@example.com"), KEYS.pseudonym("bob@example.com")
    raw = {"link": "mailto:Ann@Example.com", "contact": "Ann Lee <ann@example.com>", "bare": "<ann@example.com>",
           "cc": "ann@example.com; Lee, Bob <bob@example.com>", "quoted": '"Lee, Ann" <ann@example.com>, bob@example.com',
           "typed": "ann@example.com.", "sentence": "mail ann@example.com please"}  # fmt: skip
    assert scrub(raw) == {"link": ann, "contact": ann, "bare": ann, "cc": f"{ann}, {bob}", "quoted": f"{ann}, {bob}",
                          "typed": ann, "sentence": "mail ann@example.com please"}  # fmt: skip


def test_an_address_percent_encoded_or_in_a_link_is_hashed_and_the_rest_of_the_link_kept():
    ann, bob = KEYS.pseudonym("ann@example.com"), KEYS.pseudonym("bob@example.com")
    kept = {"sentence": "see https://x.example/?e=ann%40example.com", "percent": "100%40 off",
            "plain": "https://x.example/a"}  # fmt: skip
    raw = {"hidden": "ann%40example.com", "cc": "ann%40example.com%3B%20bob%40example.com",
           "link": "https://shop.example/s?email=Ann%40Example.com&store=7#top",
           "path": " https://crm.example/contacts/ann@example.com/edit", **kept}  # fmt: skip
    assert scrub(raw) == {"hidden": ann, "cc": f"{ann}, {bob}",
                          "link": f"https://shop.example/s?email={ann}&store=7#top",
                          "path": f" https://crm.example/contacts/{ann}/edit", **kept}  # fmt: skip
    assert scrub(raw, keep=True) == raw


def test_an_address_encoded_twice_or_as_an_html_character_reference_is_hashed():
    ann, bob = KEYS.pseudonym("ann@example.com"), KEYS.pseudonym("bob@example.com")
    kept = {"percent": "100%2540 off", "quote": "it&#39;s fine", "sentence": "write to ann&#64;example.com"}
    raw = {"twice": "ann%2540example.com", "entity": "ann&#64;example.com", "hex": "Ann&#x40;Example.com",
           "link": "https://shop.example/s?email=ann%2540example.com&store=7", "bob%2540example.com": 1, **kept}  # fmt: skip
    assert scrub(raw) == {"twice": ann, "entity": ann, "hex": ann, "link": f"https://shop.example/s?email={ann}&store=7",
                          bob: 1, **kept}  # fmt: skip
    assert scrub(raw, keep=True) == raw
    for written in ("ann%2540example.com", "ann&#64;example.com"):
        assert KEYS.key(written) == salted_hash("ann@example.com", "test-salt"), written


def test_a_key_that_is_an_address_becomes_its_hashed_key_in_its_place():
    ann, bob = KEYS.pseudonym("ann@example.com"), KEYS.pseudonym("bob@example.com")
    raw = {"scores": {"first": 1, "Ann@example.com": 9, "bob%40example.com": {"x": "y"}, "last": 2}}
    scrubbed = scrub(raw)
    assert json.dumps(scrubbed) == json.dumps({"scores": {"first": 1, ann: 9, bob: {"x": "y"}, "last": 2}})
    assert scrub(raw, keep=True) is raw


def test_a_long_cell_of_dots_around_an_at_sign_is_scrubbed_in_linear_time():
    """The address pattern once tried every dot of a domain as its last one: a 40 KB cell such as
    'a@b.b.b…b..' took about 40 s to scrub, a cell of a few MB hours."""
    hostile = {"cell": "a@" + "b." * 20_000 + ".", "list": "a@b.co, x@" + "b." * 20_000 + "<",
               "encoded": "a%40" + "b." * 20_000 + ".", "link": "https://x.example/?" + "e=a%40b.&" * 20_000,
               "a%40" + "b." * 20_000 + ".": "a key"}  # fmt: skip
    started = time.process_time()
    assert scrub(hostile) == hostile
    assert time.process_time() - started < 2


def test_a_sync_stores_no_address_written_as_a_link_with_a_name_or_in_a_list(tmp_path):
    """Every value `cxbridge inspect` calls an e-mail address (`mail_address`: 100% e-mail addresses,
    hashed, never stored) is hashed by the sync too, in feedback and in quarantine."""
    data = tmp_path / "data.csv"
    data.write_text("Response ID,Submitted,NPS,Contact,mail_address,CC\n"
                    "R1,2025-06-06 05:24,10,Dave Four <dave.four@corp.example>,mailto:erin.five@corp.example,"
                    "gina.seven@corp.example; hank.eight@corp.example\n"
                    "R2,2025-06-07 05:24,11,<kim.eleven@corp.example>,larry.twelve@corp.example.,\n", encoding="utf-8")  # fmt: skip
    config = tmp_path / "cxbridge.toml"
    config.write_text('[sources.s]\nconnector = "csv"\npath = "data.csv"\n'
                      '[sources.s.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\n'
                      '[[sources.s.metrics]]\ncolumn = "NPS"\nmetric = "nps"\n')  # fmt: skip
    result = CliRunner().invoke(cli, ["-vv", "sync", "--config", str(config)])
    assert result.exit_code == 0 and "1 written" in result.stdout and "1 quarantined" in result.stdout, result.output
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    for name in ("Dave Four", "dave.four", "erin.five", "gina.seven", "hank.eight", "kim.eleven", "larry.twelve"):
        assert name.encode() not in stored, f"{name} is stored"


def test_a_contact_written_with_a_display_name_or_as_a_link_is_keyed_as_its_address():
    key = salted_hash("jo@example.com", "test-salt")
    for written in ("Jo <jo@example.com>", '"Lee, Jo" <Jo@Example.com>', "mailto:jo@example.com", " jo@example.com. ",
                    "jo%40example.com"):
        assert KEYS.key(written) == key and KEYS.pseudonym(written) == "hashed:" + key, written
    assert scrub({"Email": "Jo <jo@example.com>"}, contacts={"Email"}) == {"Email": "hashed:" + key}
    assert KEYS.key("jo@example.com; al@example.com") == salted_hash("jo@example.com; al@example.com", "test-salt")


def test_a_sync_gives_one_respondent_the_key_of_the_address_however_the_column_writes_it(tmp_path):
    (tmp_path / "data.csv").write_text("Response ID,Submitted,NPS,Email\n"
                                       "R1,2025-06-06 05:24,10,jo@example.com\n"
                                       "R2,2025-06-07 05:24,9,Jo Lee <jo@example.com>\n"
                                       "R3,2025-06-08 05:24,8,mailto:JO@example.com\n", encoding="utf-8")  # fmt: skip
    config = tmp_path / "cxbridge.toml"
    config.write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n'
                      '[sources.s]\nconnector = "csv"\npath = "data.csv"\n'
                      '[sources.s.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\nemail = "Email"\n'
                      '[[sources.s.metrics]]\ncolumn = "NPS"\nmetric = "nps"\n')  # fmt: skip
    result = CliRunner().invoke(cli, ["sync", "--config", str(config)], env={"CXBRIDGE_TEST_SALT": "pepper"})
    assert result.exit_code == 0 and "3 written" in result.stdout, result.output
    with api.reading(destination=f"sqlite:///{tmp_path / 'cxbridge.db'}") as destination:
        rows = destination.query("SELECT respondent_key, raw FROM feedback ORDER BY source_record_id")
    key = salted_hash("jo@example.com", "pepper")
    assert [row["respondent_key"] for row in rows] == [key] * 3
    assert all(json.loads(row["raw"])["values"]["Email"] == "hashed:" + key for row in rows)


def test_a_sync_stores_no_address_percent_encoded_in_a_link_or_as_a_column_or_json_key(tmp_path):
    (tmp_path / "data.csv").write_text(
        "Response ID,Submitted,NPS,Link,Hidden,gina.seven@corp.example,Twice,Entity\n"
        "R1,2025-06-06 05:24,10,https://shop.example/r?email=dave.four%40corp.example&s=1,"
        "erin.five%40corp.example,yes,jo.ten%2540corp.example,kay.eleven&#64;corp.example\n",
        encoding="utf-8",
    )
    (tmp_path / "data.json").write_text(json.dumps([{
        "id": "J1", "submitted": "2025-06-06 05:24", "nps": 9, "votes": {"hank.eight@corp.example": 3},
        "link": "https://x.example/u/ivan.nine%40corp.example",
    }]))  # fmt: skip
    sources = [("s", "csv", "Response ID", "Submitted", "NPS"), ("j", "json", "id", "submitted", "nps")]
    config = tmp_path / "cxbridge.toml"
    config.write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n' + "".join(
        f'[sources.{name}]\nconnector = "{kind}"\npath = "data.{kind}"\n'
        f'[sources.{name}.columns]\nid = "{id_}"\nsubmitted_at = "{at}"\n'
        f'[[sources.{name}.metrics]]\ncolumn = "{nps}"\nmetric = "nps"\n' for name, kind, id_, at, nps in sources
    ))  # fmt: skip
    result = CliRunner().invoke(cli, ["-vv", "sync", "--config", str(config)], env={"CXBRIDGE_TEST_SALT": "pepper"})
    assert result.exit_code == 0 and result.stdout.count("1 written") == 2, result.output
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    for name in ("dave.four", "erin.five", "gina.seven", "hank.eight", "ivan.nine", "jo.ten", "kay.eleven"):
        assert name.encode() not in stored and name not in result.output, f"{name} is stored or logged"
    with api.reading(destination=f"sqlite:///{tmp_path / 'cxbridge.db'}") as destination:
        [raw] = [json.loads(row["raw"]) for row in destination.query("SELECT raw FROM feedback WHERE source = 's'")]
    dave = "hashed:" + salted_hash("dave.four@corp.example", "pepper")
    assert raw["values"]["Link"] == f"https://shop.example/r?email={dave}&s=1"  # the rest of the link kept


def test_a_mapped_column_named_like_an_address_keeps_its_answers_under_its_hashed_key(tmp_path):
    """The mapping names the column as read; the record stores its answers under the column's
    hashed key (they were lost, and the address kept as the question's id and text in answers)."""
    (tmp_path / "data.csv").write_text("Response ID,Submitted,lia.one@corp.example,mo.two@corp.example,Other\n"
                                       "R1,2025-06-06 05:24,9,Great shop,x\n", encoding="utf-8")  # fmt: skip
    config = tmp_path / "cxbridge.toml"
    config.write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n'
                      '[sources.s]\nconnector = "csv"\npath = "data.csv"\n'
                      '[sources.s.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\n'
                      'comment = "mo.two@corp.example"\n'
                      '[[sources.s.metrics]]\ncolumn = "lia.one@corp.example"\nmetric = "nps"\n')  # fmt: skip
    result = CliRunner().invoke(cli, ["-vv", "sync", "--config", str(config)], env={"CXBRIDGE_TEST_SALT": "pepper"})
    assert result.exit_code == 0 and "1 written" in result.stdout, result.output
    lia, mo = ("hashed:" + salted_hash(address, "pepper") for address in ("lia.one@corp.example", "mo.two@corp.example"))
    with api.reading(destination=f"sqlite:///{tmp_path / 'cxbridge.db'}") as destination:
        [record] = destination.query("SELECT nps, comment, answers, attributes FROM feedback")
        [score] = destination.query("SELECT question_id, question_text, value FROM feedback_scores")
        [comment] = destination.query("SELECT question_id, question_text, text FROM feedback_comments")
    assert (record["nps"], record["comment"]) == (9, "Great shop")
    assert json.loads(record["answers"]) == {lia: {"text": lia, "value": 9, "label": None},
                                             mo: {"text": mo, "value": "Great shop", "label": None}}  # fmt: skip
    assert json.loads(record["attributes"]) == {"Other": "x"}
    assert (score["question_id"], score["question_text"], score["value"]) == (lia, lia, 9)
    assert (comment["question_id"], comment["question_text"], comment["text"]) == (mo, mo, "Great shop")
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    assert b"lia.one" not in stored and b"mo.two" not in stored and "lia.one" not in result.output


def test_an_address_inside_a_header_or_key_is_masked_in_place_and_two_such_headers_stay_two_questions(tmp_path):
    """An address inside a longer column name or JSON key is replaced by its `hashed:` key where
    it stands (owner decision): in the questions' ids and texts, raw and attributes; the address
    reaches no byte of the database and no output, warnings and errors naming the column too."""
    (tmp_path / "data.csv").write_text(
        "Response ID,Submitted,Rate lia.one@corp.example,Rate mo.two@corp.example,Contact (ned.three@corp.example),"
        "How likely to recommend (oz.four@corp.example)?\n"
        "R1,2025-06-06 05:24,4,2,yes,9\nR2,2025-06-07 05:24,5,1,no,3\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "answers.json").write_text(json.dumps([{"id": "J1", "submitted": "2025-06-08 05:24", "nps": 6,
                                                        "votes": {"for pia.five@corp.example": 3}}]))  # fmt: skip
    config = tmp_path / "cxbridge.toml"
    config.write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n'
                      '[sources.s]\nconnector = "csv"\npath = "data.csv"\n'
                      '[sources.s.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\n'
                      '[[sources.s.metrics]]\ncolumn = "Rate lia.one@corp.example"\nmetric = "csat"\nscale = [1, 5]\n'
                      '[[sources.s.metrics]]\ncolumn = "Rate mo.two@corp.example"\nmetric = "csat"\nscale = [1, 5]\n'
                      '[sources.j]\nconnector = "json"\npath = "answers.json"\n'
                      '[sources.j.columns]\nid = "id"\nsubmitted_at = "submitted"\n'
                      '[[sources.j.metrics]]\ncolumn = "nps"\nmetric = "nps"\n')  # fmt: skip
    result = CliRunner().invoke(cli, ["-vv", "sync", "--config", str(config)], env={"CXBRIDGE_TEST_SALT": "pepper"})
    assert result.exit_code == 0 and "2 written" in result.stdout and "looks scored" in result.stdout, result.output
    lia, mo, ned, oz, pia = ("hashed:" + salted_hash(f"{name}@corp.example", "pepper")
                             for name in ("lia.one", "mo.two", "ned.three", "oz.four", "pia.five"))  # fmt: skip
    with api.reading(destination=f"sqlite:///{tmp_path / 'cxbridge.db'}") as destination:
        scores = destination.query("SELECT question_id, question_text, value FROM feedback_scores ORDER BY 1, 3")
        records = destination.query("SELECT attributes, raw FROM feedback WHERE source = 's' ORDER BY record_id")
        [json_record] = destination.query("SELECT attributes FROM feedback WHERE source = 'j'")
        questions = destination.query("SELECT question_id FROM questions WHERE source = 's'")
    assert [(s["question_id"], s["question_text"], s["value"]) for s in scores if s["question_id"] != "nps"] == [
        (f"Rate {lia}", f"Rate {lia}", 4), (f"Rate {lia}", f"Rate {lia}", 5),
        (f"Rate {mo}", f"Rate {mo}", 1), (f"Rate {mo}", f"Rate {mo}", 2),
    ]  # fmt: skip
    assert len(questions) == 2  # two addresses, two questions
    assert {f"Contact ({ned})", f"How likely to recommend ({oz})?"} == set(json.loads(records[0]["attributes"]))
    assert f"Rate {lia}" in json.loads(records[0]["raw"])["values"]
    assert json.loads(json_record["attributes"]) == {f"votes.for {pia}": 3}
    assert f"How likely to recommend ({oz})?" in result.stdout  # the warning names the column masked
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    for local in ("lia.one", "mo.two", "ned.three", "oz.four", "pia.five", "corp.example"):
        assert local.encode() not in stored and local not in result.output, local
    misspelt = config.read_text().replace('column = "Rate mo.two@corp.example"', 'column = "Rate mo.two@corp.exampel"')
    config.write_text(misspelt)
    refused = CliRunner().invoke(cli, ["sync", "--config", str(config)], env={"CXBRIDGE_TEST_SALT": "pepper"})
    assert refused.exit_code == 2 and "not in the header" in refused.output, refused.output
    assert "mo.two" not in refused.output and "lia.one" not in refused.output, refused.output


def test_two_keys_differing_only_in_the_letter_case_of_an_address_keep_a_value_each():
    """Such keys would take one name: the one written in capitals has the digits a file so named
    has after its key (`Scrubber.file_name`), whatever their order; a key alone keeps its key alone."""
    kim, cased = KEYS.pseudonym("kim@x.com"), f"{KEYS.pseudonym('kim@x.com')}-{salted_hash('Kim@x.com', 'test-salt')[:8]}"
    for votes in ({"for Kim@x.com": 1, "for kim@x.com": 2}, {"for kim@x.com": 2, "for Kim@x.com": 1}):
        assert scrub({"votes": votes}) == {"votes": {f"for {cased}": 1, f"for {kim}": 2}}
    assert scrub({"Kim@x.com": 1, "kim@x.com": 2, "KIM@x.com": 3}) == {
        cased: 1, kim: 2, f"{kim}-{salted_hash('KIM@x.com', 'test-salt')[:8]}": 3}  # fmt: skip
    assert scrub({"votes": {"for Kim@x.com": 1}}) == {"votes": {f"for {kim}": 1}}


def test_a_json_records_keys_differing_only_in_the_letter_case_of_an_address_are_both_stored(tmp_path):
    (tmp_path / "answers.json").write_text(json.dumps([{"id": "J1", "submitted": "2025-06-08 05:24", "nps": 6,
                                                        "votes": {"for Kim@x.com": 1, "for kim@x.com": 2}}]))  # fmt: skip
    config = tmp_path / "cxbridge.toml"
    config.write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n'
                      '[sources.j]\nconnector = "json"\npath = "answers.json"\n'
                      '[sources.j.columns]\nid = "id"\nsubmitted_at = "submitted"\n')  # fmt: skip
    result = CliRunner().invoke(cli, ["sync", "--config", str(config)], env={"CXBRIDGE_TEST_SALT": "pepper"})
    assert result.exit_code == 0 and "1 written" in result.stdout, result.output
    kim = "hashed:" + salted_hash("kim@x.com", "pepper")
    with api.reading(destination=f"sqlite:///{tmp_path / 'cxbridge.db'}") as destination:
        [record] = destination.query("SELECT attributes FROM feedback")
    cased = f"{kim}-{salted_hash('Kim@x.com', 'pepper')[:8]}"
    assert json.loads(record["attributes"]) == {"nps": 6, f"votes.for {cased}": 1, f"votes.for {kim}": 2}


def test_scrubbing_twice_changes_nothing_and_a_hashed_contact_keeps_its_key():
    once = scrub({"Email": "ann@example.com", "nested": {"Email": ["a@b.org", None]}}, contacts={"Email"})
    assert scrub(once, contacts={"Email"}) == once
    assert once["nested"]["Email"][1] is None
    assert KEYS.key(once["Email"]) == KEYS.key("ANN@example.com ")


def test_ignored_questions_go_with_their_parts_and_their_items_in_answer_lists():
    raw = {"values": {"QID4": 1, "QID4_TEXT": "x", "QID41": 2},
           "responseSet": [{"questionID": 9003, "a": 1}, {"questionID": 9004, "a": 2}]}  # fmt: skip
    items = (("questionID", frozenset({"9003"})),)
    scrubbed = scrub(raw, ignored={"QID4"}, ignored_prefixes=("QID4_",), ignored_items=items)
    assert scrubbed == {"values": {"QID41": 2}, "responseSet": [{"questionID": 9004, "a": 2}]}


def test_an_ignored_item_is_found_by_a_dotted_field_inside_it():
    """Typeform's answers name their field as an object: `{"field": {"id": …, "ref": …}, …}`."""
    raw = {"answers": [{"field": {"id": "F1", "ref": "name"}, "text": "Ann"}, {"field": {"id": "F2"}, "number": 9},
                       {"field": "F1"}, {"text": "no field"}]}  # fmt: skip
    items = (("field.id", frozenset({"F1"})), ("field.ref", frozenset({"name"})))
    assert scrub(raw, ignored_items=items) == {"answers": [{"field": {"id": "F2"}, "number": 9}, {"field": "F1"},
                                                           {"text": "no field"}]}  # fmt: skip


def test_a_record_without_personal_data_is_passed_on_as_it_is():
    raw = {"values": {"Score": 9, "Comment": "fine"}, "list": [1, 2]}
    assert scrub(raw, contacts={"Email"}) is raw


def scrubbed_by_the_rules(value, *, hashed, removed, prefixes, items, keep):
    """The module docstring's rules, written plainly: what the scrubber must give for `value`."""

    def contact(item):
        if isinstance(item, dict):
            return {key: contact(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [contact(inner) for inner in item]
        return None if item is None else KEYS.pseudonym(item)

    def removed_item(item):
        for path, values in items:
            found = item
            for part in path.split("."):
                found = found.get(part) if isinstance(found, dict) else None
            if found is not None and str(found) in values:
                return True
        return False

    def written(text):
        """The addresses a text is, as written or percent-decoded (an encoded "@"), else None."""
        found = addresses(text)
        return addresses(unquote(text)) if found is None and "%40" in text else found

    def text(item):
        if keep or ("@" not in item and "%40" not in item):
            return item
        if (found := written(item.strip())) is not None:
            return ", ".join(KEYS.pseudonym(address) for address in found)
        if not re.fullmatch(r"[a-z][a-z0-9+.-]*://\S*", item.strip(), re.IGNORECASE):
            return item  # free text: kept as written
        parts = re.split(r"([/?&=#;:])", item)  # a link: each part between its separators on its own
        return "".join(",".join(map(KEYS.pseudonym, found)) if (found := written(part)) else part for part in parts)

    def cased(key):
        """A key's name when another key of its object takes the same one: each address written in
        capitals with 8 hex digits of a hash of it as written after its key."""
        found = written(key.strip())
        return ", ".join(KEYS.pseudonym(address) + ("" if address == address.casefold() else
                                                    "-" + salted_hash(address, "test-salt")[:8]) for address in found)  # fmt: skip

    def walk(item):
        if isinstance(item, str):
            return text(item)
        if isinstance(item, dict):
            kept = [(key, inner) for key, inner in item.items()
                    if key in hashed or not (key in removed or key.startswith(prefixes))]  # fmt: skip
            names = [text(key) for key, _ in kept]
            return {cased(key) if names.count(name) > 1 else name: contact(inner) if key in hashed else walk(inner)
                    for (key, inner), name in zip(kept, names)}  # fmt: skip
        if isinstance(item, list):
            return [walk(inner) for inner in item if not (isinstance(inner, dict) and removed_item(inner))]
        return item

    return walk(value)


KEYS_SEEN = ["Email", "Phone", "Name", "IP", "QID4", "QID4_TEXT", "QID41", "questionID", "field", "id", "Comment", "x",
             "ann@example.com", "Ann%40Example.com", "ANN@example.com"]  # fmt: skip
texts = st.one_of(
    st.sampled_from(["ann@example.com", " Bob@Example.ORG ", "write to ann@example.com", "not@an address", "x@y",
                     "@handle", "+48 600 100 200", "600-100-200", "hashed:" + "0" * 32, "", "fine", "9003", "F1",
                     "ann%40example.com", "100%40 off",
                     " https://x.example/c/bob@example.org/?e=ann%40example.com&n=1 ",
                     "https://x.example/?to=a%40b.co%2Cc%40d.org#x", "see https://x.example/?e=ann%40example.com"]),
    st.emails(), st.text(max_size=12), st.builds("{} {}".format, st.emails(), st.text(max_size=5)),
)  # fmt: skip
leaves = st.none() | st.booleans() | st.integers(-5, 48600100200) | st.floats(allow_nan=False) | texts
raws = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS_SEEN) | st.text(max_size=4), inner,
                                                                max_size=6),
    max_leaves=25,
)  # fmt: skip
declarations = st.fixed_dictionaries({
    "contacts": st.frozensets(st.sampled_from(KEYS_SEEN), max_size=2),
    "personal": st.frozensets(st.sampled_from(KEYS_SEEN), max_size=2),
    "ignored": st.frozensets(st.sampled_from(KEYS_SEEN), max_size=2),
    "ignored_prefixes": st.sampled_from([(), ("QID4_",), ("Q", "x")]),
    "ignored_items": st.sampled_from([(), (("questionID", frozenset({"9003"})),), (("field.id", frozenset({"F1"})),)]),
})  # fmt: skip


@settings(max_examples=400, derandomize=True, database=None)
@given(raw=raws, declared=declarations, keep=st.booleans())
def test_any_record_is_scrubbed_by_the_rules_and_passed_on_as_it_is_when_nothing_changes(raw, declared, keep):
    fields = PersonalFields(**declared)
    before = copy.deepcopy(raw)
    result = Scrubber(fields, KEYS, keep_personal_data=keep)(raw)
    if keep:
        hashed, removed = fields.contacts & fields.ignored, fields.ignored - fields.contacts
    else:
        hashed, removed = fields.contacts, (fields.ignored | fields.personal) - fields.contacts
    expected = scrubbed_by_the_rules(raw, hashed=hashed, removed=removed, prefixes=fields.ignored_prefixes,
                                     items=fields.ignored_items, keep=keep)  # fmt: skip
    assert json.dumps(result) == json.dumps(expected)  # key order too
    assert raw == before, "the record read is left as it was"
    declared_keys = hashed | removed
    if json.dumps(expected) == json.dumps(raw) and not any(
        key in declared_keys or key.startswith(fields.ignored_prefixes) for key in keys_within(raw)
    ):
        assert result is raw


def keys_within(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_within(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_within(inner)
