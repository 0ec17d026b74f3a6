"""cxbridge.http auth strategies against a local token endpoint and API."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

import pytest
from pydantic import SecretStr

from cxbridge import http
from cxbridge.errors import FatalSourceError
from cxbridge.http.auth import OAuth2
from local_api import FakeApi, Reply, fake_api


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def token_server(api: FakeApi, *, expires_in: int = 3600, rotate: bool = False) -> list[dict[str, str]]:
    """A token endpoint handing out tok-1, tok-2, … and an API that wants the newest token."""
    grants: list[dict[str, str]] = []

    @api.route("POST", "/oauth2/token")
    def token(seen, match):
        grants.append(dict(parse_qsl(seen.body.decode())) | {"authorization": seen.headers.get("Authorization", "")})
        answer = {"access_token": f"tok-{len(grants)}", "expires_in": expires_in, "token_type": "Bearer"}
        if rotate:
            answer["refresh_token"] = f"refresh-{len(grants) + 1}"
        return answer

    @api.route("GET", "/whoami")
    def whoami(seen, match):
        if seen.headers.get("Authorization") != f"Bearer tok-{len(grants)}":
            return Reply(401, {"error": "invalid_token"})
        return {"token": seen.headers["Authorization"]}

    return grants


def client(api: FakeApi, auth) -> http.ApiClient:
    return http.ApiClient(base_url=api.url, auth=auth, sleep=lambda seconds: None)


def test_header_tokens_go_in_the_named_header():
    with fake_api() as api:
        api.route("GET", "/me")(lambda seen, match: {"key": seen.headers.get("api-key")})
        auth = http.HeaderToken(SecretStr("k-1"), header="api-key", prefix="")
        assert client(api, auth).get_json("/me") == {"key": "k-1"}


def test_basic_auth_sends_user_and_password():
    with fake_api() as api:
        api.route("GET", "/me")(lambda seen, match: {"auth": seen.headers.get("Authorization")})
        body = client(api, http.BasicAuth("me@example.com/token", SecretStr("k-2"))).get_json("/me")
    assert base64.b64decode(body["auth"].removeprefix("Basic ")) == b"me@example.com/token:k-2"


def test_client_credentials_are_exchanged_once_and_again_before_expiry():
    clock = Clock()
    with fake_api() as api:
        grants = token_server(api, expires_in=3600)
        auth = http.OAuth2ClientCredentials(
            f"{api.url}/oauth2/token", client_id="cid", client_secret=SecretStr("csecret"),
            scope="read:surveys read:survey_responses", clock=clock,
        )  # fmt: skip
        api_client = client(api, auth)
        assert api_client.get_json("/whoami") == {"token": "Bearer tok-1"}
        clock.now = 3000
        assert api_client.get_json("/whoami") == {"token": "Bearer tok-1"}
        clock.now = 3541  # within a minute of expiry
        assert api_client.get_json("/whoami") == {"token": "Bearer tok-2"}
    assert grants[0]["grant_type"] == "client_credentials"
    assert grants[0]["scope"] == "read:surveys read:survey_responses"
    assert base64.b64decode(grants[0]["authorization"].removeprefix("Basic ")) == b"cid:csecret"
    assert len(grants) == 2


def test_a_token_the_api_rejects_is_fetched_again_once():
    with fake_api() as api:
        grants = token_server(api)
        auth = http.OAuth2ClientCredentials(f"{api.url}/oauth2/token", client_id="cid", client_secret="cs")
        api_client = client(api, auth)
        api_client.get_json("/whoami")
        grants.append({"revoked": "tok-1"})  # the server now wants tok-3 … after one more grant
        assert api_client.get_json("/whoami") == {"token": "Bearer tok-3"}


def test_refresh_tokens_rotate_when_the_server_sends_a_new_one():
    clock = Clock()
    with fake_api() as api:
        grants = token_server(api, expires_in=100, rotate=True)
        auth = http.OAuth2RefreshToken(
            f"{api.url}/oauth2/token", refresh_token=SecretStr("refresh-1"), client_id="cid",
            client_secret=SecretStr("cs"), credentials_in_body=True, clock=clock,
        )  # fmt: skip
        api_client = client(api, auth)
        api_client.get_json("/whoami")
        clock.now = 50
        api_client.get_json("/whoami")
    assert [(g["grant_type"], g["refresh_token"]) for g in grants] == [
        ("refresh_token", "refresh-1"),
        ("refresh_token", "refresh-2"),
    ]
    assert grants[0]["client_secret"] == "cs" and grants[0]["authorization"] == ""


def test_rejected_client_credentials_fail_fast_naming_them():
    with fake_api() as api:
        api.route("POST", "/oauth2/token")(lambda seen, match: Reply(401, {"error": "invalid_client"}))
        auth = http.OAuth2ClientCredentials(f"{api.url}/oauth2/token", client_id="cid", client_secret="cs")
        with pytest.raises(FatalSourceError, match="OAuth client id, secret or refresh token"):
            client(api, auth).get_json("/whoami")


class SignedAssertion(OAuth2):
    """A grant made of a signed assertion (JWT bearer), as Salesforce's key-pair sign-in sends."""

    def grant(self) -> dict[str, str]:
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "eyJhbGciOi.signed-4417"}


def test_a_signed_assertion_the_token_endpoint_echoes_is_masked():
    with fake_api() as api:
        answer = Reply(400, {"error": "invalid_grant", "error_description": "bad assertion eyJhbGciOi.signed-4417"})
        api.route("POST", "/oauth2/token")(lambda seen, match: answer)
        auth = SignedAssertion(f"{api.url}/oauth2/token", client_id="cid", client_secret="")
        with pytest.raises(FatalSourceError) as caught:
            client(api, auth).get_json("/whoami")
    assert "bad assertion ***" in str(caught.value) and "signed-4417" not in str(caught.value)


def google_token_server(api: FakeApi) -> list[dict[str, str]]:
    grants: list[dict[str, str]] = []

    @api.route("POST", "/token")
    def token(seen, match):
        grants.append(dict(parse_qsl(seen.body.decode())))
        return {"access_token": f"ya29.tok-{len(grants)}", "expires_in": 3599, "token_type": "Bearer"}

    api.route("GET", "/v1/forms/f1")(lambda seen, match: {"auth": seen.headers.get("Authorization")})
    return grants


def test_google_user_credentials_refresh_through_the_client():
    from google.oauth2.credentials import Credentials

    with fake_api() as api:
        grants = google_token_server(api)
        credentials = Credentials(
            token=None, refresh_token="1//refresh", client_id="cid.apps.googleusercontent.com",
            client_secret="gsecret", token_uri=f"{api.url}/token",
        )  # fmt: skip
        api_client = client(api, http.GoogleCredentials(credentials))
        assert api_client.get_json("/v1/forms/f1") == {"auth": "Bearer ya29.tok-1"}
        assert api_client.get_json("/v1/forms/f1") == {"auth": "Bearer ya29.tok-1"}
    assert grants == [
        {"grant_type": "refresh_token", "client_id": "cid.apps.googleusercontent.com",
         "client_secret": "gsecret", "refresh_token": "1//refresh"}
    ]  # fmt: skip


def test_google_service_accounts_sign_a_jwt_for_the_token_endpoint():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2 import service_account

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with fake_api() as api:
        grants = google_token_server(api)
        info = {
            "type": "service_account", "client_email": "cx@project.iam.gserviceaccount.com",
            "private_key": pem.decode(), "private_key_id": "k1", "token_uri": f"{api.url}/token",
        }  # fmt: skip
        scopes = ["https://www.googleapis.com/auth/forms.responses.readonly"]
        credentials = service_account.Credentials.from_service_account_info(info, scopes=scopes)
        body = client(api, http.GoogleCredentials(credentials)).get_json("/v1/forms/f1")
    assert body == {"auth": "Bearer ya29.tok-1"}
    assert grants[0]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = json.loads(base64.urlsafe_b64decode(grants[0]["assertion"].split(".")[1] + "=="))
    assert claims["iss"] == "cx@project.iam.gserviceaccount.com" and claims["scope"] == scopes[0]


def test_google_credentials_google_refuses_fail_fast():
    from google.oauth2.credentials import Credentials

    with fake_api() as api:
        api.route("POST", "/token")(lambda seen, match: Reply(400, {"error": "invalid_grant"}))
        credentials = Credentials(
            token=None, refresh_token="1//r", client_id="c", client_secret="s", token_uri=f"{api.url}/token"
        )
        with pytest.raises(FatalSourceError, match="Google did not accept the credentials"):
            client(api, http.GoogleCredentials(credentials)).get_json("/v1/forms/f1")
