"""Phone numbers as people write them: digits, a leading `+` (the country code in brackets with
it too: `(+44) 20 7946 0958`), and spaces, dots, dashes and brackets between (`+44 7700 900123`,
`(020) 7946-0018`), or one slash after the area code (`030/1234567`), 7 digits or more.

A value that is one as a whole (a column whose header says phone, a contact given to erase) is
told by that alone (`is_phone`). Inside free text, where dates, times, scores, amounts and order
numbers are written with the same characters, a run of them is taken for a phone number only in
a phone number's shape, 15 digits at most (E.164's): with a `+` and a country code, an area code
in brackets, a trunk `0` and one kind of separator throughout (`0161 496 0000`,
`01.23.45.67.89`), a slash after the area code (`030 / 123 45 67`), or North America's 3-3-4
groups (`555-123-4567`) — one rule with a whole value's: never one run of digits
alone, a date, a number grouped in thousands, nor one after `#` or a letter (`phones_inside`).
The patterns run in time linear in the text.

A trunk `0` written in brackets right after the country code (`+44 (0)20 7946 0958`) is not
dialled with it: the number is `+44 20 7946 0958` (`trunk_dropped`); and the international prefix
`00` before a country code stands for the `+` (`0044 20 7946 0958`), and with a region so does its
own exit code (the US's `011 44 …`, Australia's `0011 44 …`): a number is keyed by its digits from
the country code on (`number_digits`).

A number written without its country code (`020 7946 0958`) cannot be placed without knowing
where it was typed: with a region (`[settings] phone_region = "GB"`) it is keyed as that region's
international number (`442079460958`, its trunk `0` dropped by that country's rule, Google's
libphonenumber metadata through `phonenumbers`); without one, by its digits as written. The
region only places numbers, it never rejects one: what it cannot place keeps its digits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

MIN_DIGITS = 7
MAX_DIGITS = 15
SHORTEST = 5
"""The fewest digits a number keys someone by (`number_digits`: its country code counted when
written). 1–4 are an extension (`x204`), an emergency or short code (`112`, `999`, `911`), nobody's
number: the shortest anyone's are 4 digits dialled at home in Niue, Tokelau, Saint Helena, Tristan
da Cunha and Luxembourg (libphonenumber's metadata), 7 with their country code (`+683 7012`)."""
_WRITTEN = re.compile(r"\(?\+?[\d\s().-]+")
# a run of those characters inside a text (single spaces), starting and ending a number: not inside
# a word, an id (`#123`, `INV-123`), a path or a number (`1.5`), nor followed by one; at most 32
# characters, so that each place a run starts at is looked at in bounded time (and only a place
# where one may start: the first lookahead lets the others be skipped fast)
_SLASHED = r"(?:(?:\+|00)\d{1,3} ?(?:\(0\) ?)?\d{1,5}|0\d{1,5}) ?/ ?\d(?:\d|[ -](?=\d)){0,20}"
"""A number with one slash between its area code and the rest (`030/1234567`, `030 / 123 45 67`,
`+49 30/1234567`), as Germany and Austria wrote them before DIN 5008 of 2001 dropped the slash, and
many still do; the area code after a trunk `0` or a country code: no date, score or fraction is one."""
_RUN = re.compile(
    rf"(?=[+(\d])(?<![\w#/.,+-])(?:{_SLASHED}|\+?\(?\d(?:[\d().-]| (?=[\d(])){{0,30}}(?<=[\d)]))(?![\w#/%+]|[.,:-]\d)"
)
_SHAPE = re.compile(
    r"""\+\d.*                                     # + and a country code
      | \(\d+\)\ ?\d.*                             # an area code in brackets
      | 0\d+(?P<sep>[\ .-])\d+(?:(?P=sep)\d+)*     # a trunk 0, one kind of separator throughout
      | (?:1[\ .-])?\d{3}(?P<us>[\ .-])\d{3}(?P=us)\d{4}  # North American 3-3-4
    """,
    re.VERBOSE,
)
_SLASH_SHAPED = re.compile(_SLASHED)
_DATE = re.compile(r"\d{1,4}(?P<sep>[./-])\d{1,2}(?P=sep)\d{1,4}(?![\d./-])")  # 2025-06-01, 01.06.2025
_TRUNK = re.compile(r"\(?(?:\+|00)[\s.-]*(?P<code>\d{1,3})\)?[\s.-]*(?P<trunk>\(0\))")
_INTERNATIONAL = re.compile(r"\(?(?:\+|(?P<abroad>00)[\s.-]*\(?[1-9])")
"""The start of an international number: `+`, or the international prefix `00` and a country
code (none begins with 0). Not North America's `011`, which a number dialled at home may begin
with elsewhere (the UK's `0113`…`0118` area codes), unless the dataset's region says where numbers
are dialled (`exit_dialled`)."""
_NON_DIGITS = re.compile(r"\D")
_TWO_DIGIT_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 "
    "86 90 91 92 93 94 95 98".split()
)
"""The country codes of two digits (ITU-T E.164); 1 and 7 are of one, every other of three: no
code begins another, so a number's leading digits hold one."""
_ZERO_DIALLED = frozenset({"39", "225", "229", "241", "242", "378"})
"""Where a number's leading 0 is dialled after the country code too, a digit of the number and no
trunk (libphonenumber's metadata): Italy and the Vatican, Côte d'Ivoire, Benin, Gabon, the
Republic of the Congo, San Marino."""


def known_region(code: str) -> str:
    """`code` upper-cased, when it is a country phone numbers are dialled in (a config's
    `phone_region`, validated by `cxbridge.config.PhoneRegion`); ValueError naming it otherwise."""
    import phonenumbers  # here and below, not at the top: 20 ms to import, needed only with a region

    region = code.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"{code!r} is no ISO 3166 country code the phone number rules know; write the two letters of the "
            "country the numbers are typed in: GB (not UK), US, DE, FR, …"
        )
    return region


def is_phone(text: str, *, min_digits: int = MIN_DIGITS) -> bool:
    """Whether a value as a whole is written as a phone number (spaces around it allowed)."""
    written = text.strip()
    return bool(_WRITTEN.fullmatch(written) or _SLASH_SHAPED.fullmatch(written)) and _digits(text) >= min_digits


_EXTENSION = re.compile(r"(?P<number>.*?)[\s,]*(?:ext\.?|extension|x|#)\s*\d{1,5}", re.IGNORECASE)
"""A number and its extension after a marker (`… ext. 204`, `… x204`, `… #12`), or the extension alone."""


_PHONE_LABEL = re.compile(
    r"(?:t[ée]l[ée]phone|telefon|t[ée]l|tlf|phone|mobile?|mob|cell|handy|gsm)\.?\s*:?\s*(?=[+(\d])",
    re.IGNORECASE,
)
"""A word naming a phone before its number (`Tel. 020 7946 0958`, `tel:+44…`, `Mobile: 07700 900123`)."""


def reads_as_phone(text: str) -> bool:
    """Whether a phone cell's text reads as a phone number: `is_phone` of any length, after a word
    naming a phone (`Tel.`, `tel:`, `Mobile:`) or not, an extension after it or alone (fewer than
    `SHORTEST` digits: `x204`), and no other letters around its digits — `Order 12345`, `Ticket
    #884213`, `Room 12345`, `ID: 99812345` are an order's, a ticket's, a room's number, nobody's phone."""
    written = text.strip()
    if label := _PHONE_LABEL.match(written):
        written = written[label.end() :]
    if is_phone(written, min_digits=1):  # most cells: no extension to look for
        return True
    extended = _EXTENSION.fullmatch(written)
    if extended is None:
        return False
    return is_phone(extended["number"], min_digits=1) if extended["number"] else _digits(written) < SHORTEST


def phones_inside(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each phone number written inside it replaced by `replace` of it; the same
    object when none is."""
    replaced = _RUN.sub(lambda run: replace(run[0]) if _is_shaped(run[0]) else run[0], text)
    return replaced if replaced != text else text


def phones_in(text: str) -> Iterator[str]:
    """The phone numbers written inside `text`, as `phones_inside` finds them."""
    return (run[0] for run in _RUN.finditer(text) if _is_shaped(run[0]))


def _is_shaped(run: str) -> bool:
    shaped = _SHAPE.fullmatch(run) or _SLASH_SHAPED.fullmatch(run)
    return is_phone(run) and _digits(run) <= MAX_DIGITS and bool(shaped) and not _DATE.match(run)


def _digits(text: str) -> int:
    return sum(character.isdigit() for character in text)


def is_placeholder(text: str, digits: str, *, region: str | None = None) -> bool:
    """Whether a number written as `text` (keyed by `digits`, its `number_digits`) is a placeholder,
    nobody's number: after its country code when one is written, one digit repeated (`0000000000`,
    `555-555-5555`, `+1 (000) 000-0000`), a block of two or three repeated (`1212121212`, `123 123
    123`), or six digits or more counting up or down (`1234567890`, `0123456789`, `9876543210`).
    An area code keeps a number its person's: `+49 30 1234567`, `+44 20 7000 0000` are numbers."""
    if len(digits) >= 9 and digits[-6:] not in _placeholder_ends():  # its last six digits are its national number's
        return False
    international = _INTERNATIONAL.match(text) or (region is not None and exit_dialled(text, region) is not None)
    national = digits[_code_length(digits) :] if international else _NON_DIGITS.sub("", text)
    return bool(_REPEATED.fullmatch(national)) or len(national) >= 6 and (national in _UP or national in _DOWN)


_REPEATED = re.compile(r"(\d)\1*|(\d\d\d?)\2+")
_UP, _DOWN = "0123456789" * 2, "9876543210" * 2
"""Runs of consecutive digits, 0 after 9 counting up (`1234567890`) and 9 after 0 counting down."""


@lru_cache(maxsize=1)
def _placeholder_ends() -> frozenset[str]:
    """The last six digits of a placeholder of six digits or more: 1,110 strings, one look-up
    telling most numbers from placeholders at once (a number of 9 digits holds 6 after its country code)."""
    blocks = (f"{number:0{width}d}" for width in (1, 2, 3) for number in range(10**width))
    return frozenset(
        {(block * 6)[:6] for block in blocks} | {run[at : at + 6] for run in (_UP, _DOWN) for at in range(10)}
    )


def trunk_dropped(text: str) -> str:
    """`text` without the trunk `(0)` written right after its country code (`+44 (0)20 7946 0958`,
    `0049(0)30 1234567`); as written otherwise: a national number's `0`, a `0` not in brackets, a
    country's whose 0 is dialled (`+39 (0)6 …`)."""
    written = _TRUNK.match(text) if "(0)" in text else None  # most numbers hold none: no pattern run
    if written is None or not _has_trunk(written["code"]):
        return text
    return text[: written.start("trunk")] + text[written.end("trunk") :]


def number_digits(text: str, *, region: str | None = None) -> str:
    """The digits a phone number written as `text` is keyed by: a trunk `(0)` after the country
    code left out (`trunk_dropped`), and the international prefix `00` before the country code as
    its `+` is (`0044 20 7946 0958`: `442079460958`), and so `region`'s own (`exit_dialled`); a
    national number (`020 …`) as `region`'s international number (`regional_digits`), as written
    without a region."""
    if region is not None and (abroad := exit_dialled(text, region)) is not None:
        return number_digits(f"+{abroad}")
    digits = _NON_DIGITS.sub("", trunk_dropped(text))
    if digits[:2] == "00" and _after_00(text):
        return digits[2:]
    if region is None or _INTERNATIONAL.match(text) or not is_phone(text):
        return digits
    return regional_digits(text, region) or digits


@lru_cache(maxsize=4096)  # as `regional_digits`: a respondent's number is keyed again on each of their records
def exit_dialled(text: str, region: str) -> str | None:
    """What follows `region`'s own international prefix, its exit code, in a number written as
    `text` (`011 44 20 7946 0958` dialled in the US, `0011 44 …` in Australia: `44 …`); None when
    it begins with none and a country code. Without a region `011` is no exit code: the UK's
    `0113`…`0118` area codes begin so; Australia's `0011` reads as `00` and `11`. The prefixes are
    libphonenumber's (`phonenumbers`), a carrier's too (South Korea's `001`…`00700`)."""
    written = text.strip()
    if "+" in written or not is_phone(written):
        return None
    digits = _NON_DIGITS.sub("", written)
    prefix = _exit_code(region).match(digits)
    if prefix is None or digits[prefix.end() : prefix.end() + 1] in ("", "0"):  # no country code begins with 0
        return None
    last = [at for at, character in enumerate(written) if character.isdigit()][prefix.end() - 1]
    return written[last + 1 :].lstrip(" .-)/")


@lru_cache(maxsize=16)
def _exit_code(region: str) -> re.Pattern[str]:
    import phonenumbers

    return re.compile(phonenumbers.PhoneMetadata.metadata_for_region(region).international_prefix)


@lru_cache(maxsize=16)
def exit_codes(region: str) -> tuple[str, ...]:
    """Every exit code dialled abroad from `region` (Australia's `0011`, `0014`…; South Korea's
    carriers' `001`, `002`, `00700`…; Russia's `8~10` as `810`): the strings libphonenumber's
    international prefix pattern spells, and its preferred one."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    preferred = _NON_DIGITS.sub("", metadata.preferred_international_prefix or "")
    spelled = _spelled(metadata.international_prefix) if metadata.international_prefix else []
    return tuple(dict.fromkeys(code for code in [preferred, *spelled] if code))


def _spelled(pattern: str) -> list[str]:
    """The digit strings a prefix pattern of libphonenumber's matches whole: digits, `\\d`, `[…]`,
    `(?:…|…)`, `|` and `?` are all its prefixes use (every region's is spelled in the tests)."""
    strings, rest = _alternatives(pattern)
    if rest:
        raise ValueError(f"cannot spell the prefix pattern {pattern!r} at {rest!r}")
    return strings


def _alternatives(pattern: str) -> tuple[list[str], str]:
    strings, rest = _sequence(pattern)
    while rest.startswith("|"):
        more, rest = _sequence(rest[1:])
        strings += more
    return strings, rest


def _sequence(pattern: str) -> tuple[list[str], str]:
    strings, rest = [""], pattern
    while rest and rest[0] not in "|)":
        atom, rest = _atom(rest)
        if rest.startswith("?"):
            atom, rest = ["", *atom], rest[1:]
        strings = [start + end for start in strings for end in atom]
    return strings, rest


def _atom(pattern: str) -> tuple[list[str], str]:
    if pattern.startswith("(?:"):
        inner, rest = _alternatives(pattern[3:])
        if not rest.startswith(")"):
            raise ValueError(f"unclosed group in {pattern!r}")
        return inner, rest[1:]
    if pattern.startswith("\\d"):
        return list("0123456789"), pattern[2:]
    if pattern.startswith("[") and "]" in pattern:
        end = pattern.index("]")
        return [digit for digit in "0123456789" if re.fullmatch(pattern[: end + 1], digit)], pattern[end + 1 :]
    if pattern[:1].isdigit():
        return [pattern[0]], pattern[1:]
    raise ValueError(f"cannot spell {pattern!r}")


@lru_cache(maxsize=4096)
def regional_digits(text: str, region: str) -> str | None:
    """The E.164 digits of a number written without its country code, dialled in `region`
    (`020 7946 0958` in GB: `442079460958`); None when the rules of `region` cannot place it."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def _national_digits(digits: str, region: str) -> str | None:
    """How an international number's `digits` are written at home in `region` (`442079460958` in
    GB: `02079460958`); None when it is another country's."""
    import phonenumbers

    try:
        number = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != phonenumbers.country_code_for_region(region):
        return None
    return _NON_DIGITS.sub("", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))


def former_digits(text: str, *, region: str | None = None) -> list[str]:
    """What the rules before kept of a number written as `text`, besides its `number_digits`,
    which key the records stored then. Of an international number (before 2026-12-07): its digits
    after `00` (`0044 20 7946 0958`: `00442079460958`), and those written with a trunk `(0)`, a
    `0` after the country code (`+44 (0)20 …`: `4402079460958`; `0044 (0)20 …`:
    `004402079460958`) unless the country dials its 0 there. With a `region`, before it was set:
    a number of that region as typed at home (`02079460958`), and a national number's
    international forms. With a region, before its exit code stood for the `+` (2026-12-07): a
    number written with it as its digits (`0011 44 …`: `0011442079460958`), after `00` if it
    begins so (`11442079460958`), or as `regional_digits` placed it; and an international number
    written so with each of the region's exit codes (`exit_codes`: South Korea's `002 44 …` as
    `2442079460958` too, not only the preferred one's). None for a national number without a
    region, or no phone number."""
    written = text.strip()
    if not is_phone(written):
        return []
    if region is not None and (abroad := exit_dialled(written, region)) is not None:
        digits = _NON_DIGITS.sub("", written)
        before = [digits, digits[2:] if _after_00(written) else None, regional_digits(written, region)]
        found = [*filter(None, before), *former_digits(f"+{abroad}", region=region)]
        return list(dict.fromkeys(digits for digits in found if digits != number_digits(f"+{abroad}")))
    if _INTERNATIONAL.match(written) is None:
        placed = None if region is None else regional_digits(written, region)
        if placed is None:
            return []
        return list(dict.fromkeys([number_digits(written), *former_digits(f"+{placed}", region=region)]))
    number = number_digits(written)
    code = _country_code(number)
    numbers = [number, f"{code}0{number[len(code) :]}"] if _has_trunk(code) else [number]
    national = None if region is None else _national_digits(number, region)
    codes = () if region is None else exit_codes(region)
    dialled = [f"{code}{digits}" for code in codes for digits in numbers]
    dialled += [f"{code[2:]}{digits}" for code in codes if _after_00(code) for digits in numbers]  # 0011: 00 and 11
    found = [*(f"00{digits}" for digits in numbers), *numbers[1:], *([national] if national else []), *dialled]
    return list(dict.fromkeys(digits for digits in found if digits != number))


def _after_00(text: str) -> bool:
    """Whether `text` begins with the international prefix `00` and a country code."""
    international = _INTERNATIONAL.match(text)
    return international is not None and bool(international["abroad"])


def _country_code(digits: str) -> str:
    """The country code an international number's `digits` (after `+` or `00`) begin with."""
    return digits[: _code_length(digits)]


def _code_length(digits: str) -> int:
    return 1 if digits[:1] in ("1", "7") else 2 if digits[:2] in _TWO_DIGIT_CODES else 3


def _has_trunk(code: str) -> bool:
    """Whether `code` is a whole country code whose numbers are dialled without a trunk 0 after it."""
    return len(code) == _code_length(code) and code not in _ZERO_DIALLED
