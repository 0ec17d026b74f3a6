"""Which text encoding a file is in: a byte-order mark, UTF-16 without one, strict UTF-8, and
otherwise the Windows code page (cp1251, cp1250, cp1252) whose decoding reads most like words —
or Mac Roman (Excel for Mac's "CSV (Macintosh)"), where it alone reads as words.

General-purpose detectors guess poorly on the short, mostly-ASCII texts that survey exports are
(a Polish sheet in cp1250 is often taken for cp1252); scoring the few code pages such files are
really written in, by the letters each one produces, decides them reliably.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cxbridge.errors import SourceError

SAMPLE_BYTES = 1 << 20
SCORED_BYTES = 64 * 1024
SINGLE_BYTE = ("cp1252", "cp1250", "cp1251")  # ties go to the first
MAC_ROMAN = "mac_roman"
"""Its common accented letters are at 0x80–0x9F, cp1252's punctuation (é is Ž there), its symbols
at cp1252's letters: chosen only when it scores above zero and above every Windows code page."""
FALLBACK = "latin-1"  # decodes any byte; chosen only when every code page fails
GUESSED = (*SINGLE_BYTE, MAC_ROMAN, FALLBACK)
"""The encodings a file gets from its letters, not from its bytes' rules: `guess_note` says how to set another."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_COMMON_LETTERS = frozenset(
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"  # Polish
    "čďěňřšťůžýČĎĚŇŘŠŤŮŽÝ"  # Czech, Slovak
    "äöüßÄÖÜ"  # German
    "àâçéèêëîïôùûœÀÂÇÉÈÊËÎÏÔÙÛŒ"  # French
    "áíñúÁÍÑÚãõÃÕ"  # Spanish, Portuguese
    "æøåÆØÅ"  # Danish, Norwegian, Swedish
)
# Letters of one language's alphabet that never meet the other's in a word: Polish ć, ł, ż…
# beside Czech ř, ě, ů… is a latin-1 word (Ærø) misread as cp1250 (Ćrř). Croatian ć, č, š, ž mix.
_POLISH_ONLY = frozenset("ąćęłńśźżĄĆĘŁŃŚŹŻ")
_CZECH_ONLY = frozenset("ďěňřťůľĺŕĎĚŇŘŤŮĽĹŔ")
_SEPARATORS = re.compile(r"[\s\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+")
_VOWELS = frozenset("aeiouáéíóúAEIOUÁÉÍÓÚ")


@dataclass(frozen=True)
class DetectedEncoding:
    encoding: str
    evidence: str


def detect_encoding(path: Path) -> DetectedEncoding:
    """The encoding of a text file, with the reason it was chosen."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        for bom, name in _BOMS:
            if head.startswith(bom):
                return DetectedEncoding(name, f"starts with the {name.upper().removesuffix('-SIG')} byte-order mark")
        if utf16 := _utf16_without_bom(head):
            return DetectedEncoding(utf16, "every other byte is zero: UTF-16 text without a byte-order mark")
        sample = head if not head.isascii() else _first_non_ascii_chunk(handle)
    if not sample:
        return DetectedEncoding("utf-8", "only ASCII characters")
    if _is_utf8(sample):
        return DetectedEncoding("utf-8", "valid UTF-8 with non-ASCII characters")
    return _best_code_page(sample)


def with_byte_order(path: Path, encoding: str, identity: str) -> str:
    """A configured `utf-16` as the file needs it: as it stands when the file starts with a
    byte-order mark, else the byte order its zero bytes show; neither is a data error."""
    if codecs.lookup(encoding).name != "utf-16":
        return encoding
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return encoding
    if found := _utf16_without_bom(head):
        return found
    raise SourceError(
        f"{identity}: encoding = {encoding!r}, but the file has no byte-order mark and does not read as UTF-16; "
        f"set 'encoding' to the file's real encoding (or 'auto')"
    )


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _first_non_ascii_chunk(handle) -> bytes:
    """The first block after the sample that holds a non-ASCII byte, cut at a line start."""
    while chunk := handle.read(SAMPLE_BYTES):
        if not chunk.isascii():
            newline = chunk.find(b"\n")
            return chunk[newline + 1 :] if 0 <= newline < len(chunk) - 1 else chunk
    return b""


def _is_utf8(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _best_code_page(sample: bytes) -> DetectedEncoding:
    sample = _non_ascii_lines(sample)
    scores: dict[str, int] = {}
    for name in SINGLE_BYTE:
        try:
            scores[name] = plausibility(sample.decode(name))
        except UnicodeDecodeError:
            continue
    mac = plausibility(sample.decode(MAC_ROMAN))
    if mac > max([0, *scores.values()]):
        scores[MAC_ROMAN] = mac
    elif not scores:
        return DetectedEncoding(FALLBACK, "not UTF-8 and not a Windows code page; read as latin-1")
    best = max(scores, key=lambda name: scores[name])
    others = ", ".join(f"{name} {score}" for name, score in scores.items() if name != best)
    return DetectedEncoding(best, f"not valid UTF-8; {best} reads most like words (score {scores[best]}; {others})")


def guess_note(encoding: str) -> str | None:
    """What `inspect` says of an encoding guessed from the letters it reads: that it is one, and
    how to set the file's own when its words read wrong."""
    if encoding not in GUESSED:
        return None
    first, *others = (name for name in (MAC_ROMAN, *SINGLE_BYTE, FALLBACK) if name != encoding)
    return (
        f"encoding {encoding!r} is a guess from the letters it reads: if words read wrong ('OpŽra' for 'Opéra': a "
        f"Mac file read as cp1252), set the file's own, encoding = {first!r} (or {', '.join(map(repr, others))}), "
        "for the source or in the mapping"
    )


def _non_ascii_lines(sample: bytes, limit: int = SCORED_BYTES) -> bytes:
    """The lines that hold non-ASCII bytes, up to `limit` bytes: all that scoring needs."""
    kept, size = [], 0
    for line in sample.splitlines():
        if not line.isascii():
            kept.append(line)
            size += len(line)
            if size >= limit:
                break
    return b"\n".join(kept)


def plausibility(text: str) -> int:
    """How much `text` looks like real words: common accented letters and whole Cyrillic words
    score; symbols inside words, Cyrillic mixed with Latin, and all-accented words cost. A letter
    standing alone is no word: the euro sign (0x80) of cp1252 and cp1250 is cp1251's Ђ and Mac
    Roman's Ä, so every price '€ 5,00' would count for either."""
    score = 0
    for word in _words(text):
        if word.isascii():
            continue
        letters = [c for c in word if c.isalpha()]
        cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters)
        ascii_letters = sum(c.isascii() for c in letters)
        symbols = sum(not c.isascii() and not c.isalpha() for c in word)
        if symbols and letters:
            score -= 4 * symbols
        elif len(letters) == 1:
            continue
        elif cyrillic and cyrillic < len(letters):
            score -= 4 * len(letters)
        elif cyrillic:
            score += 2 * cyrillic
        elif (len(letters) >= 4 and not ascii_letters) or _odd_case(word) or _mixed_alphabets(word):
            score -= 2 * len(letters)
        else:
            score += sum(2 for i, c in enumerate(word) if c in _COMMON_LETTERS and _fits(word, i))
    return score


def _words(text: str) -> list[str]:
    """Runs of letters, digits and symbols; punctuation (ASCII or not, like ¿ « ») separates."""
    cleaned = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return [word for word in _SEPARATORS.split(cleaned) if word]


def _odd_case(word: str) -> bool:
    """A lower-case letter followed by a capital, around an accented letter: żMuy, ¹Ę."""
    return any(
        a.islower() and b.isupper() and not (a.isascii() and b.isascii()) for a, b in zip(word, word[1:], strict=False)
    )


def _mixed_alphabets(word: str) -> bool:
    return not _POLISH_ONLY.isdisjoint(word) and not _CZECH_ONLY.isdisjoint(word)


def _fits(word: str, index: int) -> bool:
    """Spanish ñ is followed by a vowel; a final ñ is Polish ń read as cp1252."""
    if word[index] not in "ñÑ":
        return True
    return index + 1 < len(word) and word[index + 1] in _VOWELS
