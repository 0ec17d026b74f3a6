"""After each sync, posts the sources whose data is getting old to a webhook — the list
`cxbridge status --stale` prints — and nothing when none is. An `on_sync_event` plugin.

Set in the environment of the sync (never in a file: a webhook's URL is its secret):

- `CXBRIDGE_ALERT_WEBHOOK` — where the alert is POSTed; unset: the plugin does nothing.
- `CXBRIDGE_ALERT_STALE_AFTER` — an age (`1d`) every source is held to; unset: each source's own
  `expected_every` from cxbridge.toml.
- `CXBRIDGE_ALERT_MAX_QUARANTINED` — optional, `50` or `5%`: also alert on a source whose last
  run quarantined more.

A webhook that fails is a warning in the sync's log, naming the HTTP status but never the URL;
the sync's result and exit code do not change.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import cxbridge

log = logging.getLogger("cxbridge.freshness_alert")

WEBHOOK = "CXBRIDGE_ALERT_WEBHOOK"
STALE_AFTER = "CXBRIDGE_ALERT_STALE_AFTER"
MAX_QUARANTINED = "CXBRIDGE_ALERT_MAX_QUARANTINED"
TIMEOUT = 15.0  # seconds the webhook may take to answer


@cxbridge.hookimpl
def on_sync_event(event):
    if event.kind != "run_finished" or event.stale_sources is None:  # a dry run writes and alerts nothing
        return
    url = os.environ.get(WEBHOOK, "").strip()
    if not url:
        return
    try:
        stale = event.stale_sources(stale=os.environ.get(STALE_AFTER, "").strip() or True,
                                    max_quarantined=os.environ.get(MAX_QUARANTINED, "").strip() or None)  # fmt: skip
    except cxbridge.ConfigError as exc:
        log.warning("freshness alert not sent: %s (or set %s)", exc, STALE_AFTER)
        return
    if stale:
        post(url, alert(event, stale))


def alert(event, stale: list[dict[str, Any]]) -> dict[str, Any]:
    """The alert as JSON: the rows of `status --stale --format json`, and a `text` a person reads
    (and a Slack incoming webhook shows)."""
    lines = [f"cxbridge: {len(stale)} stale source{'s' if len(stale) > 1 else ''} in {event.destination}"]
    lines += [f"- {row['source']}: {row['reason']}" for row in stale]
    return {"event": "stale_sources", "run_id": event.run_id, "destination": event.destination,
            "text": "\n".join(lines), "stale": stale}  # fmt: skip


def post(url: str, body: dict[str, Any]) -> None:
    """POST the alert with the HTTP code of cxbridge's webhook action (its errors name the status,
    never the URL; its request logs mask secrets); a failure is a warning, not the sync's."""
    from cxbridge.loop.actions import DeliveryError
    from cxbridge.plugins.actions.http import client, send

    with client(timeout=TIMEOUT) as http:
        try:
            send(http, "POST", url, action="freshness alert", json=body,
                 headers={"Idempotency-Key": f"stale-{body['run_id']}"})  # fmt: skip
        except DeliveryError as exc:
            log.warning("%s; the sync itself is not affected", exc)
            return
    log.info("freshness alert: %d stale source(s) posted", len(body["stale"]))
