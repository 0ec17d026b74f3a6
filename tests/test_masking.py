"""Secrets masked in every form they reach a message in (cxbridge.masking), and through every
channel that takes text from elsewhere: errors, JSON log fields, resolved config values."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote

import pytest
from pydantic import BaseModel

from cxbridge.config import parse_config
from cxbridge.errors import ConfigError, SourceError
from cxbridge.logs import configure
from cxbridge.masking import MASK, redact, redact_value, rename_values
from cxbridge.plugins_host import create_host
from cxbridge.secrets import Secret


@pytest.fixture
def host():
    return create_host(load_entry_points=False)


def test_a_secret_is_masked_as_is_stripped_url_encoded_and_escaped():
    secret = "mask-Me/42+x y\n"
    redact_value(secret)
    texts = [
        f"token {secret}!",
        "token mask-Me/42+x y!",
        f"GET /x?token={quote('mask-Me/42+x y', safe='')}",
        "GET /x?token=mask-Me%2F42%2Bx+y",
        f"Illegal header value {('Bearer ' + secret).encode()!r}",
        json.dumps({"echo": secret}),
    ]
    for text in texts:
        assert "mask-Me" not in redact(text), text
        assert MASK in redact(text)


@pytest.mark.parametrize("user", ["", "a", "ab", "abc", "agent@acme.example/token", "apikey"])
def test_a_secret_inside_a_basic_credential_is_masked_wherever_it_starts(user):
    secret = "basic-Secret-7731"
    redact_value(secret)
    for credential in (f"{user}:{secret}", f"{secret}:X"):
        encoded = base64.b64encode(credential.encode()).decode()
        masked = redact(f"Authorization: Basic {encoded}")
        assert MASK in masked
        assert secret not in _decoded_parts(masked), masked


def _decoded_parts(text: str) -> str:
    """Whatever can still be read out of each base64-looking word of `text`."""
    found = []
    for word in text.replace("*", " ").split():
        padded = word + "=" * (-len(word) % 4)
        for start in range(4):
            try:
                found.append(base64.b64decode(padded[start:] + "=" * (-len(padded[start:]) % 4)).decode("latin-1"))
            except ValueError:
                pass
    return " ".join(found)


def test_short_values_are_not_masked_so_words_survive():
    redact_value("abc")
    assert redact("abc def") == "abc def"


def test_a_renamed_value_is_shown_by_its_name_and_a_secret_stays_masked():
    rename_values({"zoe.renamed@example.com.csv": "hashed:0123.csv", "CNRY-renamed-secret": "not shown"})
    redact_value("CNRY-renamed-secret")
    rename_values({"CNRY-renamed-secret": "not shown either"})
    message = 'zoe.renamed@example.com.csv: bad row; {"file": "zoe.renamed@example.com.csv"}; CNRY-renamed-secret'
    assert redact(message) == f'hashed:0123.csv: bad row; {{"file": "hashed:0123.csv"}}; {MASK}'
    assert str(SourceError("zoe.renamed@example.com.csv: cannot read it")) == "hashed:0123.csv: cannot read it"


def test_errors_are_masked_when_they_are_made():
    redact_value("err-secret-9911")
    error = SourceError("GET /x: HTTP 401 (bad token err-secret-9911)")
    assert str(error) == "GET /x: HTTP 401 (bad token ***)"


def test_json_log_entries_mask_their_fields_too(capsys):
    redact_value("field-secret-2024")
    configure(fmt="json")
    try:
        logging.getLogger("cxbridge.test").error(
            "failed with field-secret-2024", extra={"fields": {"error": "field-secret-2024 rejected", "n": 1}}
        )
    finally:
        configure()
    entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert entry["message"] == "failed with ***" and entry["error"] == "*** rejected" and entry["n"] == 1


def test_a_secret_variable_ending_in_a_line_break_is_stripped_and_masked(host, monkeypatch):
    monkeypatch.setenv("CX_TEST_SALT_NL", "salt-with-newline-31\n")
    config = parse_config('[settings]\nrespondent_salt = "${CX_TEST_SALT_NL}"\n', host)
    assert config.settings.respondent_salt.get_secret_value() == "salt-with-newline-31"
    assert redact("b'salt-with-newline-31\\n'") == "b'***'"


def test_a_secret_with_a_line_break_inside_is_refused_without_showing_it(host, monkeypatch):
    monkeypatch.setenv("CX_TEST_SALT_CR", "first-half\r\nsecond-half")
    with pytest.raises(ConfigError) as caught:
        parse_config('[settings]\nrespondent_salt = "${CX_TEST_SALT_CR}"\n', host)
    message = str(caught.value)
    assert "settings.respondent_salt: the secret holds a line break or another control character" in message
    assert "first-half" not in message and "second-half" not in message


def test_a_secret_given_through_the_python_api_is_stripped_and_masked_too():
    class Credentials(BaseModel):
        token: Secret

    from pydantic import SecretStr

    credentials = Credentials(token=SecretStr("  api-given-token-5\n"))
    assert credentials.token.get_secret_value() == "api-given-token-5"
    assert redact("token api-given-token-5") == "token ***"
