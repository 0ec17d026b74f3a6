"""The cases a sync opens, on SQLite, DuckDB, PostgreSQL and Parquet, against cases worked out in
this file from the CSV cells: every kind of rule condition (categories, `below`,
`normalized_below`, `primary_only = false`, comment terms, respondents, programs, sources,
locations, `max_age_days`), owners by location, team and agent with a fallback, due times per
rule, actions, rule order — across syncs that store records with the loop off, edit them, add
new ones, close a case and edit its record, and read everything again. Small batches, so that
the rules meet many batches of one sync.

The expectation is written here, independently of cxbridge.loop: `expected_rule` reads a
response's cells the way the rules in `LOOP` mean them, and `Ledger` keeps which records have a
case and which version of each record is stored."""

from __future__ import annotations

import csv
import hashlib
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import cxbridge
from cxbridge.identity import record_id
from cxbridge.plugins_host import create_host
from tests.local_api import Reply, fake_api
from tests.test_location_ranking import url_for

HEADER = ["id", "submitted", "store", "team", "agent", "nps", "satisfaction", "staff_satisfaction", "effort",
          "clean_store", "clean_toilets", "comment"]  # fmt: skip
STAFF_HEADER = ["id", "submitted", "store", "team", "enps", "comment"]
LABELS = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neutral": 3, "Satisfied": 4, "Very satisfied": 5}
CUSTOMER_SOURCE = """
[sources.{name}]
connector = "csv"
path = "{name}.csv"

[sources.{name}.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
team = "team"
agent_id = "agent"
comment = "comment"

[[sources.{name}.metrics]]
column = "nps"
metric = "nps"

[[sources.{name}.metrics]]
column = "satisfaction"
metric = "csat"
scale = [1, 5]
labels = {{ "Very satisfied" = 5, "Satisfied" = 4, "Neutral" = 3, "Dissatisfied" = 2, "Very dissatisfied" = 1 }}

[[sources.{name}.metrics]]
column = "staff_satisfaction"
metric = "csat"
scale = [1, 5]

[[sources.{name}.metrics]]
column = "effort"
metric = "ces"
scale = [1, 7]

[[sources.{name}.metrics]]
column = "clean_store"
metric = "custom:cleanliness"
scale = [1, 5]

[[sources.{name}.metrics]]
column = "clean_toilets"
metric = "custom:cleanliness"
scale = [1, 5]
"""
STAFF_SOURCE = """
[sources.staff]
connector = "csv"
path = "staff.csv"
program = "employee"

[sources.staff.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
team = "team"
comment = "comment"

[[sources.staff.metrics]]
column = "enps"
metric = "enps"
"""
LOOP = """
[loop.rules.refunds]                 # first: wins over every rule below
comment_terms = ["refund", "money back"]
owner = "billing@example.com"
sla_hours = 8
actions = ["ops"]

[loop.rules.rudeness]                # programs; respondents of two kinds
comment_terms = ["rude"]
programs = ["voc"]
respondents = ["customer", "employee"]

[loop.rules.detractors]              # the built-in rule, changed: owners by location
sla_hours = 24
owner_by = "location"
owners = { S1 = "anna@example.com", S2 = "ben@example.com" }
owner = "cx@example.com"

[loop.rules.dissatisfied]            # the other built-in rule, off
enabled = false

[loop.rules.unhappy_staff]           # employees only; owners by team, no fallback
metric = "enps"
categories = ["detractor"]
respondents = ["employee"]
programs = ["employee"]
owner_by = "team"
owners = { ops = "olga@example.com" }

[loop.rules.effort_at_s3]            # below on the answer's scale, one location, one source
metric = "ces"
below = 3
locations = ["S3"]
sources = ["shop"]
owner_by = "agent"
owners = { A1 = "agent1@example.com" }
owner = "floor@example.com"
sla_hours = 72

[loop.rules.dirty]                   # a custom metric (no categories, no primary answer): any
metric = "custom:cleanliness"        # answer of it, 0–100; recent feedback only
normalized_below = 30
primary_only = false
max_age_days = 30
sla_hours = 12.5

[loop.rules.unhappy_recent]          # csat by category, the primary answer, recent feedback only
metric = "csat"
categories = ["dissatisfied"]
max_age_days = 30

[loop.rules.unhappy_any_answer]      # any csat answer below 2 on its scale, however old
metric = "csat"
below = 2
primary_only = false

[loop.actions.ops]
type = "webhook"
url = "${CX_HOOK_URL}"
"""
RULE_HOURS = {"refunds": 8, "rudeness": 48, "detractors": 24, "unhappy_staff": 48, "effort_at_s3": 72,
              "dirty": 12.5, "unhappy_recent": 48, "unhappy_any_answer": 48}  # fmt: skip
COMMENTS = ["", "", "", "", "", "", "", "", "fine", "ok", "I want a Refund today", "refunds are slow", "give me my MONEY BACK", "the clerk was rude",
            "rudeness aside, ok", "Rude!", "no refund needed? money backs"]  # fmt: skip


# --- the expectation -----------------------------------------------------------------------


def _term(text: str, terms: tuple[str, ...]) -> str | None:
    """The first place in `text` where one of `terms` stands as a whole word or phrase."""
    lowered, found = text.casefold(), []
    for term in terms:
        start = lowered.find(term)
        while start >= 0:
            end = start + len(term)
            before = lowered[start - 1] if start else " "
            after = lowered[end] if end < len(lowered) else " "
            if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                found.append((start, term))
                break
            start = lowered.find(term, start + 1)
    return min(found)[1] if found else None


def expected_rule(source: str, row: dict[str, str], now: datetime) -> tuple[str, str, str | None] | None:
    """(rule, what met it, owner) of the first rule in LOOP that a response meets, or None."""
    employee = source == "staff"
    comment = row["comment"]
    recent = now - datetime.fromisoformat(row["submitted"].replace("Z", "+00:00")) <= timedelta(days=30)
    if not employee and (term := _term(comment, ("refund", "money back"))):
        return "refunds", f"comment mentions {term!r}", "billing@example.com"
    if not employee and (term := _term(comment, ("rude",))):
        return "rudeness", f"comment mentions {term!r}", None
    if employee:
        enps = int(row["enps"])
        if enps <= 6:
            return "unhappy_staff", f"enps {enps} (detractor)", {"ops": "olga@example.com"}.get(row["team"])
        return None
    nps, effort = int(row["nps"]), int(row["effort"])
    clean = int(row["clean_store"]), int(row["clean_toilets"])
    if nps <= 6:
        owner = {"S1": "anna@example.com", "S2": "ben@example.com"}.get(row["store"], "cx@example.com")
        return "detractors", f"nps {nps} (detractor)", owner
    if effort < 3 and row["store"] == "S3" and source == "shop":
        category = "high_effort"  # 1 and 2, the bottom boxes of 1–7
        return (
            "effort_at_s3",
            f"ces {effort} ({category})",
            {"A1": "agent1@example.com"}.get(row["agent"], "floor@example.com"),
        )
    low = [value for value in clean if (value - 1) / 4 * 100 < 30]
    if low and recent:
        return "dirty", f"custom:cleanliness {low[0]} of 1–5", None
    satisfaction = LABELS[row["satisfaction"]], int(row["staff_satisfaction"])
    if satisfaction[0] <= 2 and recent:
        return "unhappy_recent", f"csat {satisfaction[0]} (dissatisfied)", None
    if below := [value for value in satisfaction if value < 2]:
        return "unhappy_any_answer", f"csat {below[0]} (dissatisfied)", None
    return None


def _digest(*parts: str, size: int) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size).hexdigest()


class Ledger:
    """What the destination should hold: the stored version of each record and its case."""

    def __init__(self, now: datetime):
        self.now = now
        self.stored: dict[tuple[str, str], dict[str, str]] = {}
        self.cases: dict[str, dict[str, Any]] = {}  # by case id

    def synced(self, files: dict[str, list[dict[str, str]]], *, run: int, loop: bool = True) -> int:
        """Record a sync of `files` (source → rows); the number of cases it opens."""
        opened = 0
        for source, rows in files.items():
            for row in rows:
                key, before = (source, row["id"]), self.stored.get((source, row["id"]))
                self.stored[key] = row
                rid = record_id(source, "rows", row["id"])
                case = _digest("case", rid, size=8)
                met = expected_rule(source, row, self.now)
                if not loop or met is None or case in self.cases or before == row:
                    continue
                if before is not None and expected_rule(source, before, self.now) is not None:
                    continue  # it met a rule as stored: not new feedback
                rule, matched, owner = met
                self.cases[case] = {"record_id": rid, "source": source, "location_id": row["store"], "rule": rule,
                                    "matched": matched, "status": "open", "owner": owner, "run": run}  # fmt: skip
                opened += 1
        return opened


# --- the data ------------------------------------------------------------------------------


def responses(rng: random.Random, first: int, count: int, now: datetime) -> list[dict[str, str]]:
    rows = []
    for n in range(first, first + count):
        submitted = (
            now - timedelta(days=3, hours=n) if rng.random() < 0.6 else datetime(2020, 5, 1, 9, tzinfo=timezone.utc)
        )
        rows.append({
            "id": f"R{n}", "submitted": submitted.strftime("%Y-%m-%dT%H:%M:%SZ"), "store": f"S{rng.randrange(1, 5)}",
            "team": rng.choice(["ops", "sales"]), "agent": rng.choice(["A1", "A2"]), "nps": str(rng.choice([2, 5, 7, 8, 9, 10, 10])),
            "satisfaction": rng.choice(list(LABELS)), "staff_satisfaction": str(rng.choice([1, 3, 4, 5, 5])), "effort": str(rng.randrange(1, 8)),
            "clean_store": str(rng.choice([1, 3, 4, 5, 5, 5])), "clean_toilets": str(rng.choice([2, 3, 4, 5, 5, 5, 5])),
            "comment": rng.choice(COMMENTS),
        })  # fmt: skip
    return rows


def staff(rng: random.Random, count: int, now: datetime) -> list[dict[str, str]]:
    return [
        {"id": f"E{n}", "submitted": (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"), "store": "S1",
         "team": rng.choice(["ops", "sales"]), "enps": str(rng.choice([3, 6, 8, 9])), "comment": rng.choice(COMMENTS)}
        for n in range(count)
    ]  # fmt: skip


def edited(rng: random.Random, rows: list[dict[str, str]], share: float) -> list[dict[str, str]]:
    """The rows with about `share` of them given other answers (same ids)."""
    out = []
    for row in rows:
        if rng.random() < share:
            row = dict(row)
            for column, choices in (("nps", ["3", "8", "10"]), ("enps", ["4", "9"]), ("clean_store", ["1", "5"]), ("staff_satisfaction", ["1", "5"]),
                                    ("comment", COMMENTS), ("satisfaction", list(LABELS))):  # fmt: skip
                if column in row:
                    row[column] = rng.choice(choices)
        out.append(row)
    return out


def write(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=STAFF_HEADER if name == "staff" else HEADER)
        writer.writeheader()
        writer.writerows(rows)


# --- reading a destination -----------------------------------------------------------------


def moment(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def read(url: str, folder: Path, sql: str) -> list[dict[str, Any]]:
    destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
    destination.open(read_only=True)
    try:
        return destination.query(sql)
    finally:
        destination.close()


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_the_cases_opened_are_the_ones_worked_out_from_the_rules(engine, tmp_path, request, monkeypatch):
    from cxbridge.loop import tracking

    now = datetime.now(timezone.utc)
    rng = random.Random(19)
    folder = tmp_path / "data"
    folder.mkdir()
    url = url_for(engine, tmp_path, request)
    sources = "".join(CUSTOMER_SOURCE.format(name=name) for name in ("shop", "kiosk")) + STAFF_SOURCE
    config = folder / "cxbridge.toml"
    ledger, runs = Ledger(now), {}

    def sync(files: dict[str, list[dict[str, str]]], *, loop: bool = True, full_refresh: bool = False) -> None:
        for name, rows in files.items():
            write(folder, name, rows)
        text = (
            '[settings]\nbatch_size = 9\ntimezone = "UTC"\n'
            + sources
            + (LOOP if loop else "\n[loop]\nenabled = false\n")
        )
        config.write_text(text, encoding="utf-8")
        result = cxbridge.sync(config, destination=url, host=create_host(), full_refresh=full_refresh)
        assert result.exit_code == 0, result
        run = len(runs) + 1
        runs[run] = result.run_id
        expected = ledger.synced(files, run=run, loop=loop)
        stored = {row["case_id"]: row for row in read(url, folder, "SELECT * FROM feedback_cases")} if loop else {}
        assert {case: (row["record_id"], row["rule"], row["matched"]) for case, row in stored.items()} == {
            case: (want["record_id"], want["rule"], want["matched"]) for case, want in ledger.cases.items()
        }, f"sync {run}"
        assert sum(source.cases_opened for source in result.results) == expected, f"sync {run}"

    with fake_api() as hook:
        hook.route("POST", "/ops")(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", hook.url + "/ops")
        shop, kiosk, team = responses(rng, 0, 30, now), responses(rng, 500, 15, now), staff(rng, 12, now)
        sync({"shop": shop, "kiosk": kiosk, "staff": team}, loop=False)  # stored before any rule: no case
        shop = edited(rng, shop, 0.5) + responses(rng, 30, 50, now)
        team = edited(rng, team, 0.5) + staff(rng, 20, now)[12:]
        kiosk = edited(rng, kiosk, 0.5) + responses(rng, 515, 30, now)
        sync({"shop": shop, "kiosk": kiosk, "staff": team})
        closed = sorted(ledger.cases)[:3]
        destination = create_host().destination_class(url.split(":")[0])(url, base_dir=folder)
        destination.open()
        try:
            for case in closed:
                tracking.move(destination, case, "closed_no_action", actor="lead", reason="handled by phone")
                ledger.cases[case]["status"] = "closed_no_action"
        finally:
            destination.close()
        shop, kiosk, team = edited(rng, shop, 0.6), edited(rng, kiosk, 0.3), edited(rng, team, 0.6)
        sync({"shop": shop, "kiosk": kiosk, "staff": team})  # the closed cases' records edited too
        sync({"shop": shop, "kiosk": kiosk, "staff": team}, full_refresh=True)  # read again: nothing opens
        posted = sorted(seen.json()["case"]["case_id"] for seen in hook.requests if seen.method == "POST")

    rules = {case["rule"] for case in ledger.cases.values()}
    assert rules == set(RULE_HOURS), "every rule opened a case"
    assert {case["run"] for case in ledger.cases.values()} == {2, 3}, "cases opened on the first sync and on edits"

    stored = {row["case_id"]: row for row in read(url, folder, "SELECT * FROM feedback_cases")}
    assert set(stored) == set(ledger.cases)
    run_times: dict[str, list[datetime]] = {}  # a run's first start and last finish over its sources
    for row in read(url, folder, "SELECT run_id, started_at, finished_at FROM sync_runs"):
        times = run_times.setdefault(row["run_id"], [moment(row["started_at"]), moment(row["finished_at"])])
        times[:] = [min(times[0], moment(row["started_at"])), max(times[1], moment(row["finished_at"]))]
    for case, want in ledger.cases.items():
        row = stored[case]
        got = {
            column: row[column]
            for column in ("record_id", "source", "location_id", "rule", "matched", "status", "owner")
        }
        assert got == {column: want[column] for column in got}, case
        opened, due = moment(row["opened_at"]), moment(row["due_at"])
        started, finished = run_times[runs[want["run"]]]
        assert row["sync_run_id"] == runs[want["run"]]
        assert started <= opened <= finished
        assert due - opened == timedelta(hours=RULE_HOURS[want["rule"]])
        if want["status"] == "open":
            assert moment(row["updated_at"]) == opened
            assert all(row[column] is None for column in ("first_contact_at", "resolved_at", "informed_at", "closed_at",
                                                          "close_reason", "external_ref"))  # fmt: skip

    events = read(url, folder, "SELECT * FROM feedback_case_events WHERE kind = 'opened'")
    assert sorted(
        (e["event_id"], e["case_id"], e["actor"], e["from_value"], e["to_value"], e["note"]) for e in events
    ) == sorted(
        (_digest("opened", case, size=8), case, "cxbridge", None, "open", f"rule {want['rule']}: {want['matched']}")
        for case, want in ledger.cases.items()
    )
    assert all(moment(e["event_at"]) == moment(stored[e["case_id"]]["opened_at"]) for e in events)

    refunds = sorted(case for case, want in ledger.cases.items() if want["rule"] == "refunds")
    outbox = read(url, folder, "SELECT delivery_id, case_id, action, status, attempts FROM loop_outbox")
    assert sorted(
        (row["delivery_id"], row["case_id"], row["action"], row["status"], row["attempts"]) for row in outbox
    ) == sorted((_digest("delivery", case, "ops", size=16), case, "ops", "delivered", 1) for case in refunds)
    assert posted == refunds, "one delivery per case of the rule with an action"
