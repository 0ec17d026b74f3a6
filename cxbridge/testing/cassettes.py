"""vcrpy cassettes of a SaaS API, for connector tests.

A connector's cassettes are recorded once from a local fake API that answers exactly as the API's
documentation describes it, and are stored as calls to the real host; tests replay them with no
network and fail unless every recorded call is made again, in order.

    from cxbridge.testing.cassettes import api_cassette

    def test_full_sync(acme_fake_api):
        with api_cassette(CASSETTES / "full_sync.yaml", real_url="https://api.acme.example/v2",
                          fake_url=acme_fake_api.url) as cassette:
            run_sync(base_url=cassette.base_url)

`CXBRIDGE_RECORD_CASSETTES=1 pytest …` records (requests go to `fake_url`); otherwise the cassette
replays (requests go to `real_url` and never leave the process). Credentials are scrubbed on the
way in — headers such as Authorization, query parameters such as `key`, form and JSON fields
such as `client_secret`, and the tokens of OAuth answers — and `credentials_in` finds any that slipped through
(the project's own test runs it over every cassette).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import vcr

REDACTED = "REDACTED"
RECORD_VARIABLE = "CXBRIDGE_RECORD_CASSETTES"
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "x-api-token", "api-key", "x-api-key", "cookie",
                      "set-cookie", "x-auth-token")  # fmt: skip
CREDENTIAL_PARAMETERS = ("key", "api_key", "apikey", "access_token", "token", "client_secret", "password")
CREDENTIAL_FORM_FIELDS = ("client_secret", "client_assertion", "assertion", "password", "refresh_token", "access_token",
                          "api_key")  # fmt: skip
TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")  # in OAuth token answers
DROPPED_RESPONSE_HEADERS = ("server", "date")
NOISE_REQUEST_HEADERS = ("connection", "accept-encoding")
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "json_body")


def recording() -> bool:
    """True when tests should record cassettes from the fake API instead of replaying them."""
    return os.environ.get(RECORD_VARIABLE) == "1"


@dataclass
class ApiCassette:
    """The cassette in use: `base_url` is where the connector under test must send its requests."""

    base_url: str
    cassette: Any  # vcr's Cassette

    @property
    def requests(self) -> list[Any]:
        return list(self.cassette.requests)


@contextmanager
def api_cassette(
    path: Path,
    *,
    real_url: str,
    fake_url: str | None = None,
    secrets: Iterable[str] = (),
    match_on: Iterable[str] = MATCH_ON,
) -> Iterator[ApiCassette]:
    """Replay `path` (or record it from `fake_url` when recording); see the module docstring.

    `secrets` are the literal credentials the test uses: recording fails if one of them reaches
    the cassette despite the scrubbing."""
    is_recording = recording()
    if is_recording and fake_url is None:
        raise ValueError(f"recording {path.name} needs the fake API's URL (fake_url)")
    if is_recording:
        path.unlink(missing_ok=True)  # recorded anew, not appended to
    fake, real = (fake_url or "").rstrip("/"), real_url.rstrip("/")
    recorder = vcr.VCR(
        record_mode="all" if is_recording else "none",
        match_on=list(match_on),
        filter_headers=[(name, REDACTED) for name in CREDENTIAL_HEADERS],
        filter_query_parameters=[(name, REDACTED) for name in CREDENTIAL_PARAMETERS],
        filter_post_data_parameters=[(name, REDACTED) for name in CREDENTIAL_FORM_FIELDS],
        before_record_request=lambda request: _as_real_host(request, fake, real),
        before_record_response=lambda response: _scrubbed_response(response, fake, real),
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", same_body)
    with recorder.use_cassette(str(path), allow_playback_repeats=False) as cassette:
        yield ApiCassette(base_url=fake if is_recording else real, cassette=cassette)
    if is_recording:
        leaked = credentials_in(path.read_text(encoding="utf-8"), secrets)
        assert not leaked, f"{path.name}: credentials reached the cassette: {leaked}"
    else:
        assert cassette.all_played, f"{path.name}: a recorded call was never made: {_unplayed(cassette)}"


def same_body(recorded: Any, live: Any) -> None:
    """Request bodies match when equal as JSON (key order aside) or, for other bodies, byte for byte."""
    first, second = _body(recorded), _body(live)
    assert first == second, f"request bodies differ: {first!r} != {second!r}"


def credentials_in(text: str, secrets: Iterable[str] = ()) -> list[str]:
    """What in a cassette's text looks like a credential that was not scrubbed."""
    found = [f"{secret[:3]}…" for secret in secrets if secret and secret in text]
    for name in CREDENTIAL_HEADERS:
        pattern = rf"(?im)^\s*['\"]?{re.escape(name)}['\"]?:\s*\n\s*-\s*(?!{REDACTED}\b)(\S.*)$"
        found += [f"header {name}: {match.group(1)[:12]}…" for match in re.finditer(pattern, text)]
    for name in CREDENTIAL_PARAMETERS:
        pattern = rf"[?&]{re.escape(name)}=(?!{REDACTED}\b)([^&'\"\s]+)"
        found += [f"?{name}={match.group(1)[:6]}…" for match in re.finditer(pattern, text)]
    for name in {*CREDENTIAL_FORM_FIELDS, *TOKEN_FIELDS}:
        pattern = rf"(?:^|[&\s'\"]){re.escape(name)}(?:=|\\?\"\s*:\s*\\?\")(?!{REDACTED}\b)([^&'\"\\\s]+)"
        found += [f"{name}={match.group(1)[:6]}…" for match in re.finditer(pattern, text, re.MULTILINE)]
    return found


def _as_real_host(request: Any, fake: str, real: str) -> Any:
    """Recorded from the fake API, stored as the call to the real endpoint it stands for."""
    if fake and request.uri.startswith(fake):
        request.uri = real + request.uri[len(fake) :]
        request.headers["host"] = urlsplit(real).netloc
    for name in NOISE_REQUEST_HEADERS:
        request.headers.pop(name, None)
    return request


def _scrubbed_response(response: dict[str, Any], fake: str, real: str) -> dict[str, Any]:
    """Server noise and credentials out; links to the fake API (next-page URLs) as links to the real one."""
    headers = response["headers"]
    for name in list(headers):
        if name.lower() in DROPPED_RESPONSE_HEADERS:
            del headers[name]
        elif name.lower() in CREDENTIAL_HEADERS:
            headers[name] = [REDACTED]
    body = response.get("body", {}).get("string")
    if body and fake:
        body = _relinked(body, fake, real)
    if body and (scrubbed := _scrubbed_json(body)) is not response["body"]["string"]:
        response["body"]["string"] = scrubbed
        for name in [name for name in headers if name.lower() == "content-length"]:
            headers[name] = [str(len(scrubbed))]
    return response


def _relinked(body: bytes | str, fake: str, real: str) -> bytes | str:
    if isinstance(body, str):
        return body.replace(fake, real)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body  # binary (a ZIP): left as it is
    return text.replace(fake, real).encode("utf-8") if fake in text else body


def _scrubbed_json(body: bytes | str) -> bytes | str:
    """Tokens in a JSON answer (an OAuth token response) replaced; other bodies as they were."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    if not isinstance(document, dict) or not set(document) & set(TOKEN_FIELDS):
        return body
    scrubbed = {key: REDACTED if key in TOKEN_FIELDS else value for key, value in document.items()}
    text = json.dumps(scrubbed)
    return text.encode() if isinstance(body, bytes) else text


def _body(request: Any) -> Any:
    raw = request.body or b""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw if isinstance(raw, bytes) else raw.encode()


def _unplayed(cassette: Any) -> list[str]:
    played = getattr(cassette, "play_counts", {})
    return [f"{r.method} {r.uri}" for index, r in enumerate(cassette.requests) if not played.get(index)]
