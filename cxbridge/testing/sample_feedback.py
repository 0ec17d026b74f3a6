"""A deterministic source for destination tests: every kind of value a destination must store
faithfully (scores of every metric, empty and unicode text, quotes, tabs and newlines, nested JSON,
timestamps with and without microseconds, missing dates), records that are quarantined on
purpose, and a second version of the data in which some records change, some bad ones are fixed
and new ones arrive. Its one stream is sorted by `updated`, so the cursor advances every batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import Field

from cxbridge.metrics import Direction, MetricSpec
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.records import FeedbackRecord
from cxbridge.crm import CrmAccount, CrmContact
from cxbridge.sources import ContextStream, Source, SourceConfig, Stream
from cxbridge.timestamps import parse_timestamp

NPS = MetricSpec(metric="nps")
CSAT = MetricSpec(
    metric="csat",
    scale=(1, 5),
    labels={"Very dissatisfied": 1, "Dissatisfied": 2, "Neutral": 3, "Satisfied": 4, "Very satisfied": 5},
)
CES = MetricSpec(metric="ces", scale=(1, 7), direction=Direction.LOWER_IS_BETTER)
VISIT = MetricSpec(metric="mystery_shop", scale=(0, 40))
CSAT_LABELS = list(CSAT.labels)
LOCATIONS = [
    ("S01", "Warsaw Centrum"), ("S02", "Łódź Manufaktura"), ("S03", "Zürich HB"), ("S04", "Kraków Rynek"),
    ("S05", "São Paulo Paulista"), ("S06", "Lyon Part-Dieu"), ("S07", None),
]  # fmt: skip
COMMENTS = [
    "Great service, thanks!", 'She said "no problem" twice', "Line one\nline two", "tab\tseparated",
    "back\\slash and 100% sure", "Очень доволен 😀", "", "   ", "comma, semicolon; pipe |", None,
]  # fmt: skip
START = datetime(2025, 1, 3, 9, 30, tzinfo=timezone.utc)


class SampleFeedbackConfig(SourceConfig):
    connector: Literal["sample_feedback"] = "sample_feedback"
    records: int = Field(default=60, ge=1, description="records in version 1 of the data")
    version: Literal[1, 2] = Field(default=1, description="2 changes, fixes and adds records")


class SampleFeedback(Source):
    name = "sample_feedback"
    config_model = SampleFeedbackConfig

    def streams(self) -> list[Stream]:
        return [Responses(self), Accounts(self), Contacts(self)]


def raw_record(n: int, version: int) -> dict[str, Any]:
    """Record `n` as the source system would send it in `version` of the data."""
    changed = version == 2 and n % 4 == 0
    location_id, location_name = LOCATIONS[n % len(LOCATIONS)]
    submitted = START + timedelta(days=n * 2, hours=n % 24, minutes=n % 60)
    if n % 5 == 0:
        submitted += timedelta(microseconds=n * 1001)
    updated = START + timedelta(days=400, minutes=n)
    if changed or (version == 2 and n % 19 == 0):
        updated += timedelta(days=30)
    bad = n % 19 == 0 and version == 1
    return {
        "id": f"F{n:04d}",
        "updated": updated.isoformat(),
        "submitted": None if n % 17 == 0 else submitted.isoformat(),
        "store": location_id if n % 13 else None,
        "store_name": location_name if n % 13 else None,
        "channel": ["email", "web", "sms", "in_store", None][n % 5],
        "agent": f"agent{n % 6}" if n % 3 else None,
        "email": f"person{n}@example.com" if n % 2 else None,
        "nps": "11" if bad else (None if n % 11 == 0 else (n * 7 + (3 if changed else 0)) % 11),
        "csat": CSAT_LABELS[(n * 3 + (1 if changed else 0)) % 5] if n % 9 else None,
        "effort": (n % 7) + 1 if n % 6 else None,
        "visit_points": (n * 5) % 41 if n % 2 == 0 else None,
        "comment": ("Changed my mind: " if changed else "") + (COMMENTS[n % len(COMMENTS)] or ""),
        "custom": {"basket": n % 4, "vip": n % 5 == 0, "tags": ["a", f"t{n % 3}"], "note": COMMENTS[n % 10]},
        "account": f"ACC{n % 5}" if n % 4 == 0 else None,  # linked by account, by contact, by e-mail, or not
        "contact": f"C{n % 6}" if n % 4 == 2 else None,
    }


def version_records(count: int, version: int) -> list[dict[str, Any]]:
    """Every record of a version of the data, sorted by `updated` (version 2 adds ten)."""
    total = count + (10 if version == 2 else 0)
    return sorted((raw_record(n, version) for n in range(1, total + 1)), key=lambda raw: raw["updated"])


class Responses(Stream):
    name = "responses"
    cursor_field = "updated"
    is_sorted = True

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config: SampleFeedbackConfig = self.source.config  # type: ignore[assignment]
        for raw in version_records(config.records, config.version):
            if cursor is None or raw["updated"] > cursor:
                yield raw

    def normalize(self, raw: dict[str, Any], builder: RecordBuilder) -> FeedbackRecord:
        answers = [
            AnswerInput("q_nps", raw["nps"], "How likely are you to recommend us?", spec=NPS),
            AnswerInput("q_csat", raw["csat"], "How satisfied were you?", label=raw["csat"], spec=CSAT),
            AnswerInput("q_effort", raw["effort"], "How much effort did it take?", spec=CES),
            AnswerInput("q_comment", raw["comment"], "Anything else?", is_comment=True),
        ]
        if raw["visit_points"] is not None:
            answers.append(AnswerInput("q_visit", raw["visit_points"], "Visit score (of 40)", spec=VISIT))
        return builder.build(
            native_id=raw["id"],
            raw=raw,
            answers=answers,
            submitted_at=parse_timestamp(raw["submitted"]),
            updated_at=parse_timestamp(raw["updated"]),
            location_id=raw["store"],
            location_name=raw["store_name"],
            channel=raw["channel"],
            agent_id=raw["agent"],
            respondent_key=builder.respondent_key(raw["email"]),
            survey_id="sv-1",
            survey_name="Store visit survey",
            language="pl" if raw["store"] in ("S01", "S02", "S04") else "en",
            attributes=raw["custom"],
            crm_account_id=raw["account"],
            crm_contact_id=raw["contact"],
        )


class ScriptedFeedbackConfig(SampleFeedbackConfig):
    connector: Literal["scripted_feedback"] = "scripted_feedback"  # type: ignore[assignment]
    rows: list[dict[str, Any]] = Field(default_factory=list, description="the raw records to read, in order")


class ScriptedFeedback(Source):
    """The sample responses read from a given list of raw records (`raw_record`, perhaps
    edited), so a test plays out one scenario: an id read twice, a good version after a bad one."""

    name = "scripted_feedback"
    config_model = ScriptedFeedbackConfig

    def streams(self) -> list[Stream]:
        return [ScriptedResponses(self)]


class ScriptedResponses(Responses):
    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        yield from self.source.config.rows  # type: ignore[attr-defined]


SEGMENTS = ["SMB", "Mid-market", "Enterprise", None, "SMB", "Enterprise"]
REVENUES = [120_000.0, 540_000.0, 2_500_000.0, None, 75_500.5, 9_000_000.0]


class Accounts(ContextStream):
    """CRM accounts: five in version 1; version 2 changes one's revenue and adds a sixth."""

    name = "accounts"
    primary_key = ("id",)

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        version = self.source.config.version  # type: ignore[attr-defined]
        for n in range(6 if version == 2 else 5):
            revenue = REVENUES[n] * 1.5 if version == 2 and n == 2 else REVENUES[n]
            yield {"id": f"ACC{n}", "name": f"Account «{n}»", "segment": SEGMENTS[n], "revenue": revenue,
                   "stage": "customer" if n % 2 else "opportunity", "modified": (START + timedelta(days=n)).isoformat()}  # fmt: skip

    def context(self, raw: dict[str, Any], builder: RecordBuilder) -> CrmAccount:
        return CrmAccount(
            account_id=raw["id"], name=raw["name"], segment=raw["segment"], annual_revenue=raw["revenue"],
            currency="EUR", lifecycle_stage=raw["stage"], updated_at=parse_timestamp(raw["modified"]),
            attributes={"tier": raw["segment"] or "none"},
        )  # fmt: skip


class Contacts(ContextStream):
    """CRM contacts: C0–C5, each of an account, the odd ones with the e-mail of a respondent."""

    name = "contacts"
    primary_key = ("id",)

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        for n in range(6):
            yield {"id": f"C{n}", "account": f"ACC{(n + 1) % 5}", "email": f"person{2 * n + 1}@example.com"}

    def context(self, raw: dict[str, Any], builder: RecordBuilder) -> CrmContact:
        return CrmContact(contact_id=raw["id"], account_id=raw["account"],
                          respondent_key=builder.respondent_key(raw["email"]), lifecycle_stage="customer")  # fmt: skip
