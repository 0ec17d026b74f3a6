"""The freshdesk source against cassettes of the documented API v2 (cassettes/freshdesk/, recorded
from tests/freshdesk_api.py with CXBRIDGE_RECORD_CASSETTES=1) and, for faults, the same fake on
127.0.0.1 — always into a real SQLite destination."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from cxbridge.errors import ConfigError
from cxbridge.plugins.freshdesk.source import FreshdeskSource
from cxbridge.testing import HttpSourceConformance, SourceUnderTest
from cxbridge.testing.cassettes import api_cassette
from tests.freshdesk_api import API_KEY, REAL_HOST, Helpdesk, freshdesk, rating, support_helpdesk
from tests.local_api import Reply
from tests.sqlite_runs import query, sync_source

sync = partial(sync_source, name="helpdesk")
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "freshdesk"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(FreshdeskSource, "sleep", staticmethod(waits.append))
    monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
    return waits


def entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {"connector": "freshdesk", "base_url": base_url, "api_key": "${FRESHDESK_API_KEY}", "page_size": 2,
            "lookback_days": 3, **extra}  # fmt: skip




@contextmanager
def cassette(name: str, helpdesk: Helpdesk) -> Iterator[Any]:
    with freshdesk(helpdesk) as api:
        with api_cassette(CASSETTES / f"{name}.yaml", real_url=REAL_HOST, fake_url=api.url, secrets=[API_KEY]) as c:
            yield c


def test_a_full_sync_maps_the_rating_scale_to_csat_with_ticket_context(tmp_path):
    with cassette("full_sync", support_helpdesk()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert (result.status, result.read, result.written) == ("success", 4, 4), result.error
    assert [r.uri.removeprefix(REAL_HOST).split("?")[0] for r in recorded.requests] == [
        "/api/v2/surveys", "/api/v2/tickets", "/api/v2/tickets", "/api/v2/tickets",
        "/api/v2/surveys/satisfaction_ratings", "/api/v2/surveys/satisfaction_ratings",
        "/api/v2/surveys/satisfaction_ratings",
    ]  # fmt: skip
    assert all(r.headers["Authorization"] == "REDACTED" for r in recorded.requests)
    rows = query(tmp_path, "SELECT source_record_id, csat, csat_normalized, comment, ticket_id, agent_id, team, channel "
                           "FROM feedback ORDER BY 1")  # fmt: skip
    assert rows == [
        ("9101", 7.0, 100.0, "Super quick", "601", "77", "12", "email"),
        ("9102", 2.0, 16.666667, None, "602", "77", "12", "phone"),  # normalized scores keep 6 decimals
        ("9103", 4.0, 50.0, None, "603", "77", "12", "chat"),
        ("9104", 5.0, 66.666667, None, "604", "77", "12", "web"),
    ]
    scores = query(tmp_path, "SELECT question_id, question_text, value, scale_max, category, is_primary "
                             "FROM feedback_scores JOIN feedback USING (record_id) WHERE source_record_id = '9103' "
                             "ORDER BY question_id")  # fmt: skip
    assert scores == [
        ("default_question", "How would you rate your overall satisfaction?", 4.0, 7.0, "neutral", 1),
        ("question_4", "Was the agent knowledgeable?", 1.0, 3.0, "dissatisfied", 0),
    ]


def test_the_look_back_reads_recent_ratings_again_without_duplicates(tmp_path):
    helpdesk = support_helpdesk()
    with cassette("incremental", helpdesk) as recorded:
        first = sync(tmp_path, entry(recorded.base_url))
        same = sync(tmp_path, entry(recorded.base_url))
        helpdesk.ratings.append(rating(5, -103, created="2026-05-04T07:00:00Z"))  # left late, older than the cursor
        late = sync(tmp_path, entry(recorded.base_url))
    assert [(r.read, r.written) for r in (first, same, late)] == [(4, 4), (4, 0), (5, 1)]
    created_since = [r.uri.split("created_since=")[1].split("&")[0] for r in recorded.requests if "created_since" in r.uri]
    assert created_since[0] == "2026-05-02T08%3A00%3A00Z"  # the latest rating (05-05 08:00) less 3 days
    assert query(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT source_record_id) FROM feedback") == [(5, 5)]


def test_bad_credentials_fail_the_source_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("FRESHDESK_API_KEY", "fd-key-revoked")
    with cassette("error_401", support_helpdesk()) as recorded:
        result = sync(tmp_path, entry(recorded.base_url))
    assert result.status == "failed"
    assert "HTTP 401 (You have to be logged in to perform this action.); Freshdesk did not accept the API key" in result.error


def test_the_rate_limit_headers_pause_the_sync_before_a_429(tmp_path, no_waiting):
    helpdesk = support_helpdesk()
    helpdesk.limit_total, helpdesk.remaining = 50, 8  # the sixth answer leaves 2 of 50: the reserve
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert result.written == 4
    assert [round(wait) for wait in no_waiting] == [60]  # one full window, once the reserve was reached


def test_429_5xx_and_dropped_connections_are_retried_and_every_rating_lands_once(tmp_path, no_waiting):
    with freshdesk(support_helpdesk()) as api:
        api.fail(Reply(429, {"message": "Too many requests"}, headers={"Retry-After": "19"}), match="satisfaction")
        api.fail(Reply(502), match="tickets")
        api.fail(Reply(drop=True), match="satisfaction")
        api.fail(Reply(200, body=[], cut_at=1), match="surveys")
        result = sync(tmp_path, entry(api.url))
    assert (result.status, result.written) == ("success", 4), result.error
    assert 19 in no_waiting
    assert query(tmp_path, "SELECT COUNT(DISTINCT source_record_id), COUNT(*) FROM feedback") == [(4, 4)]


def test_a_rating_off_its_survey_scale_is_quarantined(tmp_path):
    helpdesk = support_helpdesk()
    helpdesk.ratings.append(rating(6, 104))
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url))
    assert (result.written, result.quarantined) == (4, 1)
    [(error,)] = query(tmp_path, "SELECT error FROM quarantine")
    assert "rating 104 of default_question is not one of the survey's" in error


def test_a_classic_three_point_rating_reads_happy_as_satisfied(tmp_path):
    helpdesk = Helpdesk(ratings=[rating(1, 1), rating(2, 3)])
    with freshdesk(helpdesk) as api:
        result = sync(tmp_path, entry(api.url, ticket_context=False))
    assert result.written == 2
    assert query(tmp_path, "SELECT source_record_id, csat, csat_normalized FROM feedback ORDER BY 1") == [
        ("9101", 3.0, 100.0), ("9102", 1.0, 0.0),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [({"base_url": None}, "give domain"), ({"domain": "acme.freshdesk.com", "base_url": None}, "is not a helpdesk name"),
     ({"api_key": "plain"}, "plain text")],
)  # fmt: skip
def test_config_mistakes_name_the_key(tmp_path, change, message):
    source = {key: value for key, value in (entry("http://127.0.0.1:9") | change).items() if value is not None}
    with pytest.raises(ConfigError, match=message):
        sync(tmp_path, source)


class TestFreshdeskSource(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self):
        with freshdesk(support_helpdesk()) as api:
            yield SourceUnderTest(FreshdeskSource, entry(api.url), secrets={"FRESHDESK_API_KEY": API_KEY})
