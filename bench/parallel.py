"""Benchmark: `cxbridge sync` of 8 API sources (8 Typeform forms on the tests' fake API on
127.0.0.1, every request answered after `--latency` seconds) into SQLite with `--jobs 1` and
with `--jobs 8`, in the same process one after the other: the ratio of their wall times is what
running sources in parallel buys when the time goes in waiting for APIs.

    python bench/parallel.py --latency 1 --pages 3
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import cxbridge  # noqa: E402
from cxbridge.config import config_from_dict  # noqa: E402
from cxbridge.plugins_host import create_host  # noqa: E402
from tests.local_api import Latency  # noqa: E402
from tests.typeform_api import TOKEN, TypeformAccount, store_form, tf_response, typeform  # noqa: E402

SOURCES = 8
PAGE_SIZE = 2


def account(pages: int) -> TypeformAccount:
    found = TypeformAccount()
    for index in range(SOURCES):
        form_id = f"bench{index:03d}"
        responses = [tf_response(100 * index + n, nps=n % 11, form_id=form_id) for n in range(1, pages * PAGE_SIZE + 1)]
        found.add_form(store_form(form_id), *responses)
    return found


def timed_sync(url: str, folder: Path, *, jobs: int) -> tuple[float, int]:
    sources = {
        f"web_{index}": {"connector": "typeform", "base_url": url, "token": "${TYPEFORM_TOKEN}",
                         "forms": [f"bench{index:03d}"], "page_size": PAGE_SIZE}
        for index in range(SOURCES)
    }  # fmt: skip
    config = config_from_dict({"sources": sources}, create_host(), path=folder / "cxbridge.toml")
    started = time.perf_counter()
    result = cxbridge.sync(config, destination=f"sqlite:///{folder / f'jobs{jobs}.db'}", jobs=jobs, host=create_host())
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, [r.error for r in result.results if r.error]
    return seconds, sum(r.written for r in result.results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds before each answer of the API")
    parser.add_argument("--pages", type=int, default=3, help="pages of responses per source")
    args = parser.parse_args()
    os.environ["TYPEFORM_TOKEN"] = TOKEN
    with typeform(account(args.pages)) as api, tempfile.TemporaryDirectory() as tmp:
        latency = Latency(api, args.latency)
        serial, written_serial = timed_sync(api.url, Path(tmp), jobs=1)
        requests_serial = len(api.requests)
        parallel, written_parallel = timed_sync(api.url, Path(tmp), jobs=SOURCES)
        requests_parallel = len(api.requests) - requests_serial
    assert written_serial == written_parallel == SOURCES * args.pages * PAGE_SIZE
    print(f"{SOURCES} sources, {args.pages} pages each, {args.latency:g} s per request "
          f"({requests_serial} and {requests_parallel} requests; at most {latency.most} at once)")  # fmt: skip
    print(f"--jobs 1: {serial:.1f} s   --jobs {SOURCES}: {parallel:.1f} s   speed-up {serial / parallel:.1f}x")
    print(f"sources={SOURCES} latency={args.latency:g} jobs1_s={serial:.2f} jobs{SOURCES}_s={parallel:.2f} "
          f"ratio={serial / parallel:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
