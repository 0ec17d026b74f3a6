"""cxbridge.http.ApiSource: the base of API sources (base_url override, pacing, retries, config)."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import ValidationError

from cxbridge import http
from cxbridge.sources import SourceContext
from local_api import Reply, fake_api


class AcmeConfig(http.ApiSourceConfig):
    connector: Literal["acme"] = "acme"


class AcmeSource(http.ApiSource):
    name = "acme"
    config_model = AcmeConfig
    default_requests_per_second = 5

    def base_url(self) -> str:
        return "https://api.acme.invalid/v1"

    def streams(self) -> list:
        return []


def source(**config) -> AcmeSource:
    return AcmeSource(AcmeConfig(**config), SourceContext(name="acme_eu", base_dir="."))


def test_the_default_host_is_used_unless_base_url_overrides_it():
    assert str(source().client.http.base_url) == "https://api.acme.invalid/v1/"
    assert str(source(base_url="https://eu.acme.example/v1/").client.http.base_url) == "https://eu.acme.example/v1/"


def test_base_url_must_be_absolute():
    with pytest.raises(ValidationError, match="not an absolute URL"):
        AcmeConfig(base_url="eu.acme.example")


def test_pace_and_attempts_come_from_config_over_the_api_defaults():
    waits: list[float] = []
    with fake_api() as api:
        api.route("GET", "/x")(lambda seen, match: {})
        api.fail(Reply(503), times=2)
        acme = source(base_url=api.url, max_attempts=2, requests_per_second=1)
        acme.sleep = waits.append
        with pytest.raises(Exception, match="after 2 attempts"):
            acme.client.get_json("/x")
        assert acme.client.http._transport.limiter.windows == [(1, 1.0)]
        acme.close()
    assert "client" not in acme.__dict__
    assert source().client.http._transport.limiter.windows == [(5, 1.0)]
