"""Numbers no other test checked against an independent computation (the truth audit), on the
network of tests/audit_network.py: a network of six stores over two months whose customers answer
on two sources with different scales — a 1–5 CSAT (top-2-box) and a 1–7 agreement CES beside a
3-point CSAT (top box) and a 5-point expectation CES (lower is better) — with copies of some
responses under a third source, an answer off its scale, kiosk times at a month's edge in UTC, an
employee pulse, mystery shops and audits. location_ranking with every component (NPS, CSAT, CES,
eNPS, mystery shop, audit), agent_scorecard's customer columns, location_scorecard,
question_trend, location_trend, the detractor queue, `cxbridge report --by location` and `--by
month` of every metric are compared with figures worked out from the rows, never by cxbridge's
code, on SQLite, DuckDB, PostgreSQL, Parquet, the local BigQuery API and Snowflake (fakesnow).
The HTML report's numbers: tests/test_numbers_audit_html.py."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, redirect_stdout
from decimal import Decimal
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli import output
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from cxbridge.reporting import ReportOptions, report_rows
from tests.audit_network import (
    CSAT_BOXES, DATA, FACT_OF, PROGRAM_OF, answers, components, expected_ranking, interval, mean, net, network_config,
    number, rounded,
)  # fmt: skip
from tests.test_location_ranking import url_for, write
from tests.test_snowflake_destination import URL as SNOWFLAKE
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture


def _synced(kind: str, folder: Path, request) -> Iterator[Any]:
    """The network synced into a destination of `kind`: the destination, open to read."""
    config = config_from_dict(network_config(folder), create_host(), path=folder / "cxbridge.toml")
    with ExitStack() as stack:
        if kind == "bigquery":  # the local BigQuery API (tests/bigquery_engine.py), as tests/test_waves.py
            from google.oauth2.credentials import Credentials

            from cxbridge import api
            from cxbridge.plugins.bigquery.destination import BigQueryDestination
            from tests.bigquery_api import fake_bigquery
            from tests.bigquery_engine import Engine

            endpoint = stack.enter_context(fake_bigquery(engine=Engine())).url
            opened = partial(BigQueryDestination, "bigquery://acme-cx/audit", credentials=Credentials(token="t"),
                             client_options={"api_endpoint": endpoint})  # fmt: skip
            with pytest.MonkeyPatch.context() as patch:  # for this sync only: later tests' syncs go where they say
                patch.setattr(api, "open_destination", lambda *_, **__: opened())
                result = cxbridge.sync(config, host=create_host())
        elif kind == "snowflake":  # fakesnow, emulated while the fixture lasts
            opened = partial(request.getfixturevalue("snowflake"), "audit")
            result = cxbridge.sync(config, destination=SNOWFLAKE.format(password="pw-123", name="AUDIT"), host=create_host())
        else:
            url = url_for(kind, folder, request)
            result = cxbridge.sync(config, destination=url, host=create_host())
            opened = partial(create_host().destination_class(kind), url, base_dir=folder)
        assert [r.quarantined for r in result.results if r.quarantined] == [1]
        destination = opened()
        destination.open(read_only=True)
        try:
            yield destination
        finally:
            destination.close()


@pytest.fixture(scope="module", params=["sqlite", "duckdb", "postgresql", "parquet", "bigquery", "snowflake"])
def network(request, tmp_path_factory):
    """The network synced once per destination, open to read."""
    yield from _synced(request.param, tmp_path_factory.mktemp(f"audit-{request.param}"), request)


def test_the_data_holds_what_the_checks_need():
    expected = expected_ranking()
    assert {month for month, _ in expected} == {"2025-01", "2025-02", "2025-03"}  # K-edge2 is Warsaw's March 1
    assert any(w["missing"] for w in expected.values()) and sum(w["kpi"] is not None for w in expected.values()) >= 8
    assert any(w["top"] for w in expected.values()) and any(w["bottom"] for w in expected.values())


def test_every_component_of_location_ranking_is_the_one_worked_out_here(network):
    query = network.query
    expected = expected_ranking()
    rows = {(r["period"], r["location_id"]): r for r in query("SELECT * FROM location_ranking")}
    assert set(rows) == set(expected)
    for key, want in expected.items():
        row = rows[key]
        for name, (count, score) in want["components"].items():
            assert (row[f"{name}_answers"], number(row[f"{name}_score"])) == (count, rounded(score)), (key, name)
        nps, enps = want["components"]["nps"][1], want["components"]["enps"][1]
        assert number(row["nps"]) == rounded(None if nps is None else 2 * nps - 100), key
        assert number(row["enps"]) == rounded(None if enps is None else 2 * enps - 100), key
        shown = (number(row["kpi"]), row["missing"], row["rank"], bool(row["is_top"]), bool(row["is_bottom"]))
        assert shown == (want["kpi"], want["missing"], want["rank"], want["top"], want["bottom"]), key


def test_the_agent_scorecard_scores_each_staff_member_by_their_visits_and_customers(network):
    query = network.query
    grouped: dict[tuple[str, str | None, str | None], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if fact.get("staff") or fact.get("team"):
            grouped[fact["month"], fact.get("team"), fact.get("staff")].append(fact)
    expected = {}
    for key, rows in grouped.items():
        shops = [r["mystery_shop"] for r in rows if "mystery_shop" in r]
        nps = [r["nps"] for r in rows if "nps" in r]
        csat = [r["csat_box"] == "satisfied" for r in rows if "csat_box" in r]
        expected[key] = (len(shops), rounded(mean(shops) if shops else None), len(nps), rounded(net(nps) if nps else None),
                         len(csat), rounded(Fraction(100 * sum(csat), len(csat)) if csat else None))  # fmt: skip
    rows = query("SELECT * FROM agent_scorecard")
    actual = {(r["period"], r["team"], r["agent_id"]): (r["mystery_shop_visits"], number(r["mystery_shop_score"]),
              r["nps_answers"], number(r["nps"]), r["csat_answers"], number(r["csat_pct"])) for r in rows}  # fmt: skip
    assert actual == expected


def report(destination, by: str, metric: str) -> list[dict[str, Any]]:
    """What `cxbridge report --format json --by BY --metric METRIC` prints, read from `destination`."""
    with redirect_stdout(io.StringIO()) as printed:
        output.rows(report_rows(destination, ReportOptions(by=by, metric=metric, intervals=True)), fmt="json")
    return json.loads(printed.getvalue())


def boxes(rows: list[dict[str, Any]], names: tuple[str, ...], key: str) -> list[int]:
    return [sum(r[key] == name for r in rows) for name in names]


def detail(metric: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """`cxbridge report --metric METRIC`'s columns of one row, from its facts."""
    if metric in ("nps", "enps"):
        values = [r[metric] for r in rows]
        promoters, detractors = sum(v >= 9 for v in values), sum(v <= 6 for v in values)
        return {"responses": len(values), "promoters": promoters, "passives": len(values) - promoters - detractors,
                "detractors": detractors, metric: rounded(net(values))}  # fmt: skip
    if metric in ("csat", "ces"):
        names = ("satisfied", "neutral", "dissatisfied") if metric == "csat" else ("low_effort", "neutral", "high_effort")
        counts = boxes(rows, names, f"{metric}_box")
        return {"responses": len(rows), **dict(zip(names, counts, strict=True)),
                f"{names[0] if metric == 'ces' else metric}_pct": rounded(Fraction(100 * counts[0], len(rows))),
                f"{metric}_avg_normalized": rounded(mean([r[metric] for r in rows]))}  # fmt: skip
    scores = [r[metric] for r in rows]
    return {"responses": len(scores), "score": rounded(mean(scores)), "lowest": rounded(min(scores)),
            "highest": rounded(max(scores))}  # fmt: skip


@pytest.mark.parametrize("by", ["location", "month"])
@pytest.mark.parametrize("metric", list(FACT_OF))
def test_the_report_of_each_metric_by_store_and_month_is_the_one_worked_out_here(network, by, metric):
    """Every column and the 95 % interval. Mixed scales read alike: a kiosk's 3 of 3 is satisfied as a store's 4 or 5 of 5, its 1 or 2
    of a 5-point expectation CES is low effort as a 6 or 7 of the 7-point agreement one."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if FACT_OF[metric] in fact:
            grouped[fact["store" if by == "location" else "month"]].append(fact)
    expected = {value: {by: value, "program": PROGRAM_OF[metric], **detail(metric, rows)} for value, rows in grouped.items()}
    printed = report(network, by, metric)
    assert {row[by]: {k: row[k] for k in expected[row[by]]} for row in printed} == expected
    for row in printed:
        low, high = interval(metric, grouped[row[by]])
        assert close(row["ci_low"], low) and close(row["ci_high"], high), (row, low, high)


def close(shown: float | None, exact: float | None) -> bool:
    """To one decimal of the exact bound (which float arithmetic may put a hair either side of a tie)."""
    return shown is None if exact is None else shown is not None and abs(shown - exact) <= 0.05 + 1e-9


def test_location_scorecard_is_the_one_worked_out_here(network):
    query = network.query
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        grouped[fact["store"]].append(fact)
    expected = {}
    for store, rows in grouped.items():
        found = components(rows)
        nps, enps = found["nps"][1], found["enps"][1]
        expected[store] = {"responses": len(rows), "nps_responses": found["nps"][0], "nps": rounded(2 * nps - 100),
                           "csat_pct": rounded(found["csat"][1]), "ces_avg_normalized": rounded(found["ces"][1]),
                           "enps_responses": found["enps"][0], "enps": rounded(2 * enps - 100),
                           "mystery_shop_score": rounded(found["mystery_shop"][1]),
                           "audit_score": rounded(found["audit"][1]), "ranked_by": "nps"}  # fmt: skip
    for want in expected.values():
        others = [w["nps"] for w in expected.values()]
        above, below = sum(k > want["nps"] for k in others), sum(k < want["nps"] for k in others)
        top, bottom = above < 0.2 * len(others), below < 0.2 * len(others)
        want.update(rank=above + 1, top_20_pct=top and not bottom, bottom_20_pct=bottom and not top)
    rows = query("SELECT * FROM location_scorecard")
    shown = {r["location_id"]: {k: number(r[k]) if isinstance(r[k], (float, Decimal)) else r[k] for k in expected[r["location_id"]]}
             for r in rows}  # fmt: skip
    for row in shown.values():
        row["top_20_pct"], row["bottom_20_pct"] = bool(row["top_20_pct"]), bool(row["bottom_20_pct"])
    assert shown == expected


def test_question_trend_follows_each_question_over_both_scales_counting_each_response_once(network):
    """The three questions declared one key each on the store's and the kiosk's scales: per month,
    favourable (promoters, satisfied, low effort) and unfavourable answers, the mean 0–100 and the
    score — NPS, or the share favourable."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for fact in answers():
        if "nps" in fact:  # a customer
            for key in ("recommend", "satisfied", "effort"):
                grouped[key, fact["month"]].append(fact)
    expected = {}
    for (key, month), rows in grouped.items():
        if key == "recommend":
            values = [r["nps"] for r in rows]
            good, bad, normalized = sum(v >= 9 for v in values), sum(v <= 6 for v in values), [Fraction(10 * v) for v in values]
            score = net(values)
        else:
            metric = "csat" if key == "satisfied" else "ces"
            names = ("satisfied", "dissatisfied") if metric == "csat" else ("low_effort", "high_effort")
            good, bad = boxes(rows, names, f"{metric}_box")
            normalized, score = [r[metric] for r in rows], Fraction(100 * good, len(rows))
        expected[key, month] = (len(rows), good, bad, rounded(mean(normalized)), rounded(score))
    rows = network.query("SELECT * FROM question_trend WHERE program = 'voc'")
    actual = {(r["question_key"], r["month"]): (r["responses"], r["favourable"], r["unfavourable"],
                                                number(r["avg_normalized"]), number(r["score"])) for r in rows}  # fmt: skip
    assert actual == expected


def test_the_detractor_queue_holds_each_unhappy_customer_once_by_the_boxes_of_their_scale(network):
    """A detractor (0–6), else a dissatisfied answer — 1–2 of 5, 1 of 3 — is waiting; the copies,
    all detractors, are the store's responses and wait once, as those do."""
    unhappy = {fact["id"]: "detractor" if fact["nps"] <= 6 else "dissatisfied" for fact in answers()
               if "nps" in fact and (fact["nps"] <= 6 or fact["csat_box"] == "dissatisfied")}  # fmt: skip
    rows = network.query("SELECT f.source, f.source_record_id, q.reason FROM detractor_queue q "
                         "JOIN feedback f ON f.record_id = q.record_id")  # fmt: skip
    assert {r["source_record_id"]: r["reason"] for r in rows} == unhappy and len(rows) == len(unhappy)
    assert {r["source"] for r in rows} == {"store", "kiosk"}


def test_the_sync_summary_and_status_count_the_files_rows(tmp_path):
    """Each source's summary — read, written, quarantined, cases opened — and `cxbridge status`'s
    runs, quarantine and copies, worked out from the files: every row is read; the 11 is
    quarantined; each unhappy customer (a detractor, or dissatisfied on their own scale) opens a
    case, the copies none (their responses opened theirs); a second sync of the same files reads
    nothing new."""
    config = config_from_dict(network_config(tmp_path), create_host(), path=tmp_path / "cxbridge.toml")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    first, again = (cxbridge.sync(config, destination=url, host=create_host()) for _ in range(2))
    unhappy = {source: sum(row["id"] != "C-off" and (int(row["recommend"]) <= 6 or
                                                     CSAT_BOXES[points][int(row["satisfied"]) - 1] == "dissatisfied")
                           for row in DATA[source]) for source, points in (("store", 5), ("kiosk", 3))}  # fmt: skip
    expected = {name: (len(rows), len(rows) - (name == "store"), int(name == "store"), unhappy.get(name, 0)) for name, rows in DATA.items()}
    assert {r.source: (r.read, r.written, r.quarantined, r.cases_opened) for r in first.results} == expected
    assert {(r.read, r.written, r.quarantined) for r in again.results} == {(0, 0, 0)}
    result = CliRunner().invoke(cli, ["status", "-d", url, "--format", "json", "--runs", "2"])
    status = json.loads(result.output)
    runs = [run for run in status["runs"] if run["records_read"]]  # the first sync's; the second read none
    assert {run["source"]: (run["records_read"], run["records_written"], run["records_quarantined"]) for run in runs} == {
        name: counts[:3] for name, counts in expected.items()}  # fmt: skip
    assert [(q["source"], q["records"]) for q in status["quarantine"]] == [("store", 1)]
    assert status["duplicates"] == [{"source": "copies", "copies": len(DATA["copies"])}]


def test_location_trend_follows_each_store_from_month_to_month(network):
    """Each month after the first against the month before, for every store of either: KPI and
    rank then and now, the change of the shown KPIs, places up, and whether a bottom store improved."""
    ranking = expected_ranking()
    months = sorted({month for month, _ in ranking})
    expected = {}
    for before, now in zip(months, months[1:], strict=False):
        for store in {s for m, s in ranking if m in (before, now)}:
            then, later = ranking.get((before, store), {}), ranking.get((now, store), {})
            kpi, previous = later.get("kpi"), then.get("kpi")
            both = kpi is not None and previous is not None
            expected[now, store] = (before, kpi, previous, rounded(Fraction(str(kpi)) - Fraction(str(previous))) if both else None,
                                    later.get("rank"), then.get("rank"),
                                    then["rank"] - later["rank"] if both else None,
                                    bool(then.get("bottom")), kpi > previous if both else None)  # fmt: skip
    rows = network.query("SELECT * FROM location_trend")
    actual = {(r["period"], r["location_id"]): (r["previous_period"], number(r["kpi"]), number(r["previous_kpi"]),
              number(r["kpi_change"]), r["rank"], r["previous_rank"], r["places_up"], bool(r["was_bottom"]),
              None if r["improved"] is None else bool(r["improved"])) for r in rows}  # fmt: skip
    assert actual == expected


def test_csat_and_ces_need_five_answers_unless_told_otherwise(tmp_path):
    """docs/ranking.md: `min_answers` is 5 for csat and ces, 1 for mystery_shop and audit, when
    not given (the pulse has too few answers a store to rank by eNPS at its 5)."""
    weights = {"csat": 2, "ces": 1, "mystery_shop": 1, "audit": 1}
    config = {**network_config(tmp_path), "ranking": {"period": "month", "components": {name: {"weight": w} for name, w in weights.items()}}}
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config_from_dict(config, create_host(), path=tmp_path / "cxbridge.toml"), destination=url,
                         host=create_host()).exit_code == 0  # fmt: skip
    expected = expected_ranking(weights, {"csat": 5, "ces": 5, "mystery_shop": 1, "audit": 1})
    assert any(want["missing"] == "csat ces" for want in expected.values()) and any(want["kpi"] for want in expected.values())
    destination = create_host().destination_class("sqlite")(url)
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT * FROM location_ranking")
    finally:
        destination.close()
    assert {(r["period"], r["location_id"]): (number(r["kpi"]), r["missing"], r["rank"], bool(r["is_top"]), bool(r["is_bottom"]))
            for r in rows} == {key: (w["kpi"], w["missing"], w["rank"], w["top"], w["bottom"]) for key, w in expected.items()}  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
@pytest.mark.parametrize(("share", "stores"), [(28, 25), (7, 100), (12.5, 24)])
def test_a_share_of_whole_places_flags_exactly_that_many_stores(tmp_path, request, engine, share, stores):
    """docs/ranking.md: a store is top when fewer than share · n stores rank above it. 28 % of 25
    stores is 7 places — as floats 0.28 · 25 is 7.000000000000001, which took the 8th in too."""
    write(tmp_path / "visits.csv", ["id", "day", "store", "points"],
          [(f"V{n}", "2025-03-10", f"S{n:03d}", n) for n in range(stores)])  # a score each, none tied
    config = {"sources": {"visits": {"connector": "csv", "path": "visits.csv", "program": "mystery_shop",
                                     "columns": {"id": "id", "submitted_at": "day", "location_id": "store"},
                                     "metrics": [{"column": "points", "metric": "mystery_shop", "scale": [0, 100]}]}},
              "ranking": {"period": "month", "share": share, "components": {"mystery_shop": {"weight": 1}}}}  # fmt: skip
    url = url_for(engine, tmp_path, request)
    assert cxbridge.sync(config_from_dict(config, create_host(), path=tmp_path / "cxbridge.toml"), destination=url,
                         host=create_host()).exit_code == 0  # fmt: skip
    destination = create_host().destination_class(engine)(url, base_dir=tmp_path)
    destination.open(read_only=True)
    try:
        rows = destination.query("SELECT location_id, is_top, is_bottom FROM location_ranking")
    finally:
        destination.close()
    places = Fraction(str(share)) * stores / 100
    assert places == int(places)  # the boundary falls on a whole place
    top = {f"S{n:03d}" for n in range(stores) if stores - 1 - n < places}  # fewer than share · n above it
    bottom = {f"S{n:03d}" for n in range(stores) if n < places}
    assert ({r["location_id"] for r in rows if r["is_top"]}, {r["location_id"] for r in rows if r["is_bottom"]}) == (top, bottom)
