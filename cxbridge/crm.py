"""CRM context: the accounts (companies) and contacts feedback belongs to, so that a detractor
can be weighed by the revenue behind them. A source's context stream (`cxbridge.sources.ContextStream`)
turns raw CRM objects into `CrmAccount`/`CrmContact`; every destination keeps them in
`crm_accounts` and `crm_contacts`, keyed by source and id, replaced when they change.

Feedback joins to them through `feedback.crm_account_id` (= `crm_accounts.account_id`),
`feedback.crm_contact_id` (= `crm_contacts.contact_id`, whose `account_id` leads on), or the hashed
e-mail (`feedback.respondent_key` = `crm_contacts.respondent_key`, the same salted hash)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxbridge.tables import to_json
from cxbridge.timestamps import format_timestamp

LINEAGE = ("content_hash", "ingested_at", "sync_run_id")  # the last columns; the hash covers the others
ACCOUNT_COLUMNS = ("source", "account_id", "name", "segment", "owner", "annual_revenue", "currency",
                   "lifecycle_stage", "industry", "country", "updated_at", "attributes", *LINEAGE)  # fmt: skip
CURRENCY_CODE = re.compile(r"[A-Z]{3}")  # ISO 4217's shape: USD, EUR, JPY (ASCII letters only)
CONTACT_COLUMNS = ("source", "contact_id", "account_id", "respondent_key", "lifecycle_stage", "owner", "updated_at",
                   "attributes", *LINEAGE)  # fmt: skip
UPDATED_AT = ("the CRM's last change: a datetime, ISO-8601 text or an epoch number, read as a record's updated_at "
              "(`ContextStream.crm_object`: without an offset, in the source's zone)")


class CrmAccount(BaseModel):
    """A company or account of the CRM."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: ClassVar[str] = "crm_accounts"

    account_id: str = Field(min_length=1)
    name: str | None = None
    segment: str | None = Field(default=None, description="the CRM's segment, tier or type (SMB, Enterprise, …)")
    owner: str | None = Field(default=None, description="the account owner's id or name")
    annual_revenue: float | None = Field(default=None, ge=0)
    currency: str | None = None
    lifecycle_stage: str | None = None
    industry: str | None = None
    country: str | None = None
    updated_at: datetime | str | float | None = Field(default=None, description=UPDATED_AT)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        """A code as the views compare it ('usd' and ' USD' are USD; blank is none named); a value
        of another shape is kept as given (`odd_currency`)."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.upper() if value.isascii() and CURRENCY_CODE.fullmatch(value.upper()) else value or None

    @property
    def odd_currency(self) -> bool:
        """The account names a currency that is not a three-letter code ('US Dollar', '$')."""
        return self.currency is not None and not CURRENCY_CODE.fullmatch(self.currency)


class CrmContact(BaseModel):
    """A person of the CRM: no name or e-mail is stored, only the salted hash of the e-mail."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: ClassVar[str] = "crm_contacts"

    contact_id: str = Field(min_length=1)
    account_id: str | None = None
    respondent_key: str | None = Field(default=None, description="the hashed e-mail, as feedback.respondent_key")
    lifecycle_stage: str | None = None
    owner: str | None = None
    updated_at: datetime | str | float | None = Field(default=None, description=UPDATED_AT)
    attributes: dict[str, Any] = Field(default_factory=dict)


CrmObject = CrmAccount | CrmContact


@dataclass(frozen=True)
class ContextRow:
    """One row for `crm_accounts` or `crm_contacts`, in the table's column order; `content_hash`
    tells a changed object from one delivered again."""

    table: str
    key: tuple[str, str]  # (source, id)
    values: tuple[Any, ...]

    @property
    def content_hash(self) -> str:
        return self.values[-len(LINEAGE)]


def context_row(item: CrmObject, *, source: str, ingested_at: str, run_id: str) -> ContextRow:
    data = item.model_dump()
    data["updated_at"] = format_timestamp(item.updated_at) if item.updated_at else None  # a datetime: crm_object read it
    data["attributes"] = to_json(item.attributes) if item.attributes else None
    data["source"] = source
    columns = ACCOUNT_COLUMNS if isinstance(item, CrmAccount) else CONTACT_COLUMNS
    content = [data[column] for column in columns[: -len(LINEAGE)]]
    digest = hashlib.sha256(to_json(content).encode()).hexdigest()[:32]
    identifier = item.account_id if isinstance(item, CrmAccount) else item.contact_id
    return ContextRow(item.table, (source, identifier), (*content, digest, ingested_at, run_id))


def id_column(table: str) -> str:
    """The id column of a CRM table (beside `source` in its key)."""
    return "account_id" if table == CrmAccount.table else "contact_id"


def latest_rows(rows: list[ContextRow], table: str) -> list[tuple[Any, ...]]:
    """The rows of one table, an object read twice in a batch counted once (the last wins)."""
    return list({row.key: row.values for row in rows if row.table == table}.values())
