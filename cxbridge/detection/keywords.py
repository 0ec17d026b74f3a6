"""What column headers say: the stems of each role (`metric_words`, `field_words`) matched
case-insensitively anywhere in the header, in their meaning — whole words for short stems, not
inside a false friend, beside the words that make them so — and what a header's words tell of its
column: which words head it, whether it asks a rating or an amount, what a "not" turns round."""

from __future__ import annotations

import re
from bisect import bisect_right

from cxbridge.detection import field_words, metric_words
from cxbridge.detection.field_words import (
    FIELD_STEMS,
    HEAD_FIRST,
    HEAD_FIRST_PLACES,
    LINKING,
    NOUN_FIRST,
    NOUN_LAST,
    WORD_ENDS,
)
from cxbridge.detection.metric_words import ALSO_A_PARTICLE, ALSO_GIVEN, METRIC_STEMS, POLITE

STEMS: dict[str, tuple[str, ...]] = METRIC_STEMS | FIELD_STEMS
_WORD_STEMS = metric_words.WHOLE_WORDS | field_words.WHOLE_WORDS
_FALSE_FRIENDS = metric_words.FALSE_FRIENDS | field_words.FALSE_FRIENDS
_COMPOUND = re.compile(r"[^\W\d_]+-?")
"""The text from one stem to the next inside one word, German's compound or hyphened: "filial", "filial-"."""
_INFINITIVE = re.compile(r"\w{2,}(?:ar|er|ir)")
_AMBIGUOUS = _FALSE_FRIENDS.keys() | ALSO_A_PARTICLE.keys() | ALSO_GIVEN.keys()
_NONE_OF = frozenset({"no", "kein", "keine", "keinen", "aucun", "aucune", "ningún", "ningun", "ninguna", "никаких",
                      "никакого", "никакой", "żadnego", "zadnego", "żadnej", "zadnej", "nenhum", "nenhuma"})  # fmt: skip
_NEGATIONS = _NONE_OF | {"not", "never", "не", "ни", "nie", "nigdy", "nicht", "niemals", "nunca", "pas", "jamais",
                         "não", "nao", "non", "niet"}  # fmt: skip
_EFFORT_NOUNS = ("effort", "aufwand", "esfuerzo", "esforço", "esforco", "усили", "wysił", "wysil")
_NEEDING = ("need", "requir", "take", "took", "wymaga", "требова", "потребова", "erforder", "brauch", "requer", "exig",
            "necesit")  # fmt: skip
_ONLY = frozenset({"only", "just", "merely", "nur", "tylko", "только", "solo", "sólo", "só", "seulement"})
_NEGATING_PREFIXES = ("dis", "un", "in", "не", "nie", "on")  # "dissatisfied", "unzufrieden", "insatisfait", "недоволен", "ontevreden"
_SHORT_NOT = re.compile(r"n[’']t$")  # "wasn't", "didn’t"
_SPOKEN_WORDS = re.compile(r"\w+(?:['’]\w+)*")  # "wasn't" is one word
_ELISION = re.compile(r"['’]")
_CLAUSE_BREAK = re.compile(r"[,:;.?!()\[\]=]")
_WORDS = re.compile(r"[\w#№.@-]+")
_JOINED = re.compile(r"[^_-]+")
"""The parts of a word joined by underscores or hyphens: "nps_score", "store-id", "NPS_Score"."""
_LETTERS = re.compile(r"\w+")
_PARTS = re.compile(r"[^\W_]+")  # words, and the parts of words joined by underscores: "team_lead"
_SPACES = re.compile(r"\s+")
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z])")
"""Where a word of a header written as one identifier starts: "ResponseId", "StartDate", "ResponseID" — not "eNPS"."""


def mentions(header: str, role: str) -> str | None:
    """The stem of `role` the header contains (whole words for short stems), or None."""
    return next((stem for stem, _ in _found(_normal(header), role)), None)


def heads(header: str, role: str, *, over: str) -> bool:
    """Whether the header's head noun is a word of `role` where it also names `over`: "Store employee",
    "Employee of the store", "Pracownik sklepu" are employees, "Agent site", "Location of the agent"
    places. The head comes last in English and German ("Filialmitarbeiter"), and inside one word in any
    language ("Filialkonsultant"), first before a linking word or in a language that puts it first
    (`HEAD_FIRST`: "Agente tienda"), or beside a place word of such a language (`HEAD_FIRST_PLACES`:
    "Consultant magasin"); of stems found at one place, the longest ("Filialadresse" says "adresse",
    last in German, not Polish "adres")."""
    text = _normal(header)
    mine = min(((at, -len(stem), stem) for stem, at in _found(text, role)), default=None)
    other = min(((at, stem) for stem, at in _found(text, over)), default=None)
    if mine is None or other is None:
        return mine is not None
    (at, _, stem), (first, last) = mine, sorted((mine[0], other[0]))
    if first < last and _COMPOUND.fullmatch(text, first, last):  # "Filialkonsultant", "Filial-Konsultant"
        return at == last
    head_first = stem in HEAD_FIRST or other[1] in HEAD_FIRST_PLACES or LINKING.search(text, first, last) is not None
    return (at == first) == head_first


def first_mentioned(header: str, roles: tuple[str, ...]) -> str | None:
    """Of `roles`, the one whose stem comes first in the header — what its main clause asks
    about: "How satisfied were you with how easy it was…" asks about satisfaction — or None."""
    text = _normal(header)
    found = [(at, role) for role in roles for _, at in _found(text, role)]
    return min(found)[1] if found else None


def asks_rating(header: str) -> bool:
    """Whether the header asks a rating question — satisfaction, effort or ease, recommending, or
    to rate, agree or say how likely ("How satisfied were you with the staff?", "Rate the store")."""
    return first_mentioned(header, ("satisfaction", "effort", "recommend", "rating")) is not None


YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # a year in a header, a file name or a date
_ASKED = re.compile(r"[?¿]")


_BESIDE = 3  # a word of another time or a target names the metric's value up to two words from its name


def elsewhen(header: str) -> str | None:
    """The word of a header naming a metric ("Previous NPS", "NPS (last survey)", "NPS goal") that
    makes it another time's or a target's, not this response's answer — never of a question, whose
    words say what the answer is about ("Compared to your previous visit, how likely…?"). A word of
    rating makes a question only where that word stands apart from the metric's name: "Target NPS
    rating", "Целевая оценка NPS" name a goal's rating, no respondent's ("How likely are you to
    recommend us to reach your goals" asks one)."""
    if _ASKED.search(header):
        return None
    if mentions(header, "rating") is None:
        return mentions(header, "earlier") or mentions(header, "target")
    text = _normal(header)
    starts = [word.start() for word in _SPOKEN_WORDS.finditer(text)]
    named = [bisect_right(starts, at) for role in ("recommend", "satisfaction", "effort") for _, at in _found(text, role)]
    return next((stem for role in ("earlier", "target") for stem, at in _found(text, role)
                 if any(abs(bisect_right(starts, at) - n) <= _BESIDE for n in named)), None)  # fmt: skip


def names_a_year(header: str) -> str | None:
    """The year a header naming a metric names ("NPS 2024"): maybe another year's, maybe this one's."""
    return None if _asks(header) or not (year := YEAR.search(header)) else year.group()


def _asks(header: str) -> bool:
    return _ASKED.search(header) is not None or mentions(header, "rating") is not None


_UNIT = re.compile(r"[(\[]\s*(?:hours?|hrs?|minutes?|mins?|days?|count|times|stunden|minuten|tage|horas|minutos|"
                   r"d[ií]as|heures|jours|godzin\w*|minut\w*|dni|час\w*|минут\w*|дн\w*|ltrs?|lit(?:er|re)s?)\s*[)\]]")
"""A unit in brackets: the values are an amount of it ("Effort (hours)", "Wait (minutes)", "Fuel
(ltr)": litres, not "LTR", likelihood to recommend)."""


def asks_amount(header: str) -> str | None:
    """The word saying a header asks for an amount, not a rating: a count asked before any word of
    the metrics ("Number of recommendations", "How many friends did you recommend us to?" — not "How
    satisfied were you with the number of staff?") or a unit in brackets ("Effort (hours)")."""
    text = _normal(header)
    if unit := _UNIT.search(text):
        return unit.group()
    amount = min(((at, stem) for stem, at in _found(text, "amount")), default=None)
    metric = min((at for role in ("recommend", "satisfaction", "effort") for _, at in _found(text, role)), default=None)
    return amount[1] if amount and (metric is None or amount[0] < metric) else None


def says_percent(header: str) -> bool:
    return "%" in header or mentions(header, "percent") is not None


_MEASURED = frozenset({"compliance", "соответстви"})  # `points` words naming what a score measures, not a score


def names_a_score(header: str, *, of_numbers: bool = False) -> bool:
    """Whether the header asks a rating question or names a score, points or a percentage ("Store
    score", "Audit points", "Compliance %"): its values are scores, not ids, stores or agents. What
    a score measures ("Store compliance") names one only over numbers (`of_numbers`): a
    "Compliance team" holds teams."""
    said = {stem for stem, _ in _found(_normal(header), "points")}
    return asks_rating(header) or says_percent(header) or bool(said if of_numbers else said - _MEASURED)


def negation(header: str, role: str) -> str | None:
    """The word that turns round `role` wherever the header names it — a prefix of its own word
    ("dissatisfied", "unzufrieden", "недоволен", "uneasy") or a "not" up to three words before it
    ("I was not satisfied", "wasn't easy", "nicht zufrieden") — the first such word, or None when
    a mention is not turned round: "from 1 (not at all satisfied) to 5 (very satisfied)" also
    names satisfaction as it is."""
    text = _normal(header)
    words = list(_SPOKEN_WORDS.finditer(text))
    found = [_negating(text, words, at) for at in _mentioned_at(text, words, role)]
    return found[0] if found and all(found) else None


def no_effort(header: str) -> str | None:
    """The noun of effort of a statement that there was none of it — "It took no effort", "Kein
    Aufwand", "Не потребовалось никаких усилий", or that none was needed (`no_effort_needed`):
    the least effort, as "effortless" says — or None."""
    return next((noun for noun, _ in _no_effort_said(header)), None)


def no_effort_needed(header: str) -> str | None:
    """The verb of a statement that no effort was needed — a "not" before it ("I did not need much
    effort": 'need', "Nie wymagało to wysiłku": 'wymagało', "No requirió esfuerzo": 'requirió') —
    or None: a word saying none of it after the verb says there was none ("It took no effort",
    "Nie wymagało to żadnego wysiłku"), as "effortless" does."""
    return next((verb for _, verb in _no_effort_said(header) if verb), None)


def _no_effort_said(header: str):
    """Each noun of effort the header says there was none of, with the verb of needing before it
    that a "not" turns round (None when a word saying none of it follows the verb or there is none)."""
    text = _normal(header)
    words = list(_SPOKEN_WORDS.finditer(text))
    for at in _mentioned_at(text, words, "effort"):
        if _negating(text, words, at) == "":
            before = [word.group() for word in words if word.end() <= at][-3:]
            verb = next((n for n, word in enumerate(before) if word.startswith(_NEEDING)), len(before))
            none_after = not _NONE_OF.isdisjoint(before[verb + 1 :])  # "took no effort", "wymagało żadnego"
            noun = next(word.group() for word in words if word.start() <= at < word.end())
            yield _ELISION.split(noun)[-1], None if none_after or verb == len(before) else before[verb]


def _mentioned_at(text: str, words: list[re.Match[str]], role: str) -> list[int]:
    """Where each word naming `role` names it."""
    found: list[int] = []
    start = 0
    while (at := min((at for _, at in _found(text[start:], role)), default=-1)) >= 0:
        found.append(start + at)
        start = next((word.end() for word in words if word.end() > start + at), len(text))
    return found


def _negating(text: str, words: list[re.Match[str]], at: int) -> str | None:
    """The word turning round the mention at `at`: a prefix of its own word, or a "not" up to three
    words before it in the same clause ("Jeśli to nie problem: czy trudno było…" negates nothing);
    "" where the words before a noun of effort say there was none of it (`_none_of_it`)."""
    index = next((n for n, word in enumerate(words) if word.start() <= at < word.end()), None)
    if index is None:
        return None
    if _ELISION.split(text[words[index].start() : at])[-1] in _NEGATING_PREFIXES:  # "l'insatisfaction"
        return words[index].group()
    for before in range(index - 1, max(index - 3, 0) - 1, -1):
        if _CLAUSE_BREAK.search(text[words[before].end() : words[before + 1].start()]):
            return None
        word = words[before].group()
        if word == "non" and before + 1 < index and text[words[before].end() : words[before + 1].start()] == "-":
            continue  # "non-member satisfaction": a prefix of the word it is joined to
        if word in _NEGATIONS or _SHORT_NOT.search(word):
            between = [w.group() for w in words[before + 1 : index]]
            if between[:1] and between[0] in _ONLY:  # "not only satisfied but delighted"
                continue
            return "" if _none_of_it(word, words[index].group(), between) else word
    return None


def _none_of_it(negating: str, word: str, between: list[str]) -> bool:
    """Whether the words before a noun of effort say there was none of it — "no effort", "kein
    Aufwand", "no requirió esfuerzo", or a "not" before a verb of needing ("did not need much
    effort", "nie wymagało to wysiłku"): the least effort, as "effortless" says, no negation of
    ease ("not effortless" is one)."""
    word = _ELISION.split(word)[-1]  # "d'effort"
    if not word.startswith(_EFFORT_NOUNS) or mentions(word, "effortless"):
        return False
    return negating in _NONE_OF or any(w.startswith(_NEEDING) for w in between)


def _normal(header: str) -> str:
    header = header.strip()
    if not _SPACES.search(header):
        header = _CAMEL.sub(" ", header)
    return POLITE.sub(" ", _SPACES.sub(" ", header).casefold().replace("ё", "е"))


def _found(text: str, role: str):
    """Each stem of `role` the text contains in its meaning, with where it first stands, in the order of `STEMS`."""
    words: dict[str, int] = {}
    for word in _WORDS.finditer(text):
        words.setdefault(word.group(), word.start())
        if "_" in word.group() or "-" in word.group():  # a short stem is also a part of it: "nps_score", "store_id"
            for part in _JOINED.finditer(word.group()):
                words.setdefault(part.group(), word.start() + part.start())
    for stem in STEMS[role]:
        if stem in _WORD_STEMS or len(stem) <= 3:
            at = text.find(stem) if " " in stem else words.get(stem, -1)
        elif stem in WORD_ENDS:
            friends = _FALSE_FRIENDS.get(stem, ())
            at = next((at for word, at in words.items() if word.endswith(stem) and not word.endswith(friends)), -1)
        elif stem in NOUN_FIRST:
            at = 0 if text.startswith(stem) else -1
        elif stem in NOUN_LAST:
            parts = _PARTS.findall(text)
            at = text.rfind(stem) if len(parts) > 1 and parts[-1] == stem else -1
        elif stem in _AMBIGUOUS:
            at = _in_its_meaning(stem, text)
        else:
            at = text.find(stem)
        if at >= 0:
            yield stem, at


def _in_its_meaning(stem: str, text: str) -> int:
    """Where a word of `text` holds `stem` in its meaning (-1: nowhere): not inside one of its
    false friends (`_FALSE_FRIENDS`), and as a word of its own beside a word that says so (`ALSO_A_PARTICLE`)."""
    friends, marks = _FALSE_FRIENDS.get(stem, ()), ALSO_A_PARTICLE.get(stem)
    found = list(_LETTERS.finditer(text))
    words = [match.group() for match in found]
    for at, word in enumerate(words):
        two = " ".join(words[at : at + 2])
        if stem not in word or any(friend in (two if " " in friend else word) for friend in friends):
            continue
        if stem in ALSO_GIVEN and not _before_handling(text[found[at].end() :], ALSO_GIVEN[stem]):
            continue
        if word != stem or marks is None or not marks.isdisjoint(words[max(at - 1, 0) : at + 2]):
            return found[at].start()
    return -1


def _before_handling(after: str, handling: tuple[str, ...]) -> bool:
    """Whether one of the first three words of the clause `after` begins is a verb or a word of `handling`."""
    words = _LETTERS.findall(_CLAUSE_BREAK.split(after, maxsplit=1)[0])[:3]
    return any(_INFINITIVE.fullmatch(word) or word.startswith(handling) for word in words)
