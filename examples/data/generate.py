"""Writes the example network's CSV files (the files are what ships; this script says how they
were made): thirteen stores over the first half of 2025 — a customer survey (NPS, CSAT, CES), two
mystery-shopping waves scored by criterion, a store audit in each wave and an employee pulse.

    python examples/data/generate.py     # rewrites the four *_2025.csv files next to it

Each store's wave is planned below (customers' promoters, passives and detractors, the visits'
totals of 40, the audit's points of 50) so that examples/cxbridge.toml's [ranking], by wave,
shows what a network's ranking does, in each wave: two stores tied, a new store with too few
answers to be ranked (opened in March, and in June), in wave 2 a store not audited (a component
missing), and of wave 1's bottom stores one that recovers, one that improves a little and one
that does not. Everything else (times, answers, comments, the answers of January, before the
first wave) is drawn from a generator with a fixed seed: the same files each run.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
STORES = {
    "S001": "Warsaw Centrum", "S002": "Kraków Rynek", "S003": "Gdańsk Oliwa", "S004": "Berlin Mitte",
    "S005": "Munich Marienplatz", "S006": "Madrid Sol", "S007": "Lisbon Chiado", "S008": "Paris Opéra",
    "S009": "Lyon Part-Dieu", "S010": "Porto Ribeira", "S011": "Vienna Graben", "S012": "Prague Můstek",
    "S013": "Budapest Váci utca",
}  # fmt: skip
# each wave: the days its visits and audits are made, and the days of the customers' answers that
# count in it when stores are ranked by wave — from its first visit to the day before the next
# wave's first visit (docs/ranking.md, "Ranking by wave")
WAVES = {"2025 wave 1": ((date(2025, 2, 3), date(2025, 3, 28)), (date(2025, 2, 3), date(2025, 5, 4))),
         "2025 wave 2": ((date(2025, 5, 5), date(2025, 6, 27)), (date(2025, 5, 5), date(2025, 6, 30)))}  # fmt: skip
BEFORE_WAVES = (date(2025, 1, 2), date(2025, 2, 2))  # answers before the first wave: three a store, not ranked
OPENED = {"S012": date(2025, 3, 15), "S013": date(2025, 6, 2)}  # new stores: shopped and audited once, soon after
FIRST_VISIT = {"S012": date(2025, 3, 27), "S013": date(2025, 6, 16)}
FIRST_AUDIT = {"S012": date(2025, 3, 28), "S013": date(2025, 6, 13)}

# store: wave → ((promoters, passives, detractors), visit totals of 40, audit points of 50 or None)
PLAN = {
    "S001": {"2025 wave 1": ((6, 3, 1), (32, 32), 40), "2025 wave 2": ((7, 5, 1), (33, 32), 41)},
    "S002": {"2025 wave 1": ((5, 4, 3), (27, 29), 34), "2025 wave 2": ((6, 4, 2), (29, 30), 36)},
    "S003": {"2025 wave 1": ((2, 4, 6), (20, 19), 30), "2025 wave 2": ((6, 5, 2), (32, 33, 33), 41)},  # recovers
    "S004": {"2025 wave 1": ((6, 5, 2), (31, 28), 37), "2025 wave 2": ((5, 5, 3), (28, 27), 36)},
    "S005": {"2025 wave 1": ((8, 4, 2), (33, 31), 41), "2025 wave 2": ((7, 3, 3), (29, 30), 40)},
    "S006": {"2025 wave 1": ((3, 4, 5), (24, 22), 32), "2025 wave 2": ((2, 5, 6), (22, 20, 21), 31)},  # does not
    "S007": {"2025 wave 1": ((5, 3, 2), (36, 36), 45), "2025 wave 2": ((5, 4, 1), (34, 34), 43)},  # ties S001, then S008
    "S008": {"2025 wave 1": ((7, 4, 3), (30, 29), 38), "2025 wave 2": ((6, 3, 1), (36, 36), 33)},
    "S009": {"2025 wave 1": ((9, 3, 0), (37, 36), 46), "2025 wave 2": ((8, 4, 1), (35, 34), 45)},
    "S010": {"2025 wave 1": ((4, 4, 4), (26, 25), 33), "2025 wave 2": ((4, 5, 3), (27, 26, 28), 34)},  # a little
    "S011": {"2025 wave 1": ((6, 3, 2), (29, 30), 39), "2025 wave 2": ((6, 4, 2), (30, 31), None)},  # not audited
    "S012": {"2025 wave 1": ((2, 1, 0), (30,), 40), "2025 wave 2": ((6, 4, 2), (31, 30), 38)},  # 3 answers in wave 1
    "S013": {"2025 wave 2": ((2, 1, 0), (29,), 39)},  # opened in June: 3 answers in wave 2
}
# the criterion each store is weakest at (the mystery-shop heatmap shows it)
WEAK = {"S002": "Checkout", "S003": "Greeting", "S004": "Product knowledge", "S005": "Checkout",
        "S006": "Cleanliness", "S008": "Greeting", "S010": "Product knowledge", "S011": "Cleanliness"}  # fmt: skip
CRITERIA = ("Greeting", "Cleanliness", "Product knowledge", "Checkout")

CSAT = ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied")
PRAISE = ("Friendly staff and quick checkout.", "Clean store, short queue.", "Great advice from the team.",
          "Found everything I needed.")  # fmt: skip
COMPLAINTS = ("Item was out of stock again.", "Waited 20 minutes at the till.", "Staff seemed uninterested.",
              "Nobody could help me find sizes.", "Prices higher than online.", "Fitting rooms were messy.")  # fmt: skip
VISIT_NOTES = {
    "Greeting": "No greeting for several minutes.", "Cleanliness": "Fitting rooms messy.",
    "Product knowledge": "Could not explain the warranty.", "Checkout": "Long queue, one till open.",
}  # fmt: skip
GOOD_VISIT = ("Excellent product knowledge.", "Warm greeting at the door.", "Spotless store.", "")
AUDIT_NOTES = ("All price labels correct.", "Fire exit blocked by boxes.", "Cash office log incomplete.",
               "Clean and compliant.", "")  # fmt: skip
PULSE_NOTES = ("Good team, low pay.", "Managers listen.", "Too few staff on weekends.", "Training helped me a lot.",
               "Rota changes at short notice.", "")  # fmt: skip


def when(rng: random.Random, first: date, last: date) -> datetime:
    """A shop-hours moment between two days (local time: the config reads it as Warsaw time)."""
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    return datetime(day.year, day.month, day.day, rng.randrange(8, 21), rng.randrange(60))


def customer_answer(rng: random.Random, group: str) -> tuple[int, str, int, str]:
    """NPS, CSAT label, CES (1–7 agreement) and comment, consistent with the NPS group."""
    if group == "promoter":
        return (rng.choice((9, 10, 10)), rng.choice(CSAT[3:] + CSAT[4:]), rng.randint(5, 7),
                rng.choice(PRAISE + ("",)))  # fmt: skip
    if group == "passive":
        return rng.choice((7, 8)), rng.choice(CSAT[1:4] + CSAT[3:4]), rng.randint(3, 6), rng.choice(PRAISE + COMPLAINTS + ("",))
    return rng.choice((0, 2, 3, 4, 5, 5, 6, 6)), rng.choice(CSAT[:3]), rng.randint(1, 4), rng.choice(COMPLAINTS)


def store_nps(rng: random.Random) -> list[list[str]]:
    rows = []

    def answer(store: str, group: str, first: date, last: date) -> None:
        nps, csat, ces, comment = customer_answer(rng, group)
        email = f"customer{rng.randrange(1, 400)}@example.com" if rng.random() > 0.08 else ""
        rows.append([when(rng, first, last), store, rng.choice(("email", "in_store", "sms", "web")), email,
                     nps, csat, ces, comment, rng.choice(("small", "medium", "large"))])  # fmt: skip

    for store, waves in PLAN.items():
        for wave, ((promoters, passives, detractors), _, _) in waves.items():
            _, (first, last) = WAVES[wave]
            groups = ["promoter"] * promoters + ["passive"] * passives + ["detractor"] * detractors
            if wave == "2025 wave 1" and store not in OPENED:
                for _ in range(3):
                    answer(store, rng.choice(groups), *BEFORE_WAVES)
            for group in groups:
                answer(store, group, max(first, OPENED.get(store, first)), last)
    # three rows made bad on purpose: each goes to quarantine with the reason (an NPS of 11, a
    # satisfaction label off the scale, no submission time)
    rows.append([datetime(2025, 1, 12, 14, 23), "S002", "in_store", "customer179@example.com", 11, CSAT[4], 5,
                 "Great advice from the team.", "small"])  # fmt: skip
    rows.append([datetime(2025, 2, 24, 11, 1), "S007", "sms", "customer79@example.com", 10, "Kinda ok", 7, "", "small"])
    rows.append([None, "S008", "email", "customer173@example.com", 10, CSAT[3], 7, "", "large"])
    rows.sort(key=lambda row: row[0] or datetime(2025, 3, 15, 12))
    header = ["Response ID", "Submitted", "Store ID", "Store", "Channel", "Email",
              "How likely are you to recommend us to a friend?", "How satisfied were you with your visit?",
              "The store made it easy to find what I needed", "What could we do better?", "Basket size"]  # fmt: skip
    return [header, *([f"R{1000 + n}", stamp(moment), store, STORES[store], *rest]
                      for n, (moment, store, *rest) in enumerate(rows))]  # fmt: skip


def criteria(rng: random.Random, total: int, weak: str | None) -> list[int]:
    """Four criteria of 10 that add up to the visit's total, the store's weak one lowest."""
    points = [total // 4 + (i < total % 4) for i in range(4)]
    for _ in range(6):  # move points around, keeping the sum and each within 0–10
        give, take = rng.sample(range(4), 2)
        if points[give] > 0 and points[take] < 10:
            points[give] -= 1
            points[take] += 1
    if weak:
        low = CRITERIA.index(weak)
        for _ in range(3):
            others = [i for i in range(4) if i != low and points[i] < 10]
            if points[low] > 0 and others:
                points[low] -= 1
                points[rng.choice(others)] += 1
    return points


def mystery_shop(rng: random.Random) -> list[list[str]]:
    staff = {store: [f"{store}-E{n}" for n in range(1, 4)] for store in STORES}  # S001-E1…S001-E3: S001's staff
    rows = []
    for store, waves in PLAN.items():
        for wave, (_, totals, _) in waves.items():
            (first, last), _ = WAVES[wave]
            if OPENED.get(store, date.min) >= first:  # the new store's first visit
                first = last = FIRST_VISIT[store]
            for n, total in enumerate(totals):
                day = first if store == "S001" and n == 0 else when(rng, first, last).date()  # the wave opens
                served = rng.choice(staff[store])
                points = criteria(rng, total, WEAK.get(store))
                weakest = CRITERIA[points.index(min(points))]
                note = VISIT_NOTES[weakest] if min(points) <= 6 else rng.choice(GOOD_VISIT)
                rows.append([day, wave, store, f"shopper{rng.randrange(1, 9)}", served,
                             "checkout" if served.endswith("3") else "sales floor", *points, total, note])  # fmt: skip
    rows.sort(key=lambda row: (row[0], row[2]))
    header = ["Visit ID", "Visit date", "Wave", "Store ID", "Store", "Shopper", "Staff served", "Department",
              *(f"{name} (of 10)" for name in CRITERIA), "Score (of 40)", "Notes"]  # fmt: skip
    return [header, *([f"MS-2025-{n:03d}", day.isoformat(), wave, store, STORES[store], *rest]
                      for n, (day, wave, store, *rest) in enumerate(rows, start=1))]  # fmt: skip


def store_audit(rng: random.Random) -> list[list[str]]:
    rows = []
    """One audit a store in each wave, named by the wave like the visits."""
    rows = []
    for store, waves in PLAN.items():
        for wave, (_, _, points) in waves.items():
            if points is None:
                continue
            (first, _), _ = WAVES[wave]
            new = OPENED.get(store, date.min) >= first
            day = FIRST_AUDIT[store] if new else first + timedelta(days=rng.randrange(1, 25))
            note = AUDIT_NOTES[0] if points >= 45 else rng.choice(AUDIT_NOTES)
            rows.append([day, wave, store, f"auditor{rng.randrange(1, 4)}", points, note])
    rows.sort(key=lambda row: (row[0], row[2]))
    header = ["Audit ID", "Audit date", "Wave", "Store ID", "Store", "Auditor", "Points (of 50)", "Notes"]
    return [header, *([f"AU-{n:03d}", day.isoformat(), wave, store, STORES[store], *rest]
                      for n, (day, wave, store, *rest) in enumerate(rows, start=1))]  # fmt: skip


def employee_pulse(rng: random.Random) -> list[list[str]]:
    """Five answers a store; January (the stock-take month) is unhappy everywhere."""
    morale = {store: 0.7 for store in STORES} | {"S009": 0.9, "S007": 0.85, "S003": 0.35, "S006": 0.35}
    rows = []
    for store in STORES:
        first = OPENED.get(store, date(2025, 1, 2))
        for _ in range(5):
            moment = when(rng, first, date(2025, 6, 27))
            happy = moment.month > 1 and rng.random() < morale[store]
            score = rng.choice((8, 9, 9, 10)) if happy else rng.choice((3, 4, 5, 6, 7))
            rows.append([moment, store, rng.choice(("checkout", "sales floor", "stockroom")), score,
                         rng.choice(PULSE_NOTES)])  # fmt: skip
    rows.sort(key=lambda row: row[0])
    header = ["Response ID", "Submitted", "Store ID", "Store", "Team",
              "How likely are you to recommend us as a place to work?", "Anything else?"]  # fmt: skip
    return [header, *([f"EP-{n:03d}", stamp(moment), store, STORES[store], *rest]
                      for n, (moment, store, *rest) in enumerate(rows, start=1))]  # fmt: skip


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def main() -> None:
    rng = random.Random(2025)
    for name, rows in (("store_nps", store_nps(rng)), ("mystery_shop", mystery_shop(rng)),
                       ("store_audit", store_audit(rng)), ("employee_pulse", employee_pulse(rng))):  # fmt: skip
        with (HERE / f"{name}_2025.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)


if __name__ == "__main__":
    main()
