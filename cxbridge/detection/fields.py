"""Which columns hold the record's fields — id, submitted time, e-mail, phone, store, channel,
language, country, team, agent, status — and which hold personal data never to be stored. A header
asking a rating question ("How satisfied were you with the staff?") or naming a score ("Store
score") names no field by its words: its answers are scores, not agents, stores or phone numbers;
nor does one naming a scale its answers are on ("Sauberkeit der Filiale (1-5)" answered 1–5); nor
does one naming a role ("Store manager") or whose head noun is a person word ("Store employee",
"Employee of the store"): it holds a person, not the store."""

from __future__ import annotations

import re
from functools import cache

from cxbridge.detection import labels as builtin
from cxbridge.detection.declared_scale import named_scale
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.keywords import YEAR, heads, mentions, names_a_score
from cxbridge.detection.profile import ColumnProfile
from cxbridge.errors import DataError
from cxbridge.phones import MIN_DIGITS
from cxbridge.records import Channel
from cxbridge.tabular import values
from cxbridge.tabular.cells import month_and_year

_NUMBERED_DATES = (  # each kind's range and its unit in seconds
    ("Excel serial day numbers", 20_000, 80_000, 86_400),  # 1954 to 2119
    ("Unix epoch seconds", 1_000_000_000, 4_102_444_800, 1),  # 2001-09-09 to 2100, as from_serial reads them
    ("Unix epoch milliseconds", 1_000_000_000_000, 4_102_444_800_000, 0.001),
)
_LONGEST_SPAN = 30 * 365.25 * 86_400  # seconds: no file's submissions span 30 years (epoch seconds start in 2001)
_A_COUNTER = 10  # distinct whole numbers in a row, one apart, that no times of answers are (`_numbered_dates`)
_ROLE = 0.4  # below MAPPED_AT: a person under a role title served the customer, or not
_WHERE = 0.4  # below MAPPED_AT: a store's postcode, city or address is where it is, and stores may share one
_NO_CHANNEL = 0.4  # below MAPPED_AT: a "source" none of whose values is a known channel is a campaign's, a lead's
_NAMES_CODES = 0.02  # a store or agent header naming an id or code ("Store ID") beats one that does not ("Store")
_NAMES_RESPONSE = 0.02  # an id header naming the response ("Response ID") beats another id ("Order number")
_NAMES_SUBMISSION = 0.02  # a time header naming the submission ("Submit Date") beats another date ("Stage Date")


def propose_fields(profiles: dict[str, ColumnProfile]) -> list[Proposal]:
    """Every field proposal, several per field possibly; the caller keeps the best of each."""
    proposals: list[Proposal] = []
    for profile in profiles.values():
        if not profile.filled:
            continue
        numbers = all(any(c.isdigit() for c in value) for value in profile.distinct)  # "81", "92.5%", not "Legal"
        scored = (names_a_score(profile.column.label, of_numbers=numbers) or _scale_answers(profile)
                  or _on_its_scale(profile))  # fmt: skip
        for propose in (_time, _contact, *(() if scored else _named(profile.column.label)), _personal):
            proposals += propose(profile)
    return proposals


def _scale_answers(profile: ColumnProfile) -> bool:
    """Most answers are labels of a built-in scale ("Agree", "Very satisfied"): a rating's, whatever
    its header names — Microsoft Forms' Likert statement "The store was clean" holds agreement,
    no store."""
    answers = profile.labels.total()
    return bool(answers) and sum(n for text, n in profile.labels.items() if builtin.label_key(text) in _labels()) >= 0.8 * answers


def _on_its_scale(profile: ColumnProfile) -> bool:
    """The header names a scale ("(1-5)", "(1 à 5)") and most answers are numbers on it: ratings,
    whatever else it names — "Sauberkeit der Filiale (1-5)" answered 1–5 rates the store, it names
    none, and its answers are no store ids."""
    scale = named_scale(profile.column.label)
    on_it = sum(scale[0] <= number <= scale[1] for number in profile.numbers) if scale else 0
    return bool(on_it) and on_it >= 0.8 * profile.answered


@cache
def _labels() -> frozenset[str]:
    return frozenset(key for scale in builtin.SCALES for key in scale.values())


def _named(header: str) -> tuple:
    """What proposes the fields a header names: a person under a role title ("Store manager",
    "Team leader", "Compliance officer"), whatever place or team it names; the agent, not the place,
    where a person word heads it ("Store employee", "Employee of the store"); none for the browser
    ("User Agent"), whatever its words say; else the fields."""
    if mentions(header, "browser"):
        return ()
    if mentions(header, "role"):
        return (_identifier, _person)
    if _at_a_place(header):
        return (_identifier, _channel, _plain_field)
    return (_identifier, _location, _channel, _plain_field)


def _at_a_place(header: str) -> bool:
    """Whether the header names a person at a place: the place qualifies the person word heading it."""
    return bool(mentions(header, "location")) and heads(header, "agent", over="location")


def _time(profile: ColumnProfile) -> list[Proposal]:
    """The submitted time (or a start time, kept): dates, or numbers a time header names; never
    under a header naming personal data ("Date of birth": `_personal`)."""
    header = profile.column.label
    if mentions(header, "personal"):
        return []
    stem = mentions(header, "time")
    date_share = profile.share(profile.dates)
    numbered = _numbered_dates(profile) if stem and not _names_who(header, stem) else None
    if date_share < 0.9 and not numbered:
        return []
    kind = numbered if numbered and date_share < 0.9 else "dates"
    evidence = [f"{profile.share(profile.dates) if kind == 'dates' else profile.numeric_share:.0%} of values are "
                f"{kind} ({profile.example()})"]  # fmt: skip
    confidence = 0.7
    if stem:
        evidence.append(f"the header says {stem!r}")
        confidence = 0.9
        if sent := mentions(header, "submission"):
            evidence.append(f"it names the submission ({sent!r})")
            confidence += _NAMES_SUBMISSION
    target = "submitted_at"
    if mentions(header, "start"):
        target, confidence = "timestamp", confidence - 0.05
        evidence.append("a start time, kept as an attribute")
    return [Proposal(target, profile.key, confidence, evidence)]


def _names_who(header: str, time: str) -> bool:
    """Whether a header naming a time names an id ("Submission ID", "Timestamp nr") or who did it
    ("Created by", "Submitted by"): its numbers are ids, not times."""
    return bool(mentions(header, "id")) or re.search(rf"{re.escape(time)}\s+by\b", header.casefold()) is not None


def _numbered_dates(profile: ColumnProfile) -> str | None:
    """What dates a header naming a time holds as numbers — Excel serial days, epoch seconds or
    milliseconds — when every number is one of them; ids and amounts fall outside, or mix them.
    Nor are they times where they span more than 30 years (random ids over the whole range), or
    count up or down one by one, each once, a second or a millisecond apart (a counter's ids)."""
    numbers = profile.numbers
    kind = next(((kind, unit) for kind, low, high, unit in _NUMBERED_DATES
                 if numbers and all(low <= n <= high for n in numbers)), None)  # fmt: skip
    if kind is None or (max(numbers) - min(numbers)) * kind[1] > _LONGEST_SPAN:
        return None
    distinct = set(numbers)
    counted = kind[1] <= 1 and len(distinct) == len(numbers) >= _A_COUNTER
    return None if counted and max(distinct) - min(distinct) == len(distinct) - 1 else kind[0]


def _identifier(profile: ColumnProfile) -> list[Proposal]:
    """The response id; never a column of personal data ("Network ID", "IP Address ID"), whose
    values may all differ too."""
    stem = mentions(profile.column.label, "id") or _response_alone(profile)
    if not stem or not profile.unique or profile.average_length > 40 or profile.dates or _personal(profile):
        return []
    evidence = [f"the header says {stem!r} and all {profile.filled} values differ"]
    if whose := mentions(profile.column.label, "response"):
        evidence.append(f"it names the response ({whose!r})")
    return [Proposal("id", profile.key, 0.9 + (_NAMES_RESPONSE if whose else 0), evidence)]


def _response_alone(profile: ColumnProfile) -> str | None:
    """The word of a header that is only "the response" ("Respuesta", "Réponse", "Odpowiedź")
    over codes of one word each (E1, E2 …): the response's number, as "Response ID" is — never
    answers written out, which all differ too."""
    label = profile.column.label.strip()
    if len(label.split()) != 1 or any(len(value.split()) != 1 for value in profile.distinct):
        return None
    return mentions(label, "response")


def _contact(profile: ColumnProfile) -> list[Proposal]:
    """E-mail addresses by their values; phone numbers under a header naming them, written in a
    phone number's shape or as numbers — of a phone number's digits under a rating question, a
    score or a scale its answers are on ("How satisfied were you with our phone support?" and
    "Telefonservice (1-5)" answered 1–5 hold ratings)."""
    if profile.of_emails:
        evidence = f"{profile.share(profile.emails):.0%} of values are e-mail addresses (hashed, never stored)"
        return [Proposal("email", profile.key, 0.95, [evidence])]
    if stand_in := _no_address_word(profile):
        evidence = (f"the header says {mentions(profile.column.label, 'email')!r}; {profile.share(profile.emails):.0%} "
                    f"of values are e-mail addresses (hashed, never stored), the others {stand_in!r}: no address, "
                    "no respondent key")  # fmt: skip
        return [Proposal("email", profile.key, 0.9, [evidence])]
    stem = mentions(profile.column.label, "phone")
    shortest = 10 ** (MIN_DIGITS - 1) if names_a_score(profile.column.label) or _on_its_scale(profile) else 0
    numbers = [number for number in profile.numbers if abs(number) >= shortest]
    if stem and profile.share(profile.phones + len(numbers)) >= 0.8:
        return [Proposal("phone", profile.key, 0.85, [f"the header says {stem!r} and the values are phone numbers "
                                                      "(hashed into respondent_key, never stored)"])]  # fmt: skip
    return []


def _no_address_word(profile: ColumnProfile) -> str | None:
    """The one word standing in for no address in a column of e-mail addresses its header names:
    Microsoft Forms' `anonymous` beside the addresses of respondents who signed in."""
    [(word, count)] = profile.labels.most_common(1) or [("", 0)]
    if len(profile.labels) != 1 or not word.isalpha() or not mentions(profile.column.label, "email"):
        return None
    return word if profile.emails and profile.share(profile.emails + count) >= 0.8 else None


def _location(profile: ColumnProfile) -> list[Proposal]:
    stem = mentions(profile.column.label, "location")
    if not stem or profile.dates or profile.average_length > 60:
        return []
    if heads(profile.column.label, "country", over="location"):  # "Store country": the country (`_plain_field`)
        return []
    if where := _where_it_is(profile.column.label):
        return [Proposal("location_id", profile.key, _WHERE, [
            f"the header says {stem!r} and {where!r}: where the store is, not which one ({profile.example()}); "
            "kept in attributes — map it as location_id if no two of your stores share one"])]  # fmt: skip
    code = _names_code(profile.column.label)
    coded = bool(code) or all(_is_code(value) for value in profile.distinct)
    target = "location_id" if coded else "location_name"
    shape = "codes" if coded else "names"
    said = f"{stem!r} and {code!r}" if code else repr(stem)
    return [Proposal(target, profile.key, 0.85 + (_NAMES_CODES if code else 0),
                     [f"the header says {said} and the values are {shape} ({profile.example()})"])]  # fmt: skip


def _where_it_is(header: str) -> str | None:
    """The postcode, city or address word heading a store's header ("Store city", "Ville du magasin"):
    where the store is. A store word qualified by one ("City store", "Magasin de la ville") is the store."""
    return next((word for role in ("postcode", "address")
                 if (word := mentions(header, role)) and heads(header, role, over="location")), None)  # fmt: skip


def _channel(profile: ColumnProfile) -> list[Proposal]:
    """The channel: a header naming it over values of which some are known channels; over none
    ("Lead source" of "Google Ads", "Referral"), shown, not mapped (`_NO_CHANNEL`)."""
    stem = mentions(profile.column.label, "channel")
    known = sum(values.channel(value) != Channel.OTHER.value for value in profile.distinct)
    if not stem or not profile.distinct:
        return []
    if not known:
        return [Proposal("channel", profile.key, _NO_CHANNEL, [
            f"the header says {stem!r}, but none of its values is a known channel ({profile.example()}); kept in "
            "attributes — map it as channel if it says how the response came in (each value read as 'other')"])]  # fmt: skip
    share = known / len(profile.distinct)
    evidence = [
        f"the header says {stem!r}; {share:.0%} of the distinct values are known channels ({profile.example()})"
    ]
    return [Proposal("channel", profile.key, 0.85 if share >= 0.5 else 0.55, evidence)]


def _plain_field(profile: ColumnProfile) -> list[Proposal]:
    """language, country, team, agent, wave and status: named by the header, short values."""
    if profile.average_length > 40 or profile.dates:
        return []
    for role, target in (("language", "language"), ("country", "country"), ("team", "team"), ("agent", "agent_id"),
                         ("wave", "wave"), ("status", "status")):  # fmt: skip
        if stem := mentions(profile.column.label, role):
            if target == "status" and not _all_statuses(profile):
                continue
            if target == "country" and not heads(profile.column.label, "country", over="location"):
                continue  # "Country store", "Tienda del país": the store (`_location`)
            code = _names_code(profile.column.label) if target == "agent_id" else None
            said = f"{stem!r} and {code!r}" if code else repr(stem)
            return [Proposal(target, profile.key, 0.7 + (_NAMES_CODES if code else 0),
                             [f"the header says {said} ({profile.example()})"])]  # fmt: skip
    return []


def _person(profile: ColumnProfile) -> list[Proposal]:
    """Whoever has the role a header names: the agent only if they served the customer, which it
    does not say — shown, not mapped (`_ROLE`)."""
    role = mentions(profile.column.label, "role")
    if profile.average_length > 40 or profile.dates:  # a manager's comment, the date they signed
        return []
    return [Proposal("agent_id", profile.key, _ROLE, [
        f"the header names a role ({role!r}): a person, not a store or team ({profile.example()}); kept in "
        "attributes — map it as agent_id if they served the customer"])]  # fmt: skip


def _personal(profile: ColumnProfile) -> list[Proposal]:
    """Names and IP addresses: a "Store name" is the store's, a "Store manager name" or "Store
    employee name" a person's; IP addresses by their values, whatever the header ("Submitter IP")."""
    if profile.share(profile.ips) >= 0.8:
        evidence = f"{profile.share(profile.ips):.0%} of values are IP addresses: personal data, never stored"
        return [Proposal("ignore", profile.key, 0.95, [evidence])]
    stem = names_personal_data(profile.column.label)
    if not stem or profile.emails:
        return []
    return [Proposal("ignore", profile.key, 0.8, [f"the header says {stem!r}: personal data, never stored"])]


def names_personal_data(header: str) -> str | None:
    """The word by which a header names personal data — a person's name ("Name", "Store manager
    name"), a birth date, an IP address — or None ("Store name" is the store's)."""
    stem = mentions(header, "personal")
    if stem and mentions(header, "location") and not (mentions(header, "role") or _at_a_place(header)):
        return None
    return stem


def asks_for_personal_data(question: str) -> bool:
    """Whether a question's text asks for personal data as a header naming it does ("What is your
    name?", "First name"), a company's name aside: a survey's question about the respondent's
    company ("Nom de votre entreprise") is about the customer, kept as an answer."""
    return bool(names_personal_data(question)) and not mentions(question, "organisation")


def _all_statuses(profile: ColumnProfile) -> bool:
    try:
        return all(values.screened_out(value) or values.status(value, column=profile.key) for value in profile.distinct)
    except DataError:
        return False


def _names_code(header: str) -> str | None:
    """The word naming the header's values as ids or codes ("Store ID", "Agent code", "Store number");
    none for a postcode ("Store postal code", "Kod pocztowy sklepu"), which is no code of the store."""
    if mentions(header, "postcode"):
        return None
    return mentions(header, "id") or mentions(header, "code")


def _is_code(value: str) -> bool:
    """S001, 1042, PL-07: short, no spaces, digits in it."""
    return len(value) <= 10 and " " not in value and any(c.isdigit() for c in value)


def undated_warning(chosen: list[Proposal], profiles: dict[str, ColumnProfile]) -> str | None:
    """Why the records are undated when no column is the submitted time but one names a time
    whose values read as no date (`Submission Date` of `the 5th of March, 2024`), and what to give."""
    if any(p.target == "submitted_at" for p in chosen):
        return None
    named = (p for p in profiles.values() if mentions(p.column.label, "time") and not mentions(p.column.label, "start")
             and p.labels and not p.dates and all(YEAR.search(text) for text in p.examples))  # fmt: skip
    if (profile := next(named, None)) is not None:
        return (f"no column of submission times: the records are undated (counted in the month 'undated'); column "
                f"{profile.column.label!r} names a date but holds none this importer reads ({profile.example()}): map "
                "it as columns.submitted_at with its timestamp_format (strptime)")  # fmt: skip
    months = (p for p in profiles.values() if p.examples and all(month_and_year(text) for text in p.examples))
    if (profile := next(months, None)) is None:
        return None
    return (f"no column of submission times: the records are undated (counted in the month 'undated'); column "
            f"{profile.column.label!r} holds months, not days ({profile.example()}), and no month alone is read as a "
            "date: give each row its day in the sheet (the month's first, if no other is known), or, for months "
            "written one way in numbers, map the column as columns.submitted_at with that timestamp_format "
            "('%m/%Y' for 01/2024, '%Y-%m' for 2024-01), each record then on the month's first day")
