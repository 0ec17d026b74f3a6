"""A Typeform form definition (GET /forms/{id}) as the questions its answers are keyed by: field
id → title, kind, scale and choices, with the fields nested in question groups, matrices and
contact-info blocks (a grouped field's question is its group's title joined with its own).

Scales read as the definition states them: an `nps` field is 0–10; an `opinion_scale` runs over
`steps` points from 0, or from 1 with `start_at_one` (11 steps from 0 is 0–10, 5 from 1 is 1–5);
a `rating` is 1 to `steps` icons. Choice labels that are all numbers ("1" … "5") carry those
numbers; labels that are a built-in scale carry its values."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxbridge.detection.fields import asks_for_personal_data
from cxbridge.detection.question_metrics import option_values
from cxbridge.errors import ConfigError
from cxbridge.normalize import toml_key
from cxbridge.questions import Question, QuestionOverride, with_rating_defaults

DEFAULT_OPINION_STEPS = 11  # Typeform's default opinion scale (Typeform/create-api-gem OpinionScaleBlock.default)
_TEXT = frozenset({"short_text", "long_text"})
_CHOICE = frozenset({"multiple_choice", "picture_choice", "dropdown"})
_TITLED_BLOCKS = frozenset({"group", "matrix"})  # blocks whose title is the question their fields answer
_CONTACT_PARTS = frozenset({"email", "phone_number"})  # kept in a contact block: hashed as contacts, not dropped
_EMPHASIS = re.compile(r"\*([^*]+)\*|(?<!\w)_([^_]+)_(?!\w)")
"""Typeform's markup in titles: bold `*bold*` (opened anywhere: "disponible* le …*"), italic
`_italic_` between words, so a name such as `my_field_ref` keeps its underscores."""


@dataclass(frozen=True)
class FormDefinition:
    form_id: str
    title: str
    questions: dict[str, Question]  # by field id, in the form's order
    refs: dict[str, str] = field(default_factory=dict)  # field ref → field id
    ratings: frozenset[str] = field(default_factory=frozenset)  # ids of icon ratings (stars, hearts, …)
    personal: frozenset[str] = field(default_factory=frozenset)  # contact-block parts (names, company), name questions
    hidden: tuple[str, ...] = ()
    language: str | None = None  # settings.language: the language respondents saw
    links: dict[str, Any] = field(default_factory=dict)  # `_links`: display and responses URLs

    def field_id(self, key: str) -> str | None:
        """The field a config key names, by id or by ref."""
        return key if key in self.questions else self.refs.get(key)

    def overrides(self, given: Mapping[str, QuestionOverride], where: str) -> dict[str, QuestionOverride]:
        """The config's overrides keyed by field id (a ref is accepted too), plus `metric = "rating"`
        for icon ratings whose wording names no metric. ConfigError for two tables of one field,
        by its ref and by its id: neither may silently replace the other."""
        by_id: dict[str, QuestionOverride] = {}
        for key, override in given.items():
            fid = self.field_id(key) or key
            if fid in by_id:
                first = next(other for other in given if (self.field_id(other) or other) == fid)
                raise ConfigError(f"[{where}.questions.{toml_key(first)}] and [{where}.questions.{toml_key(key)}] both "
                                  f"name field {fid} ({self.questions[fid].text}), by its ref and by its id: keep one "
                                  "of the two tables")  # fmt: skip
            by_id[fid] = override
        return with_rating_defaults(by_id, [self.questions[qid] for qid in self.questions if qid in self.ratings])

    def written_keys(self, given: Mapping[str, QuestionOverride]) -> dict[str, str]:
        """field id → the key the config writes its table under (its ref, where that is the key)."""
        return {fid: key for key in given if (fid := self.field_id(key)) is not None and fid != key}


def parse_form(form: dict[str, Any]) -> FormDefinition:
    questions: dict[str, Question] = {}
    refs: dict[str, str] = {}
    ratings: set[str] = set()
    personal: set[str] = set()
    for item, prefix, in_contact in _fields(form.get("fields") or [], "", False):
        fid, kind = str(item["id"]), str(item.get("type") or "")
        questions[fid] = _question(item, prefix) if not in_contact else Question(fid, prefix + _title(item))
        if item.get("ref"):
            refs[str(item["ref"])] = fid
        if kind == "rating":
            ratings.add(fid)
        if (in_contact and kind not in _CONTACT_PARTS) or (kind in _TEXT and asks_for_personal_data(_title(item))):
            personal.add(fid)
    hidden = tuple(str(name) for name in form.get("hidden") or [] if isinstance(name, str))
    settings, links = _object(form.get("settings")), _object(form.get("_links"))
    return FormDefinition(
        form_id=str(form.get("id") or ""), title=str(form.get("title") or ""), questions=questions, refs=refs,
        ratings=frozenset(ratings), personal=frozenset(personal), hidden=hidden,
        language=str(settings["language"]) if settings.get("language") else None, links=links,
    )  # fmt: skip


def _fields(items: list[Any], prefix: str, in_contact: bool) -> Iterator[tuple[dict[str, Any], str, bool]]:
    """Every answerable field, depth first: a group's, matrix's or contact block's own fields
    stand for it, a group's and a matrix's titled with its question before their own (`Group -
    Field`, `Matrix - Row`), since a grouped "Economy" alone does not say what was asked."""
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        nested = (item.get("properties") or {}).get("fields")
        if isinstance(nested, list) and nested:
            title = _title(item)
            inner = f"{prefix}{title} - " if item.get("type") in _TITLED_BLOCKS and title else prefix
            yield from _fields(nested, inner, in_contact or item.get("type") == "contact_info")
        elif item.get("type") != "statement":
            yield item, prefix, in_contact


def _question(item: dict[str, Any], prefix: str) -> Question:
    fid, kind, text = str(item["id"]), str(item.get("type") or ""), prefix + _title(item)
    properties = item.get("properties") or {}
    if kind == "nps":
        return Question(fid, text, "nps", scale=(0.0, 10.0))
    if kind == "opinion_scale":
        steps = _steps(properties.get("steps"), DEFAULT_OPINION_STEPS)
        low = 1.0 if properties.get("start_at_one") else 0.0
        return Question(fid, text, "scale", scale=(low, low + steps - 1) if steps else None)
    if kind == "rating":
        steps = _steps(properties.get("steps"), None)
        return Question(fid, text, "scale", scale=(1.0, float(steps)) if steps else None)
    if kind in _CHOICE or kind == "ranking":
        labels = [str(choice["label"]) for choice in properties.get("choices") or [] if isinstance(choice, dict)
                  and choice.get("label") is not None]  # fmt: skip
        multiple = kind == "ranking" or bool(properties.get("allow_multiple_selection"))
        return Question(fid, text, "multi" if multiple else "choice", choices=option_values(labels))
    if kind in _TEXT:
        return Question(fid, text, "text", paragraph=kind == "long_text")
    return Question(fid, text)


def _steps(value: Any, default: int | None) -> int | None:
    """A scale's number of points; None when the definition gives none that make a scale."""
    if value is None:
        return default
    try:
        steps = int(value)
    except (TypeError, ValueError):
        return None
    return steps if steps >= 2 else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _title(item: dict[str, Any]) -> str:
    """A field's title as plain text: Typeform's bold and italic marks off, spaces collapsed."""
    plain = _EMPHASIS.sub(lambda match: match[1] or match[2], str(item.get("title") or ""))
    return " ".join(plain.split())
