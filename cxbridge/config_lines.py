"""Where each key of a config file is written, so an error naming a key names its line too
(`sources.store_nps.touchpont: unknown key; did you mean 'touchpoint'? (line 17)`). Keys are
named as validation names them: `sources.x.metrics.1.scale` is `scale` in the second
`[[sources.x.metrics]]`. A key found on no line of its own (inside an inline table) is placed
on the line of the nearest key holding it."""

from __future__ import annotations

import re
from collections.abc import Iterator

KeyLines = dict[str, int]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_PART = re.compile(r"""[A-Za-z0-9_-]+|"([^"]*)"|'([^']*)'""")


def key_lines(text: str) -> KeyLines:
    """The line (from 1) of each table, array entry and key the config text writes."""
    lines: KeyLines = {}
    for key, number, _ in _written(text):
        lines.setdefault(key, number)
    return lines


def written_twice(text: str) -> str | None:
    """`sources.x.touchpoint is written twice (lines 17 and 18)`: the first key the text gives two
    values (what TOML refuses as "Cannot overwrite a value", at the line after or at the end)."""
    seen: KeyLines = {}
    for key, number, is_key in _written(text):
        if is_key and key in seen:
            return f"{key} is written twice (lines {seen[key]} and {number})"
        seen.setdefault(key, number)
    return None


def _written(text: str) -> Iterator[tuple[str, int, bool]]:
    """Each table, array entry and key the text writes, with its line and whether it is a key."""
    arrays: dict[str, int] = {}  # each array of tables → its last entry's index
    table, in_text = "", False
    for number, line in enumerate(text.split("\n"), 1):
        was_in_text = in_text
        if line.count('"""') % 2 or line.count("'''") % 2:  # a multi-line string starts or ends here
            in_text = not in_text
        if was_in_text or line.lstrip().startswith("#"):
            continue
        if header := _HEADER.match(line):
            table = _in_entries(_dotted(header.group(2)), arrays)
            if header.group(1) == "[[":
                arrays[table] = arrays.get(table, -1) + 1
                table = f"{table}.{arrays[table]}"
            yield table, number, False
        elif key := _KEY.match(line):
            yield ".".join(filter(None, [table, _dotted(key.group(1))])), number, True


def on_line(key: str, lines: KeyLines) -> str:
    """` (line N)`, N the line of `key`, else of the nearest key or table holding it (a key
    missing: the table that lacks it); empty where none is known."""
    while key not in lines and "." in key:
        key = key.rsplit(".", 1)[0]
    return f" (line {lines[key]})" if key in lines else ""


def _dotted(name: str) -> str:
    return ".".join(found.group(1) or found.group(2) or found.group() for found in _PART.finditer(name))


def _in_entries(table: str, arrays: dict[str, int]) -> str:
    """`sources.x.metrics.labels` under `[[sources.x.metrics]]` is a table of its last entry."""
    for array in sorted(arrays, key=len, reverse=True):
        if table.startswith(array + "."):
            return f"{array}.{arrays[array]}{table[len(array):]}"
    return table
