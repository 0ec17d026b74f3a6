"""The source conformance suite: the guarantees of DESIGN.md §4–5 that every source keeps.

    class TestAcmeSource(SourceConformance):        # or HttpSourceConformance for HTTP APIs
        @pytest.fixture
        def source_under_test(self, acme_api):
            return SourceUnderTest(AcmeSource, {"base_url": acme_api.url, "token": "${ACME_TOKEN}"},
                                   secrets={"ACME_TOKEN": "test-token-1234"})
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, get_args

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from cxbridge import api, identity, schemas
from cxbridge.errors import ConfigError, FatalSourceError
from cxbridge.plugins_host import create_host
from cxbridge.testing import cursor_checks, record_checks
from cxbridge.testing.harness import SOURCE_NAME, Reading, SourceHarness, SourceUnderTest

__all__ = ["HttpSourceConformance", "SourceConformance", "SourceUnderTest"]


class SourceConformance:
    """Every source: config errors, schema, ids, incremental re-runs, pagination, secrets.

    Subclass it in a test module (the class name must start with `Test`) and define the
    `source_under_test` fixture. Each test method pins down one guarantee.
    """

    @pytest.fixture
    def source_under_test(self) -> SourceUnderTest:
        pytest.fail("define a `source_under_test` fixture that returns cxbridge.testing.SourceUnderTest(...)")

    def test_the_installed_package_provides_the_source(self, source_harness: SourceHarness) -> None:
        cls = source_harness.under_test.source_class
        provided = create_host().sources.get(cls.name)
        assert provided is not None and provided.cls is cls, (
            f"no installed plugin registers {cls.__qualname__} as {cls.name!r}: add it to the `cxbridge` "
            "entry points in pyproject.toml, call register() in register_sources, and `pip install -e .`"
        )

    def test_config_errors_name_the_field(self, source_harness: SourceHarness) -> None:
        model = source_harness.under_test.source_class.config_model
        prefix = f"sources.{SOURCE_NAME}"
        for key in _required_keys(model):
            message = _config_error(source_harness, **{key: None})
            assert f"{prefix}.{key}" in message, f"leaving out {key!r} gave an error that does not name it: {message}"
        message = _config_error(source_harness, not_a_known_key=1)
        assert f"{prefix}.not_a_known_key: unknown key" in message
        for key in _secret_keys(model):
            message = _config_error(source_harness, **{key: "typed-in-plain-text"})
            assert f"{prefix}.{key}" in message and "${" in message, message

    def test_the_check_pass_accepts_the_test_config(self, source_harness: SourceHarness) -> None:
        [found] = api.check(source_harness.config(), host=source_harness.host)
        assert found.ok, f"Source.check refused the test config: {found.problem}"

    def test_every_record_validates_against_the_schema(self, source_harness: SourceHarness) -> None:
        import jsonschema

        reading = source_harness.read()
        expected = source_harness.under_test.expected_quarantined
        assert len(reading.rejected) == expected, f"records rejected by normalize: {reading.rejected[:3]}"
        assert reading.records, "the test data gave no records at all"
        schema = schemas.load()
        validator = jsonschema.validators.validator_for(schema)(schema)
        for record in reading.records:
            errors = sorted(validator.iter_errors(record.model_dump(mode="json")), key=str)
            assert not errors, f"record {record.source_record_id}: {errors[0].message} at {list(errors[0].path)}"
            assert (record.source, record.connector) == (SOURCE_NAME, source_harness.connector)

    def test_ids_are_deterministic(self, source_harness: SourceHarness) -> None:
        reading = source_harness.read()
        first, again = _ids(reading), _ids(source_harness.read())
        assert first == again, "a second read of the same data gave other record ids"
        duplicates = [rid for rid, count in Counter(first).items() if count > 1]
        assert not duplicates, f"{len(duplicates)} record ids are given to more than one record"
        for record in reading.records:
            assert record.record_id == identity.record_id(record.source, record.stream, record.source_record_id)

    def test_a_second_run_with_saved_state_yields_no_duplicates(self, source_harness: SourceHarness) -> None:
        source_harness.sync()
        stored = source_harness.rows("SELECT record_id, content_hash FROM feedback ORDER BY record_id")
        again = source_harness.sync().results[0]
        assert again.written == 0, (
            f"the second run wrote {again.written} records again: records read again at the cursor came out "
            "changed (see test_a_re_read_of_the_same_data_changes_no_record) or with other ids"
        )
        assert source_harness.rows("SELECT record_id, content_hash FROM feedback ORDER BY record_id") == stored

    def test_scored_answers_reach_the_scores(self, source_harness: SourceHarness) -> None:
        records = source_harness.read().records
        problems = record_checks.unbacked_primary_scores(records)
        unscored = source_harness.under_test.unscored_streams
        problems += record_checks.unscored_streams([r for r in records if r.stream not in unscored])
        assert not problems, "\n".join(problems)

    def test_comments_reach_the_records(self, source_harness: SourceHarness) -> None:
        uncommented = source_harness.under_test.uncommented_streams
        records = [r for r in source_harness.read().records if r.stream not in uncommented]
        problems = record_checks.uncommented_streams(records)
        assert not problems, "\n".join(problems)

    def test_a_re_read_of_the_same_data_changes_no_record(self, source_harness: SourceHarness) -> None:
        problems = record_checks.changes_between_reads(source_harness.read().records, source_harness.read().records)
        assert not problems, "\n".join(problems)

    def test_a_second_read_starts_at_the_saved_cursor(self, source_harness: SourceHarness) -> None:
        problems = cursor_checks.rereads_from_the_saved_cursor(source_harness)
        assert not problems, "\n".join(problems)

    def test_a_first_read_starts_at_start_date(self, source_harness: SourceHarness) -> None:
        problems = cursor_checks.reads_before_start_date(source_harness)
        assert not problems, "\n".join(problems)

    def test_a_sorted_stream_comes_ascending_by_its_cursor(self, source_harness: SourceHarness) -> None:
        problems = cursor_checks.sorted_streams_out_of_order(source_harness)
        assert not problems, "\n".join(problems)

    def test_pagination_terminates(self, source_harness: SourceHarness) -> None:
        reading = source_harness.read()  # fails past `max_records`
        per_stream = Counter((record.stream, record.source_record_id) for record in reading.records)
        repeated = [key for key, count in per_stream.items() if count > 1]
        assert not repeated, f"records read twice in one run (a page read again?): {repeated[:3]}"

    def test_secrets_never_reach_records_logs_or_state(
        self, source_harness: SourceHarness, capfd: pytest.CaptureFixture[str]
    ) -> None:
        secrets = source_harness.under_test.secrets
        if _secret_keys(source_harness.under_test.source_class.config_model):
            assert secrets, "the config has credential fields: give their test values in SourceUnderTest.secrets"
        with _captured_logs() as log_lines:
            source_harness.sync(full_refresh=True)
            records = json.dumps([r.model_dump(mode="json") for r in source_harness.read().records])
        out, err = capfd.readouterr()
        places = {"records": records, "logs": "\n".join(log_lines), "output": out + err}
        stored = source_harness.stored_bytes()
        for name, value in secrets.items():
            for place, text in places.items():
                if value in text:  # said without pytest's comparison, which would print the value
                    pytest.fail(f"the value of ${{{name}}} appears in the {place}, at: {_around(text, value)}")
            if value.encode() in stored:
                pytest.fail(f"the value of ${{{name}}} is stored in the destination")


    def test_personal_data_never_reaches_the_destination_or_the_logs(
        self, source_harness: SourceHarness, capfd: pytest.CaptureFixture[str]
    ) -> None:
        with _captured_logs() as log_lines:
            source_harness.sync(full_refresh=True)
        out, err = capfd.readouterr()
        stored = source_harness.stored_bytes()
        printed = "\n".join([*log_lines, out, err])
        for number, value in enumerate(source_harness.under_test.personal_data):
            # each failure names the value by its place, never shows it (as the secrets' test does)
            if value.encode() in stored:
                pytest.fail(f"personal_data[{number}] is stored in the destination: declare its field in personal_fields()")
            if re.search(re.escape(value), printed, re.IGNORECASE):
                pytest.fail(f"personal_data[{number}] appears in the logs or the output, at: {_around(printed, value)}")


class HttpSourceConformance(SourceConformance):
    """Sources of an HTTP API, served to the test by a local server (not mocked inside httpx)."""

    def test_pagination_terminates(self, source_harness: SourceHarness, monkeypatch: pytest.MonkeyPatch) -> None:
        with _recorded_requests(monkeypatch) as requests:
            super().test_pagination_terminates(source_harness)
        assert len(requests) >= 2, "the test data fits in one page, so pagination was never exercised"

    def test_retries_on_429(self, source_harness: SourceHarness, monkeypatch: pytest.MonkeyPatch) -> None:
        clean = _ids(source_harness.read())
        with _recorded_requests(monkeypatch, rate_limit_first=True) as requests:
            retried = _ids(source_harness.read())
        assert len(requests) >= 2 and requests[1] == requests[0], "the request answered with 429 was not sent again"
        assert retried == clean, "after a 429 the source read other records than without one"

    def test_a_refused_credential_fails_the_source(
        self, source_harness: SourceHarness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with _recorded_requests(monkeypatch, status=401):
            try:
                source_harness.read()
            except FatalSourceError as exc:
                error = str(exc)
            except Exception as exc:  # noqa: BLE001 - what the engine would call a bug in the plugin
                pytest.fail(
                    f"every request answered 401 Unauthorized, and the read raised {type(exc).__name__}: {exc}, "
                    "which cxbridge reports as a bug in the plugin, not as credentials to check. Raise "
                    "cxbridge.errors.FatalSourceError naming the credential (ApiSource's client does for a 401)"
                )
            else:
                pytest.fail(
                    "every request answered 401 Unauthorized, and the read ended without an error: a sync with "
                    "refused credentials would look like one with nothing new. Let the 401 fail the read as "
                    "cxbridge.errors.FatalSourceError (ApiSource's client raises it)"
                )
        for name, value in source_harness.under_test.secrets.items():
            assert value not in error, f"the error of a refused credential shows the value of ${{{name}}}: {error}"

    def test_check_refuses_a_refused_credential(
        self, source_harness: SourceHarness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with _recorded_requests(monkeypatch, status=401, required=False):
            [found] = api.check(source_harness.config(), host=source_harness.host)
        assert not found.ok, (
            "with every request answered 401 Unauthorized, `cxbridge check` found no problem: it sent no request "
            "that needs the credentials. Return the cheapest such request from ApiSource.access_request() "
            "(a 1-item list: PageRequest(path, {'limit': 1}))"
        )


def _around(text: str, value: str, width: int = 60) -> str:
    """Where `value` (in any case) first appears in `text`, every occurrence masked: enough to
    tell who wrote it (a record's field, a log line, a print of the test's own fake API)."""
    masked = re.sub(re.escape(value), "\0", text, flags=re.IGNORECASE)
    at = masked.index("\0")
    return "…" + masked[max(at - width, 0) : at + 1 + width].replace("\0", "***").replace("\n", "⏎") + "…"


def _ids(reading: Reading) -> list[str]:
    return sorted(record.record_id for record in reading.records)


def _config_error(harness: SourceHarness, **changes: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        harness.config(**changes)
    return str(caught.value)


def _required_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if field.is_required() and name != "connector"]


def _secret_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items() if _mentions_secret(field.annotation)]


def _mentions_secret(annotation: Any) -> bool:
    return annotation is SecretStr or any(_mentions_secret(arg) for arg in get_args(annotation))


@contextmanager
def _captured_logs() -> Iterator[list[str]]:
    """Every log line at any level, wherever cxbridge's loggers send them — and nowhere else: the
    root logger's other handlers are set aside meanwhile (pytest's would print a failed test's
    lines, the secret or personal value the test found among them)."""
    lines: list[str] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    loggers = [logging.getLogger(), logging.getLogger("cxbridge")]
    levels = [logger.level for logger in loggers]
    aside = list(loggers[0].handlers)
    for other in aside:
        loggers[0].removeHandler(other)
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        for other in aside:
            loggers[0].addHandler(other)


@contextmanager
def _recorded_requests(
    monkeypatch: pytest.MonkeyPatch, *, rate_limit_first: bool = False, status: int | None = None, required: bool = True
) -> Iterator[list[str]]:
    """The URLs sent through httpx's network transport (at least one, if `required`); optionally
    the first one answered 429, or every one answered `status` (with a JSON error body, as most
    APIs send)."""
    requests: list[str] = []
    send = httpx.HTTPTransport.handle_request

    def recording(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if rate_limit_first and len(requests) == 1:
            return httpx.Response(429, headers={"Retry-After": "0"}, request=request)
        if status is not None:
            return httpx.Response(status, json={"error": "refused by the conformance suite"}, request=request)
        return send(transport, request)

    with monkeypatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", recording)
        yield requests
    assert requests or not required, "no request went through httpx.HTTPTransport: serve the test data from a local server"
