"""`[sources.NAME]` of the hubspot connector: the private app's token, where history starts,
the scales of HubSpot's CSAT and CES surveys (by default the ones HubSpot documents: CSAT 0–2,
CES 1–7 with 7 the easiest), and which company property is the segment."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cxbridge.http import ApiSourceConfig
from cxbridge.metrics import Direction
from cxbridge.secrets import Secret


class HubSpotConfig(ApiSourceConfig):
    connector: Literal["hubspot"] = "hubspot"
    access_token: Secret = Field(description="a private app's access token (Settings → Integrations → Private apps)")
    start_date: datetime | None = Field(default=None, description="first sync: objects modified from this time")
    companies: bool = Field(default=True, description="also sync companies into crm_accounts")
    contacts: bool = Field(default=True, description="also sync contacts into crm_contacts")
    segment_property: str = Field(
        default="hs_ideal_customer_profile", description="the company property that holds the segment (or tier)"
    )
    csat_scale: tuple[int, int] = Field(
        default=(0, 2), description="the values of CSAT answers: HubSpot stores 0, 1 or 2 (its detractor, passive, promoter)"
    )
    ces_scale: tuple[int, int] = Field(default=(1, 7), description="the values of CES answers: HubSpot stores 1–7")
    ces_direction: Direction = Field(default=Direction.HIGHER_IS_BETTER, description="HubSpot's 7 is the least effort")
    page_size: int = Field(default=100, ge=1, le=200, description="objects per search page")
