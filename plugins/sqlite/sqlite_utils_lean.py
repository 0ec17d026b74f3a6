"""sqlite-utils imported without pandas and numpy.

sqlite-utils imports them whenever they are installed, only to map their value types to column
types; cxbridge never inserts such values. On a machine that has them (a data team's, or with
the `bench` extra) that import cost every sync about 70 MB of RSS and half a second — even of a
DuckDB or PostgreSQL destination, since every destination plugin registers at start-up. A
process that imported them already keeps them.
"""

from __future__ import annotations

import sys

SKIPPED = ("pandas", "numpy")


def _import_without_dataframes() -> None:
    if "sqlite_utils.db" in sys.modules:
        return
    skipped = [name for name in SKIPPED if name not in sys.modules]
    for name in skipped:
        sys.modules[name] = None  # type: ignore[assignment]  # `import` raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in skipped:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


_import_without_dataframes()

from sqlite_utils import Database  # noqa: E402
from sqlite_utils.migrations import Migrations  # noqa: E402

__all__ = ["Database", "Migrations"]
