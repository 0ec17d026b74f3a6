"""`cxbridge check` asks every API source's service once whether it accepts the credentials — the
cheapest call its reference documents — so that a refused token shows before the first sync,
named per source, never the token; an API out of reach is said to be out of reach. A sync does
not send that request: its first read finds the same."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cxbridge.checks import CHECK_ATTEMPTS
from cxbridge.cli.main import cli
from cxbridge.http.retries import RetryPolicy
from cxbridge.http.source import ApiSource
from tests.freshdesk_api import API_KEY as FRESHDESK_KEY, freshdesk, support_helpdesk
from tests.google_forms_api import google_forms, store_account as forms_account
from tests.hubspot_api import TOKEN as HUBSPOT_TOKEN, crm_account, hubspot
from tests.qualtrics_api import ROOT, TOKEN as QUALTRICS_TOKEN, qualtrics, store_account as qualtrics_account
from tests.questionpro_api import API_KEY as QUESTIONPRO_KEY, questionpro, support_account as questionpro_account
from tests.salesforce_api import CLIENT_ID, CLIENT_SECRET, VERSION, salesforce, survey_org
from tests.surveymonkey_api import SURVEY, TOKEN as SURVEYMONKEY_TOKEN, surveymonkey, support_account as sm_account
from tests.zendesk_api import API_TOKEN as ZENDESK_TOKEN, EMAIL, support_account as zendesk_account, zendesk

REFUSED = "revoked-0000"
Fake = Callable[[bool], AbstractContextManager[Any]]  # the fake API, refusing every access token or not


def service_account_key(url: str) -> str:
    """A Google service account's key file, its tokens asked of the fake API at `url`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps({"type": "service_account", "project_id": "cx", "private_key_id": "k1", "private_key": pem.decode(),
                       "client_email": "cxbridge@cx.iam.gserviceaccount.com", "client_id": "1", "token_uri": f"{url}/token"})  # fmt: skip


# connector: (fake API, the source's keys with ${CREDENTIAL} and {url}, the good credential, the
# check's one request, the words of the refusal)
CONNECTORS: dict[str, tuple[Fake, str, str, str, str]] = {
    "zendesk": (lambda refused: zendesk(zendesk_account()), f'base_url = "{{url}}"\nemail = "{EMAIL}"\napi_token = "${{CREDENTIAL}}"',
                ZENDESK_TOKEN, "/api/v2/satisfaction_ratings?page[size]=1", "Zendesk did not accept the e-mail and API token"),
    "questionpro": (lambda refused: questionpro(questionpro_account()), 'base_url = "{url}"\napi_key = "${CREDENTIAL}"\nsurveys = [7654321]',
                    QUESTIONPRO_KEY, "/a/api/v2/surveys/7654321/questions?page=1&perPage=1",
                    "QuestionPro did not accept the API key (api_key): check it"),
    "freshdesk": (lambda refused: freshdesk(support_helpdesk()), 'base_url = "{url}"\napi_key = "${CREDENTIAL}"',
                  FRESHDESK_KEY, "/api/v2/surveys?per_page=1&page=1", "Freshdesk did not accept the API key (api_key)"),
    "hubspot": (lambda refused: hubspot(crm_account()), 'base_url = "{url}"\naccess_token = "${CREDENTIAL}"',
                HUBSPOT_TOKEN, "/crm/v3/objects/feedback_submissions?limit=1", "HubSpot did not accept the private app's access token"),
    "surveymonkey": (lambda refused: surveymonkey(sm_account()), f'base_url = "{{url}}"\naccess_token = "${{CREDENTIAL}}"\nsurveys = ["{SURVEY}"]',
                     SURVEYMONKEY_TOKEN, "/surveys?per_page=1&page=1", "SurveyMonkey did not accept the access token (access_token)"),
    "qualtrics": (lambda refused: qualtrics(qualtrics_account()), f'base_url = "{{url}}{ROOT}"\napi_token = "${{CREDENTIAL}}"\nsurveys = ["SV_store1"]',
                  QUALTRICS_TOKEN, f"{ROOT}/surveys", "Qualtrics did not accept the API token (api_token)"),
    "google_forms": (lambda refused: google_forms(replace(forms_account(), tokens_refused=refused)), 'base_url = "{url}/v1"\nforms = ["1FAIpQLSd-store"]\ncredentials_file = "key.json"',
                     "", "/v1/forms/1FAIpQLSd-store", "Google Forms did not accept the Google credentials"),
    "salesforce": (lambda refused: salesforce(survey_org()), f'base_url = "{{url}}"\nclient_id = "{CLIENT_ID}"\nclient_secret = "${{CREDENTIAL}}"',
                   CLIENT_SECRET, f"/services/data/{VERSION}/query?q=SELECT Id FROM SurveyResponse LIMIT 1",
                   "Salesforce did not accept the connected app's consumer key and secret (client_id, client_secret): check them"),
}  # fmt: skip
TOKEN_REQUESTS = {"salesforce": "/services/oauth2/token", "google_forms": "/token"}  # the OAuth flow's own request, before the call


def configure(root: Path, monkeypatch, connector: str, url: str, credential: str) -> Path:
    _, keys, *_ = CONNECTORS[connector]
    monkeypatch.setenv("CREDENTIAL", credential)
    if connector == "google_forms":  # its credential is a key file; the fake refuses its tokens or not
        (root / "key.json").write_text(service_account_key(url), encoding="utf-8")
    config = root / "cxbridge.toml"
    config.write_text(f'[sources.vendor]\nconnector = "{connector}"\n{keys.replace("{url}", url)}\n', encoding="utf-8")
    return config


def sent(api: Any, connector: str) -> list[str]:
    """The requests the fake API received, decoded, the OAuth flow's own token request left out."""
    paths = [path.replace("%5B", "[").replace("%5D", "]").replace("+", " ") for path in api.paths()]
    return [path for path in paths if path != TOKEN_REQUESTS.get(connector)]


def checked(root: Path, monkeypatch, connector: str, *, refused: bool) -> tuple[Any, list[str]]:
    """`cxbridge check` of the connector's source with a good or a refused credential: its result
    and the requests it made."""
    fake, _, good, *_ = CONNECTORS[connector]
    with fake(refused) as api:
        config = configure(root, monkeypatch, connector, api.url, REFUSED if refused else good)
        result = CliRunner().invoke(cli, ["check", "--config", str(config)])
    return result, sent(api, connector)


@pytest.mark.parametrize("connector", CONNECTORS)
def test_a_good_credential_passes_with_one_request(tmp_path, monkeypatch, connector):
    result, requests = checked(tmp_path, monkeypatch, connector, refused=False)
    assert result.exit_code == 0, result.output
    assert f"✔ vendor ({connector})" in result.output
    assert requests == [CONNECTORS[connector][3]]


@pytest.mark.parametrize("connector", CONNECTORS)
def test_a_refused_credential_is_named_for_its_source_without_the_credential(tmp_path, monkeypatch, connector):
    result, _ = checked(tmp_path, monkeypatch, connector, refused=True)
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith(f"✘ vendor ({connector}): ")]
    assert CONNECTORS[connector][4] in line, line
    assert REFUSED not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("connector", ["zendesk", "google_forms"])
def test_a_sync_sends_no_request_of_the_check(tmp_path, monkeypatch, connector):
    """The sync's check pass leaves the credentials to the first read: the check's request is
    not sent (Zendesk's), or only as the read's own (Google Forms reads the form's definition)."""
    fake, _, good, asked, _ = CONNECTORS[connector]
    with fake(False) as api:
        config = configure(tmp_path, monkeypatch, connector, api.url, good)
        result = CliRunner().invoke(cli, ["sync", "--config", str(config), "--db", str(tmp_path / "cx.db"), "--no-progress"])
    assert result.exit_code == 0, result.output
    requests = sent(api, connector)
    assert requests.count(asked) == (1 if connector == "google_forms" else 0), requests


OUT_OF_REACH = {  # Typeform's check reads its forms' definitions: out of reach, it passed (✔) before
    "zendesk": CONNECTORS["zendesk"][1],
    "typeform": 'base_url = "{url}"\ntoken = "${CREDENTIAL}"\nforms = ["kX7pQ2Lm"]',
}


@pytest.mark.parametrize("connector", OUT_OF_REACH)
def test_an_api_out_of_reach_is_not_called_a_refused_credential(tmp_path, monkeypatch, connector):
    monkeypatch.setenv("CREDENTIAL", ZENDESK_TOKEN)
    keys = OUT_OF_REACH[connector].replace("{url}", "http://127.0.0.1:9")
    config = tmp_path / "cxbridge.toml"
    config.write_text(f'[sources.vendor]\nconnector = "{connector}"\n{keys}\nmax_attempts = 1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--config", str(config)])
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith(f"✘ vendor ({connector}): ")]
    assert "could not reach the API, so the credentials are not checked" in line and "did not accept" not in line, line
    assert ZENDESK_TOKEN not in result.output


def closed_port() -> int:
    """A local port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_check_gives_up_on_a_refusing_api_sooner_than_a_sync(tmp_path, monkeypatch):
    """An operator waits on `cxbridge check`: an API refusing connections is told of after
    CHECK_ATTEMPTS tries (one wait), while a sync keeps the source's `max_attempts` (5: four waits)."""
    monkeypatch.setenv("CREDENTIAL", ZENDESK_TOKEN)
    waits: list[float] = []
    monkeypatch.setattr(ApiSource, "sleep", staticmethod(waits.append))
    keys = OUT_OF_REACH["zendesk"].replace("{url}", f"http://127.0.0.1:{closed_port()}")
    config = tmp_path / "cxbridge.toml"
    config.write_text(f'[sources.vendor]\nconnector = "zendesk"\n{keys}\n', encoding="utf-8")
    checked = CliRunner().invoke(cli, ["check", "--config", str(config)])
    assert checked.exit_code == 2, checked.output
    assert "connection failed (ConnectError) after 2 attempts; re-run later" in checked.output
    assert len(waits) == CHECK_ATTEMPTS - 1
    waits.clear()
    synced = CliRunner().invoke(cli, ["sync", "--config", str(config), "--db", str(tmp_path / "cx.db"), "--no-progress"])
    assert "connection failed (ConnectError) after 5 attempts; re-run later" in synced.output, synced.output
    assert len(waits) == 4


def test_the_waits_docs_cli_tells_of_are_the_retry_policys():
    """docs/cli.md's waits of a check and of a sync, from RetryPolicy's backoff at no jitter and at
    the most jitter can add."""
    def waits(attempts: int, jitter: float) -> list[float]:
        policy = RetryPolicy(attempts=attempts, jitter=0)
        return [policy.backoff_wait(attempt) * (1 + jitter) for attempt in range(1, attempts)]

    docs = " ".join((Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8").split())
    jitter = RetryPolicy().jitter
    [check] = waits(CHECK_ATTEMPTS, 0)
    assert f"one wait of {check:g} to {check * (1 + jitter):g} s" in docs
    sync = waits(RetryPolicy().attempts, 0)
    assert "waits of 1, 2, 4 and 8 s, each up to a quarter longer" in docs and sync == [1, 2, 4, 8] and jitter == 0.25
    assert f"{sum(sync):g} to {sum(waits(RetryPolicy().attempts, jitter)):g} s in all" in docs
