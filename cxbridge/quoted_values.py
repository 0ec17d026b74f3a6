"""How a record's problem quotes the value it is about — a reason stored in `quarantine.error`,
listed by `cxbridge quarantine list`, counted in summaries, logged, and quoted in the run's error
when every record went to quarantine. A score, date or status cell holds whatever a person typed
there — a name too — so a value is quoted only when it looks like an answer such a cell could hold
(a number, a date, a short code, a label a built-in scale knows: '11', 'x1', '31/02/2025 10:00',
'Très satisfait') and holds no contact; anything else is named by what it is ('Jane Quill': a text
of 2 words; docs/security.md): the reason names the file, row and field to fix it at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from cxbridge.addresses import inside, may_hold_address, written_addresses
from cxbridge.phones import is_phone, phones_in
from cxbridge.respondents import PSEUDONYM_PREFIX as PSEUDONYM  # an address the privacy step keyed

MAX_WORDS = 4
MAX_CHARACTERS = 40
_DIGITS = re.compile(r"\d{7,}")  # a phone number's digits alone (447700900123), or an account's number
_WORD = re.compile(r"[^\W\d_]+")  # letters: '1 - 2 times a month' is of 3 words
MAX_CODE_LETTERS = 3  # a run of letters in a code, date or time: 'x1', '1e400', 'Oct', 'PM', 'GMT+5'
_WORD_AND_NUMBER = re.compile(r"^(?:[^\W\d_]+\s+[+-]?\d+(?:[.,]\d+)?|[+-]?\d+(?:[.,]\d+)?\s+[^\W\d_]+)$")  # 'Jo 10'


def quoted(value: Any, written: Callable[[Any], str] = repr, *, known: Iterable[str] = ()) -> str:
    """`value` as `written` writes it (quoted, by default), or what it is, in brackets, when it
    may not be quoted (`withheld`, `looks_like_an_answer`): `(an e-mail address, not shown)`, `(a
    text of 2 words, not shown)`. `known`: the labels of the caller's scale ('Extremely Happy')."""
    shown = written(value)
    text = value if isinstance(value, str) else shown
    what = withheld(text)
    if what is None and not isinstance(value, int | float | None) and not looks_like_an_answer(text, known=known):
        what = described(text)
    return _shown_or_named(shown, what)


def looks_like_an_answer(text: str, *, known: Iterable[str] = ()) -> bool:
    """Whether `text` is what a score, date or status cell holds when typed in as meant: a label a
    built-in scale or `known` holds ('Très satisfait', '5 - Very satisfied', 'N/A', '#REF!'), or a number, date,
    time or code — no more letters than digits, in runs of at most `MAX_CODE_LETTERS`. A word
    that is neither may be a name ('Jane Quill', 'Sorta'), which a reason does not quote, and so
    may a word standing apart beside a number and nothing else ('Jo 10': Jo gave 10)."""
    words = _WORD.findall(text)
    if not words:
        return True
    short = sum(map(len, words)) <= sum(map(str.isdigit, text)) and max(map(len, words)) <= MAX_CODE_LETTERS
    if short and not _WORD_AND_NUMBER.match(text.strip()):
        return True
    return _known_label(text, known)


def described(text: str) -> str:
    """What a value no scale knows is, by its length alone: 'a word of 4 letters', 'a text of 2
    words', 'a text of 6 characters' (letters and digits)."""
    words = _WORD.findall(text.strip())
    if len(words) > 1:
        return f"a text of {len(words)} words"
    if words and words[0] == text.strip():
        return f"a word of {len(text.strip())} letters"
    return f"a text of {len(text.strip())} characters"


def _known_label(text: str, known: Iterable[str]) -> bool:
    from cxbridge.detection.labels import label_key  # it builds on metrics, which quotes with this module
    from cxbridge.metrics import shown_words

    labels = _built_in_labels() | {label_key(label) for label in known}
    words = shown_words(text)  # of '5 - Very satisfied'; '' for words alone
    return label_key(text) in labels or bool(words) and label_key(words) in labels


@cache
def _built_in_labels() -> frozenset[str]:
    """Every label of the built-in scales, answers that carry no score, Yes/No, a formula's error."""
    from cxbridge.detection.labels import NO, NO_SCORE_LABELS, SCALES, YES, label_key
    from cxbridge.metrics import FORMULA_ERRORS

    points = {label for scale in SCALES for label in scale.values()}
    return frozenset(label_key(label) for label in points | NO_SCORE_LABELS | YES | NO | FORMULA_ERRORS)


def shown_in(message: str, value: Any) -> str:
    """`message` — a pydantic validator's, which a plugin may write as `f"store {value!r} …"` —
    with `value` shown as a reason shows it (`quoted`) wherever it quotes or writes it out. Of an
    object (a model validator's input: the whole record) only the texts `withheld` names are
    replaced: its other words may be the message's own ('complete', 'email')."""
    for text in _texts(value):
        shown = quoted(text) if isinstance(value, str) else _named(text)
        if shown != repr(text):
            message = message.replace(repr(text), shown).replace(text, shown)
    return message


def _named(text: str) -> str:
    """`text` quoted unless `withheld` names it: words no scale knows are quoted here, for they
    may be the message's own."""
    return _shown_or_named(repr(text), withheld(text))


def _shown_or_named(shown: str, what: str | None) -> str:
    return shown if what is None else f"({what}, not shown)"


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, dict | list | tuple):
        for part in value.values() if isinstance(value, dict) else value:
            yield from _texts(part)


def withheld(text: str) -> str | None:
    """What `text` is when it is not to be quoted: an e-mail address (or its key) or a phone
    number, as a whole or inside a text, a number of 7 digits or more, a text of more than
    `MAX_WORDS` words (runs of letters) or `MAX_CHARACTERS` characters; None for a value that may be quoted."""
    text = text.strip()
    if PSEUDONYM in text or may_hold_address(text):
        if written_addresses(text) is not None or (text.startswith(PSEUDONYM) and " " not in text):
            return "an e-mail address"
        if PSEUDONYM in text or inside(text, lambda address: "") != text:
            return "a text holding an e-mail address"
    if any(phones_in(text)):
        return "a phone number" if is_phone(text) else "a text holding a phone number"
    if digits := _DIGITS.search(text):
        return (
            f"a number of {len(digits[0])} digits" if digits[0] == text.lstrip("+") else "a text holding a long number"
        )
    words = len(_WORD.findall(text))
    if words > MAX_WORDS:
        return f"a text of {words} words"
    if len(text) > MAX_CHARACTERS:
        return f"a text of {len(text)} characters"
    return None


_NOT_SHOWN = re.compile(r"\([^()]*, not shown\)")
_QUOTED = re.compile(r"(?<!\w)(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")(?!\w)")
_NUMBER = re.compile(r"(?<= )[+-]?\d+(?:[.,]\d+)*(?= |$)")  # 11, -1, 4.5 as a word; not 0–10, (1, true)


def rule_of(reason: str, field: str | None) -> str:
    """The rule a quarantine `reason` whose DataError names no kind breaks (a third-party plugin's,
    a validator's: `SourceResult.count_reasons`), the same for every row it holds: its first clause
    (the problem, not the advice) with each value of the row as `…` — a value `quoted`, named by
    what it is, or a bare number — but `field`'s own name: "question 'nps': nps answer … is outside
    its scale 0–10"."""
    name = repr(field) if field else None
    text = _NOT_SHOWN.sub("…", reason)
    text = _QUOTED.sub(lambda match: match[0] if match[0] == name else "…", text)
    return _NUMBER.sub("…", text.split("; ", 1)[0])
