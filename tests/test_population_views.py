"""Populations never share a number in the views (issue 11 item 1): examples/cxbridge.toml — store
NPS of customers, an employee eNPS pulse, mystery shops and store audits — synced into SQLite,
DuckDB and PostgreSQL, and every figure of nps_by_month, enps_by_month, csat_by_month,
ces_by_month, location_scorecard, detractor_queue and employee_followup_queue checked against a
computation written here over the example CSV files (never cxbridge's metric code)."""

from __future__ import annotations

import csv
import shutil
import uuid
from collections import defaultdict
from typing import Any

import pytest

import cxbridge
from cxbridge.plugins_host import create_host
from tests.conftest import ROOT

DATA = ROOT / "examples" / "data"
NPS_QUESTION = "How likely are you to recommend us to a friend?"
CSAT_QUESTION = "How satisfied were you with your visit?"
CES_QUESTION = "The store made it easy to find what I needed"
ENPS_QUESTION = "How likely are you to recommend us as a place to work?"
CSAT_LABELS = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neither satisfied nor dissatisfied": 3, "Satisfied": 4,
               "Very satisfied": 5}  # fmt: skip


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


CUSTOMERS = [  # less the rows the example quarantines on purpose: no submission time, answers off their scales
    row for row in read("store_nps_2025.csv")
    if row["Submitted"] and row[CSAT_QUESTION] in CSAT_LABELS and 0 <= int(row[NPS_QUESTION]) <= 10
]
EMPLOYEES = read("employee_pulse_2025.csv")
VISITS = read("mystery_shop_2025.csv")
AUDITS = read("store_audit_2025.csv")


def group(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def nps(scores: list[int]) -> float:
    groups = [group(s) for s in scores]
    return 100 * (groups.count("promoter") - groups.count("detractor")) / len(groups)


def close(actual: Any, expected: float | None) -> bool:
    """Equal to one decimal, as the views round (half away from zero, so a tolerance)."""
    if expected is None or actual is None:
        return actual is expected
    return abs(float(actual) - expected) <= 0.05 + 1e-9


@pytest.fixture(scope="module", params=["sqlite", "duckdb", "postgresql"])
def example(request, tmp_path_factory) -> Any:
    """The example project synced into one engine: a query function over its views."""
    folder = tmp_path_factory.mktemp(f"example-{request.param}")
    shutil.copytree(ROOT / "examples" / "data", folder / "data")
    shutil.copy(ROOT / "examples" / "cxbridge.toml", folder / "cxbridge.toml")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'cx.db'}"
    elif request.param == "duckdb":
        url = f"duckdb:///{folder / 'cx.duckdb'}"
    else:
        url = made_database(request.getfixturevalue("postgres_url"), folder.name)
    result = cxbridge.sync(folder / "cxbridge.toml", host=create_host(), destination=url)
    assert result.exit_code == 0
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open(read_only=True)
    yield destination.query
    destination.close()


def made_database(server: str, name: str) -> str:
    """A new database on the test server (session-wide, so a module-wide sync can use it)."""
    import psycopg

    database = f"{name.replace('-', '_').lower()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    return server.rsplit("/", 1)[0] + "/" + database


def test_nps_by_month_holds_customers_nps_only(example):
    months: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        months[row["Submitted"][:7]].append(int(row[NPS_QUESTION]))  # Warsaw time, as the config says
    rows = example("SELECT * FROM nps_by_month ORDER BY month")
    assert [(r["source"], r["program"], r["month"], r["responses"]) for r in rows] == [
        ("store_nps", "voc", month, len(scores)) for month, scores in sorted(months.items())
    ]
    for row in rows:
        scores = months[row["month"]]
        groups = [group(s) for s in scores]
        assert (row["promoters"], row["passives"], row["detractors"]) == tuple(
            groups.count(g) for g in ("promoter", "passive", "detractor")
        )
        assert close(row["nps"], nps(scores))


def test_enps_by_month_holds_employees_enps_beside_it(example):
    months: dict[str, list[int]] = defaultdict(list)
    for row in EMPLOYEES:
        months[row["Submitted"][:7]].append(int(row[ENPS_QUESTION]))
    rows = example("SELECT source, program, month, responses, enps FROM enps_by_month ORDER BY month")
    assert [(r["source"], r["program"], r["month"], r["responses"]) for r in rows] == [
        ("employee_pulse", "employee", month, len(scores)) for month, scores in sorted(months.items())
    ]
    assert all(close(r["enps"], nps(months[r["month"]])) for r in rows)


def test_january_customer_nps_is_not_blended_with_the_employees(example):
    """The issue's reproduction: 2025-01 customers and employees blended gave one wrong number."""
    customers = [int(r[NPS_QUESTION]) for r in CUSTOMERS if r["Submitted"].startswith("2025-01")]
    employees = [int(r[ENPS_QUESTION]) for r in EMPLOYEES if r["Submitted"].startswith("2025-01")]
    assert round(nps(customers), 1) != round(nps(customers + employees), 1), "the example must show the mix"
    [row] = example("SELECT nps FROM nps_by_month WHERE month = '2025-01'")
    assert close(row["nps"], nps(customers))


def test_csat_and_ces_by_month_hold_customers_answers(example):
    csat: dict[str, list[int]] = defaultdict(list)
    ces: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        csat[row["Submitted"][:7]].append(CSAT_LABELS[row[CSAT_QUESTION]])
        ces[row["Submitted"][:7]].append(int(row[CES_QUESTION]))
    rows = example("SELECT month, responses, satisfied, csat_pct FROM csat_by_month ORDER BY month")
    assert [r["month"] for r in rows] == sorted(csat)
    for row in rows:
        values = csat[row["month"]]
        satisfied = sum(v >= 4 for v in values)
        assert (row["responses"], row["satisfied"]) == (len(values), satisfied)
        assert close(row["csat_pct"], 100 * satisfied / len(values))
    rows = example("SELECT month, responses, low_effort, ces_avg_normalized FROM ces_by_month ORDER BY month")
    assert [r["month"] for r in rows] == sorted(ces)
    for row in rows:
        values = ces[row["month"]]
        assert (row["responses"], row["low_effort"]) == (len(values), sum(v >= 6 for v in values))
        assert close(row["ces_avg_normalized"], sum((v - 1) / 6 * 100 for v in values) / len(values))


def expected_scorecard() -> dict[str, dict[str, Any]]:
    """Per store: every figure of location_scorecard from the example files."""
    stores: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(list))
    for row in CUSTOMERS:
        store = stores[row["Store ID"]]
        store["records"].append(row["Response ID"])
        store["nps"].append(int(row[NPS_QUESTION]))
        store["csat"].append(CSAT_LABELS[row[CSAT_QUESTION]])
        store["ces"].append((int(row[CES_QUESTION]) - 1) / 6 * 100)
    for row in EMPLOYEES:
        stores[row["Store ID"]]["records"].append(row["Response ID"])
        stores[row["Store ID"]]["enps"].append(int(row[ENPS_QUESTION]))
    for row in VISITS:
        stores[row["Store ID"]]["records"].append(row["Visit ID"])
        stores[row["Store ID"]]["visits"].append(int(row["Score (of 40)"]) / 40 * 100)
    for row in AUDITS:
        stores[row["Store ID"]]["records"].append(row["Audit ID"])
        stores[row["Store ID"]]["audits"].append(int(row["Points (of 50)"]) / 50 * 100)

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    figures = {}
    for store, found in stores.items():
        figures[store] = {
            "responses": len(found["records"]),
            "nps_responses": len(found["nps"]),
            "nps": nps(found["nps"]) if found["nps"] else None,
            "csat_pct": 100 * sum(v >= 4 for v in found["csat"]) / len(found["csat"]) if found["csat"] else None,
            "ces_avg_normalized": mean(found["ces"]),
            "enps_responses": len(found["enps"]),
            "enps": nps(found["enps"]) if found["enps"] else None,
            "mystery_shop_score": mean(found["visits"]),
            "audit_score": mean(found["audits"]),
        }
    ranked = sorted((f["nps"] for f in figures.values() if f["nps"] is not None), reverse=True)
    for f in figures.values():
        if f["nps"] is None:
            f.update(ranked_by=None, rank=None, top=False, bottom=False)
            continue
        rank = 1 + sum(other > f["nps"] + 1e-9 for other in ranked)
        from_bottom = 1 + sum(other < f["nps"] - 1e-9 for other in ranked)
        top, bottom = rank - 1 < 0.2 * len(ranked), from_bottom - 1 < 0.2 * len(ranked)
        f.update(ranked_by="nps", rank=rank, top=top and not bottom, bottom=bottom and not top)  # both: neither
    return figures


def test_location_scorecard_puts_each_population_in_its_own_column(example):
    expected = expected_scorecard()
    rows = {row["location_id"]: row for row in example("SELECT * FROM location_scorecard")}
    assert set(rows) == set(expected)
    for store, want in expected.items():
        row = rows[store]
        for column in ("responses", "nps_responses", "enps_responses", "ranked_by", "rank"):
            assert row[column] == want[column], (store, column)
        for column in ("nps", "csat_pct", "ces_avg_normalized", "enps", "mystery_shop_score", "audit_score"):
            assert close(row[column], want[column]), (store, column, row[column], want[column])
        assert (bool(row["top_20_pct"]), bool(row["bottom_20_pct"])) == (want["top"], want["bottom"]), store
    assert any(want["enps"] is not None and want["enps"] != want["nps"] for want in expected.values())


def test_detractor_queue_holds_customers_and_employees_have_their_own(example):
    unhappy = {
        row["Response ID"]: "detractor" if int(row[NPS_QUESTION]) <= 6 else "dissatisfied"
        for row in CUSTOMERS
        if int(row[NPS_QUESTION]) <= 6 or CSAT_LABELS[row[CSAT_QUESTION]] <= 2
    }
    queue = example("SELECT f.source_record_id, q.reason, q.program FROM detractor_queue q "
                    "JOIN feedback f ON f.record_id = q.record_id")  # fmt: skip
    assert {row["source_record_id"]: row["reason"] for row in queue} == unhappy
    assert {row["program"] for row in queue} == {"voc"}
    employees = {row["Response ID"]: int(row[ENPS_QUESTION]) for row in EMPLOYEES if int(row[ENPS_QUESTION]) <= 6}
    followups = example("SELECT f.source_record_id, q.enps FROM employee_followup_queue q "
                        "JOIN feedback f ON f.record_id = q.record_id")  # fmt: skip
    assert {row["source_record_id"]: int(row["enps"]) for row in followups} == employees
    assert employees, "the example pulse must have eNPS detractors"


def test_the_rows_left_out_here_are_the_ones_quarantined(example):
    quarantined = {row["source_record_id"] for row in example("SELECT source_record_id FROM quarantine")}
    left_out = {row["Response ID"] for row in read("store_nps_2025.csv")} - {row["Response ID"] for row in CUSTOMERS}
    assert quarantined == left_out and len(left_out) == 3


PULSE_AS_NPS = """
[sources.pulse]
connector = "csv"
path = "pulse.csv"
program = "employee"

[sources.pulse.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"

[[sources.pulse.metrics]]
column = "recommend"
metric = "nps"

[sources.store]
connector = "csv"
path = "store.csv"

[sources.store.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"

[[sources.store.metrics]]
column = "recommend"
metric = "nps"
"""


def test_an_employee_pulse_configured_as_nps_is_enps_never_customers_nps(tmp_path, monkeypatch):
    """A pulse survey's "would you recommend us" declared `metric = "nps"` in an employee
    program is eNPS: it counts in enps_by_month, the scorecard's enps and the employee queue,
    never in nps_by_month or beside customers' NPS, and the sync says how it was scored."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(PULSE_AS_NPS, encoding="utf-8")
    pulse = [(f"E{n}", n * 3 % 11) for n in range(1, 13)]
    store = [(f"C{n}", n * 7 % 11) for n in range(1, 9)]
    for name, rows in (("pulse", pulse), ("store", store)):
        lines = ["id,submitted,store,recommend", *(f"{i},2025-03-{n + 1:02d}T10:00:00Z,S1,{v}" for n, (i, v) in enumerate(rows))]
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cxbridge.sync(tmp_path / "cxbridge.toml", host=create_host(), destination=f"sqlite:///{tmp_path / 'cx.db'}")
    assert result.exit_code == 0
    [pulse_result] = [r for r in result.results if r.source == "pulse"]
    assert any("'recommend'" in w and "scored as enps" in w for w in pulse_result.warnings), pulse_result.warnings
    assert not [r for r in result.results if r.source == "store"][0].warnings

    destination = create_host().destination_class("sqlite")(f"sqlite:///{tmp_path / 'cx.db'}", base_dir=tmp_path)
    destination.open(read_only=True)
    try:
        query = destination.query
        assert [(r["source"], r["program"], r["responses"]) for r in query("SELECT * FROM nps_by_month")] == [
            ("store", "voc", len(store))
        ]
        assert close(query("SELECT nps FROM nps_by_month")[0]["nps"], nps([v for _, v in store]))
        [enps] = query("SELECT * FROM enps_by_month")
        assert (enps["source"], enps["program"], enps["responses"]) == ("pulse", "employee", len(pulse))
        assert close(enps["enps"], nps([v for _, v in pulse]))
        [card] = query("SELECT * FROM location_scorecard")
        assert (card["nps_responses"], card["enps_responses"]) == (len(store), len(pulse))
        assert close(card["nps"], nps([v for _, v in store])) and close(card["enps"], nps([v for _, v in pulse]))
        followups = {r["record_id"] for r in query("SELECT record_id FROM employee_followup_queue")}
        detractors = {r["record_id"] for r in query("SELECT record_id FROM feedback WHERE source = 'pulse' AND nps <= 6")}
        assert followups == detractors and len(detractors) == sum(v <= 6 for _, v in pulse)
        assert not query("SELECT 1 FROM detractor_queue WHERE program <> 'voc'")
        assert {r["metric"] for r in query("SELECT s.metric FROM feedback_scores s JOIN feedback f USING (record_id) "
                                           "WHERE f.source = 'pulse'")} == {"enps"}  # fmt: skip
    finally:
        destination.close()


def test_employees_in_a_customer_file_are_named_in_the_sync_summary(tmp_path):
    """A customer file whose "Respondent type" column says some rows are staff: they are stored
    as the source's customers (nothing in a file source's config routes a row to another
    program), so the summary names the file, the column and how many rows — beyond the first
    200 too — and a file of customers alone, or the same rows in an employee source, say nothing."""
    from tests.sqlite_runs import query, sync_source

    kinds = ["Customer"] * 260
    for row, kind in ((5, "employee"), (40, "Staff"), (230, "employee")):
        kinds[row] = kind
    lines = ["id,submitted,Respondent type,recommend",
             *(f"R{n},2025-03-{n % 28 + 1:02d}T10:00:00Z,{kind},{n % 11}" for n, kind in enumerate(kinds))]  # fmt: skip
    (tmp_path / "store.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = {"connector": "csv", "path": "store.csv", "columns": {"id": "id", "submitted_at": "submitted"},
              "metrics": [{"column": "recommend", "metric": "nps"}]}  # fmt: skip
    result = sync_source(tmp_path, source, name="store")
    staff = [kind for kind in kinds if kind != "Customer"]
    assert result.written == len(kinds)  # stored as before: the summary says it, nothing is re-routed
    [warning] = [w for w in result.warnings if "Respondent type" in w]
    assert warning.startswith(f"store.csv: {len(staff)} rows say in column 'Respondent type' that an employee answered "
                              "('employee' 2, 'Staff' 1)")  # fmt: skip
    assert "source 'store' counts them as customers (program voc)" in warning
    assert query(tmp_path, "SELECT responses FROM nps_by_month") == [(len(kinds),)]

    customers_only = [line.replace("employee", "Customer").replace("Staff", "Customer") for line in lines]
    (tmp_path / "store.csv").write_text("\n".join(customers_only) + "\n", encoding="utf-8")
    assert not [w for w in sync_source(tmp_path, source, name="store", db="c.db").warnings if "Respondent" in w]
    (tmp_path / "store.csv").write_text("\n".join(lines).replace("Customer", "employee") + "\n", encoding="utf-8")
    pulse = sync_source(tmp_path, {**source, "program": "employee"}, name="pulse", db="e.db")
    assert pulse.written == len(kinds) and not [w for w in pulse.warnings if "Respondent" in w]


def test_an_imported_employee_pulse_counts_as_employees_not_customers(tmp_path):
    """`cxbridge import` of the example's employee pulse, with no mapping and no --program: its
    only recommend question is about a place to work (eNPS), which employees answer, so its rows
    are of program employee — in enps_by_month's employee row, the scorecard's enps and the
    employee queue — never a customers' (voc) eNPS that those leave out."""
    db = tmp_path / "imported.db"
    result = cxbridge.import_([DATA / "employee_pulse_2025.csv"], destination=f"sqlite:///{db}", host=create_host())
    assert result.exit_code == 0
    destination = create_host().destination_class("sqlite")(f"sqlite:///{db}", base_dir=tmp_path)
    destination.open(read_only=True)
    try:
        query = destination.query
        assert {r["program"] for r in query("SELECT DISTINCT program FROM feedback")} == {"employee"}
        stores: dict[str, list[int]] = defaultdict(list)
        for row in EMPLOYEES:
            stores[row["Store ID"]].append(int(row[ENPS_QUESTION]))
        cards = {r["location_id"]: r for r in query("SELECT location_id, enps_responses, enps FROM location_scorecard")}
        assert {store: cards[store]["enps_responses"] for store in stores} == {s: len(v) for s, v in stores.items()}
        assert all(close(cards[store]["enps"], nps(scores)) for store, scores in stores.items())
        queued = query("SELECT COUNT(*) AS n FROM employee_followup_queue")[0]["n"]
        assert queued == sum(int(row[ENPS_QUESTION]) <= 6 for row in EMPLOYEES) > 0
    finally:
        destination.close()


def test_enps_declared_in_a_source_of_customers_is_named_with_the_fix(tmp_path):
    """`metric = "enps"` in a source left at the default program (voc): the views count eNPS of
    program employee only, so the scorecard's enps and the employee queue leave these answers
    out. The sync says so, naming the question, the source and the key that fixes it; a
    source of program employee gets no such warning."""
    pulse = PULSE_AS_NPS.split("[sources.store]")[0].replace('program = "employee"\n', "")
    (tmp_path / "cxbridge.toml").write_text(pulse.replace('metric = "nps"', 'metric = "enps"'), encoding="utf-8")
    lines = ["id,submitted,store,recommend", *(f"E{n},2025-03-{n:02d}T10:00:00Z,S1,{n * 3 % 11}" for n in range(1, 9))]
    (tmp_path / "pulse.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    destination = f"sqlite:///{tmp_path / 'cx.db'}"
    [result] = cxbridge.sync(tmp_path / "cxbridge.toml", host=create_host(), destination=destination).results
    assert result.status == "success" and result.written == 8
    [warning] = [w for w in result.warnings if "enps" in w]
    assert "'recommend'" in warning and "'pulse'" in warning and "voc" in warning
    assert 'program = "employee"' in warning and "employee_followup_queue" in warning

    (tmp_path / "cxbridge.toml").write_text(pulse.replace('metric = "nps"', 'metric = "enps"').replace(
        '"pulse.csv"\n', '"pulse.csv"\nprogram = "employee"\n'), encoding="utf-8")  # fmt: skip
    [again] = cxbridge.sync(tmp_path / "cxbridge.toml", host=create_host(), destination=destination,
                            full_refresh=True).results  # fmt: skip
    assert again.status == "success" and not again.warnings
