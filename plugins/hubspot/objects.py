"""HubSpot objects as cxbridge data: feedback submissions (survey responses) as feedback
records, companies as CRM accounts, contacts as CRM contacts. Every property arrives as text."""

from __future__ import annotations

from typing import Any

from cxbridge.crm import CrmAccount, CrmContact
from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec, nps_category
from cxbridge.normalize import AnswerInput, RecordBuilder
from cxbridge.plugins.hubspot.config import HubSpotConfig
from cxbridge.quoted_values import quoted
from cxbridge.records import FeedbackRecord
from cxbridge.tabular import values as coerce
from cxbridge.tabular.cells import parse_number
from cxbridge.timestamps import field_timestamp

SUBMISSION_PROPERTIES = [
    "hs_survey_type", "hs_value", "hs_response_group", "hs_content", "hs_contact_id", "hs_contact_email_rollup",
    "hs_survey_id", "hs_survey_name", "hs_survey_channel", "hs_submission_timestamp", "hs_createdate",
    "hs_lastmodifieddate",
]  # fmt: skip
COMPANY_PROPERTIES = ["name", "annualrevenue", "lifecyclestage", "industry", "country", "hubspot_owner_id",
                      "hs_lastmodifieddate"]  # fmt: skip
CONTACT_PERSONAL = frozenset({"firstname", "lastname", "phone", "mobilephone", "address", "ip_city"})
CONTACT_PROPERTIES = ["email", "associatedcompanyid", "lifecyclestage", "hubspot_owner_id", "lastmodifieddate"]


def metric_of(survey_type: str, config: HubSpotConfig) -> MetricSpec | None:
    """The metric of a survey type: NPS 0–10, CSAT and CES on the configured scales (HubSpot's
    own by default: CSAT 0–2, top box satisfied; CES 1–7, 7 the least effort); custom surveys
    are kept unscored."""
    if survey_type == "NPS":
        return MetricSpec(metric="nps")
    if survey_type == "CSAT":
        return MetricSpec(metric="csat", scale=config.csat_scale)
    if survey_type == "CES":
        return MetricSpec(metric="ces", scale=config.ces_scale, direction=config.ces_direction)
    return None


def submission_record(raw: dict[str, Any], builder: RecordBuilder, config: HubSpotConfig) -> FeedbackRecord:
    props = raw.get("properties") or {}
    survey_type = str(props.get("hs_survey_type") or "").upper()
    question = props.get("hs_survey_name") or f"{survey_type or 'Custom'} survey"
    answers = []
    spec = metric_of(survey_type, config)
    if (value := _number(props.get("hs_value"), "hs_value")) is not None:
        if spec is not None and not float(value).is_integer():
            raise DataError(f"hs_value {quoted(props['hs_value'])} of a {survey_type} survey response is not a whole number: "
                            "HubSpot's answers are whole points (NPS 0–10, CSAT 0, 1 or 2, CES 1–7)", field="hs_value",
                            kind="answer-not-whole-number")  # fmt: skip
        if survey_type == "NPS":
            _check_nps_group(value, props)
        answers.append(AnswerInput("hs_value", value, question, spec=spec, is_primary=True))
    if props.get("hs_content"):
        answers.append(AnswerInput("hs_content", props["hs_content"], "Comment", is_comment=True))
    fields = {
        "survey_id": props.get("hs_survey_id") or None,
        "survey_name": props.get("hs_survey_name") or None,
        "crm_contact_id": props.get("hs_contact_id") or None,
        "crm_account_id": (raw.get("company") or {}).get("id"),  # associated, else the contact's primary company
        "channel": coerce.channel(props["hs_survey_channel"]) if props.get("hs_survey_channel") else None,
    }
    attributes = {key: props[key] for key in ("hs_survey_type", "hs_response_group") if props.get(key)}
    return builder.build(
        native_id=str(raw["id"]),
        raw=raw,
        answers=answers,
        submitted_at=field_timestamp(props.get("hs_submission_timestamp") or props.get("hs_createdate") or raw.get("createdAt"),
                                     "hs_submission_timestamp"),
        updated_at=field_timestamp(props.get("hs_lastmodifieddate") or raw.get("updatedAt"), "hs_lastmodifieddate"),
        respondent_key=builder.respondent_key(props.get("hs_contact_email_rollup") or None),
        attributes=attributes,
        **{key: value for key, value in fields.items() if value is not None},
    )


def _check_nps_group(value: float | int, props: dict[str, Any]) -> None:
    """DataError when HubSpot's own grouping of an NPS answer contradicts NPS's fixed rule for its
    `hs_value`: the answer is not on 0–10 as read (or the payload is odd), so no score is stored."""
    group = str(props.get("hs_response_group") or "")
    if not 0 <= value <= 10 or group.lower() not in ("promoter", "passive", "detractor"):
        return  # off the scale: the scale check says so; no group (or another word): nothing to compare
    if (category := nps_category(int(value))) != group.lower():
        raise DataError(f"hs_value {quoted(props['hs_value'])} of an NPS survey response is a {category} by NPS's rule "
                        f"(0–6 detractor, 7–8 passive, 9–10 promoter), but HubSpot's hs_response_group {group!r} "
                        "says otherwise: the answer is not on 0–10 as read, so it is not scored; look at the survey in "
                        "HubSpot, whose answers should be 0–10", field="hs_value",
                        kind="contradicts-nps-group")  # fmt: skip


def company_account(raw: dict[str, Any], config: HubSpotConfig) -> CrmAccount:
    props = raw.get("properties") or {}
    return CrmAccount(
        account_id=str(raw["id"]), name=props.get("name") or None, segment=props.get(config.segment_property) or None,
        owner=props.get("hubspot_owner_id") or None, annual_revenue=_number(props.get("annualrevenue"), "annualrevenue"),
        lifecycle_stage=props.get("lifecyclestage") or None, industry=props.get("industry") or None,
        country=props.get("country") or None, updated_at=field_timestamp(props.get("hs_lastmodifieddate"), "hs_lastmodifieddate"),
    )  # fmt: skip


def contact(raw: dict[str, Any], builder: RecordBuilder) -> CrmContact:
    props = raw.get("properties") or {}
    return CrmContact(
        contact_id=str(raw["id"]), account_id=props.get("associatedcompanyid") or None,
        respondent_key=builder.respondent_key(props.get("email") or None),
        lifecycle_stage=props.get("lifecyclestage") or None, owner=props.get("hubspot_owner_id") or None,
        updated_at=field_timestamp(props.get("lastmodifieddate"), "lastmodifieddate"),
    )  # fmt: skip


def _number(text: Any, field: str) -> float | int | None:
    if text in (None, ""):
        return None
    number = parse_number(str(text))
    if number is None:
        raise DataError(f"{field} {quoted(text)} is not a number", field=field, kind="not-a-number")
    return int(number) if number.is_integer() else number

