"""A new user's first import: exports written by other survey tools, run as a user runs them
(`cxbridge inspect`, `import`, `report`), every headline number checked against a computation made
here from the rows written.

The files are synthetic rows under the headers those tools write (headers are facts; no row of
anyone's file is copied), as published in public repositories:
- Microsoft Forms `ID,Start time,Completion time,Email,Name,…`: acl-org/acl-anthology
  `bin/add_attachments.py` at a767ccb2f936825911c61a5828d64143561c84e9 (Apache-2.0) documents its
  form's export so; `anonymous` in Email (blank or `Anonymous` in Name) for a response nobody
  signed in to give, and `Last modified time`, as other published Forms exports show (search
  index find_string "ID,Start time,Completion time,Email,Name", ids 68842120113, 71103077507).
- Typeform `#,…,Response Type,Start Date (UTC),Stage Date (UTC),Submit Date (UTC),Network ID`, `#`
  a 32-character token, times `2024-10-05 02:39:31`: find_string "Submit Date (UTC)", id
  33221789833 (and the OSMI mental-health survey's Typeform export, ids 8963700357, 5733312311).
- Alchemer (SurveyGizmo) `Response ID,Time Started,Date Submitted,Status,Contact ID,Language,Referer,
  SessionID,User Agent,…,Longitude,Latitude,Country,City,State/Region,Postal`: a support-site
  survey script listing its export's columns, find_string ids 27257031613, 45280372554.
- Jotform `Submission Date`, `Submission ID` and a column of the submitter's IP address: as Jotform
  users describe its CSV export; no published file of it was found to check the spelling against.
The find_string index names no repository for those ids; their licences are unknown, which is
why only header names are taken.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.detection.keywords import mentions
from tests.sqlite_runs import query, records
from tests.workbooks import write_xlsx


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result.stdout


def reported(db: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """`cxbridge report` as JSON: (month, metric) → (responses, score)."""
    rows = json.loads(run("report", "--db", str(db), "--format", "json"))
    return {(row["month"], row["metric"]): (row["responses"], row["score"]) for row in rows}


def nps(scores: list[int]) -> float:
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def share_satisfied(points: list[int]) -> float:
    """CSAT % on a 5-point scale: the top two boxes."""
    return round(100 * sum(p >= 4 for p in points) / len(points), 1)


MS_FORMS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
                   "How likely are you to recommend Contoso to a friend or colleague?",
                   "How satisfied are you with your visit?", "Which store did you visit?",
                   "What could we do better?"]  # fmt: skip


def test_a_microsoft_forms_workbook_gives_the_scores_its_rows_hold_keyed_by_completion_time(tmp_path):
    """Forms writes its times as workbook dates, the signed-in respondent's address and name."""
    answers = [  # id, completed, e-mail, name, recommend, satisfied, store, comment
        (1, datetime(2024, 3, 1, 10, 2, 40), "ann.lee@contoso.com", "Ann Lee", 10, 5, "Leeds",
         "Nothing, the staff at the till were great"),
        (2, datetime(2024, 3, 2, 14, 3, 1), "bo.chan@contoso.com", "Bo Chan", 9, 4, "York", None),
        (3, datetime(2024, 3, 31, 23, 59, 0), "cy.diaz@contoso.com", "Cy Diaz", 7, 3, "Leeds",
         "The queue at the till was far too long"),
        (4, datetime(2024, 4, 1, 0, 0, 30), "dee.ek@contoso.com", "Dee Ek", 3, 2, "York",
         "Rude staff at the counter, would not come back"),
        (5, datetime(2024, 4, 2, 8, 1, 0), "ed.fox@contoso.com", "Ed Fox", 6, 1, "Leeds", None),
    ]  # fmt: skip
    rows = [[i, at.replace(minute=0), at, mail, name, None, rec, sat, store, text]
            for i, at, mail, name, rec, sat, store, text in answers]  # fmt: skip
    path = write_xlsx(tmp_path / "Customer visit(1-5).xlsx", {"Sheet1": [MS_FORMS_HEADER, *rows]})
    assert "5 read · 5 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))

    months = {"2024-03": answers[:3], "2024-04": answers[3:]}
    expected = {}
    for month, some in months.items():
        expected[(month, "nps")] = (len(some), nps([a[4] for a in some]))
        expected[(month, "csat")] = (len(some), share_satisfied([a[5] for a in some]))
    assert reported(tmp_path / "x.db") == expected
    by_month = query(tmp_path, "SELECT month, responses, nps FROM nps_by_month ORDER BY month", db="x.db")
    assert by_month == [(month, n, score) for (month, metric), (n, score) in sorted(expected.items()) if metric == "nps"]
    csat = query(tmp_path, "SELECT month, responses, csat_pct FROM csat_by_month ORDER BY month", db="x.db")
    assert csat == [(month, n, score) for (month, metric), (n, score) in sorted(expected.items()) if metric == "csat"]
    found = records(tmp_path, db="x.db")
    assert {key: found[key]["submitted_at"] for key in found} == {
        str(i): at.strftime("%Y-%m-%dT%H:%M:%SZ") for i, at, *_ in answers
    }
    assert [found["3"][key] for key in ("location_name", "nps", "csat", "comment")] == [
        "Leeds", 7, 3.0, "The queue at the till was far too long"]  # fmt: skip
    assert len({record["respondent_key"] for record in found.values()}) == 5
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes, answers FROM feedback", db="x.db"))
    assert not any(part in stored for a in answers for part in (a[2], a[3]))



FORMS_TIMES = {  # Microsoft Forms' ID, start, completion, e-mail, name and last-modified headers in French and Polish
    "fr": ["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom", "Heure de la dernière modification",
           "Quelle est la probabilité que vous recommandiez notre magasin à un ami ?"],
    "pl": ["ID", "Godzina rozpoczęcia", "Godzina ukończenia", "Adres e-mail", "Nazwa", "Czas ostatniej modyfikacji",
           "Jak prawdopodobne jest, że polecisz nasz sklep znajomemu?"],
    "de": ["ID", "Startzeit", "Abschlusszeit", "E-Mail", "Name", "Zeitpunkt der letzten Änderung",
           "Wie wahrscheinlich ist es, dass Sie unser Geschäft einem Freund empfehlen?"],
    "de-fertigstellung": ["ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name", "Zeitpunkt der letzten Änderung",
                          "Wie wahrscheinlich ist es, dass Sie unser Geschäft einem Freund empfehlen?"],
}  # fmt: skip


@pytest.mark.parametrize("language", FORMS_TIMES)
def test_the_completion_time_of_a_french_or_polish_microsoft_forms_sheet_is_its_submitted_time(tmp_path, language):
    """Forms names its times in the form's language: French `Heure de fin` (find_string "Heure de
    début", id 71212994458: a French form's export headers), Polish `Godzina ukończenia` (ids
    37255319522, 26366032423), German `Abschlusszeit` (search, code: a Forms-to-Excel sync's README
    lists "ID, Startzeit, Abschlusszeit, E-Mail, Name") or `Fertigstellungszeit` (no published
    export found with it, nor with German `Zeitpunkt der letzten Änderung`): one word, the time
    its last part — before, "zeit" counted only as a word of its own, so the German end time was
    the submitted time only by its place (0.7, as the last change's). The end time is the submitted time — not the start, nor the last
    change: before, Polish `Czas ostatniej modyfikacji` won (0.90 over 0.70), French `Heure de fin`
    only by its values and its place."""
    rows = [(1, "2024-03-31 23:50:00", "2024-04-01 00:05:00", "2024-05-02 10:00:00", 9),
            (2, "2024-04-10 10:00:00", "2024-04-10 10:05:00", "", 3),
            (3, "2024-04-30 23:58:00", "2024-05-01 00:02:00", "2024-06-03 09:00:00", 10),
            (4, "2024-05-20 09:00:00", "2024-05-20 09:04:00", "2024-05-20 09:30:00", 6)]  # fmt: skip
    header = FORMS_TIMES[language]
    path = tmp_path / "Formulaire.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *[(i, start, end, "anonymous", "", changed, score)
                                             for i, start, end, changed, score in rows]])  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["column"] for p in proposals if p["field"] == "submitted_at"] == [header[2]]
    times = {p["column"]: float(p["confidence"]) for p in proposals if p["field"].strip("()") == "submitted_at"}
    assert times[header[2]] > times[header[5]]  # by the header's words, not by the column's place
    assert [p["field"] for p in proposals if p["column"] == header[1]] == ["timestamp"]
    assert "4 read · 4 written" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    found = records(tmp_path, db="x.db")
    assert {key: r["submitted_at"] for key, r in found.items()} == {
        str(i): end.replace(" ", "T") + "Z" for i, _, end, _, _ in rows}  # fmt: skip
    assert {key: r["attributes"].get(header[5]) for key, r in found.items()} == {
        str(i): changed or None for i, _, _, changed, _ in rows}  # no status column: the last change kept as written
    months = {"2024-04": [r[4] for r in rows if r[2] < "2024-05"], "2024-05": [r[4] for r in rows if r[2] >= "2024-05"]}
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(some), nps(some)) for month, some in months.items()}


FORMS_EXPORTS = {  # Microsoft Forms' own columns as published exports write them, then an NPS question
    "es": ["Id", "Hora de inicio", "Hora de finalización", "Correo electrónico", "Nombre",
           "¿Qué probabilidad hay de que recomiende nuestra tienda a un amigo?"],
    "pt": ["ID", "Hora de início", "Hora de conclusão", "Email", "Nome", "Hora da última modificação",
           "Qual a probabilidade de recomendar a nossa loja a um amigo?"],
}  # fmt: skip


@pytest.mark.parametrize("language", FORMS_EXPORTS)
def test_a_spanish_or_portuguese_microsoft_forms_export_is_dated_by_its_completion_time(tmp_path, language):
    """The Spanish and Portuguese layouts as published code quotes them: a test of a Forms export
    "con nombres ficticios" (find_string "Hora de inicio,Hora de finalización", id 71654940349:
    `Id,Hora de inicio,Hora de finalización,Correo electrónico,Nombre,…`) and an upload page
    naming "a planilha exportada do Microsoft Forms" and its columns (find_string "Hora de
    conclusão,", id 55621903561: `ID, Hora de início, Hora de conclusão, Email, Nome, Hora da
    última modificação, …`). The end time is the submitted time, the start kept, the name never
    stored (checked, no change: the words 'finaliz' and 'conclus' were read before)."""
    header = FORMS_EXPORTS[language]
    rows = [(1, "2024-03-31 23:50:00", "2024-04-01 00:05:00", "anonymous", "", 9),
            (2, "2024-04-10 10:00:00", "2024-04-10 10:05:00", "ana.gil@example.com", "Ana Gil", 3),
            (3, "2024-04-30 23:58:00", "2024-05-01 00:02:00", "rui.paz@example.com", "Rui Paz", 10)]  # fmt: skip
    changed = ["2024-05-02 10:00:00"] if len(header) == 7 else []
    path = tmp_path / "Formulario.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *[(*row[:5], *changed, row[5]) for row in rows]])
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    chosen = {p["column"]: p["field"] for p in proposals if not p["field"].startswith("(")}
    assert [chosen.get(column) for column in header[:5]] == ["id", "timestamp", "submitted_at", "email", "ignore"]
    assert "3 read · 3 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    found = records(tmp_path, db="x.db")
    assert {key: r["submitted_at"] for key, r in found.items()} == {
        str(row[0]): row[2].replace(" ", "T") + "Z" for row in rows}  # fmt: skip
    months = {month: [row[5] for row in rows if row[2].startswith(month)] for month in ("2024-04", "2024-05")}
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(some), nps(some)) for month, some in months.items()}
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes FROM feedback", db="x.db"), ensure_ascii=False)
    assert not [part for part in ("Ana Gil", "Rui Paz", "example.com") if part in stored]


@pytest.mark.parametrize(("header", "time"), [("Startzeit", "zeit"), ("Endzeit", "zeit"), ("Übermittlungszeit", "zeit"),
                                            ("Abschlusszeitpunkt", "zeitpunkt"), ("Arbeitszeit", None),
                                            ("Wartezeit", None), ("Zeitraum", None)])  # fmt: skip
def test_a_german_compound_names_a_time_by_its_last_part_never_a_duration(header, time):
    """A time of day ends a German compound; one of how long something took (work, waiting) or a
    period names no time a response was given."""
    assert mentions(header, "time") == time


def test_the_respondent_s_name_of_a_polish_microsoft_forms_sheet_is_never_stored(tmp_path):
    """Polish Forms writes the signed-in respondent's name under `Nazwa` ("Name"; ids 37255319522,
    26366032423 rename it "Name"), beside `Adres e-mail`: personal data, as `Name`, `Nom` and `Imię`
    are — before, it was kept in raw and attributes."""
    people = [(1, "anna.kowalska@example.com", "Anna Kowalska", 10), (2, "jan.nowak@example.com", "Jan Nowak", 4),
              (3, "anonymous", "", 8)]  # fmt: skip
    header = FORMS_TIMES["pl"][:6] + ["Który sklep odwiedziłeś?", FORMS_TIMES["pl"][6]]
    path = tmp_path / "Ankieta.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *[(i, f"2024-06-0{i} 09:00:00", f"2024-06-0{i} 09:05:00", mail, name, "",
                                              "Kraków" if i % 2 else "Gdańsk", score)
                                             for i, mail, name, score in people]])  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["field"] for p in proposals if p["column"] == "Nazwa"] == ["ignore"]
    assert "3 read · 3 written" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    found = records(tmp_path, db="x.db")
    assert {key: (r["location_name"], r["agent_id"]) for key, r in found.items()} == {
        "1": ("Kraków", None), "2": ("Gdańsk", None), "3": ("Kraków", None)}  # fmt: skip
    assert reported(tmp_path / "x.db") == {("2024-06", "nps"): (3, nps([score for *_, score in people]))}
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes, answers FROM feedback", db="x.db"), ensure_ascii=False)
    assert not [part for part in ("Kowalska", "Nowak", "example.com", "Nazwa") if part in stored]

ALCHEMER_HEADER = ("Response ID,Time Started,Date Submitted,Status,Contact ID,Legacy Comments,Comments,Language,Referer,"
                   "SessionID,User Agent,Tags,IP Address,Longitude,Latitude,Country,City,State/Region,Postal,"
                   "How likely are you to recommend our store to a friend or colleague?,"
                   "\"Overall, how satisfied are you with your most recent visit?\",Why did you give that score?")  # fmt: skip
BROWSERS = [  # what a web survey records of each respondent's browser: long, spaced, varied
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari",
    "Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
]


def alchemer_export(folder: Path) -> Path:
    """Six responses: four complete, one partial, one disqualified (screened out after answering);
    half the comments blank."""
    rows = [
        f'7,2024-02-28 23:50:12,2024-02-29 00:05:40,Complete,,,,English,https://www.example.com/survey?src=mail,'
        f'1709164212_65df9a4c1b2e,"{BROWSERS[0]}",,203.0.113.9,-0.12,51.5,United Kingdom,London,H9,SW1A,10,Very Satisfied,'
        "Helpful staff and a short queue at the till",
        f'8,2024-03-01 09:00:00,2024-03-01 09:04:00,Complete,,,,English,https://www.example.com/survey?src=sms,'
        f'1709283600_65e16d0f3a9b,"{BROWSERS[1]}",,203.0.113.10,,,United Kingdom,Leeds,H3,LS1,9,Satisfied,',
        f'9,2024-03-02 11:00:00,2024-03-02 11:06:00,Complete,,,,English,https://www.example.com/survey?src=web,'
        f'1709377200_65e2dc7e5d1a,"{BROWSERS[2]}",,203.0.113.11,,,United Kingdom,York,H3,YO1,5,Neutral,'
        "The shelves were half empty again this week",
        f'11,2024-03-04 12:00:00,2024-03-04 12:09:00,Complete,,,,English,https://www.example.com/survey?src=mail,'
        f'1709553600_65e58f2c7e0d,"{BROWSERS[3]}",,203.0.113.13,,,United Kingdom,Leeds,H3,LS1,3,Very Dissatisfied,',
        f'12,2024-03-05 12:00:00,2024-03-05 12:09:00,Partial,,,,English,https://www.example.com/survey?src=qr,'
        f'1709640000_65e6e0a2b4c8,"{BROWSERS[4]}",,203.0.113.14,,,United Kingdom,Leeds,H3,LS1,8,,',
        f'13,2024-03-06 12:00:00,2024-03-06 12:02:00,Disqualified,,,,English,https://www.example.com/survey?src=qr,'
        f'1709726400_65e831d6e9f0,"{BROWSERS[5]}",,203.0.113.15,,,United Kingdom,York,H3,YO1,0,Very Dissatisfied,'
        "Not the kind of shop I would ever visit",
    ]  # fmt: skip
    path = folder / "20240306_alchemer_export.csv"
    path.write_text("\n".join([ALCHEMER_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_an_alchemer_export_takes_no_session_id_referer_or_browser_for_a_comment_or_an_agent(tmp_path):
    """A session id or a referring URL is one token, no words; the User Agent is the browser."""
    path = alchemer_export(tmp_path)
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    taken = {(p["field"], p["column"]) for p in proposals}
    assert {("comment", "Why did you give that score?"), ("status", "Status"), ("country", "Country")} <= taken
    for column in ("Referer", "SessionID", "User Agent"):
        assert not [p for p in proposals if p["column"] == column and p["field"].strip("()") in ("comment", "agent_id")]
    imported = run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert "6 read · 5 written · 0 unchanged · 0 quarantined · 1 disqualified/screened-out responses left out" in imported
    found = records(tmp_path, db="x.db")
    assert {key: (r["comment"], r["agent_id"], r["status"]) for key, r in found.items()} == {
        "7": ("Helpful staff and a short queue at the till", None, "complete"),
        "8": (None, None, "complete"),
        "9": ("The shelves were half empty again this week", None, "complete"),
        "11": (None, None, "complete"),
        "12": (None, None, "partial"),
    }
    assert query(tmp_path, "SELECT DISTINCT question_id FROM feedback_comments", db="x.db") == [
        ("Why did you give that score?",)]  # fmt: skip
    ignored = {p["column"] for p in proposals if p["field"] == "ignore"}
    assert {"IP Address", "Referer", "User Agent", "Longitude", "Latitude"} <= ignored
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes FROM feedback", db="x.db"))
    assert not [part for part in ("203.0.113.", "51.5", "-0.12", "src=", "Mozilla") if part in stored]
    recommend, satisfied = [10, 9, 5, 3, 8], {"Very Satisfied": 5, "Satisfied": 4, "Neutral": 3, "Very Dissatisfied": 1}
    assert reported(tmp_path / "x.db") == {
        ("2024-02", "nps"): (1, nps(recommend[:1])), ("2024-02", "csat"): (1, share_satisfied([5])),
        ("2024-03", "nps"): (4, nps(recommend[1:])),
        ("2024-03", "csat"): (3, share_satisfied([satisfied[label] for label in ("Satisfied", "Neutral", "Very Dissatisfied")])),
    }  # fmt: skip


def test_a_disqualified_alchemer_response_is_counted_as_left_out_and_in_no_metric(tmp_path):
    """Alchemer's `Disqualified` (Complete, Partial, Disqualified: its SurveyResponse API's
    statuses, apihelp.alchemer.com) is a respondent the survey screened out: no customer's
    feedback, neither complete nor partial. Before, it was read as partial, its 0 a detractor."""
    path = alchemer_export(tmp_path)
    assert "1 of 6 responses were disqualified or screened out by the survey: no feedback, a sync leaves them out " \
           "(counted as skipped)" in run("inspect", str(path))  # fmt: skip
    assert "1 disqualified/screened-out responses left out" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[1:]
    kept = [row for row in rows if row[3] != "Disqualified"]
    assert {row[0] for row in kept} == set(records(tmp_path, db="x.db"))
    scores = {month: [int(row[19]) for row in kept if row[2].startswith(month)] for month in ("2024-02", "2024-03")}
    assert {key: value for key, value in reported(tmp_path / "x.db").items() if key[1] == "nps"} == {
        (month, "nps"): (len(some), nps(some)) for month, some in scores.items()}  # fmt: skip
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine", db="x.db") == [(0,)]
    assert query(tmp_path, "SELECT records_read, records_skipped FROM sync_runs", db="x.db") == [(6, 1)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments WHERE text LIKE 'Not the kind%'", db="x.db") == [(0,)]


def test_an_alchemer_partial_response_without_a_date_submitted_is_dated_by_its_start_and_quarantined_without_any(tmp_path):
    """A partial response the export leaves without `Date Submitted` is dated by its other time,
    `Time Started` (the one rule: a partial response's latest time the mapping keeps, as the API
    sources date theirs), and stored as `partial`; one with no time at all is quarantined saying
    so; a complete one without it still is, saying how a partial one is dated. Before, all were
    quarantined alike: "every row needs a submitted time (… a partial one, has none)"."""
    path = alchemer_export(tmp_path)
    header, *rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    partial = next(row for row in rows if row[3] == "Partial")
    partial[1:3] = ["2024-02-29 23:58:00", ""]  # started in February, never submitted
    rows += [["14", "", "", "Partial", *partial[4:]], ["15", "2024-03-07 08:00:00", "", "Complete", *partial[4:]]]
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    imported = run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert "8 read · 5 written · 0 unchanged · 2 quarantined · 1 disqualified/screened-out responses left out" in imported
    kept = [row for row in rows if row[3] == "Complete" and row[2] or row[3] == "Partial" and (row[2] or row[1])]
    dated = {row[0]: (row[2] or row[1]).replace(" ", "T") + "Z" for row in kept}
    found = records(tmp_path, db="x.db")
    assert {key: (r["submitted_at"], r["status"]) for key, r in found.items()} == {
        row[0]: (dated[row[0]], row[3].lower()) for row in kept}  # fmt: skip
    assert found["12"]["submitted_at"] == "2024-02-29T23:58:00Z"
    scores = {month: [int(row[19]) for row in kept if dated[row[0]].startswith(month)] for month in ("2024-02", "2024-03")}
    assert {key: value for key, value in reported(tmp_path / "x.db").items() if key[1] == "nps"} == {
        (month, "nps"): (len(some), nps(some)) for month, some in scores.items()}  # fmt: skip
    assert scores["2024-02"] == [10, 8]
    assert query(tmp_path, "SELECT source_record_id, error FROM quarantine ORDER BY 1", db="x.db") == [
        ("14", "column 'Date Submitted' is empty and this partial response (never submitted) has no other time to be "
         "dated by: fill the cell, or map its start or last-activity time under timestamps, then `cxbridge quarantine "
         "replay`"),
        ("15", "column 'Date Submitted' is empty; every row needs a submitted time (a partial response, its status "
         "mapped, is dated by its start or last-activity time under timestamps): fill the cell or map another time "
         "column as submitted_at, then `cxbridge quarantine replay`")]  # fmt: skip


def test_a_qualtrics_response_its_terminate_flag_says_screened_out_or_over_quota_is_in_no_metric(tmp_path):
    """Qualtrics sets the embedded data `Q_TerminateFlag` to `Screened` or `QuotaMet` when the
    survey ends a response early (analysts drop both: find_string "Q_TerminateFlag", ids
    49243546669, 28762678307); such a respondent's answers are no feedback."""
    path = tmp_path / "Store visit.csv"
    rows = [("R_1a", "2024-05-02 10:00:00", "1", "", "9"), ("R_2b", "2024-05-03 11:00:00", "0", "Screened", "0"),
            ("R_3c", "2024-05-04 12:00:00", "1", "", "3"), ("R_4d", "2024-05-05 13:00:00", "0", "QuotaMet", "1"),
            ("R_5e", "2024-05-06 14:00:00", "1", "", "10")]  # fmt: skip
    path.write_text("Response ID,Recorded Date,Finished,Q_TerminateFlag,How likely are you to recommend us?\n"
                    + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")  # fmt: skip
    assert "2 of 5 responses were disqualified or screened out by the survey" in run("inspect", str(path))
    imported = run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert "5 read · 3 written · 0 unchanged · 0 quarantined · 2 disqualified/screened-out responses left out" in imported
    kept = [row for row in rows if not row[3]]
    assert set(records(tmp_path, db="x.db")) == {row[0] for row in kept}
    assert reported(tmp_path / "x.db") == {("2024-05", "nps"): (3, nps([int(row[4]) for row in kept]))}


def test_a_short_user_agent_column_is_no_agent(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("Response ID,User Agent,Browser,Staff member\n1,Mozilla/5.0,Chrome,Ann\n2,Mozilla/5.0,Safari,Bo\n",
                    encoding="utf-8")  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [(p["field"], p["column"]) for p in proposals if p["field"].strip("()") == "agent_id"] == [
        ("agent_id", "Staff member")]  # fmt: skip


JOTFORM = """Submission Date,Full Name,E-mail,Which branch did you visit?,How likely are you to recommend us to a friend?,\
How satisfied were you with the service?,How easy was it to get your issue resolved?,Comments,Submission ID,Submitter IP
2024-05-01 09:15:22,Ann Lee,ann@example.com,Central,9,Very satisfied,Very easy,Quick and friendly service at the desk,\
5912345678901234567,203.0.113.1
2024-05-02 17:40:01,Bo Chan,bo@example.com,North,6,Dissatisfied,Difficult,Had to call three times before anyone helped,\
5912345678901234568,2001:db8::8a2e:370:7334
2024-05-03 08:05:00,Cy Diaz,cy@example.com,Central,10,Satisfied,Easy,,5912345678901234569,198.51.100.23
2024-05-31 23:59:59,Dee Ek,dee@example.com,North,7,Neutral,Neither easy nor difficult,Fine,5912345678901234570,192.0.2.77
"""
JOTFORM_IPS = ("203.0.113.1", "2001:db8::8a2e:370:7334", "198.51.100.23", "192.0.2.77")


def test_a_jotform_export_stores_no_submitter_ip_and_scores_its_labelled_answers(tmp_path):
    """An IP address is personal data under any header ("Submitter IP"), and no date."""
    path = tmp_path / "Customer_Feedback2024-06-01.csv"
    path.write_text(JOTFORM, encoding="utf-8")
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [(p["field"], p["confidence"]) for p in proposals if p["column"] == "Submitter IP"] == [("ignore", "0.95")]
    assert "4 read · 4 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    satisfied = {"Very satisfied": 5, "Satisfied": 4, "Neutral": 3, "Dissatisfied": 2}
    ease = {"Very easy": 5, "Easy": 4, "Neither easy nor difficult": 3, "Difficult": 2}
    rows = [line.split(",") for line in JOTFORM.replace("\\\n", "").splitlines()[1:]]
    assert reported(tmp_path / "x.db") == {
        ("2024-05", "nps"): (4, nps([int(row[4]) for row in rows])),
        ("2024-05", "csat"): (4, share_satisfied([satisfied[row[5]] for row in rows])),
        ("2024-05", "ces"): (4, round(100 * sum(ease[row[6]] >= 4 for row in rows) / 4, 1)),
    }
    found = records(tmp_path, db="x.db")
    assert {key: (r["submitted_at"], r["location_name"]) for key, r in found.items()} == {
        row[8]: (row[0].replace(" ", "T") + "Z", row[3]) for row in rows}  # fmt: skip
    scorecard = query(tmp_path, "SELECT location_name, responses, nps, csat_pct, ces_avg_normalized, rank "
                                "FROM location_scorecard ORDER BY rank", db="x.db")  # fmt: skip
    by_branch = {branch: [row for row in rows if row[3] == branch] for branch in ("Central", "North")}
    assert scorecard == [
        (branch, len(some), nps([int(row[4]) for row in some]), share_satisfied([satisfied[row[5]] for row in some]),
         sum((ease[row[6]] - 1) * 25 for row in some) / len(some), rank)
        for rank, (branch, some) in enumerate(by_branch.items(), start=1)
    ]  # fmt: skip
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes, answers FROM feedback", db="x.db"))
    assert not [part for part in (*JOTFORM_IPS, "Ann Lee", "ann@example.com") if part in stored]


TYPEFORM = """#,"On a scale from 0 to 10, how likely are you to recommend Acme to a friend?",Anything else you'd like to tell us?,\
email,Response Type,Start Date (UTC),Stage Date (UTC),Submit Date (UTC),Network ID,Tags
odwdp4nzj1xg6m9l36odwdp4nzlv2gcw,10,"Fast delivery, the courier was very friendly",ann@example.com,completed,\
2024-10-05 02:34:45,,2024-10-05 02:38:36,653e97acae,
g90zltrzyndkmhsdg90o43h2a5876n7p,8,,bo@example.com,completed,2024-10-31 23:01:28,,2024-10-31 23:59:18,653e97acae,
d9fh6npx92k6c8hf1lwoi7vtnab2gk6r,2,Parcel arrived broken and nobody answered my mails,cy@example.com,completed,\
2024-10-31 23:50:00,,2024-11-01 00:02:00,1a2b3c4d5e,
f0wpnlf82bx3qzvf7xj2gd9yn6r7vq84,0,,dee@example.com,completed,2024-11-02 03:15:00,,2024-11-02 03:20:00,9f8e7d6c5b,
"""
PARTIAL = "t98kmz8x5c9bf3wj46k28ovwtqpnsh2j,9,,ed@example.com,partial,2024-11-03 03:30:00,2024-11-03 03:31:00,,9f8e7d6c5b,\n"


def test_a_typeform_export_is_keyed_by_its_token_and_submit_date_and_stores_no_network_id(tmp_path):
    """Typeform's `#` is the response token (no comment); its Network ID is personal, as the
    typeform source removes `network_id` from what the API gives."""
    path = tmp_path / "responses-Ab12Cd34-2024.csv"
    path.write_text(TYPEFORM.replace("\\\n", ""), encoding="utf-8")
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    fields = {p["column"]: p["field"] for p in proposals if not p["field"].startswith("(")}
    assert [fields.get(c) for c in ("#", "Submit Date (UTC)", "email", "Network ID", "Anything else you'd like to tell us?")] == [
        "id", "submitted_at", "email", "ignore", "comment"]  # fmt: skip
    assert not [p for p in proposals if p["column"] == "#" and p["field"] != "id"]
    assert "4 read · 4 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    rows = list(csv.reader(TYPEFORM.replace("\\\n", "").splitlines()))[1:]
    by_month = {"2024-10": [int(r[1]) for r in rows if r[7] < "2024-11"], "2024-11": [int(r[1]) for r in rows if r[7] >= "2024-11"]}
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(s), nps(s)) for month, s in by_month.items()}
    found = records(tmp_path, db="x.db")
    assert {key: r["submitted_at"] for key, r in found.items()} == {r[0]: r[7].replace(" ", "T") + "Z" for r in rows}
    assert len({r["respondent_key"] for r in found.values()}) == 4
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes FROM feedback", db="x.db"))
    assert not [part for part in ("653e97acae", "1a2b3c4d5e", "9f8e7d6c5b", "@example.com") if part in stored]
    assert {r["status"] for r in found.values()} == {"complete"}



def test_a_network_id_is_no_response_id_in_a_typeform_export_without_its_token_column(tmp_path):
    """Without Typeform's `#`, the header `Network ID` names an id, and where each respondent came
    from another network its values all differ: it was proposed as the id (0.90) over being ignored
    (0.80), the record keyed by it. A network id is personal data: never an id, never stored."""
    networks = ["653e97acae", "1a2b3c4d5e", "9f8e7d6c5b", "0d1e2f3a4b"]
    rows = [row[:8] + [network] + row[9:] for row, network in
            zip(list(csv.reader(TYPEFORM.replace("\\\n", "").splitlines()))[1:], networks)]  # fmt: skip
    path = tmp_path / "responses.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["How likely are you to recommend Acme?", "Submit Date (UTC)", "Network ID"],
                                   *[[row[1], row[7], row[8]] for row in rows]])  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["field"] for p in proposals if p["column"] == "Network ID"] == ["ignore"]
    assert "4 read · 4 written" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    by_month = {"2024-10": [int(r[1]) for r in rows if r[7] < "2024-11"], "2024-11": [int(r[1]) for r in rows if r[7] >= "2024-11"]}
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(s), nps(s)) for month, s in by_month.items()}
    stored = json.dumps(query(tmp_path, "SELECT source_record_id, record_id, raw, attributes FROM feedback", db="x.db"))
    assert not [network for network in networks if network in stored]

STAGED = "k3v9q2m8x7c6b5n4z1a0s9d8f7g6h5j4,4,,fay@example.com,partial,2024-10-31 23:58:00,2024-11-01 00:03:00,,0a1b2c3d4e,\n"


def test_a_typeform_partial_response_is_stored_as_partial_dated_by_its_stage_date(tmp_path):
    """Typeform's Response Type is the status; a partial response was never submitted, and its
    `Stage Date (UTC)` is when it last moved — the time the typeform source dates a partial
    response by (`staged_at`, then `landed_at`). Stored as `partial` on that day, its NPS counted
    as a partial response from the API is; before, it waited in quarantine ("every row needs a
    submitted time"), the partial answers in no metric."""
    path = tmp_path / "responses.csv"
    path.write_text(TYPEFORM.replace("\\\n", "") + PARTIAL + STAGED, encoding="utf-8")
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["field"] for p in proposals if p["column"] == "Response Type"] == ["status"]
    assert "6 read · 6 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))[1:]
    dated = {r[0]: (r[7] or r[6]).replace(" ", "T") + "Z" for r in rows}  # Submit Date, else Stage Date
    found = records(tmp_path, db="x.db")
    assert {key: (r["submitted_at"], r["status"]) for key, r in found.items()} == {
        r[0]: (dated[r[0]], "complete" if r[4] == "completed" else "partial") for r in rows}  # fmt: skip
    assert found[STAGED[:32]]["submitted_at"] == "2024-11-01T00:03:00Z"  # its stage date, not its start on 31 October
    assert found[STAGED[:32]]["attributes"]["Stage Date (UTC)"] == "2024-11-01T00:03:00Z"  # kept as a time
    months = {month: [int(r[1]) for r in rows if dated[r[0]].startswith(month)] for month in ("2024-10", "2024-11")}
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(s), nps(s)) for month, s in months.items()}
    assert months["2024-11"] == [2, 0, 9, 4]


def test_anonymous_answers_of_a_microsoft_forms_sheet_are_no_respondent_and_the_addresses_still_key_theirs(tmp_path):
    """Forms writes `anonymous` in Email (and Name) for a response nobody signed in to give: no
    address, so no respondent — before, they were one respondent, keyed by the word."""
    rows = [
        (1, "3/1/2024 10:02", "ann@contoso.com", "Ann Lee", 10), (2, "3/2/2024 14:03", "anonymous", "Anonymous", 9),
        (3, "3/3/2024 8:01", "anonymous", "Anonymous", 3), (4, "3/13/2024 8:01", "bo@contoso.com", "Bo Chan", 6),
        (5, "3/5/2024 8:01", "anonymous", "Anonymous", 7), (6, "3/6/2024 9:30", "ANN@contoso.com", "Ann Lee", 8),
    ]  # fmt: skip
    lines = ["ID,Start time,Completion time,Email,Name,How likely are you to recommend us?"]
    lines += [f"{i},{at},{at},{mail},{name},{score}" for i, at, mail, name, score in rows]
    path = tmp_path / "Store survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [(p["field"], p["column"]) for p in proposals if p["column"] in ("Email", "Name")] == [
        ("email", "Email"), ("ignore", "Name")]  # fmt: skip
    assert "6 read · 6 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    keys = {key: r["respondent_key"] for key, r in records(tmp_path, db="x.db").items()}
    assert [keys[k] is None for k in "123456"] == [False, True, True, False, True, False]
    assert keys["1"] == keys["6"] != keys["4"]
    assert reported(tmp_path / "x.db") == {("2024-03", "nps"): (6, nps([r[4] for r in rows]))}
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes FROM feedback", db="x.db"))
    assert not [part for part in ("contoso", "Ann Lee", "Bo Chan", "anonymous", "Anonymous") if part in stored]


def test_short_answers_to_what_could_we_do_better_of_an_anonymous_microsoft_forms_workbook_are_its_comments(tmp_path):
    """"What could we do better?" asks for comments, as "How could we improve?" does: its short,
    varied answers are the comments that topics and the detractor queue read."""
    answers = [(1, 10, "Nothing, great"), (2, 9, None), (3, 7, "Queue too long"), (4, 3, "Rude staff"),
               (5, 6, "More tills open"), (6, 2, "Prices")]  # fmt: skip
    rows = [[i, datetime(2024, 6, i, 9), datetime(2024, 6, i, 10), "anonymous", None, None, score, None, "Leeds", text]
            for i, score, text in answers]  # fmt: skip
    path = write_xlsx(tmp_path / "Visit.xlsx", {"Sheet1": [MS_FORMS_HEADER, *rows]})
    assert "6 read · 6 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback_comments", db="x.db") == [(5,)]
    found = records(tmp_path, db="x.db")
    assert {key: r["comment"] for key, r in found.items()} == {str(i): text for i, _, text in answers}
    assert {r["respondent_key"] for r in found.values()} == {None}
    assert reported(tmp_path / "x.db") == {("2024-06", "nps"): (6, nps([score for _, score, _ in answers]))}


def test_a_star_rating_about_no_metric_is_an_answer_named_unscored_with_how_to_score_it(tmp_path):
    """Typeform's and Microsoft Forms' star rating ("How would you rate your delivery
    experience?", 1–5) says neither satisfaction nor effort: no CSAT by guess, but an answer, and
    inspect and import say how to score it — before, it was an attribute, and nothing was said."""
    path = tmp_path / "delivery.csv"
    path.write_text("#,How likely are you to recommend Acme to a friend?,How would you rate your delivery experience?,"
                    "Submit Date (UTC)\n" + "".join(f"t{i:031d},{nps_score},{stars},2024-10-0{i} 10:00:00\n"
                    for i, (nps_score, stars) in enumerate([(10, 5), (8, 4), (2, 1), (0, 2), (9, 5)], start=1)),
                    encoding="utf-8")  # fmt: skip
    question = "How would you rate your delivery experience?"
    why = ("the header asks for a rating ('rate') on a 1–5 scale ('5', '4', '1'), but about no metric of its own (satisfaction, "
           'effort, recommending): kept as an answer, unscored; to score it, map it under [[metrics]] with metric = "rating" '
           '(or "csat") and scale = [1, 5]')  # fmt: skip
    assert f"column {question!r} is not scored: {why}" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    found = records(tmp_path, db="x.db")
    assert [found[f"t{i:031d}"]["answers"][question]["value"] for i in range(1, 6)] == ["5", "4", "1", "2", "5"]
    assert all(question not in (r["attributes"] or {}) for r in found.values())
    assert reported(tmp_path / "x.db") == {("2024-10", "nps"): (5, nps([10, 8, 2, 0, 9]))}


def test_a_submit_date_header_naming_utc_is_read_in_utc_whatever_the_import_s_time_zone(tmp_path):
    """Typeform writes `Submit Date (UTC)`: the header names the zone, as a Qualtrics import-id row
    may. Read in New York time, 2024-10-31 23:59:18 moved to 1 November, and its NPS with it."""
    path = tmp_path / "responses.csv"
    path.write_text(TYPEFORM, encoding="utf-8")
    out = run("import", str(path), "--db", str(tmp_path / "x.db"), "--timezone", "America/New_York")
    assert "4 read · 4 written · 0 unchanged · 0 quarantined" in out
    rows = list(csv.reader(TYPEFORM.splitlines()))[1:]
    found = records(tmp_path, db="x.db")
    assert {key: (r["submitted_at"], r["attributes"]["Start Date (UTC)"]) for key, r in found.items()} == {
        r[0]: (r[7].replace(" ", "T") + "Z", r[5].replace(" ", "T") + "Z") for r in rows}  # fmt: skip
    inspected = run("inspect", str(path), "--timezone", "America/New_York")
    assert "timestamps are read in UTC, the time zone the header 'Submit Date (UTC)' names" in inspected


def test_likert_statements_of_a_microsoft_forms_workbook_are_no_store_and_no_agent(tmp_path):
    """Forms writes a Likert question as a column per statement ("The store was clean"), its
    cells the agreement chosen: before, the store word made 'Agree' a store, the staff word
    'Strongly agree' an agent — the scorecard ranked 'Agree' against 'Neutral'."""
    header = [*MS_FORMS_HEADER[:6], "The staff were friendly", "The store was clean",
              "How easy was it to find what you needed?", "Which store did you visit?"]  # fmt: skip
    answers = [("Strongly agree", "Agree", "Very easy", "Leeds"), ("Agree", "Neutral", "Easy", "York"),
               ("Disagree", "Strongly disagree", "Very difficult", "Leeds"), ("Neutral", "Agree", "Neutral", "York")]  # fmt: skip
    rows = [[i, datetime(2024, 3, i, 9), datetime(2024, 3, i, 10), "anonymous", None, None, *cells]
            for i, cells in enumerate(answers, start=1)]  # fmt: skip
    path = write_xlsx(tmp_path / "Likert.xlsx", {"Sheet1": [header, *rows]})
    out = run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert "column 'The store was clean' is not scored" in out and "column 'The staff were friendly' is not scored" in out
    found = records(tmp_path, db="x.db")
    assert {key: (r["location_name"], r["agent_id"]) for key, r in found.items()} == {
        str(i): (cells[3], None) for i, cells in enumerate(answers, start=1)}  # fmt: skip
    assert {found[str(i)]["answers"]["The store was clean"]["value"] for i in range(1, 5)} == {"Agree", "Neutral",
                                                                                                "Strongly disagree"}  # fmt: skip
    ease = {"Very easy": 5, "Easy": 4, "Neutral": 3, "Very difficult": 1}
    assert reported(tmp_path / "x.db") == {
        ("2024-03", "ces"): (4, round(100 * sum(ease[a[2]] >= 4 for a in answers) / 4, 1))}  # fmt: skip
    assert query(tmp_path, "SELECT location_name FROM location_scorecard ORDER BY 1", db="x.db") == [("Leeds",), ("York",)]


WRITTEN_DATES = {  # a spelling of 5 March, 25 April and 30 April 2024: the submitted times
    "Mar 5, 2024": ("Mar 5, 2024", "Apr 25, 2024", "Apr 30, 2024"),
    "5 March 2024": ("5 March 2024", "25 April 2024", "30 April 2024"),
    "March 5, 2024 3:04 PM": ("March 5, 2024 3:04 PM", "April 25, 2024 11:59 PM", "April 30, 2024 12:01 AM"),
    "05-Mar-2024 15:04": ("05-Mar-2024 15:04", "25-Apr-2024 23:59", "30-Apr-2024 00:01"),
    "5. März 2024": ("5. März 2024", "25. April 2024", "30. April 2024"),
    "5 mars 2024": ("5 mars 2024", "25 avril 2024", "30 avril 2024"),
    "5 de marzo de 2024": ("5 de marzo de 2024", "25 de abril de 2024", "30 de abril de 2024"),
    "5 marca 2024": ("5 marca 2024", "25 kwietnia 2024", "30 kwietnia 2024"),
    "5 марта 2024": ("5 марта 2024", "25 апреля 2024", "30 апреля 2024"),
}


@pytest.mark.parametrize("spelling", WRITTEN_DATES)
def test_a_submission_date_written_with_a_month_name_is_the_submitted_time(tmp_path, spelling):
    """Jotform writes `Mar 5, 2024`; a month's name leaves no day-month order to guess. Before,
    every record was undated and inspect said to set `timestamp_format`."""
    dates = WRITTEN_DATES[spelling]
    path = tmp_path / "Feedback.csv"
    path.write_text("Submission Date,How likely are you to recommend us?,Submission ID\n" + "".join(
        f'"{at}",{score},{i}\n' for i, (at, score) in enumerate(zip(dates, (9, 3, 10)), start=1)), encoding="utf-8")  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["column"] for p in proposals if p["field"] == "submitted_at"] == ["Submission Date"]
    assert "3 read · 3 written" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    clock = ("15:04", "23:59", "00:01") if ":" in spelling else ("00:00",) * 3
    found = records(tmp_path, db="x.db")
    assert {key: r["submitted_at"] for key, r in found.items()} == {
        str(i): f"2024-{day}T{at}:00Z" for i, day, at in zip("123", ("03-05", "04-25", "04-30"), clock)}  # fmt: skip
    assert reported(tmp_path / "x.db") == {("2024-03", "nps"): (1, nps([9])), ("2024-04", "nps"): (2, nps([3, 10]))}


@pytest.mark.parametrize("spelling", WRITTEN_DATES)
def test_inspect_says_a_date_written_with_its_month_s_name_leaves_no_day_month_order_to_guess(tmp_path, spelling):
    """`5 March 2024` and `Mar 5, 2024` name their month: inspect says so, in the order the parts
    are written, and sets no date order. Before, it said "date order ymd: dates start with the
    year ('5 March 2024')" and wrote date_order = "ymd" into the mapping."""
    dates = WRITTEN_DATES[spelling]
    path = tmp_path / "Feedback.csv"
    path.write_text("Submission Date,How likely are you to recommend us?,Submission ID\n" + "".join(
        f'"{at}",{score},{i}\n' for i, (at, score) in enumerate(zip(dates, (9, 3, 10)), start=1)), encoding="utf-8")  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    [evidence] = [p["evidence"] for p in proposals if p["field"] == "submitted_at"]
    parts = "month, day, year" if spelling[0].isalpha() else "day, month, year"
    assert evidence.endswith(f"dates write their month's name ({dates[0]!r}: {parts}), which tells the day from the "
                             "month: no day/month order to guess")  # fmt: skip
    assert "ymd" not in evidence and "start with the year" not in evidence
    run("inspect", str(path), "--write-mapping", str(tmp_path / "mapping.toml"))
    assert "date_order" not in (tmp_path / "mapping.toml").read_text(encoding="utf-8")


def test_a_submission_date_in_words_no_rule_reads_is_named_with_the_timestamp_format_to_give(tmp_path):
    """A date none of the rules reads leaves the records undated — counted, never left out — and
    inspect and import say which column and that its timestamp_format reads it."""
    path = tmp_path / "Feedback.csv"
    path.write_text('Submission Date,How likely are you to recommend us?,Submission ID\n"the 5th of March, 2024",9,1\n'
                    '"the 25th of April, 2024",3,2\n"the 30th of April, 2024",10,3\n', encoding="utf-8")  # fmt: skip
    why = ("no column of submission times: the records are undated (counted in the month 'undated'); column "
           "'Submission Date' names a date but holds none this importer reads ('the 5th of March, 2024', 'the 25th of "
           "April, 2024', 'the 30th of April, 2024'): map it as columns.submitted_at with its timestamp_format (strptime)")
    assert why in run("inspect", str(path))
    assert why in run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert reported(tmp_path / "x.db") == {("undated", "nps"): (3, nps([9, 3, 10]))}
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[sources.feedback]\nconnector = "csv"\npath = "Feedback.csv"\n'
                       'timestamp_format = "the %dth of %B, %Y"\n'
                       '[sources.feedback.columns]\nid = "Submission ID"\nsubmitted_at = "Submission Date"\n'
                       '[[sources.feedback.metrics]]\ncolumn = "How likely are you to recommend us?"\nmetric = "nps"\n',
                       encoding="utf-8")  # fmt: skip
    run("import", str(path), "--mapping", str(mapping), "--db", str(tmp_path / "dated.db"))
    assert reported(tmp_path / "dated.db") == {("2024-03", "nps"): (1, 100.0), ("2024-04", "nps"): (2, nps([3, 10]))}


ZOHO = [  # response id, started, completed (Zoho's '19-sep-2026 10:15 a. m.'), IP, browser, survey URL, NPS, store, why
    ("123430000012345", "19-sep-2026 10:05 a. m.", "19-sep-2026 10:15 a. m.", "203.0.113.5", BROWSERS[0],
     "https://survey.zohopublic.com/zs/AbC123?src=mail", "9", "Miraflores", "Atención rápida y amable en caja"),
    ("123430000012346", "30-sep-2026 11:50 p. m.", "1-oct-2026 12:10 a. m.", "198.51.100.7", BROWSERS[1],
     "https://survey.zohopublic.com/zs/AbC123?src=sms", "6", "San Isidro", "La cola era muy larga y no había cajeros"),
    ("123430000012347", "2-oct-2026 09:00 a. m.", "2-oct-2026 09:04 a. m.", "192.0.2.44", BROWSERS[3],
     "https://survey.zohopublic.com/zs/AbC123?src=web", "10", "Miraflores", ""),
    ("123430000012348", "15-dic-2026 04:30 p. m.", "15-dic-2026 04:41 p. m.", "192.0.2.45", BROWSERS[4],
     "https://survey.zohopublic.com/zs/AbC123?src=qr", "3", "San Isidro", "Nadie atendía en la caja rápida"),
]  # fmt: skip


def test_a_spanish_zoho_survey_export_scores_its_net_promoter_score_and_stores_no_ip_browser_or_survey_url(tmp_path):
    """Zoho Survey's Spanish CSV, under the headers an ETL of such exports checks for and redacts
    (find_string "ID de respuesta", ids 60793319310, 61320763125, 61285867667; "Hora de finalización"
    of '19-sep-2026 10:15 a. m.', id 69284619014): `Net Promoter Score (de un total de 10)` is the
    NPS question (before: 'score' made it points of no known scale, unscored), `Agente Usuario` the
    browser (before: the comment), `Dirección IP` and the URL the respondent opened personal."""
    header = ["ID de respuesta", "Start time", "Hora de finalización", "Dirección IP", "Agente Usuario",
              "URL de la encuesta a la que accede el encuestado", "Net Promoter Score (de un total de 10)",
              "¿Qué tienda visitaste?", "Explica con tus palabras, las razones de la calificación"]  # fmt: skip
    path = tmp_path / "ENCUESTA DE SATISFACCION TIENDAS 2026.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([header, *ZOHO])
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    fields = {p["column"]: p["field"] for p in proposals if not p["field"].startswith("(")}
    assert [fields.get(column) for column in header] == [
        "id", "timestamp", "submitted_at", "ignore", "ignore", "ignore", "nps", "location_name", "comment"]  # fmt: skip
    [evidence] = [p["evidence"] for p in proposals if p["field"] == "submitted_at"]
    assert "dates write their month's name ('19-sep-2026 10:15 a. m.': day, month, year)" in evidence
    assert "4 read · 4 written · 0 unchanged · 0 quarantined" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    found = records(tmp_path, db="x.db")
    completed = {"19-sep-2026 10:15 a. m.": "2026-09-19T10:15:00Z", "1-oct-2026 12:10 a. m.": "2026-10-01T00:10:00Z",
                 "2-oct-2026 09:04 a. m.": "2026-10-02T09:04:00Z", "15-dic-2026 04:41 p. m.": "2026-12-15T16:41:00Z"}  # fmt: skip
    assert {key: (r["submitted_at"], r["location_name"], r["comment"]) for key, r in found.items()} == {
        row[0]: (completed[row[2]], row[7], row[8] or None) for row in ZOHO}  # fmt: skip
    months = {month: [int(row[6]) for row in ZOHO if completed[row[2]].startswith(month)]
              for month in ("2026-09", "2026-10", "2026-12")}  # fmt: skip
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(some), nps(some)) for month, some in months.items()}
    stored = json.dumps(query(tmp_path, "SELECT raw, attributes, answers FROM feedback", db="x.db"))
    assert not [part for part in ("203.0.113.", "198.51.100.", "192.0.2.", "Mozilla", "zohopublic") if part in stored]


QUALTRICS_ONE_ROW = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
                     "RecordedDate", "ResponseId", "RecipientEmail", "UserLanguage",
                     "How likely are you to recommend us to a friend?"]  # fmt: skip


def test_a_qualtrics_export_keeping_only_its_names_row_is_keyed_by_its_response_id(tmp_path):
    """Qualtrics' names row alone (the first of the three rows of /work/shared/samples'
    qualtRics_sample.csv, ropensci/qualtRics): `ResponseId` is the id, one word written in camel
    case — before, 'id' was no word of it, no id was proposed and the records were keyed by row."""
    rows = [("2024-03-31 23:50:00", "2024-03-31 23:58:00", "2024-03-31 23:58:01", "R_1rXa2b3C4d5E6f7", 10),
            ("2024-04-02 10:00:00", "2024-04-02 10:04:00", "2024-04-02 10:04:02", "R_2sYb3c4D5e6F7g8", 4),
            ("2024-04-30 23:57:00", "2024-05-01 00:01:00", "2024-05-01 00:01:01", "R_3tZc4d5E6f7G8h9", 8)]  # fmt: skip
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([QUALTRICS_ONE_ROW, *[
            (start, end, "IP Address", "203.0.113.9", 100, 480, "True", recorded, rid, "ann@example.com", "EN", score)
            for start, end, recorded, rid, score in rows]])  # fmt: skip
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["column"] for p in proposals if p["field"] == "id"] == ["ResponseId"]
    assert "3 read · 3 written" in run("import", str(path), "--db", str(tmp_path / "x.db"))
    found = records(tmp_path, db="x.db")
    assert {key: r["nps"] for key, r in found.items()} == {rid: score for *_, rid, score in rows}
    months = {"2024-03": [10], "2024-04": [4], "2024-05": [8]}
    assert reported(tmp_path / "x.db") == {(month, "nps"): (len(some), nps(some)) for month, some in months.items()}


ZOHO_SATISFACTION = ("Totalmente insatisfecho", "Insatisfecho", "Satisfecho", "Muy satisfecho", "Totalmente satisfecho")
"""Zoho Survey's Spanish satisfaction answers, worst first, as the ETL of its exports maps them to
1–5 (find_string "Muy satisfecho": 4, ids 69096971779, 60947239917; with "No utilizo" and "No
conozco", no answer: id 60816342261)."""
ZOHO_HEADER = ["ID de respuesta", "Start time", "Hora de finalización", "Net Promoter Score (de un total de 10)",
               "¿Qué tan satisfecho estás con la atención de la tienda?"]  # fmt: skip


def zoho_satisfaction(folder: Path, answers: list[str]) -> Path:
    """A Zoho Survey export of one satisfaction answer a response, a day apart from 30 September."""
    path = folder / "ENCUESTA DE SATISFACCION 2026.csv"
    rows = [(f"12343000001{n:04d}", f"{n % 28 + 1}-{'sep' if n < 6 else 'oct'}-2026 10:00 a. m.",
             f"{n % 28 + 1}-{'sep' if n < 6 else 'oct'}-2026 10:05 a. m.", str(n % 11), answer)
            for n, answer in enumerate(answers)]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([ZOHO_HEADER, *rows])
    return path


def test_zoho_s_totalmente_satisfecho_above_muy_satisfecho_is_never_scored_on_a_scale_whose_top_is_muy(tmp_path):
    """Our built-in satisfaction scales hold "Muy satisfecho" as the best answer; Zoho's Spanish
    list grades one beyond it. Read on ours, every "Muy satisfecho" would count as the top box and
    "Satisfecho" as the second: a CSAT % of the wrong boxes. inspect keeps it unscored and names the
    labels' order and scale to map (before: 'not points of a known scale', the labels not shown),
    and so mapped, the CSAT % is the top two of Zoho's five points (before: "No utilizo" and "No
    conozco" were quarantined as unknown labels)."""
    answers = [*ZOHO_SATISFACTION, "No utilizo", *ZOHO_SATISFACTION[::-1], "No conozco", "Muy satisfecho"]
    path = zoho_satisfaction(tmp_path, answers)
    order = ", ".join(f"{label!r} = {rank}" for rank, label in enumerate(ZOHO_SATISFACTION, 1))
    warning = run("inspect", str(path), "--write-mapping", str(tmp_path / "mapping.toml"))
    assert f"in order of degree, {order} — scale = [1, 5]" in " ".join(warning.split())
    proposals = json.loads(run("inspect", str(path), "--format", "json"))[0]["proposals"]
    assert [p["field"] for p in proposals if p["column"] == ZOHO_HEADER[4]] == ["question"]
    labels = ", ".join(f'"{label}" = {rank}' for rank, label in enumerate(ZOHO_SATISFACTION, 1))
    with (tmp_path / "mapping.toml").open("a", encoding="utf-8") as mapping:
        mapping.write(f'\n[[sources.encuesta_de_satisfaccion_2026.metrics]]\ncolumn = "{ZOHO_HEADER[4]}"\n'
                      f'metric = "csat"\nscale = [1, 5]\nlabels = {{ {labels} }}\n')  # fmt: skip
    imported = run("import", str(path), "--mapping", str(tmp_path / "mapping.toml"), "--db", str(tmp_path / "x.db"))
    assert "13 read · 13 written · 0 unchanged · 0 quarantined" in imported
    points = {label: rank for rank, label in enumerate(ZOHO_SATISFACTION, 1)}
    months = {"2026-09": answers[:6], "2026-10": answers[6:]}
    expected = {(month, "csat"): (len(scored), share_satisfied(scored))
                for month, some in months.items() if (scored := [points[a] for a in some if a in points])}  # fmt: skip
    assert {key: value for key, value in reported(tmp_path / "x.db").items() if key[1] == "csat"} == expected
    assert expected[("2026-10", "csat")] == (6, 50.0)  # 'Muy satisfecho' twice and 'Totalmente satisfecho' once of six


def test_a_totalmente_answer_after_the_rows_inspect_profiles_keeps_the_column_unscored_as_one_among_them_does(tmp_path):
    """Inspect profiles the first 500 rows, but decides a column of labels from every label it
    holds: a "Totalmente satisfecho" in row 512 shows the survey's scale is another, as it would in
    row 2 — the column is kept unscored naming the labels' order of degree to map, never read on our
    5-point scale whose top is "Muy satisfecho" (before: those 510 answers stored on it, the one
    'Totalmente satisfecho' quarantined — a result that hung on where the rows stood)."""
    answers = ["Muy satisfecho", "Satisfecho", "Insatisfecho"] * 170 + ["Totalmente satisfecho"]
    path = zoho_satisfaction(tmp_path, answers)
    imported = " ".join(run("import", str(path), "--db", str(tmp_path / "x.db")).split())
    assert "511 read · 511 written · 0 unchanged · 0 quarantined" in imported
    order = ", ".join(f"{label!r} = {rank}" for rank, label in enumerate(
        ["Insatisfecho", "Satisfecho", "Muy satisfecho", "Totalmente satisfecho"], 1))  # fmt: skip
    assert f"in order of degree, {order} — scale = [1, 4] if the survey lists no other point" in imported
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE csat IS NOT NULL", db="x.db") == [(0,)]


def test_extremely_satisfied_after_very_satisfied_on_one_built_in_point_keeps_the_column_unscored(tmp_path):
    """"Extremely satisfied" and "Very satisfied" are both 5 of our 5-point satisfaction scale (one
    survey's top is the other's): a column answering "Very satisfied" for 500 rows, then "Extremely
    satisfied", grades one point in two degrees — the survey's scale is bigger. Inspect decides so
    from every label the column holds, keeping it unscored (before: the two 'Extremely satisfied'
    quarantined, 500 stored with 'Very satisfied' the top box)."""
    path = tmp_path / "satisfaction.csv"
    answers = ["Very satisfied", "Satisfied", "Dissatisfied", "Very dissatisfied"] * 125 + ["Extremely satisfied"] * 2
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["Response ID", "Date Submitted", "How satisfied were you with your visit?"],
                                   *[(n, f"2024-03-{n % 28 + 1:02d} 10:00:00", a) for n, a in enumerate(answers)]])  # fmt: skip
    imported = " ".join(run("import", str(path), "--db", str(tmp_path / "x.db")).split())
    assert "502 read · 502 written · 0 unchanged · 0 quarantined" in imported
    assert "a degree beyond 'very' ('Extremely satisfied')" in imported
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE csat IS NOT NULL", db="x.db") == [(0,)]

SATISFACTION_HEADER = ["Response ID", "Date Submitted", "How likely are you to recommend us?",
                       "How satisfied were you with your visit?"]  # fmt: skip
BY_DEGREE = ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied", "Extremely satisfied")
"""A survey's own 6-point satisfaction scale, worst first: its top grades 'satisfied' beyond 'very'."""


def satisfaction_rows(count: int) -> list[tuple[int, str, int, str]]:
    """Rows of ids 0…count−1 in March and April 2024, NPS n % 11, every 7th satisfaction answer
    blank; three answers of the top point beyond 'very' among the last rows, the rest 'very' or less."""
    answers = [BY_DEGREE[n % 5] if n < count - 3 else BY_DEGREE[5] for n in range(count)]
    return [(n, f"2024-{3 + n % 2:02d}-{n % 28 + 1:02d} 10:00:00", n % 11, "" if n % 7 == 0 else answers[n])
            for n in range(count)]  # fmt: skip


def imported_in_order(folder: Path, rows: list[tuple[int, str, int, str]], entry: str | None) -> dict[str, Any]:
    """`cxbridge import` of the rows in this order — as inspect reads it, or under a mapping whose
    satisfaction entry is `entry` —: what it stored, quarantined and reports."""
    folder.mkdir()
    path = folder / "satisfaction.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([SATISFACTION_HEADER, *rows])
    mapping = folder / "mapping.toml"
    mapping.write_text(f'[sources.satisfaction]\nconnector = "csv"\npath = "{path}"\n'
                       f'[sources.satisfaction.columns]\nid = "Response ID"\nsubmitted_at = "Date Submitted"\n'
                       f'[[sources.satisfaction.metrics]]\ncolumn = "{SATISFACTION_HEADER[2]}"\nmetric = "nps"\n'
                       f'[[sources.satisfaction.metrics]]\ncolumn = "{SATISFACTION_HEADER[3]}"\n{entry}\n')  # fmt: skip
    options = ["--mapping", str(mapping)] if entry is not None else []
    output = CliRunner().invoke(cli, ["import", str(path), *options, "--db", str(folder / "x.db")]).output
    stored = query(folder, "SELECT source_record_id, nps, csat FROM feedback ORDER BY CAST(source_record_id AS INT)",
                   db="x.db")
    quarantined = {rid for (rid,) in query(folder, "SELECT source_record_id FROM quarantine", db="x.db")}
    return {"stored": stored, "quarantined": quarantined, "reported": reported(folder / "x.db"), "output": output}


@pytest.mark.parametrize("entry", [None, 'metric = "csat"\nscale = [1, 5]',
                                   'metric = "csat"\nscale = [1, 6]\nlabels = { ' +
                                   ", ".join(f'"{label}" = {rank}' for rank, label in enumerate(BY_DEGREE, 1)) + " }"],
                         ids=["inspected", "built-in 1-5", "own labels"])  # fmt: skip
def test_a_label_column_s_scale_is_decided_from_all_of_its_labels_whatever_order_its_rows_come_in(tmp_path, entry):
    """603 rows, the only three 'Extremely satisfied' — a degree beyond the built-in top 'Very
    satisfied' — last, then the same rows reversed (a fixed permutation). The column's scale is
    decided from every label it holds, so both orders store the same scores, quarantine the same
    rows and report the same NPS and CSAT: inspected, the column is kept unscored (the survey's own
    scale); mapped on the built-in 1–5 scale, no answer of it is scored on it, every answered row
    is quarantined; mapped with the survey's own labels, every answer is scored on them (before: in
    file order the three were quarantined, 600 stored with 'Very satisfied' the top box; reversed,
    inspect saw both degrees and kept the column unscored, 603 stored)."""
    rows = satisfaction_rows(603)
    forward = imported_in_order(tmp_path / "forward", rows, entry)
    reversed_ = imported_in_order(tmp_path / "reversed", rows[::-1], entry)
    assert {key: forward[key] for key in ("stored", "quarantined", "reported")} == {
        key: reversed_[key] for key in ("stored", "quarantined", "reported")}
    answered = {str(n) for n, *_, answer in rows if answer}
    kept = [row for row in rows if entry is None or "labels" in entry or not row[3]]
    assert forward["quarantined"] == ({str(n) for n, *_ in rows} - {str(row[0]) for row in kept})
    ranks = {label: rank for rank, label in enumerate(BY_DEGREE, 1)}
    scored = entry is not None and "labels" in entry
    assert forward["stored"] == [(str(n), score, ranks[answer] if scored and answer else None)
                                 for n, _, score, answer in kept]  # fmt: skip
    months = {month: [row for row in kept if row[1].startswith(month)] for month in ("2024-03", "2024-04")}
    expected = {(month, "nps"): (len(some), nps([row[2] for row in some])) for month, some in months.items()}
    if scored:  # top two boxes of the survey's six points: 'Very satisfied' and 'Extremely satisfied'
        expected |= {(month, "csat"): (len(points), round(100 * sum(p >= 5 for p in points) / len(points), 1))
                     for month, some in months.items() if (points := [ranks[row[3]] for row in some if row[3]])}  # fmt: skip
    assert forward["reported"] == expected
    if entry is not None and not scored:
        assert len(answered) == len(forward["quarantined"]) == 603 - 603 // 7 - 1
        assert ("answers 'Very satisfied' and 'Extremely satisfied' grade 'satisfied' in two degrees, which the "
                "built-in scale this csat question is read on holds as one point") in " ".join(forward["output"].split())


def test_a_column_of_months_and_no_dates_is_named_as_leaving_the_records_undated(tmp_path):
    """A sheet kept by month ("Januar 2024", "01/2024", "2024-02") has no day of submission: its
    records are undated, counted in the month 'undated'. Before, inspect and import said nothing
    of it (the report showed every answer 'undated')."""
    path = tmp_path / "monate.csv"
    path.write_text("Monat;Filiale;Weiterempfehlung (0-10)\nJanuar 2024;Berlin;9\nFebruar 2024;Berlin;3\n"
                    "01/2024;Köln;10\n2024-02;Köln;7\n", encoding="utf-8")  # fmt: skip
    why = ("no column of submission times: the records are undated (counted in the month 'undated'); column 'Monat' "
           "holds months, not days ('Januar 2024', 'Februar 2024', '01/2024'), and no month alone is read as a date")
    assert why in run("inspect", str(path))
    assert why in run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert reported(tmp_path / "x.db") == {("undated", "nps"): (4, nps([9, 3, 10, 7]))}
