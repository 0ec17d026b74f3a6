"""A bad cxbridge.toml fails before any data moves, naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from cxbridge.config import load_config, parse_config
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from cxbridge.secrets import Secret

from tests.conftest import Workspace, survey_row

GOOD = """
[sources.survey]
connector = "csv"
path = "responses.csv"
[sources.survey.columns]
submitted_at = "submitted"
"""


@pytest.fixture(scope="module")
def host():
    return create_host()


def error_of(text: str, host) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, host, path=Path("cxbridge.toml"))
    return str(caught.value)


def test_a_good_config_loads(host):
    config = parse_config(GOOD, host)
    assert list(config.sources) == ["survey"]
    assert config.sources["survey"].config.columns.submitted_at == "submitted"


def line(text: str, start: str) -> int:
    """The line (from 1) of the last line of `text` starting with `start`, counted here."""
    return max(number for number, written in enumerate(text.split("\n"), 1) if written.startswith(start))


def test_missing_required_key_is_named(host):
    text = GOOD.replace('path = "responses.csv"\n', "")
    message = error_of(text, host)
    assert message == f"cxbridge.toml: sources.survey.path: Field required (line {line(text, '[sources.survey]')})"


def test_unknown_key_suggests_the_close_one(host):
    message = error_of(GOOD.replace("[sources.survey.columns]", 'delimeter = ";"\n[sources.survey.columns]'), host)
    assert "sources.survey.delimeter: unknown key; did you mean 'delimiter'?" in message


def test_problems_after_a_question_go_on_after_its_question_mark_not_after_a_semicolon(host):
    """Two typos made `did you mean 'submitted_at'?; sources.survey.delimeter: …`; each problem's line
    follows its question."""
    message = error_of(GOOD.replace("[sources.survey.columns]", 'delimeter = ";"\n[sources.survey.columns]')
                       + 'submited = "x"\n', host)  # fmt: skip
    assert "?;" not in message and "did you mean 'submitted_at'? (line 8); sources.survey.delimeter: unknown key" in message


def test_nested_unknown_key_is_named(host):
    message = error_of(GOOD + 'submited = "x"\n', host)
    assert "sources.survey.columns.submited: unknown key; did you mean 'submitted_at'?" in message


def test_an_unknown_key_of_a_metrics_entry_suggests_the_close_one(host):
    """A `[[metrics]]` entry is an item of a list: its typos were named with no suggestion and no
    list of the keys an entry takes ("metrics.1.lables: unknown key")."""
    entry = '[[sources.survey.metrics]]\ncolumn = "q"\nmetric = "csat"\nscale = [1, 5]\n'
    message = error_of(GOOD + entry + 'lables = { Good = 5 }\n', host)
    assert "sources.survey.metrics.1.lables: unknown key; did you mean 'labels'?" in message
    message = error_of(GOOD + entry + entry + 'wieght = 2\n', host)
    assert "sources.survey.metrics.2.wieght: unknown key; known keys: column, direction, ignore_values, labels" in message


def test_an_error_in_a_metrics_entry_says_which_entry_counted_from_one_and_its_column(host):
    """The key and the entry count entries one way, from 1 as a reader counts (the key said
    `metrics.1` next to "entry 2", counting from 0), and the column says which."""
    entries = "".join(f'[[sources.survey.metrics]]\ncolumn = "{column}"\nmetric = "{metric}"\n'
                      for column, metric in (("Recommend", "nps"), ("Satisfied", "csat")))  # fmt: skip
    text = GOOD + entries + 'scale = "1-5"\n'
    message = error_of(text, host)
    assert message == ("cxbridge.toml: sources.survey.metrics.2.scale: write the scale as its lowest and highest answer, "
                       "scale = [1, 5]; got '1-5' (in entry 2 of [[sources.survey.metrics]], column 'Satisfied') "
                       f"(line {line(text, 'scale = ')})")  # fmt: skip
    text = GOOD + entries.replace('"csat"', '"csat"\nscale = [1, "five"]')
    message = error_of(text, host)
    assert message.startswith("cxbridge.toml: sources.survey.metrics.2.scale.2: ")
    assert message.endswith(f" (in entry 2 of [[sources.survey.metrics]], column 'Satisfied') (line {line(text, 'scale = ')})")


def test_wrong_type_is_named(host):
    message = error_of("[settings]\nbatch_size = 'many'\n" + GOOD, host)
    assert "settings.batch_size: Input should be a valid integer" in message


@pytest.mark.parametrize(("written", "said"), [
    ('[settings]\ntimezone = 5\n', "settings.timezone: Input should be a valid string; got 5"),
    ('[settings]\nstore_raw = "yes please"\n', "settings.store_raw: Input should be a valid boolean, unable to "
                                                 "interpret input; got 'yes please'"),
    ('[[sources.survey.metrics]]\ncolumn = "q"\nmetric = "ces"\ndirection = "higher"\n',
     "sources.survey.metrics.1.direction: Input should be 'higher_is_better' or 'lower_is_better'; got 'higher'"),
])  # fmt: skip
def test_a_value_of_the_wrong_type_or_not_among_the_choices_is_quoted(host, written: str, said: str):
    """'settings.timezone: Input should be a valid string' did not say what was written there."""
    text = GOOD + written if written.startswith("[[") else written + GOOD
    assert said in error_of(text, host)


def test_a_wrong_value_holding_a_url_password_or_an_address_is_not_quoted(host):
    """A URL written where a number or a choice belongs keeps its user and password out of the error."""
    message = error_of('[settings]\nbatch_size = "postgresql://cx:Sup3rSecret@warehouse/cx"\n' + GOOD, host)
    assert "settings.batch_size: Input should be a valid integer" in message
    assert "Sup3rSecret" not in message and "got" not in message


def test_unknown_connector_lists_installed_ones(host):
    message = error_of(GOOD.replace('connector = "csv"', 'connector = "acme_surveys"'), host)
    assert "sources.survey.connector: unknown source connector 'acme_surveys'" in message
    assert "csv" in message


@pytest.mark.parametrize(("edit", "said"), [
    (('connector = "csv"', 'connector = "cvs"'), "sources.survey.connector: unknown source connector 'cvs'; did you mean 'csv'? installed: "),
    (("[sources.survey]", '[destination]\nurl = "sqlit:///cx.db"\n[sources.survey]'),
     "destination.url: unknown destination 'sqlit'; did you mean 'sqlite'? installed: "),
])  # fmt: skip
def test_a_misspelt_connector_or_destination_names_the_one_meant(host, edit, said):
    assert said in error_of(GOOD.replace(*edit), host)


def test_invalid_toml_reports_the_line(host):
    assert "not valid TOML" in error_of("[sources.survey\n", host)


def test_a_text_value_without_quotes_says_to_quote_it_without_showing_the_line(host):
    """TOML's 'Invalid value (at line 3, column 11)' does not tell a newcomer that `program = voc`
    needs quotes; the line itself is not shown, as it may hold a credential typed in."""
    message = error_of('[sources.survey]\nconnector = "csv"\napi_token = s3cr3t-t0ken\n', host)
    assert message == ("cxbridge.toml: not valid TOML: Invalid value (at line 3, column 13); "
                       'text is written in quotes (program = "voc"), a list in brackets (scale = [1, 5]), yes and no as true and false')  # fmt: skip


def test_bad_time_zone(host):
    assert "settings.timezone: unknown time zone 'Mars/Olympus'" in error_of('[settings]\ntimezone = "Mars/Olympus"\n', host)


def test_metric_spec_errors_are_named(host):
    text = GOOD + '[[sources.survey.metrics]]\ncolumn = "q"\nmetric = "nps"\nscale = [1, 5]\n'
    assert "sources.survey.metrics.1.scale: nps is always scored 0–10" in error_of(text, host)


def test_a_reversed_scale_points_at_the_scale_key(host):
    text = GOOD + '[[sources.survey.metrics]]\ncolumn = "q"\nmetric = "csat"\nscale = [5, 1]\n'
    message = error_of(text, host)
    assert message == ("cxbridge.toml: sources.survey.metrics.1.scale: a scale needs min < max, got [5.0, 1.0] "
                       f"(in entry 1 of [[sources.survey.metrics]], column 'q') (line {line(text, 'scale = ')})")  # fmt: skip


@pytest.mark.parametrize(("scale", "got"), [('"1-5"', "'1-5'"), ("[1, 2, 3, 4, 5]", "5 numbers"), ("[5]", "1 number")])
def test_a_scale_not_written_as_its_two_ends_says_how_to_write_it(host, scale, got):
    """`scale = "1-5"` said "Input should be a valid tuple", and every point listed "Tuple should
    have at most 2 items after validation, not 5": neither says what to write."""
    text = GOOD + f'[[sources.survey.metrics]]\ncolumn = "q"\nmetric = "csat"\nscale = {scale}\n'
    message = error_of(text, host)
    assert message == (f"cxbridge.toml: sources.survey.metrics.1.scale: write the scale as its lowest and highest "
                       f"answer, scale = [1, 5]; got {got} (in entry 1 of [[sources.survey.metrics]], column 'q') "
                       f"(line {line(text, 'scale = ')})")  # fmt: skip


def test_a_reversed_nps_points_at_the_direction_key(host):
    text = GOOD + '[[sources.survey.metrics]]\ncolumn = "q"\nmetric = "nps"\ndirection = "lower_is_better"\n'
    assert "sources.survey.metrics.1.direction: nps cannot be reversed" in error_of(text, host)


def with_encoding(text: str, encoding: str) -> str:
    return text.replace("[sources.survey.columns]", f'encoding = "{encoding}"\n[sources.survey.columns]')


@pytest.mark.parametrize("encoding", ["bogus-enc", "base64"])
def test_an_unknown_csv_encoding_is_a_config_error(host, encoding):
    message = error_of(with_encoding(GOOD, encoding), host)
    assert message.startswith(f"cxbridge.toml: sources.survey.encoding: unknown encoding '{encoding}'")


@pytest.mark.parametrize("encoding", ["auto", "utf-8", "UTF8", "cp1251", "latin-1", "utf-16"])
def test_known_csv_encodings_load(host, encoding):
    config = parse_config(with_encoding(GOOD, encoding), host)
    assert config.sources["survey"].config.encoding == encoding


def test_an_unknown_destination_names_the_file_the_key_and_the_installed_ones(host):
    message = error_of('[destination]\nurl = "mysql://x"\n' + GOOD, host)
    assert message.startswith("cxbridge.toml: destination.url: unknown destination 'mysql'; installed: ")
    assert "duckdb" in message and "sqlite" in message


def test_source_names_are_identifiers(host):
    assert "source names are lower-case" in error_of(GOOD.replace("sources.survey", "sources.Survey-EU"), host)


def test_environment_references_are_resolved(host, monkeypatch):
    monkeypatch.setenv("SURVEY_FILE", "from-env.csv")
    config = parse_config(GOOD.replace('"responses.csv"', '"${SURVEY_FILE}"'), host)
    assert config.sources["survey"].config.path == "from-env.csv"


def test_missing_environment_variable_is_named(host, monkeypatch):
    monkeypatch.delenv("CXBRIDGE_TEST_SALT", raising=False)
    message = error_of('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n' + GOOD, host)
    assert message == (
        "cxbridge.toml: settings.respondent_salt: ${CXBRIDGE_TEST_SALT} is not set (line 2); "
        "export CXBRIDGE_TEST_SALT or provide it through a secret plugin"
    )


SAME_NAME_OUT_OF_ORDER = """
[sources.a.columns]
submitted_at = "submitted"

[sources.b]
connector = "typeform"
token = "${TOKEN}"  # b
forms = [
  "u6nXL7",
  "${FORM}",  # b form
]

[sources.a]
connector = "typeform"
token = "${TOKEN}"  # a
auth = { user = "cx-bot", password = "${PASSWORD}" }  # a inline
login.user = "${LOGIN}"  # a dotted

[[sources.x.metrics]]
question = "Q1"

[[sources.x.metrics]]
question = "Q2"
scale = "${SCALE}"  # second metric
"""


def test_each_unset_variable_is_named_with_the_line_of_its_own_table_and_key(host, monkeypatch):
    """sources.a is visited first (its [sources.a.columns] comes first) but its ${TOKEN} is written
    after sources.b's: the k-th unset ${TOKEN} on the k-th line holding it gave each the other's
    line. Each line is now the one of its table and key, in an inline table, under a dotted key or
    in the second [[sources.x.metrics]] entry alike."""
    for name in ("TOKEN", "FORM", "PASSWORD", "LOGIN", "SCALE"):
        monkeypatch.delenv(name, raising=False)
    lines = SAME_NAME_OUT_OF_ORDER.splitlines()
    line = {mark: next(n for n, text in enumerate(lines, 1) if text.endswith(f"# {mark}")) for mark in (
        "a", "b", "b form", "a inline", "a dotted", "second metric")}  # fmt: skip
    assert error_of(SAME_NAME_OUT_OF_ORDER, host) == (
        f"cxbridge.toml: sources.a.token: ${{TOKEN}} is not set (line {line['a']}); "
        f"sources.a.auth.password: ${{PASSWORD}} is not set (line {line['a inline']}); "
        f"sources.a.login.user: ${{LOGIN}} is not set (line {line['a dotted']}); "
        f"sources.b.token: ${{TOKEN}} is not set (line {line['b']}); "
        f"sources.b.forms.2: ${{FORM}} is not set (line {line['b form']}); "
        f"sources.x.metrics.2.scale: ${{SCALE}} is not set (line {line['second metric']}); "
        "export TOKEN, PASSWORD, LOGIN, FORM and SCALE or provide them through a secret plugin"
    )


def test_plain_text_secret_is_refused(host):
    message = error_of('[settings]\nrespondent_salt = "hunter2-plain"\n' + GOOD, host)
    assert "settings.respondent_salt: secrets never go into the config file in plain text" in message
    assert "hunter2-plain" not in message


def test_secret_from_environment_is_accepted_and_hidden(host, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_TEST_SALT", "s3cret-salt-value")
    config = parse_config('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n' + GOOD, host)
    assert config.settings.respondent_salt.get_secret_value() == "s3cret-salt-value"
    assert "s3cret-salt-value" not in repr(config.settings)


def test_secret_type_for_plugin_configs():
    class Credentials(BaseModel):
        token: Secret

    with pytest.raises(ValueError, match="plain text"):
        Credentials(token="abc")


def test_escaped_reference_stays_literal(host):
    config = parse_config(GOOD.replace('"responses.csv"', '"$${NOT_A_VAR}.csv"'), host)
    assert config.sources["survey"].config.path == "${NOT_A_VAR}.csv"


def test_missing_config_file_says_how_to_start(tmp_path, monkeypatch, host):
    monkeypatch.chdir(tmp_path)
    import cxbridge

    with pytest.raises(ConfigError, match="run `cxbridge init` here, or pass --config PATH"):
        cxbridge.sync(host=host)


def test_a_bad_config_moves_no_data(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    workspace.config.write_text(workspace.config.read_text() + "\n[sources.broken]\nconnector = 'csv'\n")
    with pytest.raises(ConfigError, match="sources.broken"):
        workspace.sync()
    assert not workspace.db.exists()


def test_an_unknown_encoding_fails_before_data_moves(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    workspace.config.write_text(with_encoding(workspace.config.read_text(), "bogus-enc"))
    with pytest.raises(ConfigError, match=r"cxbridge.toml: sources\.survey\.encoding: unknown encoding 'bogus-enc'"):
        workspace.sync()
    assert not workspace.db.exists()


def test_unreadable_config_file(tmp_path, host):
    with pytest.raises(ConfigError, match="cannot read it"):
        load_config(tmp_path / "missing.toml", host)
