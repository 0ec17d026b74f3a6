"""The JSON text cxbridge stores (`answers`, `attributes`, `raw`, quarantined payloads, cursors)
and hashes (row content ids): compact, non-ASCII kept as is, unknown types as their str() —
byte for byte what `json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)`
writes, since stored rows and ids must not change with the encoder.

orjson writes most values ten times faster and, for these, the same bytes. It is used only when
nothing in the value can come out differently, else the json module writes it:

- every object in the value is an exact str, int, float, bool, None, list, tuple or dict
  (marshal, which accepts nothing else, says so in C): json writes subclasses through their own
  methods, an Enum or a date through `default=str`, which orjson writes otherwise;
- no float is NaN or infinite (json writes `NaN`, orjson `null`), none is written with an
  exponent or as 0.0000… (json writes 1e-05 where orjson writes 0.00001; any number that
  could be written so sends the value to json);
- orjson accepts it (it refuses ints beyond 64 bits, keys that are not str, lone surrogates
  and nesting deeper than 255).

Without orjson installed (an environment made before it became a dependency) everything goes
through json: the same text, slower.
"""

from __future__ import annotations

import json
import marshal
import re
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - an environment from before orjson was a dependency
    orjson = None  # type: ignore[assignment]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode

_NONFINITE = re.compile(rb"[g\xe7].{6}[\xf0-\xff][\x7f\xff]", re.DOTALL)
"""A float in marshal's bytes (type code `g`, with or without its reference flag, then 8 bytes
little-endian) whose exponent bits are all set: NaN or an infinity. Other bytes may match too:
such a value is then written by json, the same text."""
_EXPONENT_OR_TINY = re.compile(rb"[0-9]e[-+]|0\.0000")
"""A number written with an exponent or below 0.0001, which orjson may write unlike json (or a
string that reads so: json writes it, the same)."""
_FLOATS_AS_READ = orjson is not None and orjson.dumps([1e16, 1e-10, 1e-7]) == b"[1e+16,1e-10,1e-7]"
"""Whether this orjson writes exponents as `_EXPONENT_OR_TINY` finds them; else json writes all."""


def to_json(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is, unknown types as their str() (see the module docstring)."""
    text = orjson_text(value)
    return _encode(value) if text is None else text.decode()


def orjson_text(value: Any) -> bytes | None:
    """orjson's JSON of `value` when it is byte for byte json's, else None."""
    if not _FLOATS_AS_READ:
        return None
    if type(value) is dict and is_plain(value):  # no float to look for: orjson writes it as json does
        try:
            return orjson.dumps(value)
        except TypeError:  # a key that is not text, an int beyond 64 bits, a lone surrogate
            return None
    try:
        packed = marshal.dumps(value)  # ValueError: an object not of the exact builtin types
        text = orjson.dumps(value)  # JSONEncodeError, a TypeError
    except (ValueError, TypeError):
        return None
    if (0x7F in packed or 0xFF in packed) and _NONFINITE.search(packed):
        return None
    if (0x2B in text or text.find(b"e-") >= 0 or text.find(b"0.0000") >= 0) and _EXPONENT_OR_TINY.search(text):
        return None
    return text


_PLAIN = frozenset({str, int, bool, type(None)})
_PLAIN_OR_HOLDING = _PLAIN | {dict, list}


def is_plain(value: dict[Any, Any]) -> bool:
    """Whether the dict's values are exact str, int, bool or None, or dicts or lists of those
    (a row as read: its cells in `values`; an API response: its answers, labels and the
    questions shown) — types told apart in C, without marshal's pass over the whole value. Keys
    are left to orjson, which refuses any that is not text."""
    kinds = set(map(type, value.values()))
    if kinds <= _PLAIN:
        return True
    if not kinds <= _PLAIN_OR_HOLDING:
        return False
    for item in value.values():
        kind = type(item)
        if kind is dict:
            if not set(map(type, item.values())) <= _PLAIN:
                return False
        elif kind is list and not set(map(type, item)) <= _PLAIN:
            return False
    return True


DECODED_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
            if orjson is not None else 0)  # fmt: skip
"""What orjson writes its own way besides exact builtins refused (TypeError): subclasses of the
builtins, dates and times, dataclasses."""


def decoded_json(value: Any, written: bytes | None = None) -> str:
    """`to_json` of a value a JSON decoder made (exact dicts, lists, text, numbers, None — and
    text put in their place, as scrubbing does: an API response, a quarantined payload read
    back), with no pass over its types: orjson writes such a value as json does but for the
    floats `orjson_text` looks for, which it looks for in orjson's text here — NaN and the
    infinities (a decoder reading `NaN`) come out of orjson as `null`, so a text holding
    `null` has its floats looked at in marshal's bytes. `written`: orjson's text of `value`
    with `DECODED_OPTIONS`'s options, when the caller has it already (`cxbridge.decoded_scrub`)."""
    if _FLOATS_AS_READ:
        if written is not None:
            text = written
        else:
            try:
                text = orjson.dumps(value, option=DECODED_OPTIONS)
            except TypeError:  # an int beyond 64 bits, a lone surrogate, a key not text, a type not JSON's
                return _encode(value)
        if (0x2B in text or text.find(b"e-") >= 0 or text.find(b"0.0000") >= 0) and _EXPONENT_OR_TINY.search(text):
            return _encode(value)
        if text.find(b"null") < 0:
            return text.decode()
        try:
            packed = marshal.dumps(value)
        except ValueError:  # not JSON's types after all (an Enum, a UUID): json's text
            return _encode(value)
        if not ((0x7F in packed or 0xFF in packed) and _NONFINITE.search(packed)):
            return text.decode()
    return _encode(value)


def plain_json(value: dict[Any, Any]) -> str:
    """`to_json` of a dict its caller knows `is_plain` accepts (it has seen the same value types
    pass before, or the row comes from a table whose every cell is text: `Table.text`), without
    looking at the types again."""
    if _FLOATS_AS_READ:
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # a key that is not text, an int beyond 64 bits, a lone surrogate
            pass
    return _encode(value)
