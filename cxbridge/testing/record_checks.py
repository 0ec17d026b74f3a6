"""What the conformance suite finds wrong in the records a source builds: scores that never reach
`feedback_scores`, and fields that change between two reads of the same data. Each function
returns the problems found, one message each, saying what to change."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cxbridge.normalize import PRIMARY_COLUMNS
from cxbridge.records import FeedbackRecord
from cxbridge.tables import to_rows

_SHOWN = 3  # records named per problem


def unbacked_primary_scores(records: list[FeedbackRecord]) -> list[str]:
    """Records whose nps/csat/ces column is set without the scored answer behind it: the column
    was passed to `builder.build()` directly, so `feedback_scores`, `answers` and every view
    built on them miss the score."""
    problems = []
    for column, metrics in PRIMARY_COLUMNS.items():
        bare = [r for r in records if getattr(r, column) is not None
                and not any(s.is_primary and s.metric in metrics for s in r.scores)]  # fmt: skip
        if bare:
            problems.append(
                f"{len(bare)} records have {column} set but no scored answer behind it "
                f"({_named(bare)}; {column} = {getattr(bare[0], column)!r}): pass the answer to builder.build("
                f"answers=[AnswerInput(question_id=…, value=…, spec=MetricSpec(metric={column!r}))]) instead of "
                f"{column}=…, so that feedback_scores, the answers and the BI views hold it"
            )
    return problems


def unscored_streams(records: list[FeedbackRecord]) -> list[str]:
    """Streams none of whose records holds a scored answer, although the test data has some."""
    problems = []
    for stream, found in _by_stream(records):
        if any(record.scores for record in found):
            continue
        answered = sum(1 for record in found if record.answers)
        problems.append(
            f"stream {stream!r}: none of its {len(found)} records holds a scored answer ({answered} hold any "
            "answer at all), so feedback_scores and the NPS/CSAT/CES views get nothing from it. Pass every "
            "answer to builder.build(answers=[AnswerInput(question_id=…, value=…, spec=MetricSpec(metric=…))]) "
            "— a spec scores it. If this stream's test data truly holds no score, name it in "
            "SourceUnderTest(unscored_streams={…})"
        )
    return problems


def uncommented_streams(records: list[FeedbackRecord]) -> list[str]:
    """Streams none of whose records holds a comment, although the test data has some."""
    return [
        f"stream {stream!r}: none of its {len(found)} records holds a comment, so feedback_comments, the "
        "records' comment and every text analysis get nothing from it. Pass each free-text answer to "
        "builder.build(answers=[AnswerInput(question_id=…, value=…, is_comment=True)]). If this stream's "
        "test data truly holds no free text, name it in SourceUnderTest(uncommented_streams={…})"
        for stream, found in _by_stream(records)
        if not any(record.comment or record.comments for record in found)
    ]


def _by_stream(records: list[FeedbackRecord]) -> list[tuple[str, list[FeedbackRecord]]]:
    by_stream: dict[str, list[FeedbackRecord]] = defaultdict(list)
    for record in records:
        by_stream[record.stream].append(record)
    return sorted(by_stream.items())


def changes_between_reads(first: list[FeedbackRecord], again: list[FeedbackRecord]) -> list[str]:
    """Records whose content differs between two reads of the same data: each sync would find
    them changed and write them again."""
    earlier = {record.record_id: record for record in first}
    changed = []
    for record in again:
        before = earlier.get(record.record_id)
        if before is not None and _content_hash(before) != _content_hash(record):
            changed.append((record, _differences(before.model_dump(mode="json"), record.model_dump(mode="json"))))
    if not changed:
        return []
    fields = sorted({path for _, paths in changed for path in paths})
    record, paths = changed[0]
    shown = "; ".join(f"{path}: {value}" for path, value in list(paths.items())[:_SHOWN])
    return [
        f"{len(changed)} records differ between two reads of the same data, in {', '.join(fields)} "
        f"(record {record.source_record_id!r}: {shown}), so every sync finds them changed and writes them "
        "again. Return such fields (fetch times, Singer's _sdc_* metadata) from Stream.volatile_fields() — "
        "cxbridge then leaves them out — or leave them out of the record"
    ]


def _content_hash(record: FeedbackRecord) -> str:
    return to_rows(record, ingested_at="", run_id="").content_hash


def _differences(before: Any, after: Any, path: str = "") -> dict[str, str]:
    """Dotted paths where two JSON values differ, with both values."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: dict[str, str] = {}
        for key in [*before, *(key for key in after if key not in before)]:
            found |= _differences(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return found
    if before == after:
        return {}
    return {path or "(the record)": f"{_short(before)} then {_short(after)}"}


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named(records: list[FeedbackRecord]) -> str:
    names = ", ".join(repr(record.source_record_id) for record in records[:_SHOWN])
    return names + (", …" if len(records) > _SHOWN else "")
