"""A credential typed into cxbridge.toml is refused wherever it hides — a destination URL's
password or key passphrase, an OAuth client secret, a Singer tap's config, a plugin's secret
field — naming the key and the fix, never the value (cxbridge.plain_secrets)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from cxbridge.cli.main import cli
from cxbridge.config import parse_config
from cxbridge.errors import ConfigError
from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import create_host
from cxbridge.sources import Source, SourceConfig

FILE_SOURCE = """
[sources.survey]
connector = "csv"
path = "responses.csv"
"""


class VendorConfig(SourceConfig):
    """A third-party plugin's config that marks its credential with pydantic's own SecretStr."""

    api_secret: SecretStr
    region: str = "eu"


class VendorSource(Source):
    name = "vendor"
    config_model: ClassVar[type[SourceConfig]] = VendorConfig

    def streams(self):
        return []


class VendorPlugin:
    @hookimpl
    def register_sources(self, register):
        register(VendorSource)


@pytest.fixture(scope="module")
def host():
    host = create_host()
    host.pm.register(VendorPlugin(), name="vendor-test-plugin")
    return host


def refusal(text: str, host) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, host, path=Path("cxbridge.toml"))
    return str(caught.value)


def test_a_password_typed_into_the_destination_url_is_refused_with_the_fix(host):
    message = refusal('[destination]\nurl = "postgresql://cx:pl41n-pw@db.example:5432/cx"\n' + FILE_SOURCE, host)
    assert message == (
        "cxbridge.toml: destination.url: the password written in plain text: secrets never go into the config "
        "file; write postgresql://cx:${PGPASSWORD}@db.example:5432/cx and set that environment variable "
        "(or use a secret-store plugin) (line 2)"
    )
    assert "pl41n-pw" not in message


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("snowflake://loader@acme/CX/FEEDBACK?warehouse=WH&private_key_file=rsa_key.p8&private_key_file_pwd=pl41n-pw",
         "private_key_file_pwd written in plain text: secrets never go into the config file; write snowflake://loader@acme/CX/FEEDBACK?warehouse=WH&private_key_file=rsa_key.p8&private_key_file_pwd=${PRIVATE_KEY_FILE_PWD}"),
        ("snowflake://loader:pl41n-pw@acme/CX/FEEDBACK?warehouse=WH",
         "the password written in plain text: secrets never go into the config file; write snowflake://loader:${SNOWFLAKE_PASSWORD}@acme/CX/FEEDBACK?warehouse=WH"),
        ("postgresql://cx@db/cx?sslpassword=pl41n-pw&connect_timeout=5",
         "sslpassword written in plain text: secrets never go into the config file; write postgresql://cx@db/cx?sslpassword=${SSLPASSWORD}&connect_timeout=5"),
    ],
    ids=["a key passphrase", "a snowflake password", "a libpq password parameter"],
)
def test_other_credentials_in_a_destination_url_are_refused(host, url, fix):
    message = refusal(f'[destination]\nurl = "{url}"\n' + FILE_SOURCE, host)
    assert f"destination.url: {fix}" in message and "pl41n-pw" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://cx:${CX_TEST_PGPASSWORD}@db.example/cx",
        "${CX_TEST_DATABASE_URL}",
        "snowflake://loader@acme/CX/FEEDBACK?private_key_file=k.p8&private_key_file_pwd=${CX_TEST_PGPASSWORD}",
        "postgresql://cx@db.example/cx",
    ],
)
def test_a_destination_url_whose_credentials_are_references_loads(host, monkeypatch, url):
    monkeypatch.setenv("CX_TEST_PGPASSWORD", "from-the-environment")
    monkeypatch.setenv("CX_TEST_DATABASE_URL", "postgresql://cx:from-the-environment@db.example/cx")
    config = parse_config(f'[destination]\nurl = "{url}"\n' + FILE_SOURCE, host)
    assert config.destination_url.startswith(("postgresql://", "snowflake://"))


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('connector = "qualtrics"\ndatacenter = "fra1"\nsurveys = ["SV_1"]\nclient_id = "app"\nclient_secret = "pl41n-pw"',
         "client_secret"),
        ('connector = "salesforce"\nbase_url = "https://acme.my.salesforce.com"\nclient_id = "app"\n'
         'client_secret = "pl41n-pw"', "client_secret"),
        ('connector = "zendesk"\nsubdomain = "acme"\nemail = "a@b.example"\napi_token = "pl41n-pw"', "api_token"),
        ('connector = "vendor"\napi_secret = "pl41n-pw"', "api_secret"),
    ],
    ids=["qualtrics oauth client secret", "salesforce oauth client secret", "an api token", "a plugin's SecretStr"],
)
def test_a_credential_field_typed_in_is_refused(host, table, key):
    message = refusal(f"[sources.src]\n{table}\n", host)
    assert f"cxbridge.toml: sources.src.{key}: secrets never go into the config file in plain text; write ${{ENV_VAR}}" in message
    assert "pl41n-pw" not in message


@pytest.mark.parametrize(
    "table",
    ['connector = "zendesk"\nsubdomain = "acme"\nemail = "a@b.example"\napi_token = 41414141',
     'connector = "vendor"\napi_secret = 41414141.5',
     'connector = "singer"\ncommand = "tap-feedback"\n[sources.src.tap_config]\npin_password = 41414141\n'
     '[sources.src.streams.responses.columns]\nid = "id"'],
    ids=["an api token", "a plugin's SecretStr", "a Singer tap's password"],
)  # fmt: skip
def test_a_credential_typed_in_as_a_number_is_refused_as_plain_text_and_never_quoted(host, table):
    """A numeric token or PIN without quotes was a type error ('Input should be a valid string'),
    which did not say to use ${ENV_VAR} — and a message quoting the value refused would show it."""
    message = refusal(f"[sources.src]\n{table}\n", host)
    assert "secrets never go into the config file" in message and "41414141" not in message


def test_a_plugins_secretstr_field_from_a_reference_loads(host, monkeypatch):
    monkeypatch.setenv("CX_TEST_VENDOR_SECRET", "vendor-secret-1")
    config = parse_config('[sources.src]\nconnector = "vendor"\napi_secret = "${CX_TEST_VENDOR_SECRET}"\n', host)
    assert config.sources["src"].config.api_secret.get_secret_value() == "vendor-secret-1"


def test_credentials_in_a_singer_taps_config_are_refused_at_any_depth(host):
    message = refusal(
        '[sources.tap]\nconnector = "singer"\ncommand = "tap-feedback"\n'
        '[sources.tap.tap_config]\nstart_date = "2024-01-01"\napi_key = "pl41n-pw"\n'
        '[sources.tap.tap_config.oauth]\nclient_id = "app"\nrefresh_token = "pl41n-rt"\n'
        '[sources.tap.streams.responses.columns]\nid = "id"\n',
        host,
    )
    assert "sources.tap.tap_config: api_key, oauth.refresh_token: secrets never go into the config file" in message
    assert "pl41n" not in message


def test_a_singer_taps_config_with_references_loads(host, monkeypatch):
    monkeypatch.setenv("CX_TEST_TAP_KEY", "tap-key-1")
    config = parse_config(
        '[sources.tap]\nconnector = "singer"\ncommand = "tap-feedback"\n'
        '[sources.tap.tap_config]\napi_key = "${CX_TEST_TAP_KEY}"\ntoken_url = "https://auth.example/token"\n'
        '[sources.tap.streams.responses.columns]\nid = "id"\n',
        host,
    )
    assert config.sources["tap"].config.tap_config["api_key"] == "tap-key-1"


def test_cxbridge_sync_refuses_a_plain_password_before_anything_moves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cxbridge.toml").write_text('[destination]\nurl = "postgresql://cx:pl41n-pw@127.0.0.1:9/cx"\n'
                                            + FILE_SOURCE)  # fmt: skip
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 2
    assert "destination.url: the password written in plain text" in result.output
    assert "pl41n-pw" not in result.output and "Traceback" not in result.output
