"""Realistic lead histories with a known structure, seeded (issue 19, item 5): for the scoring
tests and bench/scoring.py.

Each lead is a row as a CRM export gives it (strings, "Select" and empty cells for missing
answers) and its outcome is drawn from a known log-odds:

- main effects of channel, inquiry type, company size, title seniority and the four BANT
  answers (the rules see only these last, and only through the rating ladder);
- an interaction: software companies of 201 employees or more convert far better, other large
  companies worse;
- a non-linear engagement effect: time on site helps up to about 20 minutes, then less;
  e-mail clicks help, with diminishing returns;
- rare values: a long tail of countries and industries seen a handful of times;
- missing values, more often in some columns than others;
- drift: the web channel gets better month after month, print worse;
- noise columns with no effect, contact columns (never features) and an identifier;
- a leaky post-outcome column ("Last Activity", set after the outcome: "Closed won" for most
  converters), which a model must never be given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

CHANNELS = {
    "web": (0.34, 0.0),
    "referral": (0.10, 1.1),
    "event/tradeshow": (0.12, 0.5),
    "purchased list": (0.14, -0.9),
    "direct mail": (0.08, -0.3),
    "print advertisement": (0.06, -0.2),
    "public relations": (0.04, 0.2),
    "sales prospecting": (0.08, 0.3),
    "other": (0.04, -0.1),
}
INQUIRIES = {
    "general information request": (0.45, -0.3),
    "business needs assessment request": (0.25, 0.2),
    "demo request": (0.22, 0.7),
    "demo and proposal (RFP) request": (0.08, 1.1),
}
SIZES = {
    "1-10": (0.25, -0.6),
    "11-50": (0.3, 0.0),
    "51-200": (0.2, 0.3),
    "201-1000": (0.15, 0.4),
    "1000+": (0.1, 0.2),
}
SENIORITY = {
    "staff": (0.35, -0.4),
    "manager": (0.3, 0.0),
    "director": (0.2, 0.35),
    "vp": (0.1, 0.5),
    "c-level": (0.05, 0.6),
}
INDUSTRIES = [
    "software",
    "manufacturing",
    "retail",
    "finance",
    "healthcare",
    "education",
    "logistics",
    "energy",
    "media",
    "government",
]
COUNTRIES = ["US", "GB", "DE", "FR", "CA", "AU", "NL", "ES", "IT", "SE"]
RARE_COUNTRIES = [f"R{i:02d}" for i in range(40)]
RARE_INDUSTRIES = [f"niche {i}" for i in range(30)]
BUDGET = {"none": (0.5, 0.0), "preliminary": (0.35, 0.3), "approved": (0.15, 0.5)}
AUTHORITY = {
    "none": (0.3, -0.2),
    "influencer": (0.35, 0.0),
    "specifier": (0.2, 0.2),
    "decision_maker": (0.15, 0.4),
}
NEED = {"none": (0.35, -0.3), "identified": (0.4, 0.1), "established": (0.25, 0.4)}
TIMEFRAMES = [1, 2, 3, 6, 9, 12, 18]
START = date(2025, 1, 1)
MONTHS = 24


@dataclass(frozen=True)
class History:
    """Rows as a CSV export has them (strings), their outcomes, and the known log-odds."""

    rows: list[dict[str, str]]
    outcomes: np.ndarray
    logits: np.ndarray

    @property
    def header(self) -> list[str]:
        return list(self.rows[0])


def _pick(rng: np.random.Generator, table: dict[str, tuple[float, float]], n: int) -> np.ndarray:
    names = list(table)
    weights = np.array([table[name][0] for name in names])
    return rng.choice(np.array(names, dtype=object), size=n, p=weights / weights.sum())


def _effect(table: dict[str, tuple[float, float]], values: np.ndarray) -> np.ndarray:
    return np.array([table[value][1] for value in values])


def _blank(rng: np.random.Generator, values: list[str], share: float) -> list[str]:
    """Some answers left out, as exports show them: "Select" (an untouched drop-down) or empty."""
    blanks = rng.random(len(values)) < share
    kinds = rng.random(len(values)) < 0.5
    return [
        ("Select" if kind else "") if blank else value
        for value, blank, kind in zip(values, blanks, kinds, strict=True)
    ]


def rating_rank(row: dict[str, str]) -> int:
    """The rules' view of a lead: the default rating ladder of DESIGN.md from its BANT answers,
    as a rank (Hot 4, A 3, B 2, C 1, FYI 0). The rules-like baseline of the quality bar."""
    timeframe = int(row["Timeframe Months"]) if row["Timeframe Months"].isdigit() else None
    need = row["Need"] in ("identified", "established")
    if timeframe is not None and timeframe <= 3 and need:
        return 4
    if row["Budget"] in ("preliminary", "approved") and timeframe is not None and timeframe <= 6:
        return 3
    if timeframe is not None and timeframe <= 9:
        return 2
    if need or timeframe is not None:
        return 1
    return 0


def history(n: int, *, seed: int = 0, base: float = -2.4) -> History:
    """``n`` leads over 24 months; about a fifth convert with the default ``base``."""
    rng = np.random.default_rng(seed)
    month = rng.integers(0, MONTHS, size=n)
    channel = _pick(rng, CHANNELS, n)
    inquiry = _pick(rng, INQUIRIES, n)
    size = _pick(rng, SIZES, n)
    seniority = _pick(rng, SENIORITY, n)
    budget = _pick(rng, BUDGET, n)
    authority = _pick(rng, AUTHORITY, n)
    need = _pick(rng, NEED, n)
    timeframe = rng.choice(TIMEFRAMES, size=n)
    timeframe_known = rng.random(n) < 0.7
    rare = rng.random(n) < 0.03
    industry = np.where(rare, rng.choice(RARE_INDUSTRIES, size=n), rng.choice(INDUSTRIES, size=n))
    country = np.where(
        rng.random(n) < 0.04, rng.choice(RARE_COUNTRIES, size=n), rng.choice(COUNTRIES, size=n)
    )
    minutes = rng.lognormal(mean=2.2, sigma=0.9, size=n)
    clicks = rng.poisson(1.5, size=n)
    visits = rng.poisson(3.0, size=n) + 1
    noise_number = rng.normal(50, 15, size=n)
    noise_colour = rng.choice(["red", "green", "blue", "amber"], size=n)

    drift = month / (MONTHS - 1)
    logit = (
        base
        + _effect(CHANNELS, channel)
        + np.where(channel == "web", -0.4 + 1.0 * drift, 0.0)
        + np.where(channel == "print advertisement", 0.4 - 0.9 * drift, 0.0)
        + _effect(INQUIRIES, inquiry)
        + _effect(SIZES, size)
        + _effect(SENIORITY, seniority)
        + _effect(BUDGET, budget)
        + _effect(AUTHORITY, authority)
        + _effect(NEED, need)
        + np.where(timeframe_known & (timeframe <= 3), 0.3, 0.0)
        + np.where(
            np.isin(size, ["201-1000", "1000+"]), np.where(industry == "software", 1.4, -0.5), 0.0
        )
        + 0.9 * np.minimum(np.log1p(minutes), math.log1p(20))
        - 0.5 * np.maximum(np.log1p(minutes) - math.log1p(20), 0.0)
        - 1.6
        + 0.35 * np.log1p(clicks)
        + np.where(np.char.startswith(country.astype(str), "R"), -0.3, 0.0)
    )
    outcomes = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    leak = np.where(
        rng.random(n) < 0.9,
        np.where(outcomes == 1, "Closed won", "Closed lost"),
        rng.choice(["Email opened", "Call made"], size=n),
    )
    columns: dict[str, list[str]] = {
        "Lead ID": [f"L{100000 + i}" for i in range(n)],
        "First Name": [f"Person{i % 977}" for i in range(n)],
        "Email": [f"person{i}@example.com" for i in range(n)],
        "Phone": [f"+1555{i:07d}" for i in range(n)],
        "Created": [
            (START + timedelta(days=int(m) * 30 + int(i % 28))).isoformat()
            for i, m in enumerate(month)
        ],
        "Channel": _blank(rng, list(channel), 0.02),
        "Inquiry Type": _blank(rng, list(inquiry), 0.05),
        "Company Size": _blank(rng, list(size), 0.15),
        "Title Seniority": _blank(rng, list(seniority), 0.1),
        "Industry": _blank(rng, list(industry), 0.1),
        "Country": _blank(rng, list(country), 0.03),
        "Budget": _blank(rng, list(budget), 0.2),
        "Authority": _blank(rng, list(authority), 0.2),
        "Need": _blank(rng, list(need), 0.2),
        "Timeframe Months": [
            str(t) if known else "" for t, known in zip(timeframe, timeframe_known, strict=True)
        ],
        "Minutes On Site": _blank(rng, [f"{m:.1f}" for m in minutes], 0.05),
        "Email Clicks": [str(c) for c in clicks],
        "Visits": [str(v) for v in visits],
        "Noise Number": [f"{v:.2f}" for v in noise_number],
        "Noise Colour": list(noise_colour),
        "Last Activity": list(leak),
        "Converted": [str(o) for o in outcomes],
    }
    names = list(columns)
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    return History(rows=rows, outcomes=outcomes, logits=logit)


def records_of(
    rows: list[dict[str, str]], *, without: tuple[str, ...] = ("Converted",)
) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k not in without} for row in rows]
