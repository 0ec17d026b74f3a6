"""The scrub of raw records a JSON decoder made (an API's responses), told from their JSON text
instead of a walk over every value (issue 19).

`Scrubber`'s walk looks at every key and every string of a record, at any depth, to change
three things: a declared key (hashed or removed), a key starting with an ignored prefix
(removed), a string that is an e-mail address as a whole (hashed). `DecodedScrub` changes the
declared keys of the one object where a stream's records keep them (a Qualtrics response's
`values`) as the walk changes them, then writes the record as orjson does and reads the rest
off that text and the record's top level: when the text holds one "{" for the record and one
for each object among its values (so no object lies deeper: every key is a key of those), none
of those objects but the one changed holds a declared key or an ignored one, and the text holds
no "@" nor an encoded one (`encodes_at`: an e-mail address has one), the walk would change nothing more — the same
record, the same objects. Any other record (a deeper object, a "{" or "@" in a text, a declared key in
another place, a text orjson refuses, list items to remove) goes through the walk.
"""

from __future__ import annotations

from itertools import chain, compress, repeat
from operator import is_
from typing import Any

from cxbridge.json_text import DECODED_OPTIONS, orjson
from cxbridge.privacy import Scrubber


class DecodedScrub:
    """`scrubber`'s result for a stream's decoded records, the declared keys of the object
    under `inside` changed directly (see the module docstring)."""

    def __init__(self, scrubber: Scrubber, *, inside: str = "values"):
        self.walk = scrubber
        self.inside = inside
        self.hashed = scrubber.hashed_keys
        self.declared = scrubber.declared_keys
        self.look = not scrubber.keep_personal_data  # kept personal data keeps e-mail addresses in text too
        self.prefixes = scrubber.fields.ignored_prefixes
        self.usable = orjson is not None and scrubber.active and not scrubber.ignored_items
        self.text: bytes | None = None  # orjson's text of `last`, the record this way scrubbed last
        self.last: Any = None

    def __call__(self, raw: Any) -> Any:
        if not self.usable or type(raw) is not dict:
            return self.walk(raw)
        inner = raw.get(self.inside)
        scrubbed = raw
        if type(inner) is dict and (changed := self.declared.intersection(inner)):
            inner = inner.copy()  # changed keys keep their places, removed ones go
            for key in changed:
                if key in self.hashed:
                    inner[key] = self.walk.hash_value(inner[key])
                else:
                    del inner[key]
            scrubbed = raw.copy()
            scrubbed[self.inside] = inner
        try:
            text = orjson.dumps(scrubbed, option=DECODED_OPTIONS)  # as `json_text.decoded_json` writes it
        except TypeError:  # an int beyond 64 bits, a key not text, a lone surrogate, a type not JSON's (a date)
            return self.walk(raw)
        # "@" as a byte (`b"@" in` first fails to read it as one: a TypeError made and dropped), or encoded (encodes_at)
        if self.look and (0x40 in text or b"%40" in text or b"%2540" in text or b"&#" in text):
            return self.walk(raw)
        values = scrubbed.values()
        objects = list(compress(values, map(is_, map(type, values), repeat(dict))))
        if text.count(b"{") != 1 + len(objects):
            return self.walk(raw)
        if self.prefixes and any(map(str.startswith, chain(scrubbed, *objects), repeat(self.prefixes))):
            return self.walk(raw)
        if type(inner) is dict:
            objects.remove(inner)  # its declared keys were changed: the hashed ones stay
        if not self.declared.isdisjoint(chain(scrubbed, *objects)):
            return self.walk(raw)
        self.last, self.text = scrubbed, text
        return scrubbed

    def written(self, scrubbed: Any) -> bytes | None:
        """orjson's text of `scrubbed` (`json_text.DECODED_OPTIONS`'s options) when it is the record
        this scrub gave last, else None."""
        return self.text if scrubbed is self.last else None
