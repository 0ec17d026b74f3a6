"""A credential an API refuses fails its own source only: the other sources of the run sync, the
summary names the refused one with what to do, and the exit code is a source's failure (1) —
the same for every API connector, whether its check reads the API before the run (Typeform)
or only its streams do (Zendesk, QuestionPro)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.conftest import Workspace, survey_row
from tests.qualtrics_api import CLIENT_ID as QUALTRICS_CLIENT, qualtrics, store_account as qualtrics_account
from tests.questionpro_api import questionpro, support_account as questionpro_account
from tests.salesforce_api import CLIENT_ID, salesforce, survey_org
from tests.typeform_api import store_account, typeform
from tests.zendesk_api import EMAIL, support_account as zendesk_account, zendesk

REFUSED = "revoked-0000"
Fake = Callable[[], AbstractContextManager[Any]]

CONNECTORS: dict[str, tuple[Fake, str, str]] = {
    "typeform": (lambda: typeform(store_account()), 'token = "${REFUSED_TOKEN}"\nforms = ["kX7pQ2Lm"]',
                 "Typeform did not accept the personal access token (token): check it"),
    "zendesk": (lambda: zendesk(zendesk_account()), f'email = "{EMAIL}"\napi_token = "${{REFUSED_TOKEN}}"',
                "Zendesk did not accept the e-mail and API token (email, api_token) or OAuth token (oauth_token) of an "
                "admin: check them"),
    "questionpro": (lambda: questionpro(questionpro_account()), 'api_key = "${REFUSED_TOKEN}"\nsurveys = [7654321]',
                    "QuestionPro did not accept the API key (api_key): check it"),
    "salesforce": (lambda: salesforce(survey_org()), f'client_id = "{CLIENT_ID}"\nclient_secret = "${{REFUSED_TOKEN}}"',
                   "Salesforce did not accept the connected app's consumer key and secret (client_id, client_secret): check them"),
    "qualtrics": (lambda: qualtrics(qualtrics_account()), f'client_id = "{QUALTRICS_CLIENT}"\nclient_secret = "${{REFUSED_TOKEN}}"',
                  "Qualtrics did not accept the OAuth client's id and secret (client_id, client_secret): check them"),
}  # fmt: skip


@pytest.mark.parametrize("connector", CONNECTORS)
def test_a_refused_token_fails_its_source_and_the_others_sync(workspace: Workspace, monkeypatch, connector):
    fake, keys, refusal = CONNECTORS[connector]
    monkeypatch.setenv("REFUSED_TOKEN", REFUSED)
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    with fake() as api:
        workspace.config.write_text(workspace.config.read_text() + f'\n[sources.vendor]\nconnector = "{connector}"\n'
                                    f'base_url = "{api.url}"\n{keys}\n', encoding="utf-8")  # fmt: skip
        result = CliRunner().invoke(cli, ["sync", "--config", str(workspace.config)])
    assert result.exit_code == 1, result.output
    assert workspace.query("SELECT source, status FROM sync_runs ORDER BY source") == [
        ("survey", "success"), ("vendor", "failed")]  # fmt: skip
    assert workspace.query("SELECT count(*) FROM feedback WHERE source = 'survey'") == [(5,)]
    [named] = [line for line in result.output.splitlines() if "vendor" in line and refusal in line]
    assert REFUSED not in result.output
