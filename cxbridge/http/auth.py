"""Authentication strategies, each an `httpx.Auth`: a token in a header, HTTP basic, OAuth2
client-credentials and refresh-token flows (token fetched through the same retrying client,
cached until shortly before it expires, fetched again once on a 401), and Google credentials
through google-auth. Secret values are registered for redaction the moment they are used."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl
from collections.abc import Callable, Generator
from typing import Any

import httpx
from pydantic import SecretStr

from cxbridge.errors import FatalSourceError
from cxbridge.http.errors import ApiErrors, check, json_body
from cxbridge.logs import redact_value
from cxbridge.plain_secrets import is_credential_name

EXPIRY_MARGIN = 60.0  # seconds before `expires_in` runs out that a token is fetched again


def reveal(secret: SecretStr | str) -> str:
    """The secret's value, registered so no log line can show it."""
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    redact_value(value)
    return value


class HeaderToken(httpx.Auth):
    """A static token in a header: `X-API-TOKEN: …`, `api-key: …`, `Authorization: Bearer …`."""

    def __init__(self, token: SecretStr | str, *, header: str = "Authorization", prefix: str = "Bearer "):
        self._value = prefix + reveal(token)
        self.header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self._value
        yield request


class BasicAuth(httpx.BasicAuth):
    """HTTP basic auth (`user:password`, `email/token:key`, `apikey:X`)."""

    def __init__(self, username: SecretStr | str, password: SecretStr | str):
        super().__init__(reveal(username), reveal(password))


class OAuth2(httpx.Auth):
    """Base of the OAuth2 token flows: `Authorization: Bearer <access_token>`, fetched on first
    use, before expiry, and once more when the API answers 401."""

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        *,
        client_id: SecretStr | str,
        client_secret: SecretStr | str,
        scope: str | None = None,
        credentials_in_body: bool = False,
        clock: Callable[[], float] = time.monotonic,
        errors: TokenErrors | None = None,
    ):
        self.token_url = token_url
        self.client_id = reveal(client_id)
        self.client_secret = reveal(client_secret)
        self.scope = scope
        self.credentials_in_body = credentials_in_body
        self.clock = clock
        self.errors = errors or TokenErrors()
        self.access_token: str | None = None
        self.expires_at = 0.0

    def grant(self) -> dict[str, str]:
        raise NotImplementedError

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.access_token is None or self.clock() >= self.expires_at:
            yield from self._fetch_token()
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        response = yield request
        if response.status_code == 401:
            yield from self._fetch_token()
            request.headers["Authorization"] = f"Bearer {self.access_token}"
            yield request

    def _fetch_token(self) -> Generator[httpx.Request, httpx.Response, None]:
        form = self.grant()
        for name, value in form.items():  # a signed assertion is a credential too, while it lasts
            if is_credential_name(name):
                redact_value(value)
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json"}
        if self.credentials_in_body:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        elif self.client_secret:  # a grant without a client secret (a signed JWT assertion) sends no client auth
            headers["Authorization"] = httpx.BasicAuth(self.client_id, self.client_secret)._auth_header
        response = yield httpx.Request("POST", self.token_url, data=form, headers=headers)
        self._accept(check(response, self.errors).json())

    def _accept(self, token: dict[str, Any]) -> None:
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise FatalSourceError(f"the token endpoint {self.token_url} answered without an access_token")
        self.access_token = reveal(access)
        self.expires_at = self.clock() + float(token.get("expires_in") or 3600) - EXPIRY_MARGIN


class OAuth2ClientCredentials(OAuth2):
    """The client-credentials grant: a server-to-server token from a client id and secret."""

    def grant(self) -> dict[str, str]:
        return {"grant_type": "client_credentials"}


class OAuth2RefreshToken(OAuth2):
    """The refresh-token grant; a rotated refresh token the server sends back is used next time."""

    def __init__(self, token_url: str, *, refresh_token: SecretStr | str, **options: Any):
        super().__init__(token_url, **options)
        self.refresh_token = reveal(refresh_token)

    def grant(self) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": self.refresh_token}

    def _accept(self, token: dict[str, Any]) -> None:
        super()._accept(token)
        if isinstance(rotated := token.get("refresh_token"), str) and rotated:
            self.refresh_token = reveal(rotated)


class TokenErrors(ApiErrors):
    """A token endpoint's answers. A connector that knows which of its keys each OAuth error code
    of RFC 6749 §5.2 refuses names them in `refusals` ({"invalid_client": "the app's id and
    secret (client_id, client_secret): check them"}), and its `service`: such an answer is told
    as a 401 is, "<service> did not accept …"."""

    service = "the token endpoint"
    credentials = "the OAuth client id, secret or refresh token"

    def __init__(self, service: str | None = None, refusals: dict[str, str] | None = None):
        self.service = service or self.service
        self.refusals = refusals or {}

    def refused(self, response: httpx.Response) -> str | None:
        return self.refusals.get(str(oauth_error(response)))

    def advice(self, response: httpx.Response) -> str | None:
        """The OAuth error codes of RFC 6749 §5.2 that a user can act on."""
        code = oauth_error(response)
        if code == "invalid_client":
            return "check the client id and secret of the app"
        if code == "invalid_grant":
            return "the refresh token or signed assertion is expired, revoked or not allowed for this user: authorize again"
        return None


def oauth_error(response: httpx.Response) -> str | None:
    """The `error` code of an OAuth error answer (RFC 6749 §5.2)."""
    body = json_body(response)
    return body.get("error") if isinstance(body, dict) else None


class GoogleCredentials(httpx.Auth):
    """google-auth credentials (service account or authorized user): refreshed through the same
    httpx client when missing or expired, then sent as `Authorization: Bearer`. A refusal names
    them as `named` says ("the credentials in credentials_file"), never their values."""

    requires_response_body = True

    def __init__(self, credentials: Any, *, named: str = "the credentials"):
        self.credentials = credentials
        self.named = named
        for secret in (getattr(credentials, "client_secret", None), getattr(credentials, "refresh_token", None)):
            if isinstance(secret, str):
                redact_value(secret)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self.credentials.valid:
            yield from self._refresh()
        response = yield self._signed(request)
        if response.status_code == 401:
            yield from self._refresh()
            yield self._signed(request)

    def _signed(self, request: httpx.Request) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {reveal(self.credentials.token)}"
        return request

    def _refresh(self) -> Generator[httpx.Request, httpx.Response, None]:
        """google-auth refreshes through a transport callable; ours records the one request it
        makes, lets httpx send it, and hands google-auth the answer."""
        from google.auth import exceptions

        exchange = _RecordedExchange()
        try:
            self.credentials.refresh(exchange.planner)
        except _NeedsResponse:
            pass
        except exceptions.RefreshError as exc:
            raise FatalSourceError(f"Google's library could not refresh {self.named}: {_reason(exc)}") from None
        if exchange.request is None:
            return
        exchange.response = yield exchange.request
        try:
            self.credentials.refresh(exchange.replayer)
        except exceptions.RefreshError as exc:
            raise FatalSourceError(f"Google did not accept {self.named}: {_reason(exc)}; check them and their scopes") from None


def _reason(exc: Exception) -> str:
    """google-auth's own words: its first argument (the rest is the answer's body again)."""
    return str(exc.args[0]) if exc.args else str(exc)


class _NeedsResponse(Exception):
    pass


class _RecordedExchange:
    """The token request google-auth wants sent, and the response to give it back."""

    def __init__(self) -> None:
        self.request: httpx.Request | None = None
        self.response: httpx.Response | None = None

    def planner(self, url: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any) -> Any:
        self.request = httpx.Request(method, url, content=body, headers=headers)
        form = body.decode("utf-8", "replace") if isinstance(body, bytes) else body if isinstance(body, str) else ""
        for name, value in parse_qsl(form):  # a signed assertion is a credential too, for an hour
            if is_credential_name(name):
                redact_value(value)
        raise _NeedsResponse

    def replayer(self, url: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any) -> Any:
        assert self.response is not None
        return _GoogleResponse(self.response)


class _GoogleResponse:
    """An httpx response in the shape google-auth's transport contract expects."""

    def __init__(self, response: httpx.Response):
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content
