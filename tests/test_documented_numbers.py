"""The numbers written in the docs about the example network — docs/report.md's example outputs and
prose, docs/ranking.md's prose, examples/cxbridge.toml's comments — equal figures worked out here
from the example CSV files (Python's csv module and arithmetic). tests/test_report.py and
tests/test_examples_network.py check that the commands print what the docs show; this checks that
what they show is true, without running cxbridge at all."""

from __future__ import annotations

import math
import re
import sqlite3
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.test_examples_network import components, expected_ranking, wave_starts
from tests.test_population_views import (
    AUDITS,
    CES_QUESTION,
    CSAT_LABELS,
    CSAT_QUESTION,
    CUSTOMERS,
    EMPLOYEES,
    ENPS_QUESTION,
    NPS_QUESTION,
    VISITS,
)
from tests.test_report_intervals import Z, adjusted_wald, t_quantile
from tests.test_snowflake_destination import snowflake  # noqa: F401 — the fixture

REPORT_MD = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
RANKING_MD = (ROOT / "docs" / "ranking.md").read_text(encoding="utf-8")
EXAMPLE_TOML = (ROOT / "examples" / "cxbridge.toml").read_text(encoding="utf-8")


def one_decimal(value: float) -> float:
    """Half away from zero, as docs/report.md says (the exact figures here are fractions of
    small counts, so their floats land on the right side of a tie)."""
    return math.copysign(float(Decimal(repr(abs(value))).quantize(Decimal("0.1"), ROUND_HALF_UP)), value)


def net(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def quarter(day: str) -> str:
    return f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}"


def figures_by(key, rows: list[dict[str, str]], value) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        if (found := value(row)) is not None:
            grouped[key(row)].append(found)
    return grouped


def shown_table(command: str) -> list[dict[str, str]]:
    """The rows of the table docs/report.md shows for `cxbridge COMMAND`, by column name."""
    block = REPORT_MD.split(f"$ cxbridge {command}\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    header = [cell.strip() for cell in lines[0].split("┃")]
    return [dict(zip(header, (cell.strip() for cell in line.split("│")), strict=True))
            for line in lines[2:] if "│" in line]  # fmt: skip


def test_the_summary_by_program_is_the_files_own():
    """docs/report.md: `--by program` — each program's responses and score."""
    csat = [CSAT_LABELS[r[CSAT_QUESTION]] for r in CUSTOMERS]
    ces = [int(r[CES_QUESTION]) for r in CUSTOMERS if r[CES_QUESTION]]
    visits = [int(r["Score (of 40)"]) / 40 * 100 for r in VISITS]
    audits = [int(r["Points (of 50)"]) / 50 * 100 for r in AUDITS]
    worked_out = [
        ("voc", "nps", len(CUSTOMERS), net([int(r[NPS_QUESTION]) for r in CUSTOMERS])),
        ("voc", "csat", len(csat), 100 * sum(v >= 4 for v in csat) / len(csat)),  # top-2-box of 1–5
        ("voc", "ces", len(ces), 100 * sum(v >= 6 for v in ces) / len(ces)),  # 6–7 of 1–7, higher is better
        ("employee", "enps", len(EMPLOYEES), net([int(r[ENPS_QUESTION]) for r in EMPLOYEES])),
        ("mystery_shop", "mystery_shop", len(visits), statistics.fmean(visits)),
        ("audit", "audit", len(audits), statistics.fmean(audits)),
    ]
    shown = [(r["program"], r["metric"], int(r["responses"]), float(r["score"]))
             for r in shown_table("report --config examples/cxbridge.toml --by program")]  # fmt: skip
    assert shown == [(p, m, n, one_decimal(score)) for p, m, n, score in worked_out]


def test_january_is_the_files_own_and_says_so_in_words():
    """docs/report.md: January's customers' NPS, CSAT, CES and employees' eNPS, then 'In January
    the customers' NPS is +9.7 and the employees' eNPS −100'."""
    january = [r for r in CUSTOMERS if r["Submitted"].startswith("2025-01")]  # Warsaw times, Warsaw months
    staff = [int(r[ENPS_QUESTION]) for r in EMPLOYEES if r["Submitted"].startswith("2025-01")]
    csat = [CSAT_LABELS[r[CSAT_QUESTION]] >= 4 for r in january]
    ces = [int(r[CES_QUESTION]) >= 6 for r in january if r[CES_QUESTION]]
    nps = net([int(r[NPS_QUESTION]) for r in january])
    worked_out = [("voc", "nps", len(january), nps), ("voc", "csat", len(csat), 100 * sum(csat) / len(csat)),
                  ("voc", "ces", len(ces), 100 * sum(ces) / len(ces)), ("employee", "enps", len(staff), net(staff))]  # fmt: skip
    shown = [(r["program"], r["metric"], int(r["responses"]), float(r["score"]))
             for r in shown_table("report --config examples/cxbridge.toml --since 2025-01-01 --until 2025-02-01")]  # fmt: skip
    assert shown == [(p, m, n, one_decimal(score)) for p, m, n, score in worked_out]
    said = re.search(r"In January the customers' NPS is \+?(-?[\d.]+) and the employees' eNPS [−-]([\d.]+)", REPORT_MD)
    assert said and (float(said[1]), -float(said[2])) == (one_decimal(nps), one_decimal(net(staff)))


def test_the_employees_by_team_are_the_files_own():
    teams = figures_by(lambda r: r["Team"], EMPLOYEES, lambda r: int(r[ENPS_QUESTION]))
    worked_out = {team: (len(s), sum(v >= 9 for v in s), sum(7 <= v <= 8 for v in s), sum(v <= 6 for v in s),
                         one_decimal(net(s))) for team, s in teams.items()}  # fmt: skip
    rows = shown_table("report --config examples/cxbridge.toml --program employee --by team --metric enps")
    shown = {r["team"]: (int(r["responses"]), int(r["promoters"]), int(r["passives"]), int(r["detractors"]),
                         float(r["enps"])) for r in rows}  # fmt: skip
    assert shown == worked_out


def test_the_audits_by_store_are_the_files_own():
    block = REPORT_MD.split("--by location --source store_audit --format csv\n", 1)[1].split("```", 1)[0]
    lines = block.strip().splitlines()
    assert lines[0] == "location,program,metric,responses,score"
    stores = figures_by(lambda r: r["Store"], AUDITS, lambda r: int(r["Points (of 50)"]) * 2)
    worked_out = [f"{store},audit,audit,{len(s)},{one_decimal(statistics.fmean(s))}" for store, s in sorted(stores.items())]
    assert lines[1:] == worked_out


def test_the_audits_by_quarter_their_intervals_and_change_are_the_files_own():
    """docs/report.md's JSON example: the mean, mean ± t(0.975, n − 1) · s / √n, and the change."""
    import json

    block = REPORT_MD.split("--program audit --by quarter --format json\n", 1)[1].split("```", 1)[0]
    shown = json.loads(block)
    quarters = figures_by(lambda r: quarter(r["Audit date"]), AUDITS, lambda r: int(r["Points (of 50)"]) * 2)
    worked_out, before = [], None
    for name, scores in sorted(quarters.items()):
        m, se = statistics.fmean(scores), statistics.stdev(scores) / math.sqrt(len(scores))
        half = t_quantile(len(scores) - 1) * se
        worked_out.append({
            "quarter": name, "program": "audit", "metric": "audit", "responses": len(scores), "score": one_decimal(m),
            "questions": [], "ci_low": one_decimal(m - half), "ci_high": one_decimal(m + half), "indicative": len(scores) < 5,
            "previous": before and before[0], "change": before and one_decimal(m - before[1]),
            "change_significant": before and abs(m - before[1]) > Z * math.hypot(se, before[2]),
        })  # fmt: skip
        before = (name, m, se)
    assert shown == worked_out


def test_the_weeks_named_in_the_prose_are_the_files_own():
    """'2025-W27, has a single answer (a promoter: NPS 100 after 47.1); its interval is
    −48.5…98.5 and it is indicative, so its change is not tested (…), while 2025-W03
    (−22.2 → 71.4) is significant.'"""
    weeks: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        year, week, _ = date.fromisoformat(row["Submitted"][:10]).isocalendar()
        score = int(row[NPS_QUESTION])
        weeks[f"{year}-W{week:02d}"].append(1 if score >= 9 else -1 if score <= 6 else 0)
    order = sorted(weeks)

    def before_and_after(week: str) -> tuple[float, float, bool]:
        previous = weeks[order[order.index(week) - 1]]
        (c1, se1, _, _), (c2, se2, _, _) = adjusted_wald(previous), adjusted_wald(weeks[week])
        return one_decimal(100 * statistics.fmean(previous)), one_decimal(100 * statistics.fmean(weeks[week])), abs(
            c2 - c1) > Z * math.hypot(se1, se2)  # fmt: skip

    said = re.search(r"last week, (\S+), has a single answer \(a promoter: NPS 100 after ([\d.]+)\); its interval is "
                     r"[−-]([\d.]+)…([\d.]+) and it is indicative, so its change is not tested \(\[Small samples\]\(#small-samples\)\), "
                     r"while (\S+) \([−-]([\d.]+) → ([\d.]+)\) is significant",
                     " ".join(REPORT_MD.split()))  # fmt: skip
    assert said, "docs/report.md no longer says this: change the test with it"
    last, after, low, high, swing, from_, to = said.groups()
    assert last == order[-1] and weeks[last] == [1]
    _, _, ci_low, ci_high = adjusted_wald([1])
    assert (one_decimal(ci_low), one_decimal(ci_high)) == (-float(low), float(high))
    assert before_and_after(last)[:2] == (float(after), 100.0) and len(weeks[last]) < 5  # indicative: not tested
    assert before_and_after(swing) == (-float(from_), float(to), True)


# --- docs/ranking.md's prose and examples/cxbridge.toml's comments -------------------------

NAMES = {row["Store ID"]: row["Store"] for row in CUSTOMERS}


def ties() -> dict[str, tuple[list[str], float]]:
    """Per wave, the stores that share a rank and their KPI."""
    found: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for (wave, store), (kpi, rank, *_) in expected_ranking().items():
        if rank is not None:
            found[wave, rank].append((NAMES[store], kpi))
    return {wave: (sorted(name for name, _ in tied), tied[0][1]) for (wave, _), tied in found.items() if len(tied) > 1}


def unranked() -> dict[tuple[str, str], str]:
    return {(wave, NAMES[store]): missing for (wave, store), (*_, missing) in expected_ranking().items() if missing}


def test_the_example_config_comments_name_the_files_ties_waves_and_unranked_stores():
    """'Ties: Lisbon Chiado and Warsaw Centrum in wave 1 (77.5), Lisbon Chiado and Paris Opéra in
    wave 2 (77.7). Not ranked: Prague Můstek in wave 1 and Budapest Váci utca in wave 2, new stores
    with 3 answers (short of 5); Vienna Graben in wave 2, not audited.' — and the waves' first days."""
    comment = " ".join(line.lstrip("# ") for line in EXAMPLE_TOML.splitlines() if line.startswith("#"))
    said = re.search(r"Ties: (.+?) and (.+?) in wave 1 \(([\d.]+)\), (.+?) and (.+?) in wave 2 \(([\d.]+)\)", comment)
    assert said, "examples/cxbridge.toml no longer says this: change the test with it"
    assert ties() == {"2025 wave 1": (sorted(said.group(1, 2)), float(said[3])),
                      "2025 wave 2": (sorted(said.group(4, 5)), float(said[6]))}  # fmt: skip
    said = re.search(r"Not ranked: (.+?) in wave 1 and (.+?) in wave 2, new stores with (\d+) answers \(short of (\d+)\); "
                     r"(.+?) in wave 2, not audited", comment)  # fmt: skip
    assert said, "examples/cxbridge.toml no longer says this: change the test with it"
    assert unranked() == {("2025 wave 1", said[1]): "nps", ("2025 wave 2", said[2]): "nps", ("2025 wave 2", said[5]): "audit"}
    ids = {name: store for store, name in NAMES.items()}
    answers = {len(components()[wave, ids[name]]["nps"]) for wave, name in (("2025 wave 1", said[1]), ("2025 wave 2", said[2]))}
    assert answers == {int(said[3])} and int(said[4]) == 5  # [ranking.components.nps] min_answers
    starts = re.search(r"2025 wave 1: (\w+ \d+),\s+2025 wave 2: (\w+ \d+)\)", comment)
    assert starts and [date.fromisoformat(day).strftime("%b %-d") for day, _ in wave_starts()] == list(starts.groups())


def test_the_ranking_page_s_prose_is_the_files_own():
    """docs/ranking.md, The example network: the ties with their components, the stores ranked and
    the flagged places, the unranked stores' answers, and Gdańsk Oliwa's re-shops in wave 2."""
    text = " ".join(RANKING_MD.split("## The example network", 1)[1].split())
    ids = {name: store for store, name in NAMES.items()}
    said = re.findall(r"(\w[\w ]+?) \(NPS (\d+), (?:mystery shop )?(\d+), (?:audit )?(\d+)\)", text)
    assert len(said) == 4
    for (name, *figures), wave in zip(said, ("2025 wave 1",) * 2 + ("2025 wave 2",) * 2, strict=True):
        found = components()[wave, ids[name.split("and ")[-1].strip()]]
        actual = (100 * statistics.fmean(found["nps"]), statistics.fmean(found["mystery_shop"]), statistics.fmean(found["audit"]))
        assert actual == pytest.approx(tuple(float(f) for f in figures)), name
    assert re.search(r"at 77\.5 in wave 1; .* at 77\.7 in wave 2", text) and {kpi for _, kpi in ties().values()} == {77.5, 77.7}
    said = re.search(r"With (\d+) stores ranked, 20 % is ([\d.]+) places, rounded up to (\d+): (\w+) stores are top and (\w+) bottom", text)
    ranked = {wave: sum(rank is not None and w == wave for (w, _), (_, rank, *_) in expected_ranking().items())
              for wave in ("2025 wave 1", "2025 wave 2")}  # fmt: skip
    flagged = {(wave, flag): sum(w == wave and found[flag] for (w, _), found in expected_ranking().items())
               for wave in ranked for flag in (2, 3)}  # (kpi, rank, top, bottom, missing): the top and bottom flags
    assert said and set(ranked.values()) == {int(said[1])} and float(said[2]) == pytest.approx(0.2 * int(said[1]))
    assert math.ceil(0.2 * int(said[1])) == int(said[3]) and said[4] == said[5] == "three"
    assert set(flagged.values()) == {3}
    said = re.search(r"\((opened in \w+)\) and (.+?) \((opened in \w+)\) have (\d+) customer answers in their first wave", text)
    assert said and {len(components()[w, ids[n]]["nps"]) for w, n in (("2025 wave 1", "Prague Můstek"),
                                                                      ("2025 wave 2", said[2]))} == {int(said[4])}  # fmt: skip
    for store, month in ((ids["Prague Můstek"], said[1].split()[-1]), (ids[said[2]], said[3].split()[-1])):
        first = min(r["Submitted"][:10] for r in CUSTOMERS if r["Store ID"] == store)
        assert date.fromisoformat(first).strftime("%B") == month, store
    said = re.search(r"Gdańsk Oliwa \(re-shopped (\w+) times in the second wave\)", text)
    numbers = {"two": 2, "three": 3, "four": 4}
    assert said and len(components()["2025 wave 2", ids["Gdańsk Oliwa"]]["mystery_shop"]) == numbers[said[1]]


def test_the_html_reports_prose_is_the_files_own():
    """docs/report.md, HTML report: the example's figures its sections quote — the criteria's
    visits and days, the stores of fewer than 5 visits, Kraków Rynek's checkout cell, a hover's
    visits and change, the employees' January, the ranking's waves, stores and Lyon Part-Dieu's
    NPS, and the customers waiting. Each worked out from the CSV files."""
    text = " ".join(REPORT_MD.split("## HTML report", 1)[1].split("## Examples", 1)[0].split())
    shown = re.search(r"`Mystery-shop criteria, (\S+) to (\S+): (\d+) visits`", text)
    days = sorted(r["Visit date"] for r in VISITS)
    assert shown and shown.groups() == (days[0], days[-1], str(len(VISITS)))
    visits = Counter(r["Store"] for r in VISITS)
    shown = re.search(r"Budapest Váci utca's cells of (\d+) visit looked as sure as Porto Ribeira's of (\d+) — "
                      r"on the example, (\d+) of the (\d+) stores have fewer than 5 visits", text)  # fmt: skip
    assert shown and [int(n) for n in shown.groups()] == [visits["Budapest Váci utca"], visits["Porto Ribeira"],
                                                          sum(n < 5 for n in visits.values()), len(visits)]  # fmt: skip
    checkout = statistics.fmean(10 * int(r["Checkout (of 10)"]) for r in VISITS if r["Store"] == "Kraków Rynek")
    shown = re.search(r"Kraków Rynek checkout read (\d+) in its cell and ([\d.]+) under it", text)
    assert shown and (int(shown[1]), float(shown[2])) == (int(Decimal(checkout).quantize(1, ROUND_HALF_UP)), one_decimal(checkout))
    by_month = figures_by(lambda r: r["Visit date"][:7], VISITS, lambda r: Fraction(int(r["Score (of 40)"]) * 5, 2))
    may, march = (statistics.fmean(by_month[m]) for m in ("2025-05", "2025-03"))
    assert "2025-04" not in by_month  # May's change is from March
    assert f"`n = {len(by_month['2025-05'])} visits`" in text and f"`change +{one_decimal(may - march):.1f} since 2025-03`" in text
    january = [int(r[ENPS_QUESTION]) for r in EMPLOYEES if r["Submitted"].startswith("2025-01")]
    assert f"the employees' January `{net(january):.1f}`".replace("-", "−") in text
    (first, wave_1), (second, wave_2) = wave_starts()
    last = max([r["Submitted"][:10] for r in CUSTOMERS + EMPLOYEES] + days + [r["Audit date"] for r in AUDITS])
    ranked = {wave: sum(rank is not None and w == wave for (w, _), (_, rank, *_) in expected_ranking().items())
              for wave in (wave_1, wave_2)}  # fmt: skip
    day_before = (date.fromisoformat(second) - timedelta(days=1)).isoformat()
    assert f"`{wave_2}, {second} to {last}: {ranked[wave_2]} stores ranked`" in text
    assert f"({wave_1}, {first} to {day_before})`" in text and f"`rank {wave_1} (of {ranked[wave_1]})`" in text
    ids = {name: store for store, name in NAMES.items()}
    assert expected_ranking()[wave_1, ids["Gdańsk Oliwa"]][1] == ranked[wave_1] and "Gdańsk Oliwa, 11th, was the last" in text
    lyon = 100 * statistics.fmean(components()[wave_2, ids["Lyon Part-Dieu"]]["nps"])
    assert f"Lyon Part-Dieu's {one_decimal((lyon + 100) / 2)} read beside trends of −100…100, where its NPS of the wave is +{one_decimal(lyon)}" in text
    waiting = [r for r in CUSTOMERS if int(r[NPS_QUESTION]) <= 6 or CSAT_LABELS[r[CSAT_QUESTION]] <= 2]
    answered = f"who answered from {min(r['Submitted'][:10] for r in waiting)} to {max(r['Submitted'][:10] for r in waiting)}"
    assert f"`{len(waiting)} customers not followed up, {answered}" in text
    madrid = [r for r in waiting if r["Store"] == "Madrid Sol" and CSAT_LABELS[r[CSAT_QUESTION]] <= 2]
    only = [r for r in madrid if int(r[NPS_QUESTION]) > 6]
    assert f"Madrid Sol read as having {len(only)} dissatisfied customer waiting of {len(madrid)}" in text


def test_bi_md_s_two_ces_figures_of_the_example_are_the_files_own():
    """docs/bi.md's scorecard: a CES mean 0–100 is not the report's CES, % low effort — the
    example's customers read 62.9 and 39.1. The 1–7 agreement answers, 7 the least effort."""
    text = " ".join((ROOT / "docs" / "bi.md").read_text(encoding="utf-8").split())
    said = re.search(r"`cxbridge report --metric ces --by program` reads `ces_avg_normalized` ([\d.]+) and `low_effort_pct` ([\d.]+)", text)
    answers = [int(r[CES_QUESTION]) for r in CUSTOMERS if r[CES_QUESTION]]
    mean = sum(Fraction(100 * (a - 1), 6) for a in answers) / len(answers)
    assert said and (float(said[1]), float(said[2])) == (one_decimal(float(mean)), one_decimal(100 * sum(a >= 6 for a in answers) / len(answers)))


# --- docs/bi.md's queries ------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "snowflake"])
def test_the_documented_nps_trend_reads_a_tie_as_the_views_do(tmp_path, engine, request):
    """docs/bi.md's 'NPS trend of one program' adds up nps_by_month's parts and divides once: a
    month of 2,000 answers, 3 promoters and the rest passives, is NPS 0.15, which reads 0.2 (half
    away from zero, docs/report.md) — on DuckDB too, whose float 0.15 lies below the tie, and on
    Snowflake (fakesnow, whose sums are DOUBLE where Snowflake's are exact NUMBERs)."""
    import csv

    import duckdb

    import cxbridge
    from cxbridge.config import config_from_dict
    from cxbridge.plugins_host import create_host
    from tests.sqlite_runs import documented_query

    with (tmp_path / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "recommend"],
                                      *([f"R{n}", "2025-03-10 10:00", 10 if n < 3 else 8] for n in range(2000))])  # fmt: skip
    source = {"connector": "csv", "path": "answers.csv", "program": "voc",
              "columns": {"id": "id", "submitted_at": "submitted"}, "metrics": [{"column": "recommend", "metric": "nps"}]}  # fmt: skip
    config = config_from_dict({"sources": {"survey": source}}, create_host(), path=tmp_path / "cxbridge.toml")
    if engine == "snowflake":
        destination = request.getfixturevalue("snowflake")("documented_tie")
        assert cxbridge.sync(config, destination=destination.url, host=create_host()).exit_code == 0
        destination.open(read_only=True)
        try:
            rows = [tuple(row.values()) for row in destination.query(documented_query("NPS trend of one program"))]
            view = [tuple(row.values()) for row in destination.query("SELECT nps FROM nps_by_month")]
        finally:
            destination.close()
    else:
        database = tmp_path / f"cx.{engine}"
        assert cxbridge.sync(config, destination=f"{engine}:///{database}", host=create_host()).exit_code == 0
        connection = sqlite3.connect(database) if engine == "sqlite" else duckdb.connect(str(database), read_only=True)
        try:
            rows = connection.execute(documented_query("NPS trend of one program")).fetchall()
            view = connection.execute("SELECT nps FROM nps_by_month").fetchall()
        finally:
            connection.close()
    assert [(month, responses, float(nps)) for month, responses, nps in rows] == [("2025-03", 2000, 0.2)] == [
        ("2025-03", 2000, float(view[0][0]))]  # fmt: skip
