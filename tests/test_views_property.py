"""Issue 11's proof: random multi-source, multi-program data sets (tests/test_report.py's
DATA_SETS: customers with NPS, CSAT and CES, copies of some of their responses under another
source, an undated kiosk, employees' eNPS in another time zone, mystery shops and audits) are
synced into SQLite, DuckDB, PostgreSQL and Parquet, and every view a user reads — nps_by_month,
enps_by_month, csat_by_month, ces_by_month, location_scorecard, detractor_queue,
employee_followup_queue — every record's local day, and `cxbridge report --format json` by every
`--by` (its rows and JSON writer on the destination opened once for all reads; the command itself
prints the same by one `--by`) equal a computation written here from the input rows, as docs/schema.md and
docs/report.md state the rules. A second property does the same for the CRM views
(nps_by_segment, nps_revenue_by_month) over random accounts (their revenue in a currency, or in
none named), contacts and the answers linked to them by account, contact or e-mail. Nothing here
calls cxbridge's metric or view code: the expected side reads the generated rows only."""

from __future__ import annotations

import io
import json
import shutil
from collections import defaultdict
from contextlib import redirect_stdout
from fractions import Fraction
from itertools import count
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import Field

import cxbridge
from cxbridge import plugins_host
from cxbridge.cli import output
from cxbridge.pipeline import Engine, EngineOptions, SourceResult
from cxbridge.plugins_host import create_host
from cxbridge.reporting import ReportOptions, report_rows
from cxbridge.sources import Source, SourceContext
from cxbridge.testing.sample_feedback import Accounts, Contacts, ScriptedFeedbackConfig, ScriptedResponses
from tests.test_report import (
    DATA_SETS,
    DIMENSION_COLUMNS,
    INEXACT,
    PROGRAM_OF,
    STAFF_TIMEZONE,
    TIME_BUCKETS,
    TIMEZONE,
    _local_day,
    assert_report_matches,
    counted_rows,
    one_decimal,
    report,
    store_names_used,
    write_dataset,
)

NPS_BOXES = ("promoters", "passives", "detractors")
SCORED_COLUMNS = {"recommend": "nps", "satisfied": "csat", "effort": "ces", "place to work": "enps"}
POINTS_OF = {"shops": ("mystery_shop", 40), "audits": ("audit", 50)}  # the config's scales
EXAMPLES = {"sqlite": 40, "duckdb": 8, "postgresql": 8, "parquet": 5}
"""Examples per destination: SQLite, the quickest, has the breadth (every --by of 40 data sets);
the others show that the same views and report hold in their SQL, which tests/test_report.py also
checks on a fixed data set, so fewer examples keep the suite's run time modest."""
ALL_BY = (*TIME_BUCKETS, *DIMENSION_COLUMNS)
SOME_BY = st.lists(st.sampled_from(ALL_BY), min_size=4, max_size=4, unique=True)
"""The report's --by values an example of a slower destination checks (SQLite checks all of
them on every example; tests/test_report.py checks every one on every destination)."""


# --- the independent computation -----------------------------------------------------------


def nps_group(value: int) -> str:
    return "promoter" if value >= 9 else "passive" if value >= 7 else "detractor"


def csat_box(value: int) -> str:  # 1–5: the top two boxes are satisfied
    return "satisfied" if value >= 4 else "neutral" if value == 3 else "dissatisfied"


def ces_box(value: int) -> str:  # 1–7, higher is better: the best two boxes are low effort
    return "low_effort" if value >= 6 else "neutral" if value >= 3 else "high_effort"


def normalized(metric: str, value: int) -> Fraction:
    """0–100 with 100 the best answer: the position on the scale."""
    low, high = {"csat": (1, 5), "ces": (1, 7)}[metric]
    return Fraction(100 * (value - low), high - low)


def percent(part: int, whole: int) -> Fraction | None:
    return Fraction(100 * part, whole) if whole else None


def mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def records(data: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """Every counted record: where it comes from, where and when it was given, its answers."""
    found = []
    for source, row in counted_rows(data):
        day = _local_day(row.get("submitted"), STAFF_TIMEZONE if source == "staff" else TIMEZONE)
        answers = {metric: int(row[column]) for column, metric in SCORED_COLUMNS.items() if row.get(column)}
        if row.get("points") and source in POINTS_OF:
            metric, maximum = POINTS_OF[source]
            answers[metric] = Fraction(100 * int(row["points"]), maximum)
        found.append({
            "source": source, "id": row["id"], "program": PROGRAM_OF[source],
            "month": day.strftime("%Y-%m") if day else "undated",
            "location_id": row["store"], "location_name": row.get("store name") or None, "answers": answers,
        })  # fmt: skip
    return found


def by_month(data, metric: str) -> dict[tuple, dict[str, Any]]:
    """A by-month view of `metric`: its rows by (source, program, month)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for record in records(data):
        if metric in record["answers"]:
            groups[record["source"], record["program"], record["month"]].append(record["answers"][metric])
    rows = {}
    for key, values in groups.items():
        if metric in ("nps", "enps"):
            groups_ = [nps_group(value) for value in values]
            counts = {box: groups_.count(box[:-1]) for box in NPS_BOXES}
            figures = {metric: percent(counts["promoters"] - counts["detractors"], len(values))}
        else:
            box, boxes = (csat_box, ("satisfied", "neutral", "dissatisfied")) if metric == "csat" else \
                (ces_box, ("low_effort", "neutral", "high_effort"))  # fmt: skip
            counts = {name: [box(value) for value in values].count(name) for name in boxes}
            pct = "csat_pct" if metric == "csat" else "low_effort_pct"
            figures = {pct: percent(counts[boxes[0]], len(values)),
                       f"{metric}_avg_normalized": mean([normalized(metric, value) for value in values])}  # fmt: skip
        rows[key] = {"responses": len(values), **counts, **figures}
    return rows


RANKING = ("nps", "csat_pct", "mystery_shop_score", "audit_score")  # docs/schema.md: the first any location has


def scorecard(data) -> dict[str, dict[str, Any]]:
    """location_scorecard's figures per location_id, before ranking."""
    at: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records(data):
        at[record["location_id"]].append(record)
    found, names = {}, store_names_used(data)
    for location, here in at.items():
        def answers(program: str, metric: str) -> list[Any]:
            return [r["answers"][metric] for r in here if r["program"] == program and metric in r["answers"]]  # noqa: B023

        nps, csat, ces, enps = (answers(p, m) for p, m in (("voc", "nps"), ("voc", "csat"), ("voc", "ces"),
                                                             ("employee", "enps")))  # fmt: skip
        found[location] = {
            "location_name": names.get(location),
            "responses": len(here),
            "nps_responses": len(nps), "nps": net_score(nps),
            "csat_pct": percent(sum(csat_box(v) == "satisfied" for v in csat), len(csat)),
            "ces_avg_normalized": mean([normalized("ces", v) for v in ces]),
            "enps_responses": len(enps), "enps": net_score(enps),
            "mystery_shop_score": mean(answers("mystery_shop", "mystery_shop")),
            "audit_score": mean(answers("audit", "audit")),
        }  # fmt: skip
    return found


def net_score(values: list[int]) -> Fraction | None:
    groups = [nps_group(value) for value in values]
    return percent(groups.count("promoter") - groups.count("detractor"), len(values))


def queue(data) -> dict[tuple[str, str], dict[str, Any]]:
    """detractor_queue: customers whose NPS answer is a detractor's or whose CSAT answer is
    dissatisfied (none is followed up), by (source, native id)."""
    found = {}
    for record in records(data):
        nps, csat = record["answers"].get("nps"), record["answers"].get("csat")
        detractor = nps is not None and nps_group(nps) == "detractor"
        if record["program"] == "voc" and (detractor or (csat is not None and csat_box(csat) == "dissatisfied")):
            found[record["source"], record["id"]] = {
                "program": "voc", "location_id": record["location_id"], "nps": nps, "csat": csat,
                "reason": "detractor" if detractor else "dissatisfied",
            }  # fmt: skip
    return found


def employee_queue(data) -> dict[tuple[str, str], dict[str, Any]]:
    """employee_followup_queue: employees whose eNPS answer is a detractor's."""
    return {
        (record["source"], record["id"]): {"program": "employee", "enps": record["answers"]["enps"]}
        for record in records(data)
        if record["program"] == "employee" and "enps" in record["answers"]
        and nps_group(record["answers"]["enps"]) == "detractor"
    }  # fmt: skip


def local_days(data) -> dict[tuple[str, str], tuple[str | None, bool]]:
    """Every stored record, copies too: its local day and whether it is a copy (duplicate_of set)."""
    customer_ids = {row["id"] for row in data["customers"]}
    days = {}
    for source, rows in data.items():
        for row in rows:
            day = _local_day(row.get("submitted"), STAFF_TIMEZONE if source == "staff" else TIMEZONE)
            days[source, row["id"]] = (day.isoformat() if day else None,
                                       source == "copies" and row["id"] in customer_ids)  # fmt: skip
    return days


# --- comparing --------------------------------------------------------------------------------


def same(actual: Any, want: Any, where: str) -> None:
    """A figure equals its exact value to one decimal, half away from zero (`one_decimal`: where
    the engine's inputs are floats no binary float holds exactly, either neighbour of a tie);
    counts and texts exactly. `where` ends with the column's name."""
    if isinstance(want, Fraction):
        rounded = one_decimal(want, exact_inputs=where.rsplit(" ", 1)[-1] not in INEXACT)
        assert actual is not None and float(actual) in rounded, f"{where}: {actual} ≠ {float(want)}"
    elif isinstance(want, bool):
        assert bool(actual) is want, f"{where}: {actual} ≠ {want}"
    elif isinstance(want, int) and actual is not None:
        assert float(actual) == want, f"{where}: {actual} ≠ {want}"
    else:
        assert actual == want, f"{where}: {actual!r} ≠ {want!r}"


def assert_rows(rows: dict[tuple, dict[str, Any]], want: dict[tuple, dict[str, Any]], view: str) -> None:
    assert sorted(rows, key=repr) == sorted(want, key=repr), f"{view}: other rows than computed"
    for key, expected_row in want.items():
        for column, value in expected_row.items():
            same(rows[key][column], value, f"{view} {key} {column}")


def assert_views_match(query, data) -> None:
    """Every view's rows and figures equal the computation above."""
    for view, metric in (("nps_by_month", "nps"), ("enps_by_month", "enps"), ("csat_by_month", "csat"),
                         ("ces_by_month", "ces")):  # fmt: skip
        rows = {(r["source"], r["program"], r["month"]): r for r in query(f"SELECT * FROM {view}")}
        assert_rows(rows, by_month(data, metric), view)

    ids = {r["record_id"]: (r["source"], r["source_record_id"]) for r in query("SELECT * FROM feedback")}
    stored = {(r["source"], r["source_record_id"]): (r["submitted_local_date"], r["duplicate_of"] is not None)
              for r in query("SELECT * FROM feedback")}  # fmt: skip
    assert stored == local_days(data), "feedback: local days (in the source's time zone) or copies other than computed"

    detractors = {ids[r["record_id"]]: r for r in query("SELECT * FROM detractor_queue")}
    assert_rows(detractors, queue(data), "detractor_queue")
    employees = {ids[r["record_id"]]: r for r in query("SELECT * FROM employee_followup_queue")}
    assert_rows(employees, employee_queue(data), "employee_followup_queue")

    assert_scorecard_matches(query("SELECT * FROM location_scorecard"), scorecard(data))


def assert_scorecard_matches(rows: list[dict[str, Any]], want: dict[str, dict[str, Any]]) -> None:
    """The figures per location, then the ranking by the figure docs/schema.md names: the first of
    RANKING any location has; rank 1 + the locations shown above; top and bottom 20% flags when
    fewer than a fifth of the ranked locations rank above (below) it, neither when that makes it
    both; unranked rows have none."""
    by_location = {row["location_id"]: row for row in rows}
    assert_rows(by_location, want, "location_scorecard")
    basis = next((name for name in RANKING if any(figures[name] is not None for figures in want.values())), None)
    ranked = {location: float(row[basis]) for location, row in by_location.items()
              if basis and row[basis] is not None}  # fmt: skip
    for location, row in by_location.items():
        where = f"location_scorecard {location}"
        if location not in ranked:
            unranked = (row["ranked_by"], row["rank"], bool(row["top_20_pct"]), bool(row["bottom_20_pct"]))
            assert unranked == (None, None, False, False), where
            continue
        above = sum(value > ranked[location] for value in ranked.values())
        below = sum(value < ranked[location] for value in ranked.values())
        assert row["ranked_by"] == basis, where
        same(row["rank"], 1 + above, f"{where} rank")
        top, bottom = above < Fraction(len(ranked), 5), below < Fraction(len(ranked), 5)
        same(row["top_20_pct"], top and not bottom, f"{where} top_20_pct")  # both: neither
        same(row["bottom_20_pct"], bottom and not top, f"{where} bottom_20_pct")


# --- the property, per destination --------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


MIGRATED_FILES = {"sqlite": "cx.db", "duckdb": "cx.duckdb"}  # a file destination's name in an example's folder


@pytest.fixture(scope="module")
def migrated_files(tmp_path_factory) -> dict[str, Path]:
    """An empty SQLite and DuckDB destination, migrated once: a CRM example's starts as a copy of
    one (migrating a new file took ≈ 20 ms on SQLite, ≈ 110 ms on DuckDB, a copy ≈ 4 and 30; a
    Parquet lake's copy took as long as its migrations)."""
    root = tmp_path_factory.mktemp("migrated")
    for kind, name in MIGRATED_FILES.items():
        destination = create_host().destination_class(kind)(f"{kind}:///{root / name}", base_dir=root)
        destination.open()
        destination.close()
    return {kind: root / name for kind, name in MIGRATED_FILES.items()}


def _destination_url(kind: str, root: Path, request, *, migrated: bool = False) -> str:
    """A new, empty destination of `kind` for one example; `migrated`: a copy of `migrated_files`'
    where there is one, for an example that opens the destination itself before writing (a sync
    finds a copy there, takes it for an existing destination and goes another way than a first
    sync: `cxbridge.api.sync`'s `exists`)."""
    if kind == "postgresql":
        return request.getfixturevalue("postgres_database")(root.name.replace("-", "_").lower())
    if kind == "parquet":
        return f"parquet:///{root / 'lake'}"
    if migrated:
        shutil.copyfile(request.getfixturevalue("migrated_files")[kind], root / MIGRATED_FILES[kind])
    return f"{kind}:///{root / MIGRATED_FILES[kind]}"


def report_json(destination, by: str) -> list[dict[str, Any]]:
    """What `cxbridge report --format json --by BY` prints, read from `destination` open: the
    command's rows (`report_rows` with the intervals JSON adds) laid out by its JSON writer."""
    with redirect_stdout(io.StringIO()) as printed:
        output.rows(report_rows(destination, ReportOptions(by=by, intervals=True)), fmt="json")
    return json.loads(printed.getvalue())


def check_every_view_and_report(kind: str, root: Path, data, request, by_values=ALL_BY) -> None:
    """One opening of the destination reads every view and report; the command itself, which
    opens it again, prints the same report by the first of `by_values`."""
    config = write_dataset(root, data)
    url = _destination_url(kind, root, request)
    result = cxbridge.sync(config, destination=url, host=create_host())
    assert result.exit_code == 0 and all(r.quarantined == 0 for r in result.results)
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=root)
    destination.open(read_only=True)
    try:
        assert_views_match(destination.query, data)
        reports = {by: report_json(destination, by) for by in by_values}
    finally:
        destination.close()
    for by, rows in reports.items():
        assert_report_matches(rows, by, data=data, programs=(), sources=())
    assert json.loads(report(url, "--by", by_values[0])) == reports[by_values[0]]


def _property(kind: str):
    @settings(max_examples=EXAMPLES[kind], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
    @given(data=DATA_SETS, some_by=SOME_BY)
    def test(tmp_path_factory, request, data, some_by):
        root = tmp_path_factory.mktemp(f"views-{kind}-{next(_examples)}")
        every_by = sorted(ALL_BY, key=lambda by: by != some_by[0])  # the command prints by some_by[0] on each
        check_every_view_and_report(kind, root, data, request, every_by if kind == "sqlite" else some_by)

    test.__doc__ = f"Every view and report of random data sets on {kind} equals the independent computation."
    return test


_examples = count()
test_views_and_report_on_sqlite = _property("sqlite")
test_views_and_report_on_duckdb = _property("duckdb")
test_views_and_report_on_postgresql = _property("postgresql")
test_views_and_report_on_parquet = _property("parquet")


# --- the CRM views: random accounts, contacts and the answers linked to them ------------------

CRM_EXAMPLES = {"sqlite": 30, "duckdb": 10, "postgresql": 10, "parquet": 8}
SEGMENT_NAMES = st.sampled_from([None, "SMB", "Enterprise"])
REVENUE = st.sampled_from([None, 0.0, 1000.0, 2500.5, 40000.0, 125000.25])
CURRENCY = st.sampled_from([None, "EUR", "USD"])
ACCOUNT_IDS = [f"ACC{n}" for n in range(5)]  # ACC4 is never a CRM account: answers naming it have no known account
EMAILS = [f"p{n}@example.com" for n in range(5)]


class CrmWorldConfig(ScriptedFeedbackConfig):
    connector: Literal["crm_world"] = "crm_world"  # type: ignore[assignment]
    accounts: list[dict[str, Any]] = Field(default_factory=list)
    contacts: list[dict[str, Any]] = Field(default_factory=list)


class CrmWorld(Source):
    """Generated answers (in the sample source's raw form) with the CRM accounts and contacts
    they link to, through the engine like any source."""

    name = "crm_world"
    config_model = CrmWorldConfig

    def streams(self):
        return [ScriptedResponses(self), GivenAccounts(self), GivenContacts(self)]


class GivenAccounts(Accounts):
    def read(self, cursor):
        yield from self.source.config.accounts

    def context(self, raw, builder):
        account = super().context(raw, builder)
        return type(account).model_validate({**account.model_dump(), "currency": raw["currency"]})  # as a plugin sets it


class GivenContacts(Contacts):
    def read(self, cursor):
        yield from self.source.config.contacts


def _answer(n: int, fields: dict[str, Any]) -> dict[str, Any]:
    """A raw answer of the sample source: what the CRM views read, the rest blank."""
    return {"id": f"F{n}", "updated": f"2025-06-01T00:00:{n % 60:02d}+00:00", "store": None, "store_name": None,
            "channel": None, "agent": None, "csat": None, "effort": None, "visit_points": None, "comment": "",
            "custom": {}, **fields}  # fmt: skip


ANSWER = st.fixed_dictionaries({
    "submitted": st.sampled_from([None, "2025-01-31T23:30:00+00:00", "2025-02-10T10:00:00+00:00",
                                  "2025-03-01T00:00:00+00:00"]),
    "nps": st.sampled_from([None, 0, 3, 6, 7, 8, 9, 10]),
    "account": st.sampled_from([None, None, *ACCOUNT_IDS]),
    "contact": st.sampled_from([None, None, "K0", "K1", "K2", "K9"]),  # K9 is no CRM contact
    "email": st.sampled_from([None, *EMAILS]),
})  # fmt: skip
CRM = st.fixed_dictionaries({
    "answers": st.lists(ANSWER, min_size=1, max_size=20),
    "shopper_answers": st.lists(ANSWER, max_size=4),  # a mystery-shop program's NPS answers: never counted here
    "accounts": st.lists(st.fixed_dictionaries({"id": st.sampled_from(ACCOUNT_IDS[:4]), "segment": SEGMENT_NAMES,
                                                "revenue": REVENUE, "currency": CURRENCY}),
                         max_size=4, unique_by=lambda a: a["id"]),
    "contacts": st.lists(st.fixed_dictionaries({"id": st.sampled_from(["K0", "K1", "K2", "K3"]),
                                                "account": st.sampled_from(ACCOUNT_IDS[:4]),
                                                "email": st.sampled_from(EMAILS)}), max_size=4, unique_by=lambda c: c["id"]),
})  # fmt: skip


def sync_crm_world(url: str, root: Path, world: dict[str, Any]) -> list[SourceResult]:
    accounts = [{"id": a["id"], "name": a["id"], "segment": a["segment"], "revenue": a["revenue"],
                 "currency": a["currency"], "stage": "customer", "modified": "2025-01-01T00:00:00+00:00"}
                for a in world["accounts"]]  # fmt: skip
    sources = {
        "customers": CrmWorldConfig(rows=[_answer(n, a) for n, a in enumerate(world["answers"])], accounts=accounts,
                                    contacts=world["contacts"]),
        "shoppers": CrmWorldConfig(program="mystery_shop", rows=[_answer(n, a) for n, a in enumerate(world["shopper_answers"])]),
    }  # fmt: skip
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=root)
    destination.open()
    try:
        engine = Engine(destination, create_host(load_entry_points=False), options=EngineOptions(batch_size=50))
        results = [engine.run_source(name, CrmWorld(config, SourceContext(name=name, base_dir=root)))
                   for name, config in sources.items()]  # fmt: skip
    finally:
        destination.close()
    assert all(result.ok and result.quarantined == 0 for result in results), [result.error for result in results]
    return results


def account_of(answer: dict[str, Any], world: dict[str, Any]) -> str | None:
    """docs/schema.md: its own account id, else its contact's account, else the account of a
    contact with the same e-mail (the least id when several)."""
    if answer["account"]:
        return answer["account"]
    by_contact = [c["account"] for c in world["contacts"] if c["id"] == answer["contact"]]
    if by_contact:
        return min(by_contact)
    by_email = [c["account"] for c in world["contacts"] if answer["email"] and c["email"] == answer["email"]]
    return min(by_email) if by_email else None


def in_one_currency(figures: dict[str, Any], currencies: set[str], revenue_columns: tuple[str, ...]) -> dict[str, Any]:
    """A row's figures with its `revenue_currency`: the one currency its accounts' revenues name
    (None when none names any); when they name two or more, 'mixed' and every money figure None
    (counts stay: they add no money)."""
    if len(currencies) > 1:
        return {**figures, **dict.fromkeys(revenue_columns), "revenue_currency": "mixed"}
    return {**figures, "revenue_currency": min(currencies, default=None)}


def crm_expected(world: dict[str, Any]) -> tuple[dict, dict]:
    """nps_by_segment by (segment, month) and nps_revenue_by_month by month, from the answers."""
    accounts = {a["id"]: a for a in world["accounts"]}
    per_account: dict[tuple, list[str]] = defaultdict(list)  # (month, segment, known account) → groups
    for answer in world["answers"]:  # customers only: the shoppers' answers are another population
        if answer["nps"] is None:
            continue
        day = _local_day(answer["submitted"], "UTC")
        month = day.strftime("%Y-%m") if day else "undated"
        known = accounts.get(account_of(answer, world))
        segment = "no account" if known is None else known["segment"] or "unsegmented"
        per_account[month, segment, known["id"] if known else None].append(nps_group(answer["nps"]))
    segments: dict[tuple, dict[str, Any]] = {}
    months: dict[str, dict[str, Any]] = {}
    for (month, segment, account), groups in per_account.items():
        revenue = accounts[account]["revenue"] if account else None
        currency = {accounts[account]["currency"]} - {None} if revenue is not None else set()
        p, d = groups.count("promoter"), groups.count("detractor")
        row = segments.setdefault((segment, month), {"responses": 0, "accounts": 0, "promoters": 0, "passives": 0,
                                                     "detractors": 0, "revenues": [], "currencies": set()})  # fmt: skip
        row["responses"] += len(groups)
        row["accounts"] += account is not None
        row["promoters"], row["passives"], row["detractors"] = row["promoters"] + p, row["passives"] + groups.count("passive"), row["detractors"] + d
        row["revenues"] += [revenue] if revenue is not None else []
        row["currencies"] |= currency
        m = months.setdefault(month, {"responses": 0, "net": 0, "with_revenue": 0, "accounts": 0, "weighted": [],
                                      "detractors": 0, "at_risk": [], "currencies": set()})  # fmt: skip
        m["currencies"] |= currency
        m["responses"] += len(groups)
        m["net"] += p - d
        if revenue is not None:
            m["with_revenue"] += len(groups)
            m["accounts"] += 1
            m["weighted"].append((Fraction(revenue), Fraction(p - d, len(groups))))
        m["detractors"] += d
        if d and revenue is not None:
            m["at_risk"].append(Fraction(revenue))
    by_segment = {
        key: in_one_currency({"responses": r["responses"], "accounts": r["accounts"], "promoters": r["promoters"],
                              "passives": r["passives"], "detractors": r["detractors"],
                              "nps": percent(r["promoters"] - r["detractors"], r["responses"]),
                              "account_revenue": sum(map(Fraction, r["revenues"]), Fraction(0)) if r["revenues"] else None},
                             r["currencies"], ("account_revenue",))
        for key, r in segments.items()
    }  # fmt: skip
    by_month = {}
    for month, m in months.items():
        total = sum((revenue for revenue, _ in m["weighted"]), Fraction(0))
        weighted = 100 * sum((revenue * net for revenue, net in m["weighted"]), Fraction(0)) / total if total else None
        known = m["at_risk"] or not m["detractors"]  # no detractor: 0 at risk; detractors, none's revenue known: unknown
        figures = {"responses": m["responses"], "nps": percent(m["net"], m["responses"]),
                   "responses_with_revenue": m["with_revenue"], "accounts_with_revenue": m["accounts"],
                   "revenue_weighted_nps": weighted, "detractor_revenue": sum(m["at_risk"], Fraction(0)) if known else None}  # fmt: skip
        by_month[month] = in_one_currency(figures, m["currencies"], ("revenue_weighted_nps", "detractor_revenue"))
    return by_segment, by_month


def assert_crm_views_match(query, world: dict[str, Any]) -> None:
    by_segment, by_month = crm_expected(world)
    money = ("account_revenue", "detractor_revenue")  # rounded to cents
    for view, key, want in (("nps_by_segment", ("segment", "month"), by_segment),
                            ("nps_revenue_by_month", ("month",), by_month)):  # fmt: skip
        rows = {tuple(r[k] for k in key): r for r in query(f"SELECT * FROM {view}")}
        rows = {k[0] if len(k) == 1 else k: r for k, r in rows.items()}
        assert sorted(rows, key=repr) == sorted(want, key=repr), f"{view}: other rows than computed"
        for k, figures in want.items():
            for column, value in figures.items():
                if column in money and value is not None:
                    assert abs(float(rows[k][column]) - float(value)) < 0.006, f"{view} {k} {column}"
                else:
                    same(rows[k][column], value, f"{view} {k} {column}")


def _crm_property(kind: str):
    @settings(max_examples=CRM_EXAMPLES[kind], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])  # fmt: skip
    @given(world=CRM)
    def test(tmp_path_factory, request, world):
        root = tmp_path_factory.mktemp(f"crm-{kind}-{next(_examples)}")
        url = _destination_url(kind, root, request, migrated=True)  # sync_crm_world opens it first
        sync_crm_world(url, root, world)
        destination = create_host().destination_class(url.split(":")[0])(url, base_dir=root)
        destination.open(read_only=True)
        try:
            assert_crm_views_match(destination.query, world)
        finally:
            destination.close()

    test.__doc__ = f"nps_by_segment and nps_revenue_by_month of random CRM worlds on {kind} equal the computation."
    return test


test_crm_views_on_sqlite = _crm_property("sqlite")
test_crm_views_on_duckdb = _crm_property("duckdb")
test_crm_views_on_postgresql = _crm_property("postgresql")
test_crm_views_on_parquet = _crm_property("parquet")
