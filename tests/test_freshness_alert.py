"""The example `on_sync_event` plugin in examples/plugins/cxbridge-freshness-alert, found through
its entry point by real `cxbridge sync` processes: after a run it posts the stale sources to a
local webhook (nothing when none is stale), a failing webhook is a warning that leaves the exit
code at 0, and its URL never shows; and the run-wide events' `destination`, `config` and
`stale_sources`, seen from a plugin in-process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import cxbridge
from cxbridge.events import EventKind
from cxbridge.plugins_host import create_host
from tests.local_api import Reply, fake_api
from tests.many_sources import config_toml, expect, write_files
from tests.sqlite_runs import SHARED_SALT

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugins" / "cxbridge-freshness-alert"
HOOK_PATH = "/hooks/T0KEN-5ecret-part"  # a webhook's URL carries its secret: it must never be printed
LONG_AGO = "2020-01-01T06:00:00Z"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """branch_a and branch_b, each expected every day, synced — branch_b's runs then moved to 2020
    — and a site folder declaring the plugin's entry point, as `pip install` of its folder would."""
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    write_files(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(config_toml("", forms=()), encoding="utf-8")
    expect(tmp_path, branch_a="1d", branch_b="1d")
    assert cxbridge.sync(tmp_path / "cxbridge.toml", host=create_host(load_entry_points=False)).exit_code == 0
    with sqlite3.connect(tmp_path / "cxbridge.db") as conn:
        conn.execute(f"UPDATE sync_runs SET started_at = '{LONG_AGO}', finished_at = '{LONG_AGO}' WHERE source = 'branch_b'")
    info = tmp_path / "site" / "cxbridge_freshness_alert-1.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cxbridge-freshness-alert\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text("[cxbridge]\nfreshness_alert = cxbridge_freshness_alert\n")
    return tmp_path


@pytest.fixture
def webhook():
    with fake_api() as api:
        api.route("POST", HOOK_PATH)(lambda seen, _: {"ok": True})
        yield api


def sync(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CXBRIDGE_")}
    path = os.pathsep.join([str(folder / "site"), str(PLUGIN), base.get("PYTHONPATH", "")])
    env = {**base, "PYTHONPATH": path, "CXBRIDGE_TEST_SHARED_SALT": SHARED_SALT.get_secret_value(), **env}
    return subprocess.run([sys.executable, "-m", "cxbridge", "sync", "--no-progress", *args], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


def posted(api) -> list:
    return [seen for seen in api.requests if seen.method == "POST"]


def test_nothing_is_posted_when_no_source_is_stale(project, webhook):
    done = sync(project, "--source", "branch_b", CXBRIDGE_ALERT_WEBHOOK=webhook.url + HOOK_PATH)  # fresh again
    assert done.returncode == 0, done.stderr
    assert posted(webhook) == []


def test_the_stale_sources_are_posted_after_the_run(project, webhook):
    done = sync(project, "--source", "branch_a", CXBRIDGE_ALERT_WEBHOOK=webhook.url + HOOK_PATH)
    assert done.returncode == 0, done.stderr
    [request] = posted(webhook)
    body = request.json()
    with sqlite3.connect(project / "cxbridge.db") as conn:
        [(run_id,)] = conn.execute("SELECT run_id FROM sync_runs WHERE source = 'branch_a' "
                                   "ORDER BY started_at DESC LIMIT 1").fetchall()  # fmt: skip
    assert (body["event"], body["run_id"]) == ("stale_sources", run_id)
    assert request.headers["Idempotency-Key"] == f"stale-{run_id}"
    assert body["destination"] == "sqlite:///cxbridge.db"  # as `cxbridge status` names it
    [row] = body["stale"]  # branch_a was just synced; branch_b's last success is in 2020
    assert (row["source"], row["last_success"], row["stale_after"], row["last_read"]) == ("branch_b", LONG_AGO, "1d", 3)
    assert row["reason"].startswith("last success ") and row["reason"].endswith(" ago, more than 1d")
    assert body["text"] == f"cxbridge: 1 stale source in {body['destination']}\n- branch_b: {row['reason']}"
    assert "5ecret" not in done.stdout + done.stderr


def test_an_age_and_a_quarantine_limit_in_the_environment_are_what_it_holds_sources_to(project, webhook):
    done = sync(project, "-s", "branch_a", CXBRIDGE_ALERT_WEBHOOK=webhook.url + HOOK_PATH,
                CXBRIDGE_ALERT_STALE_AFTER="5000w", CXBRIDGE_ALERT_MAX_QUARANTINED="0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    [request] = posted(webhook)
    [row] = request.json()["stale"]  # 2020 is within 5000 weeks; its last run's quarantined record is not within 0
    assert (row["source"], row["stale_after"]) == ("branch_b", "35000d")
    assert row["reason"] == "its last run quarantined 1 of 3 records read, more than 0"


@pytest.mark.parametrize("failure", ["refused", "unreachable"])
def test_a_failing_webhook_is_a_warning_and_the_sync_still_succeeds(failure, project, webhook):
    if failure == "refused":
        webhook.fail(Reply(500, {"error": "down"}), match=HOOK_PATH, times=5)
        url = webhook.url + HOOK_PATH
    else:
        url = "http://127.0.0.1:9" + HOOK_PATH  # the discard port: nothing listens
    done = sync(project, "-s", "branch_a", "--format", "json", CXBRIDGE_ALERT_WEBHOOK=url)
    assert done.returncode == 0, done.stderr
    said = "HTTP 500, busy or failing for now" if failure == "refused" else "could not reach it (ConnectError)"
    assert f"freshness alert: {said}; the sync itself is not affected" in done.stderr
    assert '"source": "branch_a"' in done.stdout and '"status": "success"' in done.stdout
    assert "5ecret" not in done.stdout + done.stderr


def test_without_expected_every_nor_an_age_it_warns_what_to_set(project, webhook):
    text = (project / "cxbridge.toml").read_text().replace('expected_every = "1d"\n', "")
    (project / "cxbridge.toml").write_text(text, encoding="utf-8")
    done = sync(project, "-s", "branch_a", CXBRIDGE_ALERT_WEBHOOK=webhook.url + HOOK_PATH)
    assert done.returncode == 0
    assert "freshness alert not sent: --stale without an age holds each source to its expected_every" in done.stderr
    assert "CXBRIDGE_ALERT_STALE_AFTER" in done.stderr and posted(webhook) == []


class Recorder:
    def __init__(self):
        self.events = []

    @cxbridge.hookimpl
    def on_sync_event(self, event):
        stale = event.stale_sources(stale="1d") if event.stale_sources else None
        self.events.append((event.kind, event.destination, event.config, stale))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_run_wide_events_carry_the_destination_the_config_and_the_stale_sources(kind, project, request):
    url = (request.getfixturevalue("postgres_database")("alert") if kind == "postgresql"
           else f"sqlite:///{project / 'other.db'}")  # fmt: skip  # --destination, not the config's
    recorder, host = Recorder(), create_host(load_entry_points=False)
    host.pm.register(recorder)
    cxbridge.sync(project / "cxbridge.toml", sources=["branch_a"], destination=url, host=host)
    shown = cxbridge.open_destination(url).display_name
    kinds = {kind: (destination, config, stale) for kind, destination, config, stale in recorder.events}
    assert kinds[EventKind.RUN_STARTED] == (shown, project / "cxbridge.toml", None)
    assert kinds[EventKind.DELIVERIES_FINISHED] == (shown, project / "cxbridge.toml", None)
    destination, config, stale = kinds[EventKind.RUN_FINISHED]
    assert (destination, config) == (shown, project / "cxbridge.toml")
    assert [(row["source"], row["reason"]) for row in stale] == [("branch_b", "never synced successfully")]  # in that database
    assert kinds[EventKind.SOURCE_STARTED] == (None, None, None)
    recorder.events.clear()
    cxbridge.sync(project / "cxbridge.toml", destination=url, dry_run=True, host=host)
    assert {kind: stale for kind, _, _, stale in recorder.events}[EventKind.RUN_FINISHED] is None
