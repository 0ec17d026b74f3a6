"""`[ranking]`: how stores are ranked — a KPI made of weighted components, each 0–100, over a
period, with a minimum number of answers per component and the share of stores flagged top and
bottom (docs/ranking.md).

The views that rank (`cxbridge.ranking_views`) are stored SQL, the same for every dataset, so
the settings travel with the data: each sync writes them to `cxbridge_metadata` (`ranking.*`
rows) and the views read them there, falling back to the defaults below when none were written."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxbridge.destinations import Destination
from cxbridge.sql_parts import COUNTED, IN_WAVES

COMPONENTS: Mapping[str, str] = {
    "nps": "customers' NPS (program voc), −100…100 → (NPS + 100) / 2",
    "csat": "customers' CSAT % (share satisfied)",
    "ces": "customers' CES, mean of the 0–100 normalized answers",
    "enps": "employees' eNPS (program employee), −100…100 → (eNPS + 100) / 2",
    "mystery_shop": "mean mystery-shop visit score, 0–100",
    "audit": "mean audit score, 0–100",
}
"""The components a KPI can weigh, each normalized 0–100, in the views' column order."""
PERIODS = ("month", "quarter", "wave")
PREFIX = "ranking."
DEFAULT_MIN_ANSWERS = {"nps": 5, "csat": 5, "ces": 5, "enps": 5, "mystery_shop": 1, "audit": 1}


class Component(BaseModel):
    """`[ranking.components.NAME]`: one part of the KPI."""

    model_config = ConfigDict(extra="forbid")

    weight: float = Field(gt=0, le=1000, description="relative weight: 50/30/20 and 5/3/2 rank alike")
    min_answers: int | None = Field(
        default=None, ge=1, description="responses, visits or audits (as its program counts) a store needs in "
        "the period to be ranked; default 5 for survey metrics, 1 for mystery shops and audits"
    )  # fmt: skip


class RankingSettings(BaseModel):
    """`[ranking]` in cxbridge.toml."""

    model_config = ConfigDict(extra="forbid")

    period: Literal["month", "quarter", "wave"] = Field(
        default="month", description="month, quarter or wave (the mystery-shop and audit waves, docs/ranking.md)"
    )
    share: float = Field(default=20, gt=0, le=50, description="percent of ranked stores flagged top, and bottom")
    components: dict[str, Component] = Field(
        default_factory=lambda: {"nps": Component(weight=100)},
        description="[ranking.components.NAME] for NAME in nps, csat, ces, enps, mystery_shop, audit",
    )

    @field_validator("components")
    @classmethod
    def _known_components(cls, components: dict[str, Component]) -> dict[str, Component]:
        if not components:
            raise ValueError(f"name at least one component: {', '.join(COMPONENTS)}")
        for name in components:
            if name not in COMPONENTS:
                close = difflib.get_close_matches(name, list(COMPONENTS), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"unknown component {name!r}; {hint}the components are {', '.join(COMPONENTS)}")
        return components

    def weight(self, name: str) -> float:
        component = self.components.get(name)
        return component.weight if component else 0

    def min_answers(self, name: str) -> int:
        component = self.components.get(name)
        given = component.min_answers if component else None
        return given if given is not None else DEFAULT_MIN_ANSWERS[name]

    def as_metadata(self) -> dict[str, str]:
        """The settings as `cxbridge_metadata` rows: every component's weight (0 when it is not
        part of the KPI) and minimum, the period and the share."""
        rows = {f"{PREFIX}period": self.period, f"{PREFIX}share": _number(self.share)}
        for name in COMPONENTS:
            rows[f"{PREFIX}{name}.weight"] = _number(self.weight(name))
            rows[f"{PREFIX}{name}.min_answers"] = str(self.min_answers(name))
        return rows


DEFAULTS = RankingSettings()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def store_ranking(destination: Destination, settings: RankingSettings, *, dry_run: bool = False) -> None:
    """Write the settings the views read to the (open) destination when they changed."""
    if dry_run:
        return
    wanted = settings.as_metadata()
    stored = destination.read_metadata()
    changes = {name: value for name, value in wanted.items() if stored.get(name) != value}
    if changes:
        destination.write_metadata(changes)


def wave_warning(destination: Destination, settings: RankingSettings, wave_sources: Mapping[str, bool]) -> str | None:
    """What to do when `period = "wave"` ranks nothing because no visit or audit of the (open)
    destination carries a wave; None when one does, or when ranking by month or quarter.
    `wave_sources`: the mystery_shop and audit sources, and whether each names its waves
    (`defines_waves`) — when all do and none of their records is stored yet, they are to be synced."""
    if settings.period != "wave":
        return None
    [found] = destination.query(f"SELECT COUNT(*) AS n, COUNT(f.wave) AS waves FROM "
                                f"{destination.qualified('feedback')} f WHERE {IN_WAVES} AND {COUNTED}")  # fmt: skip
    if found["waves"]:
        return None
    named = " and ".join(wave_sources)
    where = f"the {named} source{'s' if len(wave_sources) > 1 else ''}"
    if wave_sources and all(wave_sources.values()) and not found["n"]:
        return (f'[ranking] period = "wave", but no visit or audit is stored yet, so no store is ranked: sync {where}, '
                "whose waves their configuration names (docs/ranking.md, Waves)")  # fmt: skip
    where = where if wave_sources else "a mystery_shop or audit source (none is configured)"
    return (f'[ranking] period = "wave", but no visit or audit carries a wave, so no store is ranked: map the wave '
            f'column (wave = "COLUMN" in [sources.NAME.columns]) or set wave_period = "month" or "quarter" on '
            f"{where}, then run cxbridge sync --full-refresh (docs/ranking.md, Waves)")  # fmt: skip


def defines_waves(config: Any) -> bool:
    """Whether a mystery_shop or audit source's configuration names its records' waves: a mapped
    `wave` column (file sources) or `wave_period`."""
    return config.wave_period is not None or getattr(getattr(config, "columns", None), "wave", None) is not None
