"""cxbridge.testing.cassettes: recorded from a fake API, stored under the real host, scrubbed of
credentials, replayed without a network — and no cassette in the repository holds a credential."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cxbridge.testing.cassettes import RECORD_VARIABLE, REDACTED, api_cassette, credentials_in
from tests.local_api import fake_api

ROOT = Path(__file__).resolve().parents[1]
REAL = "https://api.acme.example/v2"
TOKEN, CLIENT_SECRET, ACCESS_TOKEN = "tok-live-81f2", "sec-live-99aa", "at-live-5c1d"


def exchange(base_url: str) -> list[object]:
    """A client's session: an OAuth token call, then two API calls carrying credentials."""
    with httpx.Client(base_url=base_url) as http:
        grant = http.post("/oauth/token", data={"grant_type": "client_credentials", "client_secret": CLIENT_SECRET})
        headers = {"Authorization": f"Bearer {grant.json()['access_token']}", "X-API-TOKEN": TOKEN}
        first = http.get("/surveys", params={"page": "1", "key": TOKEN}, headers=headers).json()
        second = http.post("/exports", json={"format": "json", "surveyId": "SV_1"}, headers=headers).json()
    return [grant.json()["expires_in"], first, second]


@pytest.fixture
def recorded(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "session.yaml"
    with fake_api() as api:
        api.route("POST", "/oauth/token")(lambda seen, _: {"access_token": ACCESS_TOKEN, "expires_in": 3600})
        api.route("GET", "/surveys")(lambda seen, _: {"result": {"elements": [{"id": "SV_1"}]}})
        api.route("POST", "/exports")(lambda seen, _: {"result": {"progressId": "ES_1"}, "echo": seen.json()})
        monkeypatch.setenv(RECORD_VARIABLE, "1")
        with api_cassette(path, real_url=REAL, fake_url=api.url, secrets=[TOKEN, CLIENT_SECRET, ACCESS_TOKEN]) as c:
            assert c.base_url == api.url
            exchange(c.base_url)
    monkeypatch.delenv(RECORD_VARIABLE)
    return path


def test_a_recording_is_stored_under_the_real_host_with_every_credential_scrubbed(recorded):
    text = recorded.read_text()
    assert "127.0.0.1" not in text and "- api.acme.example" in text  # the URL and the Host header
    assert f"uri: {REAL}/surveys?key={REDACTED}&page=1" in text
    assert all(secret not in text for secret in (TOKEN, CLIENT_SECRET, ACCESS_TOKEN))
    assert text.count(REDACTED) >= 6  # 2× Authorization, 2× X-API-TOKEN, key=, client_secret=, access_token
    assert credentials_in(text) == []


def test_a_replay_answers_from_the_cassette_without_a_network(recorded):
    with api_cassette(recorded, real_url=REAL) as cassette:
        assert cassette.base_url == REAL
        expires_in, surveys, export = exchange(cassette.base_url)
    assert expires_in == 3600
    assert surveys == {"result": {"elements": [{"id": "SV_1"}]}}
    assert export["echo"] == {"format": "json", "surveyId": "SV_1"}


def test_a_replay_fails_when_a_recorded_call_is_not_made(recorded):
    with pytest.raises(AssertionError, match=r"never made: \['POST https://api.acme.example/v2/exports'\]"):
        with api_cassette(recorded, real_url=REAL) as cassette:
            with httpx.Client(base_url=cassette.base_url) as http:
                http.post("/oauth/token", data={"grant_type": "client_credentials", "client_secret": "x"})
                http.get("/surveys", params={"page": "1", "key": "x"})


def test_a_replay_refuses_a_request_that_differs_from_the_recording(recorded):
    with api_cassette(recorded, real_url=REAL) as cassette:
        with httpx.Client(base_url=cassette.base_url) as http:
            http.post("/oauth/token", data={"grant_type": "client_credentials", "client_secret": "x"})
            with pytest.raises(Exception, match="no recorded interaction matches it"):
                http.get("/surveys", params={"page": "2", "key": "x"})
            http.get("/surveys", params={"page": "1", "key": "x"})
            http.post("/exports", json={"surveyId": "SV_1", "format": "json"})  # same JSON, other key order


@pytest.mark.parametrize(
    "leak",
    [
        "      Authorization:\n      - Bearer abc123\n",
        "    uri: https://forms.googleapis.com/v1/forms/1?key=AIzaSyLeaked\n",
        "      string: grant_type=refresh_token&refresh_token=1//0leaked\n",
        '      string: \'{"access_token": "ya29.leaked", "expires_in": 3599}\'\n',
        '      string: "{\\"client_secret\\": \\"leaked\\"}"\n',
    ],
)
def test_an_unscrubbed_credential_is_found(leak):
    assert credentials_in(leak) != []


def test_no_cassette_in_the_repository_holds_a_credential():
    cassettes = sorted((ROOT / "cassettes").rglob("*.yaml"))
    assert cassettes, "the repository's cassettes were not found"
    leaks = {str(path.relative_to(ROOT)): found for path in cassettes if (found := credentials_in(path.read_text()))}
    assert leaks == {}
