"""Batches that mix every kind of record the loop tells apart — new records that meet a rule, new
ones that meet none, records whose case already exists (read again as they were, or edited), and
records stored without a case whose new version meets a rule — in a first sync into an empty
destination (where the loop asks only about the ids the sync wrote itself, `holds_no_feedback`)
and in the sync after it, on SQLite, DuckDB, PostgreSQL and Parquet.

The cases expected are worked out by tests/test_loop_case_opening.py's `expected_rule` and
`Ledger`, written independently of cxbridge.loop."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

import cxbridge
from cxbridge.identity import record_id
from cxbridge.loop import opening
from cxbridge.plugins_host import create_host
from tests.local_api import Reply, fake_api
from tests.test_location_ranking import url_for
from tests.test_loop_case_opening import CUSTOMER_SOURCE, LOOP, Ledger, _digest, expected_rule, read, responses, write

BATCH = 9


def mixed_tail(rng: random.Random, earlier: list[dict[str, str]], first_new: int, now: datetime) -> list[dict[str, str]]:
    """Rows read after `earlier`, each batch of them holding new rows, rows of `earlier` read
    again unchanged and rows of `earlier` with another NPS (a detractor's or a promoter's)."""
    fresh = responses(rng, first_new, len(earlier), now)
    tail = []
    for at, row in enumerate(earlier):
        kind = at % 3
        if kind == 0:
            tail.append(fresh[at])
        elif kind == 1:
            tail.append(dict(row))
        else:
            tail.append({**row, "nps": "3" if row["nps"] != "3" else "10", "comment": ""})
    return tail


def kinds(ledger: Ledger, rows: list[dict[str, str]], now: datetime) -> set[str]:
    """Which kinds of record `rows` hold, given what `ledger` holds before they are read."""
    found = set()
    for row in rows:
        before = ledger.stored.get(("shop", row["id"]))
        case = _digest("case", record_id("shop", "rows", row["id"]), size=8)
        meets = expected_rule("shop", row, now) is not None
        if before is None:
            found.add("new, meets a rule" if meets else "new, meets none")
        elif case in ledger.cases:
            found.add("cased, read again" if before == row else "cased, edited")
        elif meets:
            found.add("stored without a case, now meets a rule")
    return found


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql", "parquet"])
def test_mixed_batches_open_the_cases_worked_out_from_the_rules(engine, tmp_path, request, monkeypatch):
    now = datetime.now(timezone.utc)
    rng = random.Random(1919)
    folder = tmp_path / "data"
    folder.mkdir()
    url = url_for(engine, tmp_path, request)
    config = folder / "cxbridge.toml"
    config.write_text(
        f'[settings]\nbatch_size = {BATCH}\ntimezone = "UTC"\n' + CUSTOMER_SOURCE.format(name="shop") + LOOP,
        encoding="utf-8",
    )
    asked: list[list[str]] = []
    read_state = opening.StoredState.read
    monkeypatch.setattr(
        opening.StoredState, "read", classmethod(lambda cls, dest, ids: asked.append(list(ids)) or read_state(dest, ids))
    )
    ledger, runs = Ledger(now), []

    def sync(rows: list[dict[str, str]]) -> None:
        write(folder, "shop", rows)
        result = cxbridge.sync(config, destination=url, host=create_host())
        assert result.exit_code == 0, result
        runs.append(result.run_id)
        expected = ledger.synced({"shop": rows}, run=len(runs))
        assert sum(source.cases_opened for source in result.results) == expected, f"sync {len(runs)}"
        stored = read(url, folder, "SELECT * FROM feedback_cases")
        assert sorted(
            (row["case_id"], row["record_id"], row["location_id"], row["rule"], row["matched"], row["owner"])
            for row in stored
        ) == sorted(
            (case, want["record_id"], want["location_id"], want["rule"], want["matched"], want["owner"])
            for case, want in ledger.cases.items()
        ), f"sync {len(runs)}"
        runs_of = {row["case_id"]: row["sync_run_id"] for row in stored}
        assert runs_of == {case: runs[want["run"] - 1] for case, want in ledger.cases.items()}
        events = read(url, folder, "SELECT event_id, case_id, note FROM feedback_case_events WHERE kind = 'opened'")
        assert sorted((e["event_id"], e["case_id"], e["note"]) for e in events) == sorted(
            (_digest("opened", case, size=8), case, f"rule {want['rule']}: {want['matched']}")
            for case, want in ledger.cases.items()
        )

    with fake_api() as hook:
        hook.route("POST", "/ops")(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", hook.url + "/ops")
        head = responses(rng, 0, 5 * BATCH, now)
        ledger_before_tail = Ledger(now)
        ledger_before_tail.synced({"shop": head}, run=1)
        tail = mixed_tail(rng, head, 1000, now)
        first = head + tail
        batches = [tail[start : start + BATCH] for start in range(0, len(tail), BATCH)]
        assert all(len(kinds(ledger_before_tail, batch, now)) >= 3 for batch in batches), "each batch mixes kinds"
        assert kinds(ledger_before_tail, tail, now) == {
            "new, meets a rule", "new, meets none", "cased, read again", "cased, edited",
            "stored without a case, now meets a rule",
        }  # fmt: skip

        sync(first)  # into an empty destination: only ids this sync wrote are looked up
        written_before = {record_id("shop", "rows", row["id"]) for row in head}
        looked_up = {rid for ids in asked for rid in ids}
        assert looked_up and looked_up <= written_before, "the first sync asked only about ids it wrote"

        asked.clear()
        ledger_now = Ledger(now)
        ledger_now.stored, ledger_now.cases = dict(ledger.stored), dict(ledger.cases)
        latest = list({row["id"]: row for row in first}.values())  # each record as stored
        second = mixed_tail(rng, latest[:54], 2000, now)
        assert len(kinds(ledger_now, second, now)) == 5
        sync(second)  # a destination holding records: the batch's matched ids are all looked up
        matched_now = {record_id("shop", "rows", row["id"]) for row in second if expected_rule("shop", row, now)}
        assert {rid for ids in asked for rid in ids} == matched_now
