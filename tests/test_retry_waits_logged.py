"""Every wait before a retry is one warning line on stderr — whose source, how long, why — so that
a sync run from cron, where no terminal shows progress, does not sit silent for a minute behind
Zendesk's 10-a-minute export limit; the same line, from the one transport, for every API
connector, and never the credential. The export's own pacing is said once, at INFO."""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.plugins.typeform.source import TypeformSource
from cxbridge.plugins.zendesk.source import ZendeskSource
from tests.conftest import ROOT
from tests.local_api import Reply
from tests.sqlite_runs import sync_source
from tests.typeform_api import TOKEN, store_account, typeform
from tests.zendesk_api import API_TOKEN, EMAIL, support_account, ticket, zendesk

EXPORT = "/api/v2/incremental/tickets/cursor.json"
EXPORT_LIMIT = "Number of allowed incremental export API requests per minute exceeded"


def test_a_zendesk_export_429_is_waited_out_saying_so_on_stderr_under_cron(tmp_path: Path):
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.support]\nconnector = "zendesk"\nbase_url = "{url}"\nemail = "' + EMAIL + '"\n'
        'api_token = "${ZENDESK_API_TOKEN}"\nstart_date = "2026-03-01T00:00:00Z"\n', encoding="utf-8")  # fmt: skip
    with zendesk(support_account()) as api:
        api.fail(Reply(429, EXPORT_LIMIT, headers={"Retry-After": "1"}), match="incremental")
        config = tmp_path / "cxbridge.toml"
        config.write_text(config.read_text().replace("{url}", api.url), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ZENDESK_API_TOKEN": API_TOKEN}
        done = subprocess.run([sys.executable, "-m", "cxbridge", "sync"], cwd=tmp_path, env=env, capture_output=True,
                              stdin=subprocess.DEVNULL, text=True, timeout=120)  # fmt: skip
        asked = api.paths()
    assert done.returncode == 0, done.stderr
    exports = [path for path in asked if path.startswith(EXPORT)]
    assert exports[0] == exports[1]  # the refused request, once more after the wait
    assert f"support: GET {api.url}{EXPORT}: HTTP 429; waiting 1 s as the API asks, then attempt 2 of 5" in done.stderr
    basic = base64.b64encode(f"{EMAIL}/token:{API_TOKEN}".encode()).decode()
    assert API_TOKEN not in done.stderr + done.stdout and basic not in done.stderr + done.stdout


def test_a_long_zendesk_export_says_once_on_stderr_that_it_is_paced(tmp_path: Path, monkeypatch):
    """Forty tickets are 20 export pages, 10 of them waiting behind the limit of 10 a minute (slept
    into a list here): with -v the run says so once, when the pace first holds a request back,
    never per request; a two-page export that never waits says nothing."""
    waits: list[float] = []
    monkeypatch.setattr(ZendeskSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
    monkeypatch.chdir(tmp_path)
    paced = "support: Zendesk allows 10 export requests a minute: pacing requests 6 s apart"
    stderr = {}
    for tickets in (2, 40):
        account = support_account()
        account.tickets = [ticket(n) for n in range(1, tickets + 1)]
        with zendesk(account) as api:
            (tmp_path / "cxbridge.toml").write_text(
                f'[sources.support]\nconnector = "zendesk"\nbase_url = "{api.url}"\nemail = "{EMAIL}"\n'
                'api_token = "${ZENDESK_API_TOKEN}"\nstart_date = "2026-03-01T00:00:00Z"\n', encoding="utf-8")  # fmt: skip
            done = CliRunner().invoke(cli, ["-v", "sync", "--full-refresh"])
            exports = [path for path in api.paths() if path.startswith(EXPORT)]
        assert done.exit_code == 0, done.stderr
        stderr[len(exports)] = done.stderr
    assert sorted(stderr) == [1, 20] and len(waits) >= 10
    assert paced not in stderr[1] and "pacing" not in stderr[1]
    assert stderr[20].count("pacing requests") == 1 and f"INFO cxbridge.http: {paced}\n" in stderr[20]


def test_a_zendesk_export_the_pace_holds_back_two_minutes_says_so_once_at_the_default_level(tmp_path, monkeypatch):
    """Without -v, one WARNING line once the pace has held the export back PACED_LONG (120 s) in
    all — more than the one window's wait (up to 60 s) any export of over 10 pages has — never for
    an export whose waits stay under it. The waits are slept into a list and summed here."""
    waits: list[float] = []
    monkeypatch.setattr(ZendeskSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
    monkeypatch.chdir(tmp_path)
    told, held = {}, {}
    for tickets in (22, 60):  # 11 export pages (one window's wait), then 30 (two windows' and more)
        account = support_account()
        account.tickets = [ticket(n) for n in range(1, tickets + 1)]
        waits.clear()
        with zendesk(account) as api:
            (tmp_path / "cxbridge.toml").write_text(
                f'[sources.support]\nconnector = "zendesk"\nbase_url = "{api.url}"\nemail = "{EMAIL}"\n'
                'api_token = "${ZENDESK_API_TOKEN}"\nstart_date = "2026-03-01T00:00:00Z"\n', encoding="utf-8")  # fmt: skip
            done = CliRunner().invoke(cli, ["sync", "--full-refresh"])
        assert done.exit_code == 0, done.stderr
        told[tickets] = [line for line in done.stderr.splitlines() if "pacing" in line]
        held[tickets] = sum(waits)
    assert held[22] < 120 <= held[60]
    assert told[22] == []
    assert told[60] == ["WARNING cxbridge.http: support: Zendesk allows 10 export requests a minute: pacing has held "
                        "this sync back over 120 s so far; it reads on at one request every 6 s (nothing to do: a first "
                        "sync of a large account takes long, the next ones read only what changed)"]


def test_typeform_says_the_same_of_its_429_and_of_a_5xx_backoff(tmp_path: Path, monkeypatch, caplog):
    waits: list[float] = []
    monkeypatch.setattr(TypeformSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("TYPEFORM_TOKEN", TOKEN)
    entry = {"connector": "typeform", "token": "${TYPEFORM_TOKEN}", "forms": ["kX7pQ2Lm"]}
    with typeform(store_account()) as api, caplog.at_level(logging.WARNING, logger="cxbridge"):
        api.fail(Reply(429, {"code": "RATE_LIMITED"}, headers={"Retry-After": "7"}), match="/responses")
        api.fail(Reply(503), match="/responses")
        result = sync_source(tmp_path, {**entry, "base_url": api.url}, name="visits")
    assert result.status == "success", result.error
    responses = f"GET {api.url}/forms/kX7pQ2Lm/responses"
    told = [message for message in caplog.messages if "waiting" in message]
    assert told[0] == f"visits: {responses}: HTTP 429; waiting 7 s as the API asks, then attempt 2 of 5"
    assert re.fullmatch(rf"visits: {re.escape(responses)}: HTTP 503; waiting (2|2\.\d+) s before trying again, "
                        "then attempt 3 of 5", told[1])  # the 2 s backoff and up to a quarter of jitter  # fmt: skip
    assert len(told) == 2 and 7.0 in waits
    assert TOKEN not in caplog.text
