"""The source conformance suite catches broken sources: each one fails exactly the guarantee it breaks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

BROKEN_SOURCES = '''
import itertools, json, threading, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import httpx
import pytest

from cxbridge.secrets import Secret
from cxbridge.sources import Source, SourceConfig, Stream
from cxbridge.testing import HttpSourceConformance, SourceConformance, SourceUnderTest


class TokenConfig(SourceConfig):
    token: Secret
    url: str = ""


class Responses(Stream):
    name = "responses"
    pages = [[{"id": "1", "nps": 9}, {"id": "2", "nps": 3}], [{"id": "3", "nps": 10}]]

    def read(self, cursor):
        for page in self.pages:
            yield from page

    def normalize(self, raw, builder):
        return builder.build(native_id=self.native_id(raw), raw=raw, nps=raw["nps"])


class LeakyStream(Responses):
    def normalize(self, raw, builder):
        leaked = {**raw, "auth": self.source.config.token.get_secret_value()}
        return builder.build(native_id=self.native_id(raw), raw=leaked, nps=raw["nps"])


class RandomIdStream(Responses):
    def native_id(self, raw):
        return uuid.uuid4().hex


class EndlessStream(Responses):
    def read(self, cursor):
        for page in itertools.cycle(self.pages):
            yield from page


class UnretriedHttpStream(Responses):
    def read(self, cursor):
        with httpx.Client(base_url=self.source.config.url) as client:
            for page in (1, 2):
                response = client.get(f"/responses?page={page}")
                response.raise_for_status()
                yield from response.json()


def source(name, stream):
    return type(name.title() + "Source", (Source,), {
        "name": name, "config_model": TokenConfig, "streams": lambda self: [stream(self)],
    })


def under_test(name, stream, **config):
    return SourceUnderTest(source(name, stream), {"token": "${TOKEN}", **config},
                           secrets={"TOKEN": "tok-abcdef-123456"}, max_records=50)


class TestLeaky(SourceConformance):
    @pytest.fixture
    def source_under_test(self):
        return under_test("leaky", LeakyStream)


class TestRandomIds(SourceConformance):
    @pytest.fixture
    def source_under_test(self):
        return under_test("random_ids", RandomIdStream)


class TestEndless(SourceConformance):
    @pytest.fixture
    def source_under_test(self):
        return under_test("endless", EndlessStream)


class Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        page = int(self.path.rsplit("=", 1)[1])
        body = json.dumps(Responses.pages[page - 1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def pages_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class TestUnretried(HttpSourceConformance):
    @pytest.fixture
    def source_under_test(self, pages_server):
        return under_test("unretried", UnretriedHttpStream, url=pages_server)
'''


def outcomes(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "test_broken.py").write_text(textwrap.dedent(BROKEN_SOURCES), encoding="utf-8")
    report = tmp_path / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    results = {}
    for case in ET.parse(report).iter("testcase"):
        name = case.get("classname", "").rsplit(".", 1)[-1] + "::" + case.get("name", "")
        failed = case.find("failure") is not None or case.find("error") is not None
        results[name] = "failed" if failed else "passed"
    return results


def test_each_broken_source_fails_the_guarantee_it_breaks(tmp_path: Path):
    results = outcomes(tmp_path)
    assert results["TestLeaky::test_secrets_never_reach_records_logs_or_state"] == "failed"
    assert results["TestRandomIds::test_ids_are_deterministic"] == "failed"
    assert results["TestRandomIds::test_a_second_run_with_saved_state_yields_no_duplicates"] == "failed"
    assert results["TestEndless::test_pagination_terminates"] == "failed"
    assert results["TestUnretried::test_retries_on_429"] == "failed"
    # ... and nothing else: each breaks one promise, the suite blames only that one
    for name in ("TestLeaky", "TestRandomIds", "TestUnretried"):
        for guarantee in ("test_config_errors_name_the_field", "test_every_record_validates_against_the_schema"):
            assert results[f"{name}::{guarantee}"] == "passed"
    assert results["TestLeaky::test_ids_are_deterministic"] == "passed"
    assert results["TestUnretried::test_pagination_terminates"] == "passed"
    assert results["TestUnretried::test_secrets_never_reach_records_logs_or_state"] == "passed"
    assert results["TestLeaky::test_the_installed_package_provides_the_source"] == "failed"  # not installed
