"""Personal data out of everything cxbridge writes: the one place a raw record is scrubbed,
before it is normalized, so that `raw`, `answers`, `attributes`, comments, `quarantine.raw`,
logs and errors only ever see what is left.

A stream declares which fields of its raw records are personal (`Stream.personal_fields`), by
key name at any depth of the record:

- contacts (e-mail, phone, and columns the config calls `personal`) become `hashed:<key>`, the
  salted hash that also fills `respondent_key` — so a quarantined record still replays;
- other personal fields (names, IP addresses, locations) are removed;
- ignored fields (the config's `ignore`, a question's `ignore = true`) are always removed.

Besides, any string — a value or a key — that is an e-mail address as a whole becomes its
`hashed:` key, wherever it is: also as a `mailto:` link, with a display name, a list of
addresses, or encoded (`ann%40example.com`, `ann%2540…`, `ann&#64;…`); and a link (`https://…` as a whole) keeps
everything but the addresses in its path or query (`cxbridge.addresses`). A file named like an
address is named with its key (`Scrubber.file_name`), by the file sources. Free text is kept as
written: an address inside a sentence stays there.
`keep_personal_data = true` keeps contacts and personal fields as they came (ignored fields
still go), for teams that follow up with respondents.

The rows of a table of text (a delimited file's: the same keys in every row, cells that are text
or None) can take a shorter way to the same result (`Scrubber.text_rows`, issue 19): their
declared columns are known once, and the rest of a row needs no walk when none of its text
holds an "@" or an encoded one (`may_hold_address`) — without one, no string is an e-mail address.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from cxbridge.addresses import in_file_name, in_link, inside, may_hold_address, written_addresses
from cxbridge.phones import phones_inside
from cxbridge.respondents import RespondentKeys

_REMOVED = object()


@dataclass(frozen=True)
class PersonalFields:
    """The personal fields of one stream's raw records, by key (matched at any depth)."""

    contacts: frozenset[str] = frozenset()
    """Replaced by `hashed:<respondent key>` (e-mail, phone, other identifying values)."""
    personal: frozenset[str] = frozenset()
    """Removed (names, IP addresses, locations)."""
    ignored: frozenset[str] = frozenset()
    """Removed even with `keep_personal_data`."""
    ignored_prefixes: tuple[str, ...] = ()
    """Keys starting with one of these are removed like `ignored` (the parts of an answer: QID4_…)."""
    ignored_items: tuple[tuple[str, frozenset[str]], ...] = ()
    """(field, values): list items that are objects whose `field` is one of `values` are removed
    (the answers of an ignored question in a list of answers); a dotted field (`field.id`) is
    looked up inside the item."""

    def __or__(self, other: PersonalFields) -> PersonalFields:
        return PersonalFields(
            self.contacts | other.contacts,
            self.personal | other.personal,
            self.ignored | other.ignored,
            self.ignored_prefixes + other.ignored_prefixes,
            self.ignored_items + other.ignored_items,
        )


class Scrubber:
    """Scrubs the raw records of one stream (see the module docstring)."""

    def __init__(self, fields: PersonalFields, keys: RespondentKeys, *, keep_personal_data: bool = False):
        self.fields = fields
        self.keys = keys
        self.keep_personal_data = keep_personal_data
        if keep_personal_data:  # a contact is hashed, never dropped, so that its key survives
            self.hashed_keys = fields.contacts & fields.ignored
            self.removed_keys = fields.ignored - fields.contacts
        else:
            self.hashed_keys = fields.contacts
            self.removed_keys = (fields.ignored | fields.personal) - fields.contacts
        self.declared_keys = self.hashed_keys | self.removed_keys
        self.ignored_items = dict(fields.ignored_items)
        self.active = bool(self.declared_keys or self.ignored_items or fields.ignored_prefixes or not keep_personal_data)

    def adding(self, fields: PersonalFields) -> Scrubber:
        """This scrubber, scrubbing `fields` too (the columns a file source's entries name by
        their header, in the table being read)."""
        return Scrubber(self.fields | fields, self.keys, keep_personal_data=self.keep_personal_data)

    def __call__(self, raw: Any) -> Any:
        """`raw` without its personal data (the same object when nothing had to change)."""
        return self._value(raw) if self.active else raw

    def text_rows(self, raw: dict[str, Any]) -> TextRows | None:
        """The scrub of the rows of the table `raw` is one of, when they are rows of text (see
        `TextRows`), or None when its keys need the walk (one is declared or may be an address,
        or a top-level one holds an object)."""
        if not self.active:
            return None
        changed = self.declared_keys, self.fields.ignored_prefixes
        for key, item in raw.items():
            if _declared(key, *changed) or (key != "values" and (type(item) is dict or type(item) is list)):
                return None
        if type(raw.get("values")) is not dict:
            return None
        if any(type(key) is str and may_hold_address(key) for key in chain(raw, raw["values"])):
            return None  # a column named like an address: the walk renames it in every row
        return TextRows(self, raw)

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self._text(value) if may_hold_address(value) else value
        if kind is dict:
            return self._object(value)
        if kind is list:
            return self._list(value)
        return value

    def _text(self, text: str, pseudonym: Callable[[str], str] | None = None) -> str:
        """A text that is addresses as a whole, or a link holding some, with each address as its
        `hashed:` key (or as `pseudonym` names it); any other text is the same object."""
        if self.keep_personal_data:
            return text
        pseudonym = pseudonym or self._pseudonym
        found = written_addresses(text.strip())
        return in_link(text, pseudonym) if found is None else ", ".join(map(pseudonym, found))

    def file_name(self, name: str) -> str:
        """A file's (or a sheet's) name as cxbridge shows and keeps it (in `raw`, a file source's
        cursor, log lines and errors): each address in it as its `hashed:` key, the folders and
        extension kept (`exports/hashed:….csv`); as read with `keep_personal_data`. An address
        written in capitals (`Jane@…`) has a few digits of a hash of it as written after its key
        (`hashed:<key>-1a2b3c4d`): names that differ only in letter case name two files."""
        return name if self.keep_personal_data else in_file_name(name, self._named_pseudonym)

    def folded_file_name(self, name: str) -> str:
        """`file_name` as cxbridge wrote it before names differing in letter case were told apart
        (every address as its key alone): a file source's cursor may hold it."""
        return name if self.keep_personal_data else in_file_name(name, self._pseudonym)

    def _named_pseudonym(self, address: str) -> str:
        pseudonym = self._pseudonym(address)
        return pseudonym if address == address.casefold() else f"{pseudonym}-{self.keys.cased(address)}"

    def sheet_name(self, name: str) -> str:
        """A workbook sheet's name as cxbridge shows and keeps it (`raw.sheet`, messages): as
        `key_name` names a key, an address written in capitals with the digits `file_name` gives
        it — two sheets named alike but for letter case are two, as two files are."""
        return self.key_name(name, cased=True)

    def key_name(self, key: str, *, cased: bool = False) -> str:
        """The name a key or column takes in a scrubbed record: an address as its `hashed:` key,
        whole (`ann@example.com`, written in any form `_text` reads) or inside a longer name
        (`Contact (hashed:<key>)`), anything else as it is (a mapping naming the column as read
        finds it by this name). `cased`: an address written in capitals with the digits
        `file_name` gives it (`_renamed`)."""
        if self.keep_personal_data or not may_hold_address(key):
            return key
        pseudonym = self._named_pseudonym if cased else self._pseudonym
        whole = self._text(key, pseudonym)
        return whole if whole is not key else inside(key, pseudonym)

    def _pseudonym(self, address: str) -> str:
        return self.keys.pseudonym(address) or address

    def quoted(self, text: str) -> str:
        """`text` as messages quote it (inspect's evidence, a warning quoting answers): each address
        in it as its `hashed:` key (`key_name`) and each phone number in it as the key a phone
        column stores (`phones_inside`), even in free text, which is stored as written; as read
        with `keep_personal_data`. The same object when nothing changes."""
        return text if self.keep_personal_data else phones_inside(self.key_name(text), self._pseudonym)

    def _object(self, value: dict[str, Any]) -> dict[str, Any]:
        """A copy with the personal keys changed, made only when something changes."""
        declared, prefixes = self.declared_keys, self.fields.ignored_prefixes
        changes: dict[str, Any] | None = None
        renamed = self._renames(value)
        for key, item in value.items():
            # a mapping may name a column as messages show it (an address in it as its key)
            named = self.key_name(key) if renamed and key not in declared and type(key) is str else key
            if named in declared or (prefixes and named.startswith(prefixes)):
                change = self.hash_value(item) if named in self.hashed_keys else _REMOVED
            elif (kind := type(item)) is str:
                # may_hold_address, coarser and without a call: most values have none of these
                if ("@" not in item and "%" not in item and "&#" not in item) or (change := self._text(item)) is item:
                    continue
            elif (kind is not dict and kind is not list) or (change := self._value(item)) is item:
                continue
            if changes is None:
                changes = {}
            changes[key] = change
        if changes is None and not renamed:
            return value
        scrubbed = value.copy()  # changed keys keep their places, removed ones go
        for key, change in (changes or {}).items():
            if change is _REMOVED:
                del scrubbed[key]
            else:
                scrubbed[key] = change
        return self._renamed(scrubbed) if renamed else scrubbed

    def _renamed(self, value: dict[str, Any]) -> dict[str, Any]:
        """`value` with each key named by `key_name`, in its place. Keys that would take one name
        (an address in them written in other letter case: `for Kim@…`, `for kim@…`) keep a value
        each: one written in capitals is named as a file so named is (`file_name`), whatever the
        keys' order."""
        names = [self.key_name(key) if type(key) is str else key for key in value]
        if len(set(names)) < len(names):
            shared = {name for name, count in Counter(names).items() if count > 1}
            names = [self.key_name(key, cased=True) if name in shared else name for key, name in zip(value, names)]
        return dict(zip(names, value.values()))

    def _renames(self, value: dict[str, Any]) -> bool:
        """Whether a key of `value` is an address (its `hashed:` key takes its place): the keys
        are looked at joined, once (most objects: no key holds an "@")."""
        if self.keep_personal_data:
            return False
        try:
            if not may_hold_address("\x1f".join(value)):
                return False
        except TypeError:  # a key not text (a Python source's own dict)
            pass
        return any(type(key) is str and may_hold_address(key) and self.key_name(key) is not key for key in value)

    def _list(self, value: list[Any]) -> list[Any]:
        scrubbed = [self._value(item) for item in value if not self._is_removed_item(item)]
        same = len(scrubbed) == len(value) and all(new is old for new, old in zip(scrubbed, value, strict=True))
        return value if same else scrubbed

    def _is_removed_item(self, item: Any) -> bool:
        if not self.ignored_items or not isinstance(item, dict):
            return False
        found = ((_at(item, name), values) for name, values in self.ignored_items.items())
        return any(value is not None and str(value) in values for value, values in found)

    def hash_value(self, value: Any) -> Any:
        """A contact's every value as its `hashed:` key (numbers too: a phone read from a sheet)."""
        if type(value) is dict:
            return {key: self.hash_value(item) for key, item in value.items()}
        if type(value) is list:
            return [self.hash_value(item) for item in value]
        return None if value is None else self.keys.pseudonym(value)


class TextRows:
    """The scrub of the rows of one table of text — raw records with the same keys, whose
    `values` are text or None under the same column keys, and whose other fields keep their kind
    from row to row (text or None; numbers) — giving what the walk (`Scrubber.__call__`) gives,
    in fewer steps: the declared columns are found once and changed as the walk changes them
    (contacts hashed, the others removed); the row's other text is looked at once, joined, and
    a row in which it may hold an "@" (an e-mail address to hash could only be there) goes
    through the walk instead."""

    def __init__(self, scrubber: Scrubber, raw: dict[str, Any]):
        self.scrubber = scrubber
        self.pseudonym = scrubber.keys.pseudonym
        changed = scrubber.declared_keys, scrubber.fields.ignored_prefixes
        declared = [key for key in raw["values"] if _declared(key, *changed)]
        self.hashed = tuple(key for key in declared if key in scrubber.hashed_keys)
        self.removed = tuple(key for key in declared if key not in scrubber.hashed_keys)
        # the fields beside `values` that hold text (the file, the id), looked at too
        self.beside = tuple(key for key, item in raw.items() if key != "values" and (item is None or type(item) is str))
        self.look = not scrubber.keep_personal_data  # kept personal data keeps free-text addresses too

    def __call__(self, raw: dict[str, Any]) -> dict[str, Any]:
        values = raw["values"]
        if self.hashed or self.removed:
            values = values.copy()  # changed keys keep their places, removed ones go
            for key in self.hashed:
                if (value := values[key]) is not None:  # None stays None (`Scrubber.hash_value`)
                    values[key] = self.pseudonym(value)
            for key in self.removed:
                del values[key]
        if self.look:
            if may_hold_address("".join(filter(None, values.values()))):
                return self.scrubber(raw)  # a column not declared may hold an address: the walk tells
            for key in self.beside:
                if (item := raw[key]) is not None and may_hold_address(item):
                    return self.scrubber(raw)
        if values is raw["values"]:
            return raw  # nothing changed: the same object, as the walk gives it
        scrubbed = raw.copy()
        scrubbed["values"] = values
        return scrubbed


def _declared(key: str, declared: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    """Whether the walk changes what is under `key` whatever it holds (hashed or removed)."""
    return key in declared or bool(prefixes and key.startswith(prefixes))


def _at(item: dict[str, Any], path: str) -> Any:
    """The value at a dotted path inside an object, or None."""
    found: Any = item
    for key in path.split("."):
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found


def ignored_questions(overrides: Mapping[str, Any], *, by_survey: bool = False) -> frozenset[str]:
    """The question ids a connector's `questions` config marks `ignore = true`; `by_survey`: a key
    `<survey id>/<question id>` names the id after the slash (removed wherever a raw answer carries it)."""
    found = (question for question, override in overrides.items() if getattr(override, "ignore", False))
    return frozenset(question.rsplit("/", 1)[-1] if by_survey else question for question in found)
