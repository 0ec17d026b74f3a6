"""`[loop]` in cxbridge.toml: which records open a case (`[loop.rules.NAME]`), who owns it, how
soon it is due, and which actions it sends. `cxbridge.loop.matching` tells whether a record meets
a rule."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from cxbridge.metrics import metric_name
from cxbridge.normalize import PRIMARY_COLUMN_OF
from cxbridge.records import CATEGORIES_BY_METRIC, Program, RespondentType

DEFAULT_SLA_HOURS = 48.0
RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
OWNER_COLUMNS = {"location": "location_id", "team": "team", "agent": "agent_id"}

MetricName = Annotated[str, AfterValidator(metric_name)]


class RuleConfig(BaseModel):
    """`[loop.rules.NAME]`: a record opens a case when it meets every condition given."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    metric: MetricName | None = Field(default=None, description="the scored metric looked at: nps, csat, ces, …")
    categories: list[str] = Field(default_factory=list, description="detractor, dissatisfied, high_effort, …")
    below: float | None = Field(default=None, description="the answer on its own scale is below this")
    normalized_below: float | None = Field(default=None, ge=0, le=100, description="0–100 score below this")
    primary_only: bool = Field(
        default=True, description="only the record's primary answer of the metric (nps, enps, csat, ces)"
    )
    comment_terms: list[str] = Field(default_factory=list, description="a comment mentions one of these")
    respondents: list[RespondentType] = Field(
        default_factory=lambda: [RespondentType.CUSTOMER], description="customer, employee, shopper, auditor"
    )
    programs: list[Program] = Field(default_factory=list, description="voc, mystery_shop, audit, employee")
    sources: list[str] = Field(default_factory=list, description="configured source names")
    locations: list[str] = Field(default_factory=list, description="location ids")
    max_age_days: float | None = Field(default=None, gt=0, description="older feedback opens no case")
    owner: str | None = Field(default=None, description="who owns its cases (or the fallback of owners)")
    owner_by: Literal["location", "team", "agent"] | None = Field(default=None, description="owners keyed by")
    owners: dict[str, str] = Field(default_factory=dict, description="location/team/agent id → owner")
    sla_hours: float = Field(default=DEFAULT_SLA_HOURS, gt=0, description="a case is due this long after it opens")
    actions: list[str] = Field(default_factory=list, description="[loop.actions.NAME] each case sends")

    @model_validator(mode="after")
    def _coherent(self) -> RuleConfig:
        if not self.enabled:
            return self
        if self.metric is None and not self.comment_terms:
            raise ValueError("say what opens a case: metric = 'nps' (with categories or below) or comment_terms")
        if self.metric is None and (self.categories or self.below is not None or self.normalized_below is not None):
            raise ValueError("categories, below and normalized_below need a metric")
        if self.metric is not None and not (self.categories or self.below is not None or self.normalized_below is not None):
            raise ValueError(f"metric {self.metric!r} needs categories, below or normalized_below")
        allowed = CATEGORIES_BY_METRIC.get(self.metric or "", frozenset())
        wrong = [category for category in self.categories if category not in allowed]
        if wrong:
            expected = ", ".join(sorted(allowed)) or "none: use below or normalized_below"
            raise ValueError(f"categories {wrong} do not fit metric {self.metric!r}; its categories: {expected}")
        if self.metric is not None and self.metric not in PRIMARY_COLUMN_OF:
            # Only nps, enps, csat and ces answers can be a record's primary answer: for any other
            # metric the rule looks at every answer of it, else it could never open a case.
            if "primary_only" in self.model_fields_set and self.primary_only:
                raise ValueError(f"primary_only: a {self.metric!r} answer is never a record's primary answer "
                                 "(only nps, enps, csat and ces are); remove primary_only")  # fmt: skip
            self.primary_only = False
        self._check_population()
        if self.owners and self.owner_by is None:
            raise ValueError("owners needs owner_by = 'location', 'team' or 'agent'")
        if any(not term.strip() for term in self.comment_terms):
            raise ValueError("comment_terms holds an empty term")
        return self

    def _check_population(self) -> None:
        """An NPS answer of an employee program is stored as `enps` (docs/schema.md, Populations):
        a rule on `nps` for employees, or on `enps` for customers by default, would meet nothing."""
        employee = RespondentType.EMPLOYEE.value
        among_employees = not self.programs or Program.EMPLOYEE.value in self.programs
        if self.metric == "nps" and employee in self.respondents and among_employees:
            fix = ("write metric = 'enps'" if self.respondents == [employee] else "leave 'employee' out of respondents "
                   "and give employees a rule of their own with metric = 'enps'")  # fmt: skip
            raise ValueError("metric: employees' likelihood to recommend is stored as metric 'enps' (eNPS), never "
                             f"'nps': this rule would never open a case for its 'employee' respondents; {fix}")  # fmt: skip
        if self.metric == "enps" and "respondents" not in self.model_fields_set and among_employees:
            raise ValueError("respondents: metric 'enps' is employees' answers, and respondents is ['customer'] when "
                             "not given: this rule would never open a case; add respondents = ['employee']")  # fmt: skip

    @cached_property
    def terms(self) -> re.Pattern[str] | None:
        """`comment_terms` as one pattern: any of them as a whole word or phrase, any case."""
        if not self.comment_terms:
            return None
        alternatives = "|".join(re.escape(term.strip()) for term in self.comment_terms)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


DEFAULT_RULE_KEYS: dict[str, dict[str, Any]] = {
    "detractors": {"metric": "nps", "categories": ["detractor"]},
    "dissatisfied": {"metric": "csat", "categories": ["dissatisfied"]},
}
"""What opens a case when cxbridge.toml says nothing: customers' NPS detractors and their
dissatisfied CSAT answers, due within 48 hours. Employee, shopper and auditor feedback never.
A `[loop.rules.NAME]` of one of these names starts from its keys (`sla_hours = 24` is enough)."""
DEFAULT_RULES = {name: RuleConfig.model_validate(keys) for name, keys in DEFAULT_RULE_KEYS.items()}


class LoopSettings(BaseModel):
    """`[loop]`: closing the loop on negative feedback (docs/loop.md)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="open cases at sync time")
    rules: dict[str, RuleConfig] = Field(default_factory=dict, description="[loop.rules.NAME]")
    actions: dict[str, dict[str, Any]] = Field(default_factory=dict, description="[loop.actions.NAME]")

    @model_validator(mode="before")
    @classmethod
    def _from_defaults(cls, data: Any) -> Any:
        """A rule named like a default one starts from that one's keys."""
        if isinstance(data, dict) and isinstance(data.get("rules"), dict):
            rules = {
                name: {**DEFAULT_RULE_KEYS[name], **given} if name in DEFAULT_RULE_KEYS and isinstance(given, dict) else given
                for name, given in data["rules"].items()
            }
            data = {**data, "rules": rules}
        return data

    @model_validator(mode="after")
    def _names(self) -> LoopSettings:
        for kind, names in (("rules", self.rules), ("actions", self.actions)):
            bad = [name for name in names if not RULE_NAME.match(name)]
            if bad:
                raise ValueError(f"[loop.{kind}.{bad[0]}]: names are lower-case letters, digits and _")
        for name, rule in self.rules.items():
            unknown = [action for action in rule.actions if action not in self.actions]
            if unknown:
                known = ", ".join(self.actions) or "none defined"
                raise ValueError(f"rules.{name}.actions: no [loop.actions.{unknown[0]}] (actions: {known})")
        return self

    @property
    def effective_rules(self) -> list[tuple[str, RuleConfig]]:
        """The rules in the order they are tried: the file's, then the defaults it does not
        redefine; disabled ones left out; none at all when the loop is off."""
        if not self.enabled:
            return []
        ordered = {**self.rules, **{name: rule for name, rule in DEFAULT_RULES.items() if name not in self.rules}}
        return [(name, rule) for name, rule in ordered.items() if rule.enabled]
