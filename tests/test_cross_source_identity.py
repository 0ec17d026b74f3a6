"""One response, one record: copies of a response read through several sources are all kept in
`feedback`, all but one point (`duplicate_of`) at the one views count, and `cxbridge
duplicates` shows each group with its evidence (cxbridge.duplicates, cxbridge.resolver)."""

from __future__ import annotations

import csv
import io
import json
import signal
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import tomlkit
from sqlite_utils import Database

import cxbridge
from cxbridge import api
from cxbridge.config import Config, config_from_dict
from cxbridge.duplicates import Copy, Match
from cxbridge.errors import ConfigError
from cxbridge.exports.qualtrics_fields import canonical
from cxbridge.identity import record_id
from cxbridge.loop import tracking
from cxbridge.plugins.qualtrics.source import QualtricsSource
from cxbridge.plugins.sqlite.schema import migrations
from cxbridge.plugins_host import create_host
from cxbridge.resolver import duplicate_counts
from tests.qualtrics_api import ROOT, TOKEN, QualtricsAccount, qualtrics
from tests.sqlite_runs import copy_sample
from tests.local_destinations import LOCAL_KINDS, destination_maker, destination_url
from tests.killed_syncs import KillWhenRunFinished, forked_command

NO_BASIS = "QualtricsTools_No_Basis_for_Evaluation"
KEEP_TESTS = "include_test_responses = true\n"
"""Every response of the QualtricsTools samples is a test response (Status 2): the sources here keep them."""
SURVEY = "SV_3Czxxo8mVNob5gV"  # the .qsf's own survey id
FEELING = {"metric": "csat", "scale": [1, 3], "direction": "lower_is_better", "ignore_values": [-1]}
"""QID1, 'Indicate how you feel about squash': 1 Great, 2 In the middle, 3 Awful, -1 No opinion."""
HEADER = ["id", "submitted", "nps", "email", "modified"]


def config(folder: Path, sources: dict[str, Any], identity: dict[str, Any] | None = None) -> Config:
    data = {"sources": sources, **({"identity": identity} if identity else {})}
    return config_from_dict(data, create_host(), path=folder / "cxbridge.toml")


def sync(folder: Path, sources: dict[str, Any], *, identity: dict[str, Any] | None = None, db: str = "cx.db"):
    return cxbridge.sync(config(folder, sources, identity), destination=f"sqlite:///{folder / db}", host=create_host())


def duplicates(folder: Path, sources: dict[str, Any], identity: dict[str, Any] | None = None) -> api.DuplicatesReport:
    return api.duplicates(config(folder, sources, identity), destination=f"sqlite:///{folder / 'cx.db'}", host=create_host())


def feedback(folder: Path, db: str = "cx.db") -> dict[tuple[str, str], str | None]:
    """(source, native id) → the (source, native id) of the record it is a copy of, or None."""
    with sqlite3.connect(folder / db) as conn:
        rows = conn.execute(
            "SELECT f.source, f.source_record_id, c.source, c.source_record_id FROM feedback f "
            "LEFT JOIN feedback c ON c.record_id = f.duplicate_of"
        ).fetchall()
    return {(source, native): (of_source, of_native) if of_source else None for source, native, of_source, of_native in rows}


def view(folder: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(folder / "cx.db") as conn:
        return conn.execute(sql).fetchall()


def write_rows(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def csv_source(path: str, **extra: Any) -> dict[str, Any]:
    return {
        "connector": "csv", "path": path,
        "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "updated_at": "modified"},
        "metrics": [{"column": "nps", "metric": "nps"}], **extra,
    }  # fmt: skip


# -- the same export twice -----------------------------------------------------------------------


def test_the_same_export_imported_under_two_names_is_kept_twice_and_counted_once(tmp_path):
    rows = [[f"R_{n:03d}", f"2025-03-{n % 28 + 1:02d}T09:{n % 60:02d}:00Z", n % 11, f"p{n}@example.com", ""]
            for n in range(1, 102)]  # fmt: skip
    write_rows(tmp_path / "export.csv", rows)
    results = sync(tmp_path, {"branch_a": csv_source("export.csv"), "branch_b": csv_source("export.csv")}).results
    assert [(r.read, r.written) for r in results] == [(101, 101), (101, 101)]
    found = feedback(tmp_path)
    assert len(found) == 202, "both copies of every response are kept"
    assert found == {
        **{("branch_a", f"R_{n:03d}"): None for n in range(1, 102)},  # the first source by name counts
        **{("branch_b", f"R_{n:03d}"): ("branch_a", f"R_{n:03d}") for n in range(1, 102)},
    }
    again = sync(tmp_path, {"branch_a": csv_source("export.csv"), "branch_b": csv_source("export.csv")}).results
    assert [r.written for r in again] == [0, 0] and feedback(tmp_path) == found
    scores = [row[2] for row in rows]  # worked out from the file, by the NPS rules
    promoters, detractors = sum(score >= 9 for score in scores), sum(score <= 6 for score in scores)
    assert view(tmp_path, "SELECT source, month, responses, promoters, detractors, nps FROM nps_by_month") == [
        ("branch_a", "2025-03", 101, promoters, detractors, round(100 * (promoters - detractors) / 101, 1)),
    ]
    assert view(tmp_path, "SELECT source, COUNT(*) FROM detractor_queue GROUP BY source") == [("branch_a", detractors)]
    assert view(tmp_path, "SELECT SUM(responses), SUM(detractors) FROM nps_by_segment") == [(101, detractors)]
    assert view(tmp_path, "SELECT month, responses FROM nps_revenue_by_month") == [("2025-03", 101)]
    assert detractors == 65  # not 130, as it was when each copy counted
    [row] = api.report(destination=f"sqlite:///{tmp_path / 'cx.db'}", metric="nps")
    assert (row["responses"], row["detractors"]) == (101, detractors), row


def copies_compared(tmp_path: Path, monkeypatch, *, identity: dict[str, Any]) -> list[str]:
    """Sync branch_a's 20 responses, then branch_b's ten copies of its last ten (same id, same
    e-mail) and ten of its own, in batches of 10: the source of each record worked into a
    comparable copy (`Copy.of`, a hash of its answers), in order."""
    made: list[str] = []
    of = Copy.of.__func__

    def counting(cls, row):
        made.append(row["source"])
        return of(cls, row)

    monkeypatch.setattr(Copy, "of", classmethod(counting))
    rows = [[f"R_{n:03d}", f"2025-03-{n % 28 + 1:02d}T09:00:00Z", n % 11, f"p{n}@example.com", ""] for n in range(1, 31)]
    write_rows(tmp_path / "a.csv", rows[:20])
    write_rows(tmp_path / "b.csv", rows[10:])
    data = {"settings": {"batch_size": 10}, "identity": identity,
            "sources": {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv")}}  # fmt: skip
    settings = config_from_dict(data, create_host(), path=tmp_path / "cxbridge.toml")
    assert cxbridge.sync(settings, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host()).exit_code == 0
    return made


def test_a_batch_whose_keys_no_stored_record_holds_is_compared_with_nothing(tmp_path, monkeypatch):
    """Copies are of two sources and a batch's records of one: when no stored record shares a key
    with a batch's, its records are not worked into comparable copies (`Copy.of`, a hash of
    their answers each) — only the stored ones found are, and the batch's that have some."""
    made = copies_compared(tmp_path, monkeypatch, identity={})
    assert made == ["branch_a"] * 10 + ["branch_b"] * 10, "the records copied, then the batch of their copies"
    assert sorted(n for (source, n), of in feedback(tmp_path).items() if of) == [f"R_{n:03d}" for n in range(11, 21)]


def test_a_stored_record_found_by_two_keys_is_compared_once_a_batch(tmp_path, monkeypatch):
    """With likely duplicates merged, a batch looks stored records up by native id and by
    respondent: a stored copy holding both is read twice, and worked into a comparable copy
    (`Copy.of`, a hash of its answers) once."""
    made = copies_compared(tmp_path, monkeypatch, identity={"merge_likely_duplicates": True})
    assert made == ["branch_a"] * 10 + ["branch_b"] * 10, "each copy of branch_a's once, then the batch of their copies"
    assert sorted(n for (source, n), of in feedback(tmp_path).items() if of) == [f"R_{n:03d}" for n in range(11, 21)]


def test_exact_copies_only_reported_when_configured_and_the_choice_is_reversible(tmp_path):
    write_rows(tmp_path / "export.csv", [["R_1", "2025-03-01T09:00:00Z", 3, "a@example.com", ""]])
    sources = {"branch_a": csv_source("export.csv"), "branch_b": csv_source("export.csv")}
    sync(tmp_path, sources, identity={"merge_exact_copies": False})
    assert feedback(tmp_path) == {("branch_a", "R_1"): None, ("branch_b", "R_1"): None}
    [group] = api.duplicates(destination=f"sqlite:///{tmp_path / 'cx.db'}").groups  # default rules: merged
    assert [m.value for m in group.matches] == ["exact_copy"] and [c.source for c in group.members] == ["branch_a", "branch_b"]
    sync(tmp_path, sources)  # the default again: one pass over what is stored links them
    assert feedback(tmp_path)[("branch_b", "R_1")] == ("branch_a", "R_1")
    sync(tmp_path, sources, identity={"merge_exact_copies": False})
    assert set(feedback(tmp_path).values()) == {None}


# -- the Qualtrics proof: two export formats and the API -----------------------------------------


def api_replay(folder: Path) -> QualtricsAccount:
    """The 15 responses of the Insights export as the Qualtrics API's JSON export gives them
    (recorded dates in UTC), under the survey definition of the .qsf."""
    rows = list(csv.reader((folder / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8")))
    import_ids = [canonical(json.loads(cell.replace("'", '"'))["ImportId"]) for cell in rows[2]]
    qsf = json.loads((folder / f"{NO_BASIS}.qsf").read_text(encoding="utf-8"))
    questions = {e["Payload"]["QuestionID"]: e["Payload"] for e in qsf["SurveyElements"] if e.get("Element") == "SQ"}
    account = QualtricsAccount()
    account.add_survey(SURVEY, "No Basis for Evaluation")
    account.definitions[SURVEY] = {"SurveyID": SURVEY, "SurveyName": "No Basis for Evaluation", "Questions": questions}
    for row in rows[3:]:
        values: dict[str, Any] = {key: _typed(cell) for key, cell in zip(import_ids, row, strict=True) if cell != ""}
        response_id = values.pop("_recordId")
        ended = datetime.fromisoformat(values["endDate"]).replace(tzinfo=ZoneInfo("America/New_York"))
        values["recordedDate"] = values["endDate"] = ended.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
        account.put(SURVEY, {"responseId": response_id, "values": values, "labels": {}})
    return account


def _typed(cell: str) -> Any:
    try:
        return int(cell)
    except ValueError:
        return cell


def export_source(name: str, fmt: str, zone: str, **extra: Any) -> dict[str, Any]:
    """Test responses kept: every response of the QualtricsTools samples is one (Status 2)."""
    return {
        "connector": "csv", "path": name, "format": fmt, "definition": f"{NO_BASIS}.qsf", "timezone": zone,
        "include_test_responses": True,
        "columns": {"id": "_recordId", "submitted_at": "endDate", "status": "finished"},
        "metrics": [{"column": "QID1", **FEELING}], "questions": ["QID3_1"],
        "ignore": ["recipientName", "recipientFirstName", "recipientLastName", "recipientEmail", "ipAddress"], **extra,
    }  # fmt: skip


@pytest.fixture
def no_basis(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    for name in (f"{NO_BASIS}_Insights.csv", f"{NO_BASIS}_Legacy.csv", f"{NO_BASIS}.qsf"):
        copy_sample(name, tmp_path)
    return tmp_path


def response_ids(folder: Path) -> list[str]:
    rows = list(csv.reader((folder / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8")))
    return [row[0] for row in rows[3:]]


def test_two_export_formats_and_the_api_of_one_survey_are_one_response_each_the_api_counted(no_basis):
    """Years of exports in both Qualtrics formats, then the API source: declared the same survey
    (`same_as`), each ResponseId is one response, and the API's copy is the one counted."""
    with qualtrics(api_replay(no_basis)) as fake:
        sources = {
            "qualtrics_api": {"connector": "qualtrics", "base_url": fake.url + ROOT, "api_token": "${QUALTRICS_API_TOKEN}",
                              "surveys": [SURVEY], "questions": {"QID1": {**FEELING, "primary": True}},
                              "include_test_responses": True},
            "exports_2016": export_source(f"{NO_BASIS}_Insights.csv", "qualtrics", "America/New_York", same_as="qualtrics_api"),
            "exports_legacy": export_source(f"{NO_BASIS}_Legacy.csv", "qualtrics_legacy", "America/Denver",
                                            same_as="exports_2016"),
        }  # fmt: skip
        results = sync(no_basis, sources).results
    groups = list(duplicates(no_basis, sources).groups)
    assert [(r.source, r.status, r.written) for r in results] == [
        ("qualtrics_api", "success", 15), ("exports_2016", "success", 15), ("exports_legacy", "success", 15),
    ], [r.error for r in results]  # fmt: skip
    ids = response_ids(no_basis)
    assert feedback(no_basis) == {
        **{("qualtrics_api", rid): None for rid in ids},
        **{(name, rid): ("qualtrics_api", rid) for rid in ids for name in ("exports_2016", "exports_legacy")},
    }
    assert len(groups) == 15 and all(g.merged and g.kept.source == "qualtrics_api" for g in groups)
    # the two exports are exact copies of each other too, but a declared match is named first
    assert duplicate_counts(groups) == {"same_as": 15, "exact_copy": 0, "likely_duplicate": 0, "counted_once": 30}
    feelings = [row[11] for row in list(csv.reader((no_basis / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8")))[3:]]
    great, awful, scored = feelings.count("1"), feelings.count("3"), sum(f in ("1", "2", "3") for f in feelings)
    assert view(no_basis, "SELECT source, month, responses, satisfied, dissatisfied FROM csat_by_month") == [
        ("qualtrics_api", "2016-06", scored, great, awful),
    ]
    assert view(no_basis, "SELECT source, COUNT(*) FROM detractor_queue GROUP BY source") == [("qualtrics_api", awful)]
    assert (scored, great, awful) == (13, 3, 7)
    # one question in both export formats and the API: one key (the survey's QID on its scale), counted once
    key = f"{SURVEY}/QID1@1-3"
    assert view(no_basis, "SELECT source, question_key, COUNT(*) FROM feedback_scores s JOIN feedback f "
                          "USING (record_id) GROUP BY 1, 2 ORDER BY 1") == [
        ("exports_2016", key, scored), ("exports_legacy", key, scored), ("qualtrics_api", key, scored),
    ]  # fmt: skip
    assert view(no_basis, "SELECT question_key, month, responses, favourable, unfavourable FROM question_trend") == [
        (key, "2016-06", scored, great, awful),
    ]
    assert view(no_basis, "SELECT question_key, source, question_id, answers FROM questions") == [
        (key, "qualtrics_api", "QID1", scored),
    ]


def test_the_two_export_formats_of_one_survey_are_exact_copies_without_a_declaration(no_basis):
    sources = {
        "exports_2016": export_source(f"{NO_BASIS}_Insights.csv", "qualtrics", "America/New_York"),
        "exports_legacy": export_source(f"{NO_BASIS}_Legacy.csv", "qualtrics_legacy", "America/Denver"),
    }
    sync(no_basis, sources)
    ids = response_ids(no_basis)
    assert feedback(no_basis) == {
        **{("exports_2016", rid): None for rid in ids},
        **{("exports_legacy", rid): ("exports_2016", rid) for rid in ids},
    }
    groups = list(duplicates(no_basis, sources).groups)
    assert duplicate_counts(groups) == {"same_as": 0, "exact_copy": 15, "likely_duplicate": 0, "counted_once": 15}
    assert "identical answers (2)" in groups[0].links[0].evidence  # QID1 and QID3_1


# -- the duplicates report on a hand-built set ---------------------------------------------------


HAND_BUILT = {  # source → rows: id, submitted, nps, email, modified
    "crm_export": [
        ["A1", "2025-05-01T10:00:00Z", 9, "ann@example.com", "2025-05-01T10:00:00Z"],  # exact copy of pos A1
        ["A2", "2025-05-02T10:00:00Z", 3, "bob@example.com", ""],  # likely duplicate of pos P7 (90 s)
        ["A3", "2025-05-03T10:00:00Z", 7, "cy@example.com", ""],  # same answers as pos P8, but 2 hours apart
        ["A4", "2025-05-04T10:00:00Z", 10, "dee@example.com", ""],  # same id as pos A4, other answers
    ],
    "pos_survey": [
        ["A1", "2025-05-01T10:00:00Z", 9, "ann@example.com", "2025-06-01T08:00:00Z"],  # edited later: counted
        ["P7", "2025-05-02T10:01:30Z", 3, "BOB@example.com ", ""],
        ["P8", "2025-05-03T12:00:00Z", 7, "cy@example.com", ""],
        ["A4", "2025-05-04T10:00:00Z", 0, "dee@example.com", ""],
    ],
    "kiosk": [
        ["A1", "2025-05-01T10:00:00Z", 9, "ann@example.com", ""],  # a third exact copy
        ["K1", "2025-05-02T10:04:00Z", 3, "bob@example.com", ""],  # 4 minutes after A2, 2.5 after P7
    ],
}


def hand_built(folder: Path) -> dict[str, Any]:
    for name, rows in HAND_BUILT.items():
        write_rows(folder / f"{name}.csv", rows)
    return {name: csv_source(f"{name}.csv") for name in HAND_BUILT}


def test_the_duplicates_report_finds_what_was_built_and_merges_only_what_is_configured(tmp_path):
    sync(tmp_path, hand_built(tmp_path), identity={"tolerance": 180})
    groups = list(duplicates(tmp_path, hand_built(tmp_path), identity={"tolerance": 180}).groups)
    found = sorted(
        ([m.value for m in g.matches], [(c.source, c.source_record_id) for c in g.members], g.merged)
        for g in groups
    )
    assert found == [
        (["exact_copy"], [("pos_survey", "A1"), ("crm_export", "A1"), ("kiosk", "A1")], True),  # newest updated_at first
        (["likely_duplicate"], [("crm_export", "A2"), ("kiosk", "K1"), ("pos_survey", "P7")], False),
    ]  # A3/P8 are 2 hours apart; A4 has other answers; A2 and K1 (4 min) chain through P7 (90 s, 150 s)
    likely = next(g for g in groups if not g.merged)
    assert sorted(link.evidence.split(", submitted ")[1].split(" s apart")[0] for link in likely.links) == ["150", "90"]
    assert feedback(tmp_path)[("crm_export", "A1")] == ("pos_survey", "A1")
    assert feedback(tmp_path)[("crm_export", "A2")] is None, "likely duplicates are reported, not merged"
    sync(tmp_path, hand_built(tmp_path), identity={"tolerance": 180, "merge_likely_duplicates": True})
    merged = feedback(tmp_path)
    assert [merged[key] for key in (("crm_export", "A2"), ("kiosk", "K1"), ("pos_survey", "P7"))] == [
        None, ("crm_export", "A2"), ("crm_export", "A2"),
    ]  # fmt: skip  (all three from export files, none updated: the first by source name counts)
    assert sum(value is not None for value in merged.values()) == 4


def test_the_duplicates_command_prints_each_group_with_its_evidence(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    sync(tmp_path, hand_built(tmp_path), identity={"tolerance": 180})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["duplicates", "--db", "cx.db", "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["counts"] == {"same_as": 0, "exact_copy": 1, "likely_duplicate": 1, "counted_once": 2}
    exact = printed["groups"][0]
    assert exact["counted"] == record_id("pos_survey", "rows", "A1")
    assert [r["duplicate_of"] for r in exact["records"]] == [None, exact["counted"], exact["counted"]]
    table = CliRunner().invoke(cli, ["duplicates", "--db", "cx.db"])
    assert "2 responses with copies: 0 declared (same_as), 1 exact copies, 1 likely duplicates; 2 records left" in table.output
    status = CliRunner().invoke(cli, ["status", "--db", "cx.db", "--format", "csv"])
    assert "source,copies\ncrm_export,1\nkiosk,1\n" in status.output
    assert "_cxbridge" not in status.output


# -- copies that change, leave, or were stored before identity -----------------------------------


def test_when_the_counted_copy_goes_to_quarantine_another_copy_counts(tmp_path):
    write_rows(tmp_path / "a.csv", [["R_1", "2025-03-01T09:00:00Z", 3, "a@example.com", ""]])
    write_rows(tmp_path / "b.csv", [["R_1", "2025-03-01T09:00:00Z", 3, "a@example.com", ""]])
    sources = {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv")}
    sync(tmp_path, sources)
    assert feedback(tmp_path) == {("branch_a", "R_1"): None, ("branch_b", "R_1"): ("branch_a", "R_1")}
    write_rows(tmp_path / "a.csv", [["R_1", "2025-03-01T09:00:00Z", 12, "a@example.com", ""]])  # off the scale
    [first, _] = sync(tmp_path, sources).results
    assert first.quarantined == 1
    assert feedback(tmp_path) == {("branch_b", "R_1"): None}, "never a pointer at a record that is gone"


def test_a_better_copy_arriving_after_the_first_one_opened_a_case_opens_no_second_case(tmp_path):
    """Exports first, the better copy later: one response is one case, whichever copy opened it.
    A response whose counted copy newly meets a rule, and none of whose copies has a case, opens one."""
    scores_a = {1: 3, 2: 6, 3: 9, 4: 8, 5: 0}  # R_n in the export, synced first
    scores_b = {1: 3, 2: 9, 3: 2, 4: 8, 6: 5}  # the later copy (newer modified time): it counts
    write_rows(tmp_path / "a.csv", [[f"R_{n}", "2025-03-01T09:00:00Z", score, f"p{n}@example.com",
                                     "2025-03-01T09:00:00Z"] for n, score in scores_a.items()])  # fmt: skip
    write_rows(tmp_path / "b.csv", [[f"R_{n}", "2025-03-01T09:00:00Z", score, f"p{n}@example.com",
                                     "2025-03-02T09:00:00Z"] for n, score in scores_b.items()])  # fmt: skip
    exports, later = csv_source("a.csv"), csv_source("b.csv", same_as="branch_a")
    [first] = sync(tmp_path, {"branch_a": exports}).results
    assert first.cases_opened == sum(score <= 6 for score in scores_a.values())
    results = sync(tmp_path, {"branch_a": exports, "branch_b": later}).results
    cased_first = {n for n, score in scores_a.items() if score <= 6}
    newly = {n for n, score in scores_b.items() if score <= 6 and n not in cased_first}
    assert [r.cases_opened for r in results] == [0, len(newly)]
    assert feedback(tmp_path)[("branch_a", "R_1")] == ("branch_b", "R_1"), "the later copy counts"
    cases = view(tmp_path, "SELECT f.source, f.source_record_id FROM feedback_cases c "
                           "JOIN feedback f ON f.record_id = c.record_id")  # fmt: skip
    assert sorted(cases) == sorted([("branch_a", f"R_{n}") for n in cased_first] + [("branch_b", f"R_{n}") for n in newly])
    assert view(tmp_path, "SELECT COUNT(*) FROM loop_queue") == [(len(cased_first | newly),)]
    edited = {**scores_b, 2: 4, 4: 1}  # R_2's response has its case (the export's copy), R_4's none
    write_rows(tmp_path / "b.csv", [[f"R_{n}", "2025-03-01T09:00:00Z", score, f"p{n}@example.com",
                                     "2025-03-03T09:00:00Z"] for n, score in edited.items()])  # fmt: skip
    results = sync(tmp_path, {"branch_a": exports, "branch_b": later}).results
    assert [r.cases_opened for r in results] == [0, 1]
    assert view(tmp_path, "SELECT COUNT(*) FROM feedback_cases") == [(len(cased_first | newly) + 1,)]


@pytest.mark.parametrize("kind", LOCAL_KINDS)
def test_copies_linked_after_each_opened_a_case_keep_one_case_the_others_closed(tmp_path, request, kind):
    """Two sources synced apart, each opening a case for its copy of a response, then declared
    the same survey: the response keeps the case worked furthest (else the first opened) and
    the sync closes the others with no action, saying which case is the response's."""
    make = destination_maker(kind, tmp_path, request, "cx")
    scores_a = {1: 3, 2: 5, 3: 9, 4: 0}  # the export, synced first
    scores_b = {1: 2, 2: 4, 3: 9, 4: 8}  # the API's later copies (newer modified time: they count)
    write_rows(tmp_path / "a.csv", [[f"R_{n}", "2025-03-01T09:00:00Z", score, f"p{n}@example.com",
                                     "2025-03-01T09:00:00Z"] for n, score in scores_a.items()])  # fmt: skip
    write_rows(tmp_path / "b.csv", [[f"R_{n}", "2025-03-01T09:00:00Z", score, f"p{n}@example.com",
                                     "2025-03-02T09:00:00Z"] for n, score in scores_b.items()])  # fmt: skip
    apart = {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv")}  # different answers: not copies
    declared = {"branch_a": apart["branch_a"], "branch_b": csv_source("b.csv", same_as="branch_a")}

    def sync_to(sources: dict[str, Any]) -> cxbridge.SyncResult:
        return cxbridge.sync(config(tmp_path, sources), destination=make().url, host=create_host())

    def query(sql: str) -> list[dict[str, Any]]:
        with make() as destination:
            destination.open()
            return destination.query(sql)

    sync_to({"branch_a": apart["branch_a"]})
    sync_to(apart)
    cases = {(row["source"], row["source_record_id"]): row["case_id"] for row in query(
        "SELECT c.case_id, f.source, f.source_record_id FROM feedback_cases c JOIN feedback f ON f.record_id = c.record_id")}
    both = {n for n in scores_a if scores_a[n] <= 6 and scores_b[n] <= 6}
    assert len(cases) == sum(s <= 6 for s in scores_a.values()) + sum(s <= 6 for s in scores_b.values())
    with make() as destination:
        destination.open()
        tracking.move(destination, cases[("branch_b", "R_2")], "contacted", actor="ana")  # worked: it stays
    result = sync_to(declared)
    kept = {1: cases[("branch_a", "R_1")], 2: cases[("branch_b", "R_2")]}  # R_1: the first opened; R_2: the worked one
    closed = {1: cases[("branch_b", "R_1")], 2: cases[("branch_a", "R_2")]}
    assert set(kept) == both
    rows = {row["case_id"]: row for row in query("SELECT case_id, status, close_reason FROM feedback_cases")}
    for n in both:
        assert rows[closed[n]]["status"] == "closed_no_action"
        assert kept[n] in rows[closed[n]]["close_reason"], "the reason names the response's case"
        assert rows[kept[n]]["status"] == ("contacted" if n == 2 else "open")
    waiting = {row["case_id"] for row in query("SELECT case_id FROM loop_queue")}
    assert waiting == set(cases.values()) - set(closed.values())
    events = query("SELECT case_id, actor, from_value, to_value FROM feedback_case_events WHERE kind = 'status'")
    assert sorted((e["case_id"], e["from_value"], e["to_value"]) for e in events if e["actor"] == "cxbridge") == sorted(
        (closed[n], "open", "closed_no_action") for n in both)
    assert [w for w in result.warnings if "of copies closed" in w] == [
        f"2 cases of copies closed with no action, each response keeping one case "
        f"({', '.join(sorted(closed.values()))}: `cxbridge cases show CASE` names it)"]
    again = sync_to(declared)
    assert len(query("SELECT event_id FROM feedback_case_events WHERE kind = 'status'")) == len(events)
    assert not again.warnings



def test_a_replay_that_links_copies_closes_their_second_cases_as_a_sync_does(tmp_path):
    """The counted copy goes to quarantine (its case stays), the other copy then opens a case of
    its own, and a replay stores the first again, linking the two: the replay closes the second
    case as a sync that links copies does — it left both open and its mark pending until a sync."""
    at = "2025-03-01T09:00:00Z"
    write_rows(tmp_path / "a.csv", [["R_1", at, 3, "p1@example.com", at]])
    write_rows(tmp_path / "b.csv", [["R_9", at, 10, "p9@example.com", at]])
    sources = {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv", same_as="branch_a")}
    sync(tmp_path, sources)  # a detractor: branch_a's R_1 opens a case
    write_rows(tmp_path / "a.csv", [["R_1", at, 12, "p1@example.com", "2025-03-02T09:00:00Z"]])  # off the scale
    assert [r.quarantined for r in sync(tmp_path, sources).results] == [1, 0]
    write_rows(tmp_path / "b.csv", [["R_9", at, 10, "p9@example.com", at],
                                    ["R_1", at, 2, "p1@example.com", "2025-03-03T09:00:00Z"]])  # fmt: skip
    sync(tmp_path, sources)  # branch_b's R_1, the only copy in feedback, opens a case
    [(first,)] = view(tmp_path, "SELECT case_id FROM feedback_cases WHERE record_id = "
                                "(SELECT record_id FROM quarantine WHERE source = 'branch_a')")  # fmt: skip
    [(second,)] = view(tmp_path, "SELECT case_id FROM feedback_cases c JOIN feedback f USING (record_id) "
                                 "WHERE f.source = 'branch_b' AND f.source_record_id = 'R_1'")  # fmt: skip
    fixed = {**sources, "branch_a": csv_source("a.csv", metrics=[{"column": "nps", "metric": "nps", "ignore_values": [12]}])}
    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps({"sources": fixed}), encoding="utf-8")
    replayed = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cx.db'}")
    assert [(r.written, r.quarantined) for r in replayed.results] == [(1, 0)]
    assert feedback(tmp_path)[("branch_a", "R_1")] == ("branch_b", "R_1"), "linked: the later copy counts"
    assert sorted(view(tmp_path, "SELECT case_id, status FROM feedback_cases")) == sorted(
        [(first, "open"), (second, "closed_no_action")])  # the first opened stays the response's case
    assert [w for w in replayed.warnings if "of copies closed" in w] == [
        f"1 case of copies closed with no action, each response keeping one case "
        f"({second}: `cxbridge cases show CASE` names it)"]
    assert view(tmp_path, "SELECT name FROM cxbridge_metadata WHERE name LIKE 'loop.copy_cases_pending.%'") == []


@pytest.mark.parametrize("kind", LOCAL_KINDS)
def test_a_sync_killed_between_linking_copies_and_closing_their_cases_leaves_them_to_the_next(
    tmp_path, request, kind, monkeypatch
):
    """SIGKILL after the sync that declared two sources one survey committed the links, before it
    closed the second case of each response: the next sync, which links nothing, closes it — and
    the one after it, with no mark left, does not look at the copies' cases at all."""
    make = destination_maker(kind, tmp_path, request, "cx")
    scores = {"a": {1: 3, 2: 9, 3: 5, 4: 0}, "b": {1: 2, 2: 8, 3: 10, 4: 6}}  # b: the later copies (newer modified time)
    for branch, day in (("a", "01"), ("b", "02")):
        write_rows(tmp_path / f"{branch}.csv", [[f"R_{n}", "2025-03-01T09:00:00Z", score, f"p{n}@example.com",
                                                 f"2025-03-{day}T09:00:00Z"] for n, score in scores[branch].items()])  # fmt: skip
    declared = {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv", same_as="branch_a")}
    both = [n for n in scores["a"] if scores["a"][n] <= 6 and scores["b"][n] <= 6]  # a case for each copy

    def sync_to(sources: dict[str, Any]) -> cxbridge.SyncResult:
        return cxbridge.sync(config(tmp_path, sources), destination=make().url, host=create_host())

    def cases() -> dict[tuple[str, str], tuple[str, str]]:
        with make() as destination:
            destination.open()
            rows = destination.query("SELECT c.case_id, c.status, f.source, f.source_record_id FROM feedback_cases c "
                                     "JOIN feedback f ON f.record_id = c.record_id")  # fmt: skip
        return {(row["source"], row["source_record_id"]): (row["case_id"], row["status"]) for row in rows}

    def pending() -> list[str]:
        with make() as destination:
            destination.open()
            return [name for name in destination.read_metadata() if name.startswith("loop.copy_cases_pending.")]

    sync_to({"branch_a": declared["branch_a"]})
    sync_to({"branch_a": declared["branch_a"], "branch_b": csv_source("b.csv")})  # apart: each copy opens a case
    opened = cases()
    assert {key for key, (_, status) in opened.items() if status == "open"} == {
        (f"branch_{branch}", f"R_{n}") for branch, scored in scores.items() for n, score in scored.items() if score <= 6}

    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps({"sources": declared}), encoding="utf-8")
    stopped = forked_command(["sync", "--destination", make().url, "--no-progress"], cwd=tmp_path,
                             output=tmp_path / "stopped.output", plugin=KillWhenRunFinished())  # fmt: skip
    stopped.join(300)
    assert stopped.exitcode == -signal.SIGKILL, (tmp_path / "stopped.output").read_text(encoding="utf-8")
    assert all(feedback_of(make, "branch_a", f"R_{n}") == ("branch_b", f"R_{n}") for n in scores["a"]), "linked"
    assert cases() == opened, "stopped before the close step: every case still open"

    after = sync_to(declared)
    closed = {opened[("branch_b", f"R_{n}")][0] for n in both}  # each response keeps its first opened case
    assert {case_id for case_id, status in cases().values() if status == "closed_no_action"} == closed
    assert len(closed) == 2 and [w for w in after.warnings if "of copies closed" in w] == [
        f"2 cases of copies closed with no action, each response keeping one case "
        f"({', '.join(sorted(closed))}: `cxbridge cases show CASE` names it)"]
    assert pending() == []

    def not_called(*args, **kwargs):
        raise AssertionError("the copies' cases looked at after a sync that linked nothing, no mark pending")

    monkeypatch.setattr("cxbridge.loop.copy_cases.close_copy_cases", not_called)
    assert sync_to(declared).exit_code == 0


def test_copies_linked_by_a_parallel_syncs_batches_keep_one_case(tmp_path):
    """`sync --jobs 2`: a source's batch links an edited row as an exact copy of another source's
    response, each copy having opened a case; the run closes one — the source's engine of a
    parallel run said nothing of its links to the run's, which closed none."""
    row = ["R_1", "2025-03-01T09:00:00Z", 3, "p1@example.com", "2025-03-01T09:00:00Z"]
    write_rows(tmp_path / "a.csv", [row])
    write_rows(tmp_path / "b.csv", [[*row[:2], 2, *row[3:]]])  # another answer: no copy yet
    sources = {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv")}
    sync(tmp_path, sources)
    assert view(tmp_path, "SELECT status FROM feedback_cases") == [("open",), ("open",)]
    write_rows(tmp_path / "b.csv", [row])  # corrected: now an exact copy of branch_a's
    result = cxbridge.sync(config(tmp_path, sources), destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host(),
                           jobs=2)  # fmt: skip
    statuses = view(tmp_path, "SELECT f.duplicate_of IS NOT NULL, c.status FROM feedback_cases c "
                              "JOIN feedback f ON f.record_id = c.record_id ORDER BY 1")  # fmt: skip
    assert statuses == [(0, "open"), (1, "closed_no_action")], "the copy's case closed, the counted one's kept"
    assert [w for w in result.warnings if "1 case of copies closed" in w]


def test_the_mark_of_a_sync_still_running_beside_is_kept_and_of_one_over_cleared(tmp_path, request):
    """PostgreSQL runs syncs of other sources at once: a mark of copies linked by one still
    holding its source's lock stays for it to clear, while the next sync after it stopped clears it."""
    from cxbridge.loop.copy_cases import PENDING, mark_pending

    make = destination_maker("postgresql", tmp_path, request, "cx")
    write_rows(tmp_path / "a.csv", [["R_1", "2025-03-01T09:00:00Z", 3, "p1@example.com", ""]])
    sources = {"branch_a": csv_source("a.csv")}
    cxbridge.sync(config(tmp_path, sources), destination=make().url, host=create_host())

    def marks() -> list[str]:
        with make() as destination:
            destination.open()
            return sorted(name for name in destination.read_metadata() if name.startswith(PENDING))

    with make() as beside, beside.lock_sources(["kiosk"]):  # a sync of kiosk, running
        beside.open()
        mark_pending(beside, run_id="running-beside", sources=["kiosk"])
        assert cxbridge.sync(config(tmp_path, sources), destination=make().url, host=create_host()).exit_code == 0
        assert marks() == [PENDING + "running-beside"]
    cxbridge.sync(config(tmp_path, sources), destination=make().url, host=create_host())
    assert marks() == []


def feedback_of(make, source: str, native: str) -> tuple[str, str] | None:
    """The (source, native id) of the record the record is a copy of, in any local destination."""
    with make() as destination:
        destination.open()
        [row] = destination.query(
            "SELECT c.source, c.source_record_id FROM feedback f LEFT JOIN feedback c ON c.record_id = f.duplicate_of "
            f"WHERE f.source = '{source}' AND f.source_record_id = '{native}'"
        )
    return (row["source"], row["source_record_id"]) if row["source"] else None


def test_a_dry_run_counts_no_case_for_copies_of_responses_stored(tmp_path):
    """Before adding a source that copies one already synced, `--dry-run` says how many cases it
    would open: none for its copies, as the sync then opens none."""
    rows = [[f"R_{n}", "2025-03-01T09:00:00Z", n % 11, f"p{n}@example.com", ""] for n in range(1, 12)]
    write_rows(tmp_path / "a.csv", rows)
    write_rows(tmp_path / "b.csv", [*rows, ["R_99", "2025-03-02T09:00:00Z", 2, "new@example.com", ""]])
    [first] = sync(tmp_path, {"branch_a": csv_source("a.csv")}).results
    assert first.cases_opened == sum(row[2] <= 6 for row in rows)
    both = config(tmp_path, {"branch_a": csv_source("a.csv"), "branch_b": csv_source("b.csv")})
    dry = cxbridge.sync(both, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host(), dry_run=True)
    real = cxbridge.sync(both, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    assert [r.cases_opened for r in dry.results] == [r.cases_opened for r in real.results] == [0, 1], "R_99 alone is new"


def test_a_database_written_before_identity_is_migrated_and_its_copies_found(tmp_path):
    """`feedback.duplicate_of` arrives by migration, and the first sync after the upgrade links
    the copies stored before it, unread again."""
    write_rows(tmp_path / "export.csv", [[f"R_{n}", f"2025-03-0{n}T09:00:00Z", n, "", ""] for n in range(1, 4)])
    db = Database(tmp_path / "cx.db")
    migrations.apply(db, stop_before="0008_cross_source_identity")
    assert "duplicate_of" not in db["feedback"].columns_dict
    db.close()
    sources = {"branch_a": csv_source("export.csv"), "branch_b": csv_source("export.csv")}
    for name, source in sources.items():  # as the old version wrote them: no pointers
        sync(tmp_path, {name: source})
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        conn.execute("UPDATE feedback SET duplicate_of = NULL")
        conn.execute("DELETE FROM sync_state WHERE source = '_cxbridge'")
    results = sync(tmp_path, sources).results
    assert [r.read for r in results] == [0, 0], "nothing is read again"
    assert feedback(tmp_path) == {
        **{("branch_a", f"R_{n}"): None for n in range(1, 4)},
        **{("branch_b", f"R_{n}"): ("branch_a", f"R_{n}") for n in range(1, 4)},
    }


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ({"a": {"same_as": "nowhere"}}, "sources.a.same_as: no source named 'nowhere'; configured: b"),
        ({"a": {"same_as": "b"}, "b": {"same_as": "a"}}, "sources.a.same_as: the chain a → b → a goes round in a circle"),
        ({"a": {"same_as": "a"}}, "sources.a.same_as: the chain a → a goes round in a circle"),
        ({"a": {"same_as": "b", "match_on": "ticket_id"}, "b": {"same_as": "c"}, "c": {}},
         "sources.b.match_on: 'source_record_id', but b is matched on 'ticket_id'"),
        ({"a": {"match_on": "email"}}, "sources.a.match_on: Input should be 'source_record_id' or 'ticket_id'"),
    ],
)  # fmt: skip
def test_a_same_as_that_cannot_work_is_a_config_error_naming_the_key(tmp_path, sources, message):
    configured = {name: csv_source("x.csv", **extra) for name, extra in sources.items()}
    configured.setdefault("b", csv_source("x.csv"))
    with pytest.raises(ConfigError, match="cxbridge.toml: " + message.replace("(", r"\(").replace("[", r"\[")):
        config_from_dict({"sources": configured}, create_host(), path=tmp_path / "cxbridge.toml")


def test_identity_settings_are_checked_when_the_config_loads(tmp_path):
    with pytest.raises(ConfigError, match=r"identity.tolerance: Input should be greater than or equal to 0"):
        config_from_dict({"identity": {"tolerance": -5}}, create_host(), path=tmp_path / "cxbridge.toml")
    with pytest.raises(ConfigError, match=r"identity.merge_copies: unknown key; did you mean 'merge_exact_copies'\?"):
        config_from_dict({"identity": {"merge_copies": True}}, create_host(), path=tmp_path / "cxbridge.toml")


class WalkedLinks(list):
    """The links `find_links` returns, counting the walks over all of them."""

    walks = 0

    def __iter__(self):
        WalkedLinks.walks += 1
        return super().__iter__()


def test_grouping_many_responses_walks_their_links_a_fixed_number_of_times(monkeypatch):
    """2,000 responses each in two sources: each group takes its own links from the links sorted
    by group, not from a walk over every link of the destination (2,000 walks of 2,000 links:
    with 50,000 copies, about ten minutes of CPU for `cxbridge duplicates` or a sync's full pass)."""
    from cxbridge import duplicates

    found_links = duplicates.find_links
    monkeypatch.setattr(WalkedLinks, "walks", 0)
    monkeypatch.setattr(duplicates, "find_links", lambda *args, **kwargs: WalkedLinks(found_links(*args, **kwargs)))
    when = datetime(2025, 5, 1, tzinfo=ZoneInfo("UTC"))
    copies = [
        Copy(record_id=f"{source}{n:04d}", source=source, connector="csv", program="voc", survey_id=None,
             source_record_id=f"R{n}", ticket_id=None, submitted_at=when, updated_at=None, respondent_key=None,
             answers=f"answers of {n}", answer_count=1)
        for n in range(2000) for source in ("branch_a", "branch_b")
    ]  # fmt: skip
    groups = duplicates.group_copies(copies, duplicates.IdentityRules())
    assert sorted((g.members[0].record_id, g.members[1].record_id) for g in groups) == [
        (f"branch_a{n:04d}", f"branch_b{n:04d}") for n in range(2000)
    ]
    assert all([(link.first, link.second) for link in g.links] == [(g.members[0].record_id, g.members[1].record_id)]
               for g in groups)  # fmt: skip
    assert WalkedLinks.walks <= 2


def spread_copies(folder: Path) -> dict[str, Any]:
    """Copies across batches of three: exact copies in two or three sources (some in one second,
    one a half second later, as SQLite's text sorts them apart), chains of likely duplicates, and
    a `same_as` source whose copies were submitted a year before the records that count."""
    rows: dict[str, list[list[Any]]] = {"crm_export": [], "pos_survey": [], "kiosk": [], "legacy": []}
    for n in range(12):
        at = f"2025-05-{n + 1:02d}T10:00:00{'.5' if n == 4 else ''}Z"
        edited = f"2025-06-{n + 1:02d}T08:00:00Z" if n % 2 else ""
        rows["crm_export"].append([f"E{n}", at, n % 11, f"e{n}@example.com", ""])
        rows["pos_survey"].append([f"E{n}", at, n % 11, f"e{n}@example.com", edited])
        if n % 3 == 0:
            rows["kiosk"].append([f"E{n}", at, n % 11, f"e{n}@example.com", ""])
        if n % 4 == 1:  # the same response a year before, declared: another submitted time, other answers
            rows["legacy"].append([f"E{n}", f"2024-05-{n + 1:02d}T10:00:00Z", (n + 5) % 11, f"old{n}@example.com", ""])
    rows["crm_export"].append(["E-half", "2025-05-05T10:00:00Z", 4, "half@example.com", ""])
    rows["pos_survey"].append(["E-half", "2025-05-05T10:00:00Z", 4, "half@example.com", ""])
    for n in range(8):
        rows["crm_export"].append([f"L{n}", f"2025-07-{n + 1:02d}T10:00:00Z", 3, f"l{n}@example.com", ""])
        rows["pos_survey"].append([f"P{n}", f"2025-07-{n + 1:02d}T10:01:30Z", 3, f"l{n}@example.com", ""])
        if n % 2:
            rows["kiosk"].append([f"K{n}", f"2025-07-{n + 1:02d}T10:04:00Z", 3, f"l{n}@example.com", ""])
    sources = {}
    for name, listed in rows.items():
        write_rows(folder / f"{name}.csv", listed)
        sources[name] = csv_source(f"{name}.csv", **({"same_as": "pos_survey"} if name == "legacy" else {}))
    return sources


@pytest.mark.parametrize("kind", LOCAL_KINDS)
def test_the_duplicates_report_read_a_batch_at_a_time_is_the_report_built_whole(tmp_path, request, monkeypatch, kind):
    """`cxbridge duplicates` reads the records that may be copies a few at a time in submitted
    order and completes each batch's groups by their keys: its JSON and CSV are those of every
    group built at once from every candidate record (`group_copies`), byte for byte."""
    from click.testing import CliRunner

    from cxbridge.cli.duplicates import DUPLICATE_COLUMNS, duplicate_rows, group_json
    from cxbridge.cli.main import cli
    from cxbridge.duplicates import group_copies
    from cxbridge.resolver import candidates

    sources, identity = spread_copies(tmp_path), {"tolerance": 180}
    url = destination_url(kind, tmp_path, request, "copies")
    cxbridge.sync(config(tmp_path, sources, identity), destination=url, host=create_host())
    with api.reading(config(tmp_path, sources, identity), destination=url, host=create_host()) as dest:
        rules = config(tmp_path, sources, identity).identity_rules(create_host())
        whole = group_copies(candidates(dest, rules, likely=True).values(), rules)
        name = dest.display_name
    assert len(whole) == 12 + 1 + 8 and sum(len(g.members) for g in whole) == 12 * 2 + 4 + 3 + 2 + 8 * 2 + 4
    assert sum(Match.DECLARED in g.matches for g in whole) == 3, "the legacy copies, a year before"
    expected_json = json.dumps(
        {"destination": name, "counts": duplicate_counts(whole), "groups": [group_json(g) for g in whole]},
        indent=2, ensure_ascii=False, default=str,
    ) + "\n"  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=DUPLICATE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(duplicate_rows(whole))

    monkeypatch.setattr("cxbridge.resolver.SWEEP_BATCH", 3)
    toml = tmp_path / "cxbridge.toml"
    toml.write_text(tomlkit.dumps({"identity": identity, "sources": sources}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    printed = {fmt: CliRunner().invoke(cli, ["duplicates", "--destination", url, "--format", fmt]) for fmt in ("json", "csv")}
    assert printed["json"].exit_code == 0, printed["json"].output
    assert printed["json"].output == expected_json
    assert printed["csv"].output == buffer.getvalue()


def test_the_duplicates_report_sorts_the_records_ids_times_and_keys_not_their_answers(tmp_path, monkeypatch):
    """What `cxbridge duplicates` reads sorted by submitted time — every record that may be a
    copy, which the destination holds while it is read — is each record's id, time and keys;
    its answers come a batch at a time from the look-ups by key (bench/JOURNAL.md: the sort of
    119,501 records with their answers took a Parquet lake's command above 200 MB)."""
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    sources, identity = spread_copies(tmp_path), {"tolerance": 180}
    sync(tmp_path, sources, identity=identity)
    swept: list[set[str]] = []
    query_rows = SQLiteDestination.query_rows

    def recorded(self, sql, params=()):
        for row in query_rows(self, sql, params):
            swept.append(set(row))
            yield row

    monkeypatch.setattr(SQLiteDestination, "query_rows", recorded)
    members = sum(len(g.members) for g in duplicates(tmp_path, sources, identity).groups)
    assert members == 12 * 2 + 4 + 3 + 2 + 8 * 2 + 4  # as built whole, above
    assert len(swept) >= members and {"record_id", "submitted_at", "source_record_id", "respondent_key"} <= swept[0]
    assert [columns for columns in swept if "answers" in columns] == []


def test_the_api_reads_a_best_first_question_configured_by_its_metric_alone_by_its_end_words(no_basis):
    """`questions.QID1 = { metric = "csat" }`, nothing more: the definition's choices "Great" 1 …
    "Awful" 3 are no built-in scale, and the API source read them higher-is-better — the 7 "Awful"
    answers satisfied. Their end words decide, as a file's entry reads them (counted from the sample)."""
    with qualtrics(api_replay(no_basis)) as fake:
        sources = {"qualtrics_api": {"connector": "qualtrics", "base_url": fake.url + ROOT,
                                     "api_token": "${QUALTRICS_API_TOKEN}", "surveys": [SURVEY],
                                     "questions": {"QID1": {"metric": "csat"}}, "include_test_responses": True}}  # fmt: skip
        [result] = sync(no_basis, sources).results
    assert (result.status, result.written) == ("success", 15), result.error
    feelings = [row[11] for row in list(csv.reader((no_basis / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8")))[3:]]
    great, awful, scored = feelings.count("1"), feelings.count("3"), sum(f in ("1", "2", "3") for f in feelings)
    assert view(no_basis, "SELECT responses, satisfied, dissatisfied FROM csat_by_month") == [(scored, great, awful)]
    assert view(no_basis, "SELECT DISTINCT direction, scale_min, scale_max FROM feedback_scores") == [
        ("lower_is_better", 1.0, 3.0)]  # fmt: skip
