"""HubSpot's CRM associations, read for a page of objects at once through the v4 batch read
(`POST /crm/v4/associations/{from}/{to}/batch/read`): which company a survey response or a
contact belongs to. An object without one is listed under `errors` (HTTP 207), not in `results`."""

from __future__ import annotations

from typing import Any

from cxbridge.http import ApiClient

PRIMARY_COMPANY = 1  # the HUBSPOT_DEFINED typeId of a contact's primary company


def first_associated(client: ApiClient, from_type: str, to_type: str, ids: list[str]) -> dict[str, str]:
    """For each of `ids` that has one, the id of its associated `to_type` object: the primary
    one where HubSpot marks it, else the lowest id (stable from run to run)."""
    wanted = sorted(set(filter(None, ids)), key=_numeric)
    if not wanted:
        return {}
    body = {"inputs": [{"id": object_id} for object_id in wanted]}
    answer = client.send_json("POST", f"/crm/v4/associations/{from_type}/{to_type}/batch/read", body)
    found = {}
    for result in answer.get("results") or []:
        targets = result.get("to") or []
        if targets and (source := (result.get("from") or {}).get("id")) is not None:
            found[str(source)] = _chosen(targets)
    return found


def _chosen(targets: list[dict[str, Any]]) -> str:
    primary = [t for t in targets if any(kind.get("category") == "HUBSPOT_DEFINED" and kind.get("typeId") == PRIMARY_COMPANY
                                         for kind in t.get("associationTypes") or [])]  # fmt: skip
    return str(min((t["toObjectId"] for t in primary or targets), key=_numeric))


def _numeric(value: Any) -> tuple[int, str]:
    text = str(value)
    return (int(text), text) if text.isdigit() else (0, text)
