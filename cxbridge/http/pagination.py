"""Pagination: follow a next-page URL, count page numbers, or pass a page token — and stop with a
clear error instead of looping forever when an API sends the same token, the same URL or the
same page again (or an earlier page's records: a cycle), or empty pages that each name a new
next page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sized
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import httpx

from cxbridge.errors import SourceError
from cxbridge.http.wire_log import public_url

MAX_PAGES = 100_000
MAX_EMPTY_PAGES = 10
"""Empty pages in a row, each naming a next page, after which the read stops: an API that
answers nothing but keeps pointing further would otherwise be followed for `MAX_PAGES` pages."""


@dataclass(frozen=True)
class PageRequest:
    """One page's request: a path (relative to the base URL) or an absolute URL, and its query."""

    url: str
    params: Mapping[str, Any] = field(default_factory=dict)
    method: str = "GET"
    json: Any = None

    def key(self) -> str:
        return json.dumps([self.method, self.url, sorted(self.params.items()), self.json], default=str)


@dataclass
class EmptyPages:
    """Empty pages in a row: SourceError once `limit` of them each named a next page."""

    limit: int = MAX_EMPTY_PAGES
    count: int = 0

    def after(self, items: Sized, *, more: bool) -> None:
        """Count a page of `items`; `more` says it named a next page."""
        self.count = 0 if len(items) else self.count + 1
        if more and self.count >= self.limit:
            raise SourceError(
                f"{self.count} empty pages in a row, each naming a next page: the API's pagination does not end; "
                "stopped (what came before them is kept)"
            )


class Paginator(Protocol):
    """How to get from a page to the next. A paginator may also have `items(body)`, the records
    of a page: `paginate` then stops after `MAX_EMPTY_PAGES` empty pages in a row."""

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        """The request for the page after `body`, or None when `body` was the last page."""


@dataclass(frozen=True)
class NextUrl:
    """The page names the next page's URL (Qualtrics `result.nextPage`); followed verbatim."""

    next_url: Callable[[Any], str | None]
    items: Callable[[Any], Sized] | None = None

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        url = self.next_url(body)
        return PageRequest(url, method=request.method, json=request.json) if url else None


@dataclass(frozen=True)
class PageToken:
    """The page carries a token for the next one (Google's `nextPageToken` → `pageToken`)."""

    next_token: Callable[[Any], str | None]
    param: str = "pageToken"
    items: Callable[[Any], Sized] | None = None

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        token = self.next_token(body)
        return replace(request, params={**request.params, self.param: token}) if token else None


@dataclass(frozen=True)
class PageNumber:
    """Numbered pages: stop at an empty or short page, or past the total the API reports."""

    items: Callable[[Any], list[Any]]
    page_size: int
    total_pages: Callable[[Any], int | None] = lambda body: None
    param: str = "page"
    first: int = 1

    def next_request(self, request: PageRequest, body: Any) -> PageRequest | None:
        page = int(request.params.get(self.param, self.first))
        count = len(self.items(body))
        total = self.total_pages(body)
        if count == 0 or count < self.page_size or (total is not None and page >= total):
            return None
        return replace(request, params={**request.params, self.param: page + 1})


def paginate(
    fetch: Callable[[PageRequest], Any],
    first: PageRequest,
    paginator: Paginator,
    *,
    max_pages: int = MAX_PAGES,
    max_empty_pages: int = MAX_EMPTY_PAGES,
) -> Iterator[Any]:
    """Every page's body, first to last. Raises SourceError when the API asks for a page it
    already gave, returns a page identical to the one before (or, when the paginator knows a
    page's `items`, the records of an earlier page under a new next page: one fingerprint is kept
    per page, not per record), sends `max_empty_pages` empty pages in a row that each name a next
    one (when the paginator knows a page's `items`), or never stops."""
    asked: set[str] = set()
    previous: str | None = None
    earlier_records: dict[str, int] = {}  # the fingerprint of each page's records → the page's number
    request: PageRequest | None = first
    items: Callable[[Any], Sized] | None = getattr(paginator, "items", None)
    empty, count = EmptyPages(max_empty_pages), 0
    while request is not None:
        if request.key() in asked:
            raise SourceError(f"{_describe(request)} was asked for twice: the API's pagination loops; stopped")
        asked.add(request.key())
        body = fetch(request)
        records = items(body) if items is not None else None
        digest = _digest(body)
        if digest == previous:
            raise SourceError(f"{_describe(request)} repeats the page before it: the API ignores paging; stopped")
        previous = digest
        if records:
            _check_records_are_new(earlier_records, _digest(records), count + 1, request)
        yield body
        count += 1
        request = paginator.next_request(request, body)
        if records is not None:
            empty.after(records, more=request is not None)
        if request is not None and count >= max_pages:
            raise SourceError(f"more than {max_pages} pages: the API's pagination does not end; stopped")


def _check_records_are_new(earlier: dict[str, int], digest: str, number: int, request: PageRequest) -> None:
    """SourceError when page `number`'s records (`digest`) are those of an earlier page; else noted."""
    page = earlier.setdefault(digest, number)
    if page == number - 1:
        raise SourceError(
            f"{_describe(request)} repeats the records of the page before it under a new next page: "
            "the API ignores paging; stopped"
        )
    if page != number:
        raise SourceError(
            f"{_describe(request)}, page {number} of this read, repeats the records of page {page} under a new "
            f"next page: the API's pagination cycles (pages {page} to {number - 1} come round again); stopped"
        )


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _describe(request: PageRequest) -> str:
    """The page for an error: its URL without query string or user info (a next link may carry a
    token in either), and the names of its query parameters, never their values."""
    url = httpx.URL(request.url)
    names = dict.fromkeys([*(name for name, _ in url.params.multi_items()), *request.params])
    return f"the page {public_url(url)}" + (f" (query parameters {', '.join(names)})" if names else "")
