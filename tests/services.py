"""Services some tests need beside Python (a PostgreSQL server, a browser): where one is missing
the tests skip with what to install, except under CI, which installs them (.ci/run) and so
fails rather than passing without them."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def service_missing(message: str) -> NoReturn:
    """Skip the test with `message` (what to install), or fail it under CI."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
