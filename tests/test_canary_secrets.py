"""A canary secret for every connector, driven through its error paths against a local server
that repeats back everything it is sent — a 401 and a 500 echoing the request, next-page links
that carry the credential and loop, dropped connections, a secret ending in a line break, one
with a line break inside — and then every output scanned for the canary as it is, URL-encoded,
JSON- or repr-escaped, or inside any base64 text: stdout, stderr (the log, text and JSON), and
every byte and row of the destination, its state and quarantine included. Zero hits.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode

import pytest
import tomlkit
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.http.source import ApiSource
from tests import (
    freshdesk_api, google_forms_api, hubspot_api, qualtrics_api, questionpro_api, salesforce_api, surveymonkey_api,
    typeform_api, zendesk_api,
)  # fmt: skip
from tests.local_api import FakeApi, Reply, Seen

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

SCENARIOS = ("rejected_401", "failing_500", "next_link", "dropped", "line_break")
"""The error paths every connector is driven through (see `scenario` below)."""


@dataclass
class Connector:
    """How to run one connector against its fake: the fake, its `[sources.NAME]` table, the
    environment variable its credential is read from, and the fake's constant that must accept it."""

    fake: Callable[[], Any]
    table: Callable[[str, str, Path], dict[str, Any]]  # (server URL, variable, folder) -> config
    credential: tuple[Any, str] | None = None  # (module, constant) the fake checks the credential against
    key_file: str | None = None  # "service_account" or "pem": the secret is a private key in a file the config names
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def salesforce_signing_in_with(key: Any) -> Iterator[FakeApi]:
    """The Salesforce fake, accepting assertions signed with `key` for its own URL."""
    org = salesforce_api.survey_org()
    org.public_key = key.public_key()
    with salesforce_api.salesforce(org) as api:
        org.audience = api.url
        yield api


def _google_table(url: str, variable: str, folder: Path) -> dict[str, Any]:
    return {"connector": "google_forms", "base_url": url + "/v1", "forms": ["1FAIpQLSd-store"],
            "credentials_file": "key.json"}  # fmt: skip


CONNECTORS = {
    "qualtrics": Connector(
        lambda: qualtrics_api.qualtrics(qualtrics_api.store_account()),
        lambda url, variable, folder: {"connector": "qualtrics", "base_url": url + qualtrics_api.ROOT,
                                       "api_token": f"${{{variable}}}", "name_pattern": "^Store visit"},
        (qualtrics_api, "TOKEN"),
    ),
    "qualtrics_oauth": Connector(
        lambda: qualtrics_api.qualtrics(qualtrics_api.store_account()),
        lambda url, variable, folder: {"connector": "qualtrics", "base_url": url + qualtrics_api.ROOT,
                                       "client_id": qualtrics_api.CLIENT_ID, "client_secret": f"${{{variable}}}",
                                       "name_pattern": "^Store visit"},
        (qualtrics_api, "CLIENT_SECRET"),
    ),
    "google_forms": Connector(lambda: google_forms_api.google_forms(google_forms_api.store_account()), _google_table,
                              key_file="service_account"),
    "questionpro": Connector(
        lambda: questionpro_api.questionpro(questionpro_api.support_account()),
        lambda url, variable, folder: {"connector": "questionpro", "base_url": url, "api_key": f"${{{variable}}}",
                                       "surveys": [7654321], "page_size": 2},
        (questionpro_api, "API_KEY"),
    ),
    "hubspot": Connector(
        lambda: hubspot_api.hubspot(hubspot_api.crm_account()),
        lambda url, variable, folder: {"connector": "hubspot", "base_url": url, "access_token": f"${{{variable}}}",
                                       "page_size": 2},
        (hubspot_api, "TOKEN"),
    ),
    "zendesk": Connector(
        lambda: zendesk_api.zendesk(zendesk_api.support_account()),
        lambda url, variable, folder: {"connector": "zendesk", "base_url": url, "email": zendesk_api.EMAIL,
                                       "api_token": f"${{{variable}}}", "page_size": 2,
                                       "start_date": "2026-03-01T00:00:00Z"},
        (zendesk_api, "API_TOKEN"),
    ),
    "salesforce": Connector(
        lambda: salesforce_api.salesforce(salesforce_api.survey_org()),
        lambda url, variable, folder: {"connector": "salesforce", "base_url": url, "client_id": salesforce_api.CLIENT_ID,
                                       "client_secret": f"${{{variable}}}", "segment_field": "Customer_Segment__c"},
        (salesforce_api, "CLIENT_SECRET"),
    ),
    "salesforce_jwt": Connector(
        lambda: salesforce_signing_in_with(PRIVATE_KEY),
        lambda url, variable, folder: {"connector": "salesforce", "base_url": url, "client_id": salesforce_api.CLIENT_ID,
                                       "auth": "jwt_bearer", "username": "cx@acme.example", "login_url": url,
                                       "private_key_file": "app.key", "segment_field": "Customer_Segment__c"},
        key_file="pem",
    ),
    "freshdesk": Connector(
        lambda: freshdesk_api.freshdesk(freshdesk_api.support_helpdesk()),
        lambda url, variable, folder: {"connector": "freshdesk", "base_url": url, "api_key": f"${{{variable}}}",
                                       "page_size": 2},
        (freshdesk_api, "API_KEY"),
    ),
    "freshdesk_surveys": Connector(
        lambda: freshdesk_api.freshdesk(freshdesk_api.csat_helpdesk()),
        lambda url, variable, folder: {"connector": "freshdesk", "base_url": url, "api_key": f"${{{variable}}}",
                                       "csat_api": "surveys", "page_size": 2},
        (freshdesk_api, "API_KEY"),
    ),
    "typeform": Connector(
        lambda: typeform_api.typeform(typeform_api.store_account()),
        lambda url, variable, folder: {"connector": "typeform", "base_url": url, "token": f"${{{variable}}}",
                                       "forms": ["kX7pQ2Lm"], "page_size": 2},
        (typeform_api, "TOKEN"),
    ),
    "surveymonkey": Connector(
        lambda: surveymonkey_api.surveymonkey(surveymonkey_api.support_account()),
        lambda url, variable, folder: {"connector": "surveymonkey", "base_url": url, "access_token": f"${{{variable}}}",
                                       "surveys": [surveymonkey_api.SURVEY], "page_size": 2},
        (surveymonkey_api, "TOKEN"),
    ),
}


def canary(connector: str, scenario: str) -> str:
    """A secret no other test uses, with characters that URL encoding and escaping change (in
    lower case: SurveyMonkey's fake compares `bearer <token>` case-insensitively)."""
    return f"cnry/{connector}+{scenario}=7qx9"


# --- what the server does in each scenario ---------------------------------------------------


def echoed(seen: Seen) -> str:
    """Everything a request carried, as a careless API repeats it back in an error."""
    headers = " ".join(f"{name}: {value}" for name, value in seen.headers.items())
    return f"rejected {seen.method} {seen.path}?{urlencode(seen.query)} {seen.query} [{headers}] {seen.body.decode('utf-8', 'replace')}"


def echo(status: int) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        told = echoed(seen)
        body = {"message": told, "error": {"message": told, "status": "ECHO"}, "errors": [{"message": told}],
                "error_description": told, "description": told, "meta": {"error": told}}  # fmt: skip
        return Reply(status, body, headers={"Retry-After": "0"})

    return answer


NEXT_KEYS = re.compile(r"next|after_url|before_url", re.IGNORECASE)


def with_looping_links(body: Any, seen: Seen, secret: str, *, inside_next: bool = False) -> Any:
    """`body` with every next-page link leading back to the page just served, with the credential
    in its query string, and every next-page token replaced by the credential."""
    if isinstance(body, list):
        return [with_looping_links(item, seen, secret, inside_next=inside_next) for item in body]
    if not isinstance(body, dict):
        return body
    changed = {}
    for key, value in body.items():
        named_next = inside_next or bool(NEXT_KEYS.search(key))
        if named_next and isinstance(value, str) and value:
            changed[key] = loop_link(value, seen, secret) if value.startswith(("http://", "https://", "/")) else secret
        else:
            changed[key] = with_looping_links(value, seen, secret, inside_next=named_next and isinstance(value, dict))
    return changed


def loop_link(link: str, seen: Seen, secret: str) -> str:
    """A link on the host of `link` to the page just served, the credential in its query."""
    host = "/".join(link.split("/", 3)[:3]) if link.startswith("http") else ""
    return f"{host}{seen.path}?{urlencode({**seen.query, 'access_token': secret})}"


def looping(original: Callable[[Seen], Reply], secret: str) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        try:
            reply = original(seen)
        except ValueError:  # the fake reads a page token it never gave: answer as an API would
            return Reply(400, {"message": "invalid paging token"})
        reply = reply if isinstance(reply, Reply) else Reply(body=reply)
        if reply.status == 200 and isinstance(reply.body, dict | list):
            return Reply(200, with_looping_links(reply.body, seen, secret), reply.headers)
        return reply

    return answer


@contextmanager
def scenario(name: str, connector: Connector, secret: str) -> Iterator[FakeApi]:
    """The connector's fake, accepting `secret`, playing the scenario."""
    with pytest.MonkeyPatch.context() as patch:
        if connector.credential is not None:
            patch.setattr(*connector.credential, secret)
        with connector.fake() as api:
            played = {
                "rejected_401": recorded(api, echo(401)),
                "failing_500": recorded(api, echo(500)),
                "dropped": recorded(api, lambda seen: Reply(drop=True)),
                "next_link": looping(api.answer, secret),  # the fake's own answer records the request
            }.get(name)
            if played is not None:
                patch.setattr(api, "answer", played)
            yield api


def recorded(api: FakeApi, play: Callable[[Seen], Reply]) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        with api.lock:
            api.requests.append(seen)
        return play(seen)

    return answer


# --- the runs and the scan -------------------------------------------------------------------


def write_project(folder: Path, connector: Connector, url: str, secret: str, variable: str) -> str:
    """The project's cxbridge.toml (and key file); returns the secret to look for: the canary,
    or for a key file a line of its private key."""
    source = connector.table(url, variable, folder) | {"max_attempts": 2, "timeout": 10}
    (folder / "cxbridge.toml").write_text(tomlkit.dumps({"sources": {"canary": source}}), encoding="utf-8")
    if not connector.key_file:
        return secret
    pem = PRIVATE_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    if connector.key_file == "pem":
        (folder / "app.key").write_text(pem, encoding="utf-8")
    else:
        key = {"type": "service_account", "project_id": "cx", "private_key_id": "k1", "private_key": pem,
               "client_email": "canary@cx.iam.gserviceaccount.com", "client_id": "1", "token_uri": f"{url}/token"}  # fmt: skip
        (folder / "key.json").write_text(json.dumps(key), encoding="utf-8")
    return pem.splitlines()[5]


def run_cli(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A text run and a JSON run of `cxbridge -vv sync`: their stdout and stderr."""
    monkeypatch.chdir(folder)
    runner = CliRunner()
    texts = []
    for arguments in (["-vv", "sync", "--no-progress"], ["--log-format", "json", "-vv", "sync", "--full-refresh"]):
        result = runner.invoke(cli, arguments)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        texts += [result.stdout, result.stderr]
    return texts


def stored_texts(folder: Path) -> list[str]:
    """Every file the destination wrote, as bytes read as text, and every row of every table."""
    texts = [path.read_bytes().decode("latin-1") for path in folder.glob("cxbridge.db*")]
    database = folder / "cxbridge.db"
    if database.exists():
        with sqlite3.connect(database) as conn:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                texts.append(json.dumps(conn.execute(f"SELECT * FROM {table}").fetchall(), ensure_ascii=False))
    return texts


BASE64_WORD = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")


def decoded_forms(text: str) -> Iterator[str]:
    """`text`, URL-decoded, JSON- and repr-unescaped, and every base64 word in it decoded at each
    of the four places a word may start (a word cut out of a longer one)."""
    yield text
    yield unquote(text)
    yield unquote_plus(text)
    yield text.replace("\\/", "/").replace("\\u002b", "+").replace("\\u002f", "/")
    for word in BASE64_WORD.findall(text):
        for start in range(4):
            part = word[start:].rstrip("=")
            part += "=" * (-len(part) % 4)
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    yield decode(part).decode("latin-1")
                except ValueError:
                    pass


def hits(texts: list[str], secret: str) -> list[str]:
    """The texts (their start) in which the secret can be read in some form."""
    return [text[:300] for text in texts if any(secret in form for form in decoded_forms(text))]


@pytest.mark.parametrize(
    "leak",
    [
        "token cnry/x+y=7qx9 echoed",
        "GET /x?token=cnry%2Fx%2By%3D7qx9",
        "GET /x?token=cnry/x+y=7qx9".replace("+", "%2B"),
        json.dumps({"header": "Bearer cnry/x+y=7qx9\n"}),
        *(f"Authorization: Basic {base64.b64encode(f'{user}:cnry/x+y=7qx9'.encode()).decode()}" for user in ("", "a", "ab")),
        f"token={base64.urlsafe_b64encode(b'cnry/x+y=7qx9:X').decode()}",
    ],
)
def test_the_scan_finds_a_secret_in_each_form_it_may_take(leak):
    assert hits([leak], "cnry/x+y=7qx9")


@pytest.mark.parametrize("scenario_name", SCENARIOS)
@pytest.mark.parametrize("connector_name", sorted(CONNECTORS))
def test_a_canary_credential_reaches_no_output_of_any_error_path(connector_name, scenario_name, tmp_path, monkeypatch):
    connector = CONNECTORS[connector_name]
    secret = canary(connector_name, scenario_name)
    variable = f"CANARY_{connector_name.upper()}"
    monkeypatch.setenv(variable, secret + "\n" if scenario_name == "line_break" else secret)
    # Retries, pacing and export polls log and send what they would, without the waits (~0.6 s a test).
    monkeypatch.setattr(ApiSource, "sleep", staticmethod(lambda seconds: None))
    with scenario(scenario_name, connector, secret) as api:
        secrets = [write_project(tmp_path, connector, api.url, secret, variable)]
        outputs = run_cli(tmp_path, monkeypatch)
        assert api.requests, "the connector never reached the server"
    secrets += signed_assertions(api.requests)  # signed with a private key: a credential while it lasts
    if scenario_name == "line_break":  # stripped, the credential works
        assert outputs[0].startswith(f"✔ canary ({connector.table('', '', tmp_path)['connector']})"), outputs[:2]
    if scenario_name in ("rejected_401", "failing_500"):
        assert any(hits([echoed(seen) for seen in api.requests], one) for one in secrets), "the echo must repeat it"
    stored = stored_texts(tmp_path)
    for one in secrets:
        assert hits(outputs, one) == [], "the canary is in the output"
        assert hits(stored, one) == [], "the canary is stored in the destination"


def signed_assertions(requests: list[Seen]) -> list[str]:
    """The JWT assertions sent to a token endpoint (OAuth's JWT bearer grant)."""
    forms = [dict(parse_qsl(seen.body.decode("utf-8", "replace"))) for seen in requests if seen.method == "POST"]
    return [form["assertion"] for form in forms if form.get("assertion")]


@pytest.mark.parametrize("connector_name", sorted(name for name, c in CONNECTORS.items() if not c.key_file))
def test_a_credential_with_a_line_break_inside_is_refused_unseen(connector_name, tmp_path, monkeypatch):
    connector = CONNECTORS[connector_name]
    secret = canary(connector_name, "inner_break")
    variable = f"CANARY_{connector_name.upper()}"
    monkeypatch.setenv(variable, secret.replace("+", "\r\n"))
    write_project(tmp_path, connector, "http://127.0.0.1:9", secret, variable)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 2 and "a line break or another control character" in result.stderr
    for part in secret.split("+"):
        assert part not in result.output


TAP_ECHOING_ITS_CONFIG = textwrap.dedent("""
    import json, sys
    config = json.load(open(sys.argv[sys.argv.index("--config") + 1]))
    print("tap failed with config", json.dumps(config), config, file=sys.stderr)
    sys.exit(1)
""")


def test_a_singer_tap_echoing_its_credential_is_masked(tmp_path, monkeypatch):
    secret = canary("singer", "stderr")
    monkeypatch.setenv("CANARY_SINGER", secret)
    tap = tmp_path / "tap_echo.py"
    tap.write_text(TAP_ECHOING_ITS_CONFIG, encoding="utf-8")
    config = {"sources": {"canary": {"connector": "singer", "command": [sys.executable, str(tap)], "discover": False,
                                     "tap_config": {"api_key": "${CANARY_SINGER}"},
                                     "streams": {"responses": {"columns": {"id": "id"}}}}}}  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    outputs = run_cli(tmp_path, monkeypatch)
    assert any("tap failed with config" in text for text in outputs)
    assert hits(outputs, secret) == [] and hits(stored_texts(tmp_path), secret) == []


def test_a_destination_password_is_masked_when_the_database_cannot_be_reached(tmp_path, monkeypatch):
    secret = canary("postgres", "refused")
    monkeypatch.setenv("CANARY_PGPASSWORD", secret)
    (tmp_path / "responses.csv").write_text("id,nps\n1,9\n", encoding="utf-8")
    config = {"destination": {"url": "postgresql://cx:${CANARY_PGPASSWORD}@127.0.0.1:9/cx?connect_timeout=2"},
              "sources": {"canary": {"connector": "csv", "path": "responses.csv", "columns": {"id": "id"},
                                     "metrics": [{"column": "nps", "metric": "nps"}]}}}  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    outputs = run_cli(tmp_path, monkeypatch)
    assert any("127.0.0.1" in text for text in outputs)
    assert hits(outputs, secret) == []
