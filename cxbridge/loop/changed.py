"""Cases whose feedback changed after they opened: a case still waiting for its first steps (open
or contacted) whose record a sync rewrote so that it no longer meets the case's rule — a
detractor who made their answer a promoter's, a "bad" help-desk rating changed to "good" — gets
a note by cxbridge, once per change. The case stays as it is: a person decides whether the call
is still due (docs/loop.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from cxbridge.destinations import Destination, LoopChanges
from cxbridge.loop.cases import SYNC_ACTOR, CaseEvent, CaseStatus
from cxbridge.loop.matching import CaseRules, CompiledRule, StoredRows, describe_score
from cxbridge.loop.opening import stored_subjects
from cxbridge.tables import SCORE_COLUMNS
from cxbridge.timestamps import format_timestamp

WAITING = (CaseStatus.OPEN, CaseStatus.CONTACTED)
_METRIC, _PRIMARY = SCORE_COLUMNS.index("metric"), SCORE_COLUMNS.index("is_primary")


def note_changed_feedback(destination: Destination, rules: CaseRules, *, run_id: str, now: datetime | None = None) -> int:
    """Note on each waiting case opened before sync run `run_id` whose record that run rewrote
    and that no longer meets the case's rule (a rule renamed or removed since is not asked);
    returns how many."""
    table = destination.qualified
    statuses = ", ".join(f"'{status.value}'" for status in WAITING)
    rows = destination.query(  # run ids are hex digests, safe as literals
        f"SELECT c.case_id, c.record_id, c.rule FROM {table('feedback_cases')} c "
        f"JOIN {table('feedback')} f ON f.record_id = c.record_id "
        f"WHERE c.status IN ({statuses}) AND f.sync_run_id = '{run_id}' AND c.sync_run_id <> '{run_id}'"
    )
    by_name = {rule.name: rule for rule in rules.rules}
    rows = [row for row in rows if row["rule"] in by_name]
    if not rows:
        return 0
    subjects = stored_subjects(destination, [row["record_id"] for row in rows])
    stamp = format_timestamp(now or datetime.now(timezone.utc))
    events = []
    for row in rows:
        rule, subject = by_name[row["rule"]], subjects.get(row["record_id"])
        if subject is not None and rule.meets([subject], None)[0] is None:
            events.append(CaseEvent(row["case_id"], stamp, SYNC_ACTOR, "note", None, None, _no_longer(rule, subject)).row())  # type: ignore[arg-type]
    if events:
        destination.write_loop(LoopChanges(events=events))
    return len(events)


def _no_longer(rule: CompiledRule, subject: StoredRows) -> str:
    """`the feedback changed: it no longer meets rule detractors (now nps 10 (promoter))`."""
    now = next((score for score in subject.scores if score[_METRIC] == rule.metric and score[_PRIMARY]), None)
    return f"the feedback changed: it no longer meets rule {rule.name}" + (f" (now {describe_score(now)})" if now else "")
