"""Which program a file's rows belong to, when it holds points or percentage scores: mystery-shop
visits when its headers or its name speak of mystery shopping or shoppers, audits when they speak
of audits, inspections or checklists — never both, and never from the words alone (a VoC survey
with a "Checklist" column stays VoC): a column must look like points too. A file whose
recommend questions are all about a place to work (eNPS) is an employee pulse."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxbridge.detection.keywords import mentions

PROGRAMS = ("mystery_shop", "audit")


@dataclass(frozen=True)
class ProgramGuess:
    program: str | None  # None: no evidence, or evidence of both
    evidence: str


def detect_program(headers: list[str], names: list[str]) -> ProgramGuess:
    """The program the headers (and the file and sheet `names`) speak of, with the words that say so."""
    found: dict[str, list[str]] = {}
    for program in PROGRAMS:
        said = [repr(header) for header in headers if mentions(header, program)]
        said += [f"the name {name!r}" for name in names if mentions(re.sub(r"[_\-.]+", " ", name), program)]
        if said:
            found[program] = said
    if len(found) > 1:
        both = " and ".join(f"{program} ({', '.join(said[:2])})" for program, said in found.items())
        return ProgramGuess(None, f"program not decided: the file names both {both}; set --program")
    if not found:
        return ProgramGuess(None, "")
    [(program, said)] = found.items()
    return ProgramGuess(program, f"program {program}: the file holds a points score, and {', '.join(said[:3])} "
                                 f"{'speaks' if len(said) == 1 else 'speak'} of {_WHAT[program]} (--program sets "
                                 "another)")  # fmt: skip


def detect_employees(scored: dict[str, str]) -> ProgramGuess:
    """Employees, when the file's likelihood-to-recommend questions (`scored`: column → metric)
    are all eNPS: its rows are employees' answers, counted where employees' are (the views count
    eNPS of program employee only), never as customers'. A customers' NPS beside it decides nothing."""
    enps = [column for column, metric in scored.items() if metric == "enps"]
    if not enps or "nps" in scored.values():
        return ProgramGuess(None, "")
    return ProgramGuess("employee", f"program employee: the recommend question {enps[0]!r} is about a place to work "
                                    "(eNPS), which employees answer; --program sets another")  # fmt: skip


_WHAT = {"mystery_shop": "mystery shopping", "audit": "audits"}
