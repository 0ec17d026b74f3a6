"""cxbridge.http pagination (next URL, page token, page number) and the client-side rate limiter."""

from __future__ import annotations

import pytest

from cxbridge import http
from cxbridge.errors import SourceError
from local_api import fake_api


def client(url: str) -> http.ApiClient:
    return http.ApiClient(base_url=url, sleep=lambda seconds: None)


def test_next_url_pages_are_followed_verbatim_until_null():
    with fake_api() as api:

        @api.route("GET", "/items")
        def items(seen, match):
            page = int(seen.query.get("skip", 0))
            following = f"{api.url}/items?skip={page + 2}" if page < 4 else None
            return {"result": {"elements": [page, page + 1], "nextPage": following}}

        paginator = http.NextUrl(lambda body: body["result"]["nextPage"])
        pages = list(client(api.url).pages(http.PageRequest("/items"), paginator))
    assert [page["result"]["elements"] for page in pages] == [[0, 1], [2, 3], [4, 5]]


def test_page_tokens_are_passed_on_with_the_other_parameters():
    tokens = {"": "t1", "t1": "t2", "t2": None}
    with fake_api() as api:

        @api.route("GET", "/responses")
        def responses(seen, match):
            token = seen.query.get("pageToken", "")
            return {"responses": [token or "first"], "nextPageToken": tokens[token]}

        first = http.PageRequest("/responses", {"filter": "timestamp > 2024-01-01T00:00:00Z"})
        pages = list(client(api.url).pages(first, http.PageToken(lambda body: body.get("nextPageToken"))))
    assert [page["responses"] for page in pages] == [["first"], ["t1"], ["t2"]]
    assert all(seen.query["filter"] == "timestamp > 2024-01-01T00:00:00Z" for seen in api.requests)


@pytest.mark.parametrize(
    ("total_pages", "last_size", "expected_pages"),
    [(3, 2, 3), (None, 1, 3), (None, 2, 4)],
    ids=["the total the API reports", "a short page", "an empty page"],
)
def test_numbered_pages_stop_at(total_pages, last_size, expected_pages):
    with fake_api() as api:

        @api.route("GET", "/list")
        def listing(seen, match):
            page = int(seen.query["page"])
            items = [page] * (2 if page < 3 else last_size) if page <= 3 else []
            return {"response": items, "pagination": {"totalPages": total_pages}}

        paginator = http.PageNumber(
            items=lambda body: body["response"],
            page_size=2,
            total_pages=lambda body: body["pagination"]["totalPages"],
        )
        pages = list(client(api.url).pages(http.PageRequest("/list", {"page": 1, "perPage": 2}), paginator))
    assert len(pages) == expected_pages
    assert api.paths()[0] == "/list?page=1&perPage=2"


def test_a_repeated_page_token_stops_the_loop():
    with fake_api() as api:
        api.route("GET", "/loop")(lambda seen, match: {"items": [seen.query.get("pageToken")], "next": "same"})
        pages = client(api.url).pages(http.PageRequest("/loop"), http.PageToken(lambda body: body["next"]))
        with pytest.raises(SourceError, match="asked for twice: the API's pagination loops"):
            list(pages)
    assert len(api.requests) == 2


def test_a_server_that_ignores_the_page_number_is_caught():
    with fake_api() as api:
        api.route("GET", "/same")(lambda seen, match: {"response": [1, 2]})
        paginator = http.PageNumber(items=lambda body: body["response"], page_size=2)
        with pytest.raises(SourceError, match="repeats the page before it"):
            list(client(api.url).pages(http.PageRequest("/same", {"page": 1}), paginator))


def test_pagination_that_never_ends_is_stopped():
    with fake_api() as api:
        api.route("GET", "/endless")(lambda seen, match: {"response": [seen.query["page"]] * 2})
        paginator = http.PageNumber(items=lambda body: body["response"], page_size=2)
        with pytest.raises(SourceError, match="more than 5 pages"):
            list(client(api.url).pages(http.PageRequest("/endless", {"page": 1}), paginator, max_pages=5))


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_the_rate_limiter_keeps_requests_within_each_window():
    clock = FakeClock()
    limiter = http.RateLimiter(per_second=2, per_minute=3, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        limiter.acquire()
        clock.now += 0.1
    assert clock.slept == [0.8, 58.9]  # the third waits for the one-second window, the fourth for the minute


def test_a_fractional_rate_spaces_requests_out():
    clock = FakeClock()
    limiter = http.RateLimiter(per_second=0.5, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.acquire()
    assert clock.slept == [2.0]


def test_the_client_paces_its_requests_through_the_limiter():
    clock = FakeClock()
    limiter = http.RateLimiter(per_second=1, clock=clock, sleep=clock.sleep)
    with fake_api() as api:
        api.route("GET", "/x")(lambda seen, match: {})
        paced = http.ApiClient(base_url=api.url, limiter=limiter)
        for _ in range(3):
            paced.get_json("/x")
    assert clock.slept == [1.0, 1.0]


def test_a_repeated_next_link_is_named_without_its_query_string():
    with fake_api() as api:
        link = f"{api.url}/loop?access_token=tok-in-next-link-77&cursor=c-1"
        api.route("GET", "/loop")(lambda seen, match: {"items": [len(api.requests)], "next": link})
        pages = client(api.url).pages(http.PageRequest("/loop"), http.NextUrl(lambda body: body["next"]))
        with pytest.raises(SourceError, match="pagination loops") as caught:
            list(pages)
    message = str(caught.value)
    assert f"the page {api.url}/loop (query parameters access_token, cursor) was asked for twice" in message
    assert "tok-in-next-link-77" not in message and "c-1" not in message


def test_a_repeated_page_is_named_without_the_values_of_its_parameters():
    with fake_api() as api:
        api.route("GET", "/same")(lambda seen, match: {"response": [1, 2]})
        paginator = http.PageNumber(items=lambda body: body["response"], page_size=2)
        first = http.PageRequest("/same", {"page": 1, "apiKey": "k-in-params-55"})
        with pytest.raises(SourceError, match="repeats the page before it") as caught:
            list(client(api.url).pages(first, paginator))
    assert "the page /same (query parameters page, apiKey) repeats" in str(caught.value)
    assert "k-in-params-55" not in str(caught.value)


def test_a_page_of_the_same_records_under_a_new_token_is_caught():
    """An API that ignores the token it sent and answers page 1 again, each time naming a new
    token (one that embeds a request id), is not identical page to page: only its records are."""
    with fake_api() as api:
        api.route("GET", "/again")(lambda seen, match: {"items": [{"id": "p1"}, {"id": "p2"}],
                                                        "next_cursor": f"c2x{len(api.requests)}"})  # fmt: skip
        paginator = http.PageToken(lambda body: body["next_cursor"], param="cursor", items=lambda body: body["items"])
        with pytest.raises(SourceError, match="repeats the records of the page before it"):
            list(client(api.url).pages(http.PageRequest("/again", {"limit": 2}), paginator, max_pages=50))
    assert len(api.requests) == 2


def test_pages_that_come_round_again_under_fresh_tokens_are_caught():
    """An API cycling through pages A, B, A, B…, each time naming a fresh token, has no two pages
    alike in a row: the third page is page 1's records again, and the read stops there."""
    with fake_api() as api:

        @api.route("GET", "/cycle")
        def cycle(seen, match):
            number = len(api.requests)
            return {"items": [{"id": f"r{number % 2}"}], "next_cursor": f"c{number}"}

        paginator = http.PageToken(lambda body: body["next_cursor"], param="cursor", items=lambda body: body["items"])
        with pytest.raises(SourceError, match="pagination cycles") as caught:
            list(client(api.url).pages(http.PageRequest("/cycle"), paginator, max_pages=50))
    assert len(api.requests) == 3
    assert "the page /cycle (query parameters cursor), page 3 of this read, repeats the records of page 1" in str(
        caught.value
    )


def test_pages_that_share_a_record_at_their_boundary_are_read():
    """A time-based cursor gives the last record of a page again at the top of the next one:
    only a page whose records were all on one earlier page counts as repeated."""
    pages = {"": ([1, 2, 3], "t3"), "t3": ([3, 4, 5], "t5"), "t5": ([5, 6], "t6"), "t6": ([6], None)}
    with fake_api() as api:

        @api.route("GET", "/since")
        def since(seen, match):
            ids, following = pages[seen.query.get("after", "")]
            return {"items": [{"id": each} for each in ids], "after": following}

        paginator = http.PageToken(lambda body: body["after"], param="after", items=lambda body: body["items"])
        read = list(client(api.url).pages(http.PageRequest("/since"), paginator))
    assert [[item["id"] for item in page["items"]] for page in read] == [[1, 2, 3], [3, 4, 5], [5, 6], [6]]
