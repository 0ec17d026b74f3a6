"""What plugin authors reach for is documented where they look: a new paginator argument,
`MetricSpec` field, `AnswerInput` field or record field without docs fails here."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from cxbridge import http
from cxbridge.destinations import Destination
from cxbridge.http import pagination
from cxbridge.metrics import MetricSpec
from cxbridge.normalize import AnswerInput
from cxbridge.records import FeedbackRecord, Status
from cxbridge.testing import HttpSourceConformance

DOCS = Path(__file__).resolve().parents[1] / "docs"
PLUGINS_MD = (DOCS / "plugins.md").read_text(encoding="utf-8")
HTTP_MD = (DOCS / "http.md").read_text(encoding="utf-8")
DESTINATIONS_MD = (DOCS / "destinations.md").read_text(encoding="utf-8")
PAGINATORS = (http.PageToken, http.NextUrl, http.PageNumber, http.PageRequest)


def section(text: str, heading: str) -> str:
    """The text under a heading of any level, up to the next heading of that level or above."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n", text, re.M)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    end = re.search(rf"^#{{1,{level}}} ", text[match.end() :], re.M)
    return text[match.end() : match.end() + end.start()] if end else text[match.end() :]


@pytest.mark.parametrize("paginator", PAGINATORS, ids=lambda cls: cls.__name__)
def test_every_paginator_is_exported_and_documented_with_each_argument(paginator):
    assert getattr(http, paginator.__name__) is paginator and paginator.__name__ in http.__all__
    body = section(HTTP_MD, "Paginators")
    signature = re.search(rf"`{paginator.__name__}\(([^`]*)\)`", body)
    assert signature, f"docs/http.md, 'Paginators', has no `{paginator.__name__}(…)` with its arguments"
    documented = [part.split("=")[0].strip(" *") for part in signature.group(1).split(",")]
    assert documented == [field.name for field in dataclasses.fields(paginator)]


def test_the_paginator_protocol_is_exported_and_documented():
    assert http.Paginator is pagination.Paginator and "Paginator" in http.__all__
    body = section(HTTP_MD, "Paginators")
    assert "`Paginator`" in body and "next_request(request: PageRequest, body) -> PageRequest | None" in body


def test_every_metric_spec_field_is_in_the_table_authors_read():
    body = section(PLUGINS_MD, "Step 5: normalizing a response")
    for name in MetricSpec.model_fields:
        assert f"| `{name}` |" in body, f"docs/plugins.md, step 5: the MetricSpec table lacks {name}"


def test_every_answer_input_field_is_in_its_signature():
    body = section(PLUGINS_MD, "Step 5: normalizing a response")
    fields = ", ".join(
        field.name if field.default is dataclasses.MISSING else f"{field.name}={field.default!r}"
        for field in dataclasses.fields(AnswerInput)
    )
    assert f"`AnswerInput({fields})`".replace("\n", " ") in body.replace("\n", " ")


def test_every_record_field_says_who_fills_it():
    body = section(PLUGINS_MD, "What `builder.build()` takes")
    missing = [name for name in FeedbackRecord.model_fields if f"`{name}`" not in body]
    assert not missing, f"docs/plugins.md, 'What builder.build() takes', does not say who fills {missing}"
    for status in Status:
        assert f"`Status.{status.name}`" in body and f'`"{status.value}"`' in body


def test_the_tutorial_counts_the_tests_a_generated_source_has():
    suite = len([name for name in dir(HttpSourceConformance) if name.startswith("test_")])
    body = section(PLUGINS_MD, "Step 1: generate the package")
    assert f"# {suite + 2} passed" in body  # the suite, and the two cassette tests of tests/test_source.py


def test_the_quick_path_counts_the_generated_tests_and_links_headings_that_exist():
    body = section(PLUGINS_MD, "Quick path")
    suite = len([name for name in dir(HttpSourceConformance) if name.startswith("test_")])
    assert f"({suite + 2} passed)" in body
    slugs = {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
             for heading in re.findall(r"^#+ (.+)$", PLUGINS_MD, re.M)}  # fmt: skip
    links = re.findall(r"\]\(#([^)]+)\)", body)
    assert len(links) >= 5 and not [link for link in links if link not in slugs], (links, slugs)


def test_is_sorted_is_explained_as_ascending_by_the_cursor():
    body = section(PLUGINS_MD, "Step 4: the source and its stream — reading pages and keeping a cursor")
    assert "ascending by the cursor" in body and "newest first" in body and "is_sorted = False" in body


def test_every_dialect_method_a_destination_may_override_is_documented():
    """The SQL the views and the report are rendered through, and `param` (a driver whose
    placeholder is not `?` must override it), each named in 'Writing your own destination'."""
    body = section(DESTINATIONS_MD, "Writing your own destination")
    dialect = [name for name, value in vars(Destination).items() if isinstance(value, classmethod)]
    assert {"iso_week_of", "days_since", "rounded"} <= set(dialect)
    for name in [*dialect, "param"]:
        assert re.search(rf"`{name}\(", body), f"docs/destinations.md does not document `{name}(…)`"
    assert "placeholder" in body and "%s" in body
