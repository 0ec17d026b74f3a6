"""Real exports from Qualtrics and SurveyMonkey (tests/data/samples, with their licences), and
Google Forms / SurveyMonkey sheets of our own, read into exact records."""

from __future__ import annotations

import csv
import json
import logging
import re
import shutil
from collections import Counter
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import tomlkit
from click.testing import CliRunner

import cxbridge

from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.detection.inspector import Hints, inspect_file
from cxbridge.exports import recognize
from cxbridge.plugins_host import create_host
from cxbridge.tabular.delimited import open_delimited
from cxbridge.tabular.json_records import open_json
from tests.conftest import half_up
from tests.sqlite_runs import SAMPLES, copy_sample, query, records, sync_source
from tests.workbooks import write_xlsx

NO_BASIS = "QualtricsTools_No_Basis_for_Evaluation"
PERSONAL = ["recipientName", "recipientFirstName", "recipientLastName", "recipientEmail", "ipAddress"]


def qualtrics_source(path: str, fmt: str, **extra) -> dict:
    """Test responses kept: every response of the QualtricsTools samples is one (Status 2)."""
    return {
        "connector": "csv", "path": path, "format": fmt,
        "columns": {"id": "_recordId", "submitted_at": "endDate", "status": "finished"},
        "timestamps": ["startDate"], "ignore": PERSONAL, "include_test_responses": True, **extra,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("qualtRics_sample.csv", "qualtrics"),
        ("qualtRics_sample_legacy.csv", "qualtrics_legacy"),
        ("QualtricsTools_Test_Survey_for_Coded_Comments.csv", "qualtrics"),
        (f"{NO_BASIS}_Insights.csv", "qualtrics"),
        (f"{NO_BASIS}_Legacy.csv", "qualtrics_legacy"),
    ],
)
def test_qualtrics_layouts_are_recognised_with_evidence(tmp_path, sample, expected):
    path = copy_sample(sample, tmp_path)
    [best, *_] = recognize(open_delimited(path, sample, encoding=None, delimiter=None))
    assert best.format == expected and best.confidence >= 0.95
    assert "import ids" in best.evidence[0] or "legacy" in best.evidence[0]


def test_the_two_qualtrics_formats_of_the_same_15_responses_give_identical_records(tmp_path):
    """The legacy export was written in Mountain time, the newer one in the account's Eastern
    time (the files carry no zone: each source says which)."""
    for name in (f"{NO_BASIS}_Insights.csv", f"{NO_BASIS}_Legacy.csv", f"{NO_BASIS}.qsf"):
        copy_sample(name, tmp_path)
    questions = ["QID1", "QID2_1", "QID2_4", "QID3_1", "QID4_2", "QID5_1_3", "QID6_3_4"]
    common = {"definition": f"{NO_BASIS}.qsf", "questions": questions}
    newer = qualtrics_source(f"{NO_BASIS}_Insights.csv", "qualtrics", timezone="America/New_York", **common)
    legacy = qualtrics_source(f"{NO_BASIS}_Legacy.csv", "qualtrics_legacy", timezone="America/Denver", **common)
    assert sync_source(tmp_path, newer, db="newer.db").written == 15
    assert sync_source(tmp_path, legacy, db="legacy.db").written == 15
    from_newer, from_legacy = records(tmp_path, db="newer.db"), records(tmp_path, db="legacy.db")
    assert len(from_newer) == 15 and from_newer == from_legacy

    first = from_newer["R_ebopwASnJ6p0KSp"]
    assert first["submitted_at"] == "2016-06-24T18:27:08Z" and first["status"] == "complete"
    assert first["survey_name"] == "No Basis for Evaluation"
    assert first["answers"]["QID1"] == {"text": "Indicate how you feel about squash", "value": 3, "label": "Awful"}
    assert first["answers"]["QID2_4"]["text"] == "Check all statements you agree with - No basis for evaluation"
    assert first["answers"]["QID3_1"] == {
        "text": "Indicate how you feel about the following vegetables - Squash", "value": -1, "label": "No Opinion",
    }  # fmt: skip
    assert first["attributes"]["startDate"] == "2016-06-24T18:27:08Z"
    assert "recipientName" not in first["attributes"]  # the legacy file's "Anonymous" is a name: never stored
    feelings = Counter(record["answers"]["QID1"]["label"] for record in from_newer.values())
    assert feelings == {"Awful": 7, "Great": 3, "In the middle": 3, "No opinion": 2}


def test_python_dict_import_ids_and_recoded_choices_read_through_the_qsf(tmp_path):
    sample = "QualtricsTools_Test_Survey_for_Coded_Comments"
    copy_sample(f"{sample}.csv", tmp_path)
    copy_sample(f"{sample}.qsf", tmp_path)
    source = qualtrics_source(
        f"{sample}.csv",
        "qualtrics",
        definition=f"{sample}.qsf",
        questions=["QID1", "QID1_TEXT"],
        comments=["QID2_TEXT"],
    )
    assert sync_source(tmp_path, source).written == 10
    found = records(tmp_path)
    labels = Counter(record["answers"]["QID1"]["label"] for record in found.values())
    assert labels == {"Click to write Choice 1": 4, "Other, please specify:": 4, "None of the above, explain why:": 2}
    assert found["R_721xLcaILSbyvdP"]["answers"]["QID1"]["value"] == 6
    assert found["R_721xLcaILSbyvdP"]["comment"].startswith("Temporibus etiam pretium vivamus")
    assert found["R_721xLcaILSbyvdP"]["answers"]["QID1_TEXT"]["value"].startswith("Vitae tempor tincidunt")
    assert found["R_bdygJsbbIhnpYz3"]["comment"].startswith("Phasellus? Molestie")
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments") == [(10,)]
    assert query(tmp_path, "SELECT DISTINCT question_text FROM feedback_comments") == [("What's up home skillets?",)]


@pytest.mark.parametrize(
    ("sample", "fmt"), [(f"{NO_BASIS}_Insights.csv", "qualtrics"), (f"{NO_BASIS}_Legacy.csv", "qualtrics_legacy")]
)
def test_test_responses_of_a_qualtrics_export_are_left_out_counted_as_skipped_unless_kept(tmp_path, sample, fmt):
    copy_sample(sample, tmp_path)
    with (tmp_path / sample).open(encoding="utf-8-sig", newline="") as handle:
        header = 1 if fmt == "qualtrics_legacy" else 0  # the legacy export names its columns in its second row
        rows = list(csv.reader(handle))
    statuses = [row[rows[header].index("Status")] for row in rows[header + 1 :] if row[0].startswith("R_")]
    assert statuses == ["2"] * 15  # every sample response is a test response

    left = sync_source(tmp_path, qualtrics_source(sample, fmt, include_test_responses=False))

    assert (left.status, left.read, left.written, left.quarantined, left.skipped) == ("success", 15, 0, 0, 15)
    assert left.left_out == {"Qualtrics previews/tests": 15}
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback UNION ALL SELECT COUNT(*) FROM quarantine") == [(0,), (0,)]
    [(read, counted, skipped)] = query(tmp_path, "SELECT records_read, records_written + records_unchanged + "
                                                 "records_quarantined + records_skipped, records_skipped FROM sync_runs")  # fmt: skip
    assert (read, counted, skipped) == (15, 15, 15)
    kept = sync_source(tmp_path, qualtrics_source(sample, fmt), db="kept.db")
    assert (kept.written, kept.skipped) == (15, 0)


STATUSES = ["0", "1", "2", "8", "16", "4", "Survey Preview", "Survey Test", "Spam", "IP Address", "Offline", "0", "1",
            "Imported", "9"]  # fmt: skip
NOT_FEEDBACK = {"1", "2", "8", "Survey Preview", "Survey Test", "Spam"}  # a preview, a test, spam; any other is kept


def statuses_export(tmp_path) -> list[list[str]]:
    """statuses.csv: the No Basis sample with its fifteen responses given STATUSES; its rows."""
    rows = list(csv.reader(copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path).open(encoding="utf-8-sig", newline="")))
    column = rows[0].index("Status")
    for row, status in zip(rows[3:], STATUSES, strict=True):
        row[column] = status
    with (tmp_path / "statuses.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return rows


def test_a_status_as_code_or_choice_text_leaves_out_previews_tests_and_spam_and_keeps_any_other(tmp_path):
    rows = statuses_export(tmp_path)
    expected = {row[0] for row, status in zip(rows[3:], STATUSES, strict=True) if status not in NOT_FEEDBACK}

    result = sync_source(tmp_path, qualtrics_source("statuses.csv", "qualtrics", include_test_responses=False))

    assert {rid for (rid,) in query(tmp_path, "SELECT source_record_id FROM feedback")} == expected
    assert (result.written, result.skipped) == (len(expected), 15 - len(expected)) == (8, 7)


def test_progress_events_count_the_test_responses_left_out_as_skipped(tmp_path):
    """Each event's counts hold `skipped` as `sync_runs.records_skipped` does, so that read =
    written + unchanged + quarantined + skipped after every batch, and not only at the end."""
    statuses_export(tmp_path)
    events = []
    source = qualtrics_source("statuses.csv", "qualtrics", include_test_responses=False)
    result = sync_source(tmp_path, source, batch_size=4, on_progress=events.append)

    committed = [event.counts for event in events if event.kind == "batch_committed"]
    assert [counts["read"] for counts in committed] == [4, 8, 12, 15]
    for counts in committed:  # the rows read so far, in the file's order
        assert counts["skipped"] == sum(status in NOT_FEEDBACK for status in STATUSES[: counts["read"]])
        assert counts["read"] == counts["written"] + counts["unchanged"] + counts["quarantined"] + counts["skipped"]
    [finished] = [event.counts for event in events if event.kind == "source_finished"]
    assert finished["skipped"] == result.skipped == 7


def test_each_batch_line_of_the_debug_log_counts_the_test_responses_it_left_out(tmp_path, caplog):
    """`-vv` logs each committed batch with what it did to the records read for it: its
    `skipped` beside written, unchanged and quarantined, so that they add up to its reads."""
    statuses_export(tmp_path)
    source = qualtrics_source("statuses.csv", "qualtrics", include_test_responses=False)
    with caplog.at_level(logging.DEBUG, logger="cxbridge.sync"):
        result = sync_source(tmp_path, source, batch_size=4)
    assert result.ok and result.skipped == 7, result.error
    lines = [r.getMessage() for r in caplog.records if "batch committed" in r.getMessage()]
    batches = [STATUSES[start : start + 4] for start in range(0, len(STATUSES), 4)]  # rows read per batch, in order
    expected = [(sum(s not in NOT_FEEDBACK for s in batch), sum(s in NOT_FEEDBACK for s in batch)) for batch in batches]
    found = [re.search(r"batch committed: (\d+) written, 0 unchanged, 0 quarantined, (\d+) skipped;", line) for line in lines]
    assert [(int(m[1]), int(m[2])) for m in found if m] == expected == [(1, 3), (2, 2), (3, 1), (2, 1)], lines

def test_a_quarantined_test_response_replayed_is_left_out_and_released_unless_kept(tmp_path):
    """Rows quarantined while test responses were kept (or before cxbridge left them out) and
    replayed once the source leaves them out: a preview or test is counted as skipped and leaves
    quarantine, never written; a respondent's row is written."""
    rows = list(csv.reader(copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path).open(encoding="utf-8-sig", newline="")))
    status, end = rows[0].index("Status"), rows[0].index("EndDate")
    broken = {0, 2, 6, 10}  # statuses "0", "2", "Survey Preview", "IP Address": their end date unreadable
    for n, (row, code) in enumerate(zip(rows[3:], STATUSES, strict=True)):
        row[status] = code
        if n in broken:
            row[end] = "not a date"
    with (tmp_path / "statuses.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    replayed_ids = [rows[3 + n][0] for n in sorted(broken) if STATUSES[n] not in NOT_FEEDBACK]
    kept = sync_source(tmp_path, qualtrics_source("statuses.csv", "qualtrics"))
    assert (kept.written, kept.quarantined) == (15 - len(broken), len(broken))

    source = qualtrics_source("statuses.csv", "qualtrics", include_test_responses=False, timestamps=[])
    source["columns"] = {**source["columns"], "submitted_at": "startDate"}  # the mapping fixed
    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps({"sources": {"survey": source}}), encoding="utf-8")
    replay = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    [replayed] = replay.results

    assert (replayed.read, replayed.written, replayed.quarantined) == (len(broken), len(replayed_ids), 0)
    assert (replayed.skipped, replayed.left_out) == (2, {"Qualtrics previews/tests": 2})
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine") == [(0,)]
    stored = {rid for (rid,) in query(tmp_path, "SELECT source_record_id FROM feedback")}
    assert set(replayed_ids) <= stored and stored.isdisjoint({rows[3 + n][0] for n in (2, 6)})
    [(skipped,)] = query(tmp_path, "SELECT records_skipped FROM sync_runs WHERE run_id = ?", (replay.run_id,))
    assert skipped == 2


@pytest.mark.parametrize("include_test_responses", [True, False])
def test_an_ignored_status_column_is_named_in_the_warnings_as_it_hides_test_responses_from_replay(
    tmp_path, include_test_responses
):
    """Status under `ignore` is removed from a quarantined row as well: a replay could not leave a
    test response out. The sync says so (whether it keeps test responses or not) and how to fix it."""
    copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    source = qualtrics_source(f"{NO_BASIS}_Insights.csv", "qualtrics", include_test_responses=include_test_responses)
    plain = sync_source(tmp_path, source, db="plain.db")
    ignored = sync_source(tmp_path, source | {"ignore": [*PERSONAL, "status"]})  # the key of the Status column
    assert plain.ok and ignored.ok, (plain.error, ignored.error)
    assert not [w for w in plain.warnings if "Status" in w]
    [warning] = [w for w in ignored.warnings if "Status" in w]
    assert "the Qualtrics Status column is in `ignore`" in warning and "take Status out of `ignore`" in warning
    assert "cxbridge quarantine replay" in warning


def test_import_and_inspect_say_how_many_test_responses_a_qualtrics_export_leaves_out(tmp_path):
    path = copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    imported = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "x.db")])
    assert "15 read · 0 written · 0 unchanged · 0 quarantined · 15 Qualtrics previews/tests left out" in imported.stdout
    assert query(tmp_path, "SELECT COUNT(*), SUM(records_skipped) FROM sync_runs", db="x.db") == [(1, 15)]
    inspected = CliRunner().invoke(cli, ["inspect", str(path)], env={"COLUMNS": "300"})
    assert "15 of 15 responses are Qualtrics previews, tests or spam (Status 1, 2 or 8)" in inspected.stdout
    assert "include_test_responses = true (--include-test-responses) keeps them" in inspected.stdout
    kept = CliRunner().invoke(cli, ["import", str(path), "--db", str(tmp_path / "kept.db"), "--include-test-responses"])
    assert "15 read · 15 written · 0 unchanged · 0 quarantined" in kept.stdout, kept.output
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback", db="kept.db") == [(15,)]
    mapping = tmp_path / "mapping.toml"
    CliRunner().invoke(cli, ["inspect", str(path), "--include-test-responses", "--write-mapping", str(mapping)])
    assert "include_test_responses = true" in mapping.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("sample", "definition"),
    [("QualtricsTools_Test_Survey_for_Coded_Comments.csv", "QualtricsTools_Test_Survey_for_Coded_Comments.qsf"),
     (f"{NO_BASIS}_Insights.csv", f"{NO_BASIS}.qsf"), (f"{NO_BASIS}_Legacy.csv", f"{NO_BASIS}.qsf")],
)  # fmt: skip
def test_inspect_lists_each_question_column_of_a_qualtrics_export_once(tmp_path, sample, definition):
    """A question column is listed once, with what it is — the comments QID1_TEXT and QID2_TEXT
    were listed again as "(question) … an answer to a question of the survey"."""
    path, qsf = copy_sample(sample, tmp_path), copy_sample(definition, tmp_path)
    args = ["inspect", str(path), "--definition", str(qsf), "--include-test-responses"]
    shown = CliRunner().invoke(cli, args, env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    rows = [line.split("│") for line in shown.output.splitlines() if line.count("│") >= 3]
    listed = Counter(cells[1].strip() for cells in rows if cells[1].strip().startswith("QID"))
    assert listed and set(listed.values()) == {1}, listed
    [inspected] = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)
    fields = Counter(p["column"] for p in inspected["proposals"] if p["column"].startswith("QID"))
    assert fields == listed
    if "Comments" in sample:
        fields_of = {p["column"]: p["field"] for p in inspected["proposals"]}
        assert fields_of.items() >= {"QID1": "question", "QID1_TEXT": "comment", "QID2_TEXT": "comment"}.items()


def test_qualtrics_newer_and_legacy_samples_of_one_respondent_are_one_record(tmp_path):
    copy_sample("qualtRics_sample.csv", tmp_path)
    copy_sample("qualtRics_sample_legacy.csv", tmp_path)
    newer = qualtrics_source(
        "qualtRics_sample.csv",
        "qualtrics",
        comments=["QID2_TEXT"],
        columns={"id": "_recordId", "submitted_at": "recordedDate", "language": "userLanguage"},
    )
    legacy = qualtrics_source("qualtRics_sample_legacy.csv", "qualtrics_legacy", comments=["Q2"])
    sync_source(tmp_path, newer)
    sync_source(tmp_path, legacy, db="legacy.db")
    [(new_id, new_time, language, comment)] = query(
        tmp_path, "SELECT record_id, submitted_at, language, comment FROM feedback"
    )
    [(old_id, old_time, old_comment)] = query(
        tmp_path, "SELECT record_id, submitted_at, comment FROM feedback", db="legacy.db"
    )
    assert new_id == old_id and new_time == old_time == "2017-07-18T08:28:48Z"
    assert (language, comment, old_comment) == ("de", "Hello World!", "Hello World!")


def test_a_time_zone_declared_in_the_import_id_row_reads_the_export_s_times(tmp_path):
    text = (SAMPLES / "qualtRics_sample.csv").read_text(encoding="utf-8")
    for name in ("startDate", "endDate", "recordedDate"):
        text = text.replace(f'{{""ImportId"":""{name}""}}', f'{{""ImportId"":""{name}"",""timeZone"":""Europe/Zurich""}}')
    (tmp_path / "zoned.csv").write_text(text, encoding="utf-8")
    columns = {"id": "_recordId", "submitted_at": "recordedDate"}
    sync_source(tmp_path, qualtrics_source("zoned.csv", "qualtrics", columns=columns))
    assert query(tmp_path, "SELECT submitted_at FROM feedback") == [("2017-07-18T06:28:48Z",)]  # 08:28:48 CEST
    sync_source(tmp_path, qualtrics_source("zoned.csv", "qualtrics", columns=columns, timezone="UTC"), db="utc.db")
    assert query(tmp_path, "SELECT submitted_at FROM feedback", db="utc.db") == [("2017-07-18T06:28:48Z",)]  # a
    # source's timezone is the zone of times that carry none: the export's own stands
    inspection = inspect_file(tmp_path / "zoned.csv", Hints())
    assert "timestamps are read in Europe/Zurich, the time zone the export declares" in inspection.notes


def test_importing_both_qualtrics_formats_of_one_survey_says_the_time_zone_each_export_was_read_in(tmp_path):
    """The legacy and the newer export of the same 15 responses write each time two hours apart
    (Mountain and the account's Eastern time) and name no zone: read as UTC, as documented,
    they are two responses each and not copies — the run says so, and how to name the zone."""
    legacy, newer = (copy_sample(f"{NO_BASIS}_{kind}.csv", tmp_path) for kind in ("Legacy", "Insights"))
    qsf = copy_sample(f"{NO_BASIS}.qsf", tmp_path)
    db = str(tmp_path / "j.db")
    run = CliRunner().invoke(cli, ["import", str(legacy), str(newer), "--definition", str(qsf),
                                   "--include-test-responses", "--db", db, "--format", "json"])  # fmt: skip
    assert run.exit_code == 0, run.output
    summaries = [json.loads(line) for line in run.stdout.splitlines()]
    for summary, name in zip(summaries, (legacy.name, newer.name), strict=True):
        [said] = [warning for warning in summary["warnings"] if "time zone" in warning]
        assert said.startswith(name) and "read as UTC" in said and "--timezone" in said, said

    def first_time(path, zone):  # the file's own cell, read in `zone`
        rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
        header, data = (rows[1], rows[2]) if path == legacy else (rows[0], rows[3])
        local = datetime.fromisoformat(data[header.index("EndDate")]).replace(tzinfo=ZoneInfo(zone))
        return data[0], local.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")

    (rid, legacy_utc), (newer_rid, newer_utc) = first_time(legacy, "UTC"), first_time(newer, "UTC")
    assert rid == newer_rid and legacy_utc != newer_utc
    by_id = "SELECT DISTINCT submitted_at FROM feedback WHERE source_record_id = ? ORDER BY source"
    assert query(tmp_path, by_id, (rid,), db="j.db") == [(newer_utc,), (legacy_utc,)]  # _insights, then _legacy
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE duplicate_of IS NULL", db="j.db") == [(30,)]

    db = str(tmp_path / "zoned.db")  # each export's zone named: one instant, 15 responses, no warning
    for path, zone in ((legacy, "America/Denver"), (newer, "America/New_York")):
        run = CliRunner().invoke(cli, ["import", str(path), "--definition", str(qsf), "--include-test-responses",
                                       "--timezone", zone, "--db", db, "--format", "json"])  # fmt: skip
        assert run.exit_code == 0 and "time zone" not in run.output, run.output
    (_, instant), same = first_time(legacy, "America/Denver"), first_time(newer, "America/New_York")
    assert same == (rid, instant)
    assert query(tmp_path, by_id, (rid,), db="zoned.db") == [(instant,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE duplicate_of IS NULL", db="zoned.db") == [(15,)]


def test_qualtrics_json_and_ndjson_exports_match_the_csv_export(tmp_path):
    rows = list(csv.reader((copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)).open(encoding="utf-8")))
    import_ids = [json.loads(cell.replace("'", '"'))["ImportId"] for cell in rows[2]]
    responses = []
    for row in rows[3:]:
        values = {key: _typed(value) for key, value in zip(import_ids, row, strict=True) if value != ""}
        responses.append({"responseId": values.pop("responseId"), "values": values})
    (tmp_path / "export.json").write_text(json.dumps({"responses": responses}), encoding="utf-8")
    (tmp_path / "export.ndjson").write_text("\n".join(json.dumps(r) for r in responses), encoding="utf-8")
    copy_sample(f"{NO_BASIS}.qsf", tmp_path)
    common = {"definition": f"{NO_BASIS}.qsf", "questions": ["QID1", "QID3_1"], "timezone": "America/New_York"}
    sync_source(tmp_path, qualtrics_source(f"{NO_BASIS}_Insights.csv", "qualtrics", **common), db="csv.db")
    for name in ("export.json", "export.ndjson"):
        source = qualtrics_source(name, "auto", **common) | {"connector": "json"}
        assert sync_source(tmp_path, source, db=f"{name}.db").written == 15
        from_json = records(tmp_path, db=f"{name}.db")
        from_csv = records(tmp_path, db="csv.db")
        for rid, record in from_csv.items():
            assert from_json[rid]["answers"] == record["answers"]
            assert from_json[rid]["submitted_at"] == record["submitted_at"]
            assert from_json[rid]["record_id"] == record["record_id"]


def test_the_nps_group_column_of_a_qualtrics_export_is_no_second_nps_without_the_definition(tmp_path):
    """Qualtrics exports an NPS question's group beside its answer (`QID1_NPS_GROUP`: 1 detractor,
    2 passive, 3 promoter), under the question's own wording. Without the survey definition it
    was scored as a second NPS question, every group a detractor's 1–3; it is the answer's
    group, derived from it, so only the answer is scored."""
    answers = [9, 10, 3, 7, 10, 6, 8, 9]
    groups = [1 if a <= 6 else 2 if a <= 8 else 3 for a in answers]
    ids = ["startDate", "endDate", "finished", "recordedDate", "_recordId", "QID1", "QID1_NPS_GROUP"]
    rows = [["StartDate", "EndDate", "Finished", "RecordedDate", "ResponseId", "Q1", "Q1_NPS_GROUP"],
            ["Start", "End", "Finished", "Recorded", "Response ID", "How likely are you to recommend us?",
             "How likely are you to recommend us? - Group"], [json.dumps({"ImportId": i}) for i in ids],
            *[["2025-01-05 10:00:00", "2025-01-05 10:05:00", 1, f"2025-01-05 10:{n:02d}:00", f"R_{n}", a, g]
              for n, (a, g) in enumerate(zip(answers, groups))]]  # fmt: skip
    with (tmp_path / "export.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    inspection = inspect_file(tmp_path / "export.csv", Hints())
    assert [p.column for p in inspection.chosen if p.target in ("nps", "enps")] == ["QID1"]
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "export.csv"), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT DISTINCT question_id FROM feedback_scores", db="x.db") == [("QID1",)]
    net = sum(a >= 9 for a in answers) - sum(a <= 6 for a in answers)
    assert query(tmp_path, "SELECT nps FROM nps_by_month", db="x.db") == [(half_up(Fraction(100 * net, len(answers))),)]


def _typed(value: str):
    try:
        return int(value)
    except ValueError:
        return value


def test_surveymonkey_bulk_responses_read_choice_text_through_the_details(tmp_path):
    copy_sample("roumaya_318754279_responses_bulk.json", tmp_path)
    copy_sample("roumaya_318754279_details.json", tmp_path)
    best, *others = recognize(open_json(tmp_path / "roumaya_318754279_responses_bulk.json", "bulk"))
    assert best.format == "surveymonkey_json" and [o.format for o in others] == ["plain_json"]  # the fallback
    source = {
        "connector": "json", "path": "roumaya_318754279_responses_bulk.json", "format": "surveymonkey_json",
        "definition": "roumaya_318754279_details.json",
        "columns": {"id": "id", "submitted_at": "date_modified", "status": "response_status"},
        "questions": ["769893650"], "comments": ["769893903"], "ignore": ["ip_address"],
    }  # fmt: skip
    assert sync_source(tmp_path, source).written == 2
    found = records(tmp_path)
    first = found["13376313674"]
    # the option's text "3" is a number: read as one, labelled, as the surveymonkey source reads it
    assert first["answers"]["769893650"] == {"text": "How many pets do you have?", "value": 3, "label": "3"}
    assert first["comment"] == "Donut, Mango, Phil"
    assert (first["submitted_at"], first["survey_name"], first["status"]) == (
        "2022-03-05T18:05:57Z",
        "my survey",
        "complete",
    )
    assert first["attributes"]["collector_id"] == "415838011" and "ip_address" not in first["attributes"]


def test_surveymonkey_sheet_with_two_header_rows(tmp_path):
    rows = [
        ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
         "Last Name", "Custom Data 1", "How likely is it that you would recommend us to a friend or colleague?",
         "Which products do you use?", None, None, "Any other comments?"],
        [None, None, None, None, None, None, None, None, None, "Response", "Shoes", "Bags", "Other (please specify)",
         "Open-Ended Response"],
        [11435367501, 2345, "01/15/2024 10:02:11 AM", "01/15/2024 10:05:40 AM", "1.2.3.4", "ann@example.com", "Ann",
         "Lee", "store-12", 9, "Shoes", None, "Socks", "Great"],
        [11435367502, 2345, "01/16/2024 03:10:00 PM", "01/16/2024 03:12:09 PM", "1.2.3.5", None, None, None,
         "store-7", 3, None, "Bags", None, None],
    ]  # fmt: skip
    write_xlsx(tmp_path / "monkey.xlsx", {"Sheet": rows})
    question = "How likely is it that you would recommend us to a friend or colleague?"
    source = {
        "connector": "excel", "path": "monkey.xlsx", "format": "auto", "date_order": "mdy", "timezone": "UTC",
        "columns": {"id": "Respondent ID", "submitted_at": "End Date", "email": "Email Address"},
        "metrics": [{"column": question, "metric": "nps"}],
        "questions": ["Which products do you use? - Shoes", "Which products do you use? - Bags",
                      "Which products do you use? - Other (please specify)"],
        "comments": ["Any other comments?"], "ignore": ["IP Address", "First Name", "Last Name"],
    }  # fmt: skip
    assert sync_source(tmp_path, source).written == 2
    found = records(tmp_path)
    ann = found["11435367501"]
    assert (ann["nps"], ann["nps_group"], ann["submitted_at"]) == (9, "promoter", "2024-01-15T10:05:40Z")
    assert ann["answers"]["Which products do you use? - Other (please specify)"]["value"] == "Socks"
    assert ann["attributes"] == {
        "Collector ID": 2345,
        "Custom Data 1": "store-12",
        "Start Date": "01/15/2024 10:02:11 AM",
    }
    assert ann["respondent_key"] is not None and "ann@example.com" not in json.dumps(ann)
    assert found["11435367502"]["submitted_at"] == "2024-01-16T15:12:09Z"


RESAVED = SAMPLES.parent / "resaved"
NPS_QUESTION = "How likely is it that you would recommend us to a friend or colleague?"


def monkey_export_source(path: str) -> dict:
    return {
        "connector": "excel" if path.endswith(".xlsx") else "csv", "path": path, "format": "auto",
        "date_order": "mdy", "timezone": "UTC",
        "columns": {"id": "Respondent ID", "submitted_at": "End Date", "email": "Email Address"},
        "metrics": [{"column": NPS_QUESTION, "metric": "nps"}],
        "questions": ["Which products do you use? - Shoes", "Which products do you use? - Bags",
                      "Which products do you use? - Other (please specify)"],
        "comments": ["Any other comments?"], "ignore": ["IP Address", "First Name", "Last Name"],
    }  # fmt: skip


@pytest.mark.parametrize(
    "resaved",
    ["surveymonkey_pandas_header0.csv", "surveymonkey_pandas_header0_index.csv", "surveymonkey_pandas_header01.csv",
     "surveymonkey_pandas_header01_index.csv", "surveymonkey_pandas_header0_index.xlsx"],
)  # fmt: skip
def test_a_surveymonkey_export_saved_again_by_pandas_reads_as_the_original(tmp_path, resaved):
    """pandas writes blank header cells as `Unnamed: N` (`_level_N` from two header rows), adds its
    index under a blank first header cell, and ids as `11435367501.0`: the records are the same."""
    for name in ("surveymonkey_export.csv", resaved):
        shutil.copy(RESAVED / name, tmp_path / name)
    assert sync_source(tmp_path, monkey_export_source("surveymonkey_export.csv"), db="original.db", shared_salt=True).written == 2
    result = sync_source(tmp_path, monkey_export_source(resaved), db="resaved.db", shared_salt=True)
    assert (result.status, result.written, result.quarantined) == ("success", 2, 0), result.error
    original, again = records(tmp_path, db="original.db"), records(tmp_path, db="resaved.db")
    assert sorted(again) == ["11435367501", "11435367502"]  # not 11435367501.0, nor the index 1, 2
    for record in (*original.values(), *again.values()):
        record["attributes"] = {key: str(value) for key, value in record["attributes"].items()}  # xlsx: 2345, csv: "2345"
        record["record_id"] = record["connector"] = None  # other files, other record ids; a workbook reads with excel
    assert again == original
    ann = again["11435367501"]
    assert (ann["nps"], ann["nps_group"], ann["comment"]) == (9, "promoter", "Great")
    assert set(ann["answers"]) == {NPS_QUESTION, "Which products do you use? - Shoes", "Any other comments?",
                                   "Which products do you use? - Bags", "Which products do you use? - Other (please specify)"}  # fmt: skip


def test_a_resaved_surveymonkey_export_is_recognised_saying_so(tmp_path):
    path = tmp_path / "monkey.csv"
    shutil.copy(RESAVED / "surveymonkey_pandas_header01_index.csv", path)
    [best, *_] = recognize(open_delimited(path, "monkey.csv", encoding=None, delimiter=None))
    assert (best.format, best.confidence, best.header_rows) == ("surveymonkey", 0.97, 2)
    assert "saved again by a spreadsheet tool" in best.evidence[-1]


def test_a_sheet_without_respondent_id_in_its_first_two_cells_is_not_taken_for_surveymonkey(tmp_path):
    (tmp_path / "other.csv").write_text("Name,Respondent ID,Collector ID\n,Response,\nAnn,1,2\n", encoding="utf-8")
    found = recognize(open_delimited(tmp_path / "other.csv", "other.csv", encoding=None, delimiter=None))
    assert "surveymonkey" not in [recognition.format for recognition in found]


def test_google_forms_sheet_with_checkboxes_and_locale_timestamps(tmp_path):
    (tmp_path / "form.csv").write_text(
        "Timestamp,Email address,Which store?,How likely are you to recommend us?,What did you buy?,Anything else?\n"
        '13/03/2024 09:15:02,ann@example.com,Kraków,10,"Shoes, Bags",Lovely\n'
        "14/03/2024 18:40:55,bob@example.com,Łódź,6,Socks,\n"
        "15/03/2024 12:00:00,,,,,\n",
        encoding="utf-8",
    )
    [best, *_] = recognize(open_delimited(tmp_path / "form.csv", "form.csv", encoding=None, delimiter=None))
    assert best.format == "google_forms" and best.confidence >= 0.9
    source = {
        "connector": "csv", "path": "form.csv", "format": "google_forms", "date_order": "dmy",
        "timezone": "Europe/Warsaw",
        "columns": {"submitted_at": "Timestamp", "email": "Email address", "location_name": "Which store?"},
        "metrics": [{"column": "How likely are you to recommend us?", "metric": "nps"}],
        "questions": ["What did you buy?"], "multi_choice": ["What did you buy?"], "comments": ["Anything else?"],
    }  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.read, result.written) == (2, 2)  # the timestamp-only row is an empty submission
    rows = query(tmp_path, "SELECT submitted_at, location_name, nps, answers FROM feedback ORDER BY submitted_at")
    assert [row[:3] for row in rows] == [("2024-03-13T08:15:02Z", "Kraków", 10), ("2024-03-14T17:40:55Z", "Łódź", 6)]
    assert json.loads(rows[0][3])["What did you buy?"]["value"] == ["Shoes", "Bags"]


def sync_form_sheet(tmp_path, text: str, **source) -> None:
    """Write a form's sheet of three responses as form.csv, check it is recognised as Google Forms'
    and sync it with `source`'s timezone, columns and metrics: every row read and written."""
    (tmp_path / "form.csv").write_text(text, encoding="utf-8")
    [best, *_] = recognize(open_delimited(tmp_path / "form.csv", "form.csv", encoding=None, delimiter=None))
    assert best.format == "google_forms"
    result = sync_source(tmp_path, {"connector": "csv", "path": "form.csv", "format": "google_forms", **source})
    assert (result.read, result.written, result.quarantined) == (3, 3, 0), result.error


def test_a_korean_google_forms_sheet_is_recognised_and_its_afternoon_times_read(tmp_path):
    """A Korean form's sheet heads its first column 타임스탬프 over `2025. 12. 26. 오후 7:11:27`
    (오전 = AM, 오후 = PM), as the readers of such sheets in public repositories quote it: the
    file was read as plain, and no row's time could be read."""
    sync_form_sheet(tmp_path, "타임스탬프,매장,추천 의향 (0-10)\n"
                              "2025. 12. 26. 오전 9:05:00,강남점,10\n"
                              "2025. 12. 26. 오후 7:11:27,홍대점,6\n"
                              "2025. 12. 27. 오후 12:30:00,강남점,8\n",
                    timezone="Asia/Seoul", columns={"submitted_at": "타임스탬프", "location_name": "매장"},
                    metrics=[{"column": "추천 의향 (0-10)", "metric": "nps"}])  # fmt: skip
    rows = query(tmp_path, "SELECT submitted_at, location_name, nps FROM feedback ORDER BY submitted_at")
    assert rows == [("2025-12-26T00:05:00Z", "강남점", 10), ("2025-12-26T10:11:27Z", "홍대점", 6),
                    ("2025-12-27T03:30:00Z", "강남점", 8)]  # fmt: skip


def test_a_chinese_google_forms_sheet_is_recognised_and_its_afternoon_times_read(tmp_path):
    """A Chinese (simplified) form's sheet heads its first column 时间戳记 over `2025-12-5
    上午10:22:10`, `2025-12-5 下午01:14:13` (上午 = AM, 下午 = PM, no space before the time): a
    script's copy of such a form's responses in a public repository (find_string '时间戳记,Age,vocal
    type' — repository not resolved by the index; its rows as quoted here). The file was read as
    plain and every row quarantined as 'not a date this importer knows'."""
    sync_form_sheet(tmp_path, "时间戳记,Age,Select the task,How mentally demanding was the task?\n"
                              "2025-12-5 上午10:22:10,25,Digital span memory test,4\n"
                              "2025-12-5 下午12:10:19,23,Digital span memory test,3\n"
                              "2025-12-5 下午01:14:13,25,Symbol search,4\n",
                    timezone="Asia/Shanghai", columns={"submitted_at": "时间戳记"})  # fmt: skip
    rows = query(tmp_path, "SELECT submitted_at FROM feedback ORDER BY submitted_at")
    assert rows == [("2025-12-05T02:22:10Z",), ("2025-12-05T04:10:19Z",), ("2025-12-05T05:14:13Z",)]


def test_a_traditional_chinese_google_forms_sheet_with_slashed_dates_is_recognised_and_its_times_read(tmp_path):
    """A Traditional Chinese (zh-TW) form's sheet heads its first column 時間戳記 over `2025/12/26
    下午 7:11:27`: slashes, then 上午/下午 and the time — an Airflow job reading such forms' response
    sheets in a public repository replaces 上午/下午 by AM/PM and parses '%Y/%m/%d %p %I:%M:%S'
    (find_string '時間戳記\t'); the same date-time without the space, `2018/12/26 下午1:22`, heads
    Java sources written in a Chinese locale (find_string '/12/26 下午'). Only the dashed
    `2025-12-5 下午01:14:13` was read: the file was taken for plain, every row quarantined."""
    sync_form_sheet(tmp_path, "時間戳記,門市,推薦意願 (0-10)\n"
                              "2025/12/26 上午 12:05:00,信義店,10\n"
                              "2025/12/26 下午 7:11:27,西門店,6\n"
                              "2025/12/27 下午12:30:00,信義店,8\n",
                    timezone="Asia/Taipei", columns={"submitted_at": "時間戳記", "location_name": "門市"},
                    metrics=[{"column": "推薦意願 (0-10)", "metric": "nps"}])  # fmt: skip
    rows = query(tmp_path, "SELECT submitted_at, location_name, nps FROM feedback ORDER BY submitted_at")
    assert rows == [("2025-12-25T16:05:00Z", "信義店", 10), ("2025-12-26T11:11:27Z", "西門店", 6),
                    ("2025-12-27T04:30:00Z", "信義店", 8)]  # fmt: skip


def test_an_ignore_entry_naming_a_column_by_its_header_as_written_removes_it(tmp_path):
    """A Qualtrics column is keyed by its import id (`status`); `ignore` naming it by the header
    the export shows (`Status`) removes it as the key does: no value of it is stored."""
    copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    source = qualtrics_source(f"{NO_BASIS}_Insights.csv", "qualtrics", ignore=[*PERSONAL, "Status"])
    result = sync_source(tmp_path, source)
    assert result.ok and result.written == 15, result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE json_extract(raw, '$.values.status') IS NOT NULL") == [(0,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE raw LIKE '%status%' OR attributes LIKE '%status%'") == [(0,)]
    assert not [w for w in result.warnings if "'Status' matches no column" in w]
    [warning] = [w for w in result.warnings if "the Qualtrics Status column is in `ignore`" in w]


def test_a_personal_entry_naming_a_column_by_its_header_as_written_is_scrubbed_unless_kept(tmp_path):
    """`personal = ["ResponseSet"]` names the column keyed `responseSet`: never stored, as by
    its key — but with keep_personal_data, which keeps it as an attribute."""
    copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    source = qualtrics_source(f"{NO_BASIS}_Insights.csv", "qualtrics", personal=["ResponseSet"])
    scrubbed = sync_source(tmp_path, source)
    assert scrubbed.ok and scrubbed.written == 15, scrubbed.error
    stored = "SELECT COUNT(*) FROM feedback WHERE raw LIKE '%Default Response Set%' OR attributes LIKE '%Default Response%'"
    assert query(tmp_path, stored) == [(0,)]
    assert not [w for w in scrubbed.warnings if "'ResponseSet' matches no column" in w]
    data = {"settings": {"keep_personal_data": True}, "sources": {"survey": source}}
    config = config_from_dict(data, create_host(), path=tmp_path / "cxbridge.toml")
    [kept] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'kept.db'}").results
    assert kept.ok, kept.error
    attributes = query(tmp_path, "SELECT json_extract(attributes, '$.responseSet') FROM feedback", db="kept.db")
    assert attributes == [("Default Response Set",)] * 15


def test_an_entry_naming_a_qualtrics_column_by_its_export_name_removes_it_where_the_text_row_differs(tmp_path):
    """A current Qualtrics export names its columns in its first row (`Status`,
    `DistributionChannel`) over a row of question texts in the survey's language (`Antworttyp`)
    and the import ids that key them (`status`): an entry naming the column as the first row
    writes it names it, as in exports whose two rows read alike."""
    copy_sample("qualtRics_sample.csv", tmp_path)
    header = (SAMPLES / "qualtRics_sample.csv").read_text(encoding="utf-8").splitlines()[:2]
    names, texts = (line.split(",") for line in header)
    assert (names[2], texts[2]) == ("Status", "Antworttyp") and "DistributionChannel" in names
    source = qualtrics_source("qualtRics_sample.csv", "qualtrics", ignore=["Status", "DistributionChannel"])
    result = sync_source(tmp_path, source)
    assert result.ok and result.written == 1, result.error
    assert not [w for w in result.warnings if "matches no column" in w]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE raw LIKE '%status%' OR raw LIKE '%anonymous%'") == [(0,)]

def test_an_entry_matching_no_column_read_is_named_in_the_warnings_with_the_closest_columns(tmp_path):
    """A misspelt entry would leave its column stored: the sync says so, naming the entry, the
    columns it is close to and what to do — a warning, as an older or newer file may lack it. A
    sync that reads no file (all unchanged) matches nothing against nothing, and says nothing."""
    copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path)
    source = qualtrics_source(f"{NO_BASIS}_Insights.csv", "qualtrics", personal=["IPAdress"], ignore=[*PERSONAL, "Statsu"])
    result = sync_source(tmp_path, source)
    assert result.ok, result.error
    [personal] = [w for w in result.warnings if "IPAdress" in w]
    assert "`personal` entry 'IPAdress' matches no column" in personal and "'IPAddress'" in personal
    [ignored] = [w for w in result.warnings if "Statsu" in w]
    assert "`ignore` entry 'Statsu' matches no column" in ignored and "'Status'" in ignored
    again = sync_source(tmp_path, source)
    assert again.ok and again.read == 0 and not [w for w in again.warnings if "matches no column" in w]



def test_a_replayed_row_drops_the_columns_entries_added_since_name_by_their_header(tmp_path):
    """Rows quarantined before `personal` named `ResponseSet` (keyed `responseSet`) and `ignore`
    named a question by its text (keyed `QID1` through the definition): a replay reads no table,
    yet the entries name the same keys of the stored rows — no replayed row, written or sent back
    to quarantine, holds either column."""
    rows = list(csv.reader(copy_sample(f"{NO_BASIS}_Insights.csv", tmp_path).open(encoding="utf-8-sig", newline="")))
    copy_sample(f"{NO_BASIS}.qsf", tmp_path)
    end, start = rows[0].index("EndDate"), rows[0].index("StartDate")
    for row in rows[3:7]:
        row[end] = "not a date"
    rows[3][start] = "not a date either"  # still unreadable once the mapping reads startDate
    with (tmp_path / "broken.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    source = qualtrics_source("broken.csv", "qualtrics", definition=f"{NO_BASIS}.qsf", timestamps=[])
    first = sync_source(tmp_path, source)
    assert (first.written, first.quarantined) == (11, 4), first.error
    held = "SELECT COUNT(*) FROM {} WHERE (raw LIKE '%Default Response Set%' OR raw LIKE '%QID1\"%')"
    assert query(tmp_path, held.format("quarantine")) == [(4,)]  # nothing named them when they were quarantined

    source["columns"] = {**source["columns"], "submitted_at": "startDate"}  # the mapping fixed
    entries = {"personal": ["ResponseSet"], "ignore": [*PERSONAL, "Indicate how you feel about squash"]}
    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps({"sources": {"survey": source | entries}}), encoding="utf-8")
    replay = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=f"sqlite:///{tmp_path / 'cxbridge.db'}")
    [replayed] = replay.results
    assert (replayed.read, replayed.written, replayed.quarantined) == (4, 3, 1), replayed.error
    replayed_ids = tuple(row[0] for row in rows[4:7])
    written = "SELECT raw FROM feedback WHERE source_record_id IN (?, ?, ?)"
    assert [bool(json.loads(raw)["values"]["startDate"]) for (raw,) in query(tmp_path, written, replayed_ids)] == [True] * 3
    assert query(tmp_path, held.format("feedback") + " AND source_record_id IN (?, ?, ?)", replayed_ids) == [(0,)]
    assert query(tmp_path, "SELECT source_record_id FROM quarantine") == [(rows[3][0],)]
    assert query(tmp_path, held.format("quarantine")) == [(0,)]


def test_a_qualtrics_json_exports_multi_select_keeps_its_labels_and_its_display_order_is_no_answer(tmp_path):
    """As the qualtrics source reads it: `"QID2": ["2", "4"]` beside `"labels": {"QID2": ["Tuesday",
    "Thursday"]}` is the days chosen; `QID2_DO`, the order its choices were shown in, is kept aside."""
    responses = [{"responseId": f"R_{n}", "labels": {"QID2": ["Tuesday", "Thursday"][: n + 1]},
                  "values": {"recordedDate": f"2025-01-05T10:0{n}:00Z", "finished": 1, "QID1": 5 + n,
                             "QID2": ["2", "4"][: n + 1], "QID2_DO": ["3", "1", "4", "2"]}} for n in range(2)]  # fmt: skip
    (tmp_path / "export.json").write_text(json.dumps({"responses": responses}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "export.json"), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    found = records(tmp_path, db="x.db")
    assert {rid: record["answers"]["QID2"]["value"] for rid, record in found.items()} == {
        "R_0": ["Tuesday"], "R_1": ["Tuesday", "Thursday"]
    }  # fmt: skip
    assert not any("QID2_DO" in record["answers"] for record in found.values())


@pytest.mark.parametrize("fmt", ["Insights", "Legacy"])
def test_a_csat_entry_without_direction_reads_choices_listed_best_first_by_their_words(tmp_path, fmt):
    """The QualtricsTools survey lists its choices best first — "Great" 1, "In the middle" 2,
    "Awful" 3; "Like" 1 … "Dislike" 3 — words of no built-in scale. A `csat` entry naming the
    column and nothing more was read higher_is_better: the 7 "Awful" answers were the satisfied
    ones (CSAT 53.8 % where the file says 3 of 13) and the "Great" ones opened cases. The end
    words decide, as a built-in scale's do: counted here from the sample's cells."""
    copy_sample(f"{NO_BASIS}_{fmt}.csv", tmp_path)
    copy_sample(f"{NO_BASIS}.qsf", tmp_path)
    source = qualtrics_source(
        f"{NO_BASIS}_{fmt}.csv", "auto", definition=f"{NO_BASIS}.qsf",
        metrics=[{"column": "QID1", "metric": "csat"}, {"column": "QID3_1", "metric": "csat"}],
    )  # fmt: skip
    assert sync_source(tmp_path, source).written == 15
    rows = list(csv.reader((SAMPLES / f"{NO_BASIS}_Insights.csv").open(encoding="utf-8")))[3:]
    for column, question in ((11, "QID1"), (17, "QID3_1")):
        cells = Counter(row[column] for row in rows)
        best, worst, scored = cells["1"], cells["3"], cells["1"] + cells["2"] + cells["3"]
        found = query(tmp_path, "SELECT direction, SUM(category = 'satisfied'), SUM(category = 'dissatisfied'), "
                                "COUNT(*) FROM feedback_scores WHERE question_id = ? GROUP BY 1", (question,))  # fmt: skip
        assert found == [("lower_is_better", best, worst, scored)]
    great, scored = Counter(row[11] for row in rows)["1"], sum(row[11] in ("1", "2", "3") for row in rows)
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month") == [(scored, half_up(100 * great / scored, 1))]
    assert (great, scored) == (3, 13)


def test_surveymonkey_bulk_responses_imported_without_their_details_say_what_is_missing(tmp_path):
    """responses/bulk answers are choice ids: without the survey's details they were stored as
    "5096103935" and read by nothing, a Contact Information question's name and phone as written
    — and the import and inspect said nothing (imported beside other surveys' definitions, whose
    names start neither file's, the details are not paired either: the summary line said ✔ alone)."""
    bulk = copy_sample("roumaya_318754279_responses_bulk.json", tmp_path)
    pets = json.loads(bulk.read_text(encoding="utf-8"))["data"][0]["pages"][0]["questions"]
    choice = next(a["choice_id"] for q in pets for a in q["answers"] if "choice_id" in a)
    result = CliRunner().invoke(cli, ["import", str(bulk), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT DISTINCT json_extract(answers, '$.769893650.value') FROM feedback", db="x.db") == [
        (choice,)
    ]
    [line, warning] = [line.strip() for line in result.stdout.splitlines() if line.strip()[:1] in ("✔", "⚠")]
    assert line.startswith("✔ roumaya_318754279_responses_bulk.json")
    assert warning == (
        "⚠ roumaya_318754279_responses_bulk.json: SurveyMonkey responses read without the survey's details "
        "(GET /surveys/{id}/details) as their definition: answers are stored as choice ids, unscored, and a Contact "
        "Information question's answers as written; import it with --definition DETAILS.json "
        "(definition = in a source)"
    )
    inspected = CliRunner().invoke(cli, ["inspect", str(bulk)])
    assert "note: SurveyMonkey responses read without the survey's details" in " ".join(inspected.stdout.split())
    copy_sample("roumaya_318754279_details.json", tmp_path)
    paired = CliRunner().invoke(cli, ["import", str(bulk), str(tmp_path / "roumaya_318754279_details.json"),
                                      "--db", str(tmp_path / "x.db")])  # fmt: skip
    assert paired.exit_code == 0 and "⚠" not in paired.output, paired.output
