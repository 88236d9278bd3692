"""Seeded CSV files of leads, shared by the import's tests and its benchmark.

One near-duplicate loop (``near_duplicate_rows``: each row a new person or, at a given rate, an
earlier one typed again with small variations) over two vocabularies:

- ``generate_edge_cases``: small files full of bad rows, hostile values, opt-out flags, external
  ids and extra columns (``test_equivalence.py``; its recorded digests depend on these bytes, so
  this vocabulary and its order of random draws must not change);
- ``generate_volume``: large plausible files, 18 columns, 10 % near-duplicates (case, spacing,
  phone formatting), for ``bench/intake_import.py`` (which imports this module through
  ``sys.path``). Names, companies and job titles come from pools drawn once by a seeded Faker,
  and each new person from their own seeded ``random.Random``: a million rows take seconds
  rather than Faker's minutes, and an earlier person is rebuilt from their number instead of
  kept in memory.

Here rather than in ``bench/`` because the tests own the bytes that must stay stable, and tests
do not import ``bench/``; not in ``src/`` because it is no part of the product.
"""

import csv
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

Key = TypeVar("Key")


def near_duplicate_rows(
    rng: random.Random,
    count: int,
    new: Callable[[int, random.Random], tuple[Key, list[str]]],
    again: Callable[[Key, int, random.Random], list[str]],
    *,
    rate: float,
    extra_rate: float = 0.0,
) -> Iterator[list[str]]:
    """``count`` rows: row ``number`` is, with probability ``rate`` once a person exists,
    ``again(key, number, rng)`` of an earlier person's ``key`` chosen uniformly, else a new
    person ``new(number, rng)`` → (key, row), whose key is remembered. With ``extra_rate``, that
    share of rows gets one cell too many."""
    seen: list[Key] = []
    for number in range(count):
        if seen and rng.random() < rate:
            row = again(rng.choice(seen), number, rng)
        else:
            key, row = new(number, rng)
            seen.append(key)
        if extra_rate and rng.random() < extra_rate:
            row = [*row, "extra"]
        yield row


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


# --- edge cases (tests/imports/test_equivalence.py) ----------------------------------------------

EDGE_HEADER = [
    "Lead ID", "First Name", "Last Name", "Email", "Phone", "Company", "Website", "Country",
    "State", "Postal Code", "Industry", "budget", "authority", "timeframe_months",
    "Do Not Email", "Booth",
]  # fmt: skip

FIRST = ["Ada", "Bob", "Cy", "Dee", "Élodie", "José", "Zoë", "", "  ann  ", "O'Brien", "李"]
LAST = ["Lovelace", "Young", "Smith", "Müller", "", "de la Cruz", "Nguyen", "Ørsted"]
COMPANIES = ["Acme", "Acme Inc.", "Globex", "Initech GmbH", "", "Umbrella Corp", "Ünïcode AG"]
DOMAINS = [
    "example.com", "Example.COM", "mail.example.org", "xn--bcher-kva.example", "bücher.de",
    "localhost", "x.local", "a-b.co.uk", "1.2", "-bad.com", "bad-.com", "ex..com", "ab--cd.com",
    "gmail.com", "sub.domain.io", "x" * 70 + ".com", "test", "example.123",
]  # fmt: skip
LOCALS = [
    "ada", "Ada.Lovelace", "a+tag", "a..b", ".a", "a.", "o'brien", "x" * 70, "ü", "a b",
    "postmaster", "user_1", "!#$%&'*+-/=?^_`{|}~",
]  # fmt: skip
PHONES = [
    "", "(415) 555-0100", "+1 415.555.0100", "415-555-0100", "4155550100", "4155550100.0",
    "+44 20 7946 0958", "020 7946 0958", "12", "555-0100", "+1 (201) 555-0123 x12",
    "415_555_0100", "415 555 0100 (mobile)", "0049 30 1234567", "+999 1234", "(201) 155-0123",
    "+1 201 555 0123", "1 (201) 555-0123", "(011) 555-0123", "not a phone",
]  # fmt: skip
COUNTRIES = ["US", "USA", "United States", "DE", "GB", "", "Narnia", "fr"]
STATES = ["CA", "NY", "", "ZZ", "Bavaria", "PW"]
HOSTILE = ["=cmd|' /C calc'!A0", "a\x00b", "x" * 300, "<script>alert(1)</script>", "\u202eevil"]


def _edge_email(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(["", "not-an-email", "@example.com", "a@", "a@b@c.com", "  "])
    text = f"{rng.choice(LOCALS)}{rng.randrange(100)}@{rng.choice(DOMAINS)}"
    return f"  {text.upper()} " if rng.random() < 0.1 else text


def _edge_row(number: int, rng: random.Random) -> tuple[list[str], list[str]]:
    row = [
        rng.choice([f"EXT-{number}", "", f"EXT-{number % 7}"]),
        rng.choice(FIRST),
        rng.choice(LAST),
        _edge_email(rng),
        rng.choice(PHONES),
        rng.choice(COMPANIES),
        rng.choice(["", "https://www.example.com/", "acme.com", "not a url", "http://"]),
        rng.choice(COUNTRIES),
        rng.choice(STATES),
        rng.choice(["", "94105", " 10001 ", "sw1a 1aa"]),
        rng.choice(["Software", "", "Retail"]),
        rng.choice(["none", "preliminary", "approved", "", "lots"]),
        rng.choice(["none", "influencer", "Decision Maker", ""]),
        rng.choice(["", "1", "3", "6.0", "12", "soon", "-4"]),
        rng.choice(["", "yes", "no", "maybe", "TRUE"]),
        f"B{rng.randint(1, 9)}",
    ]
    if rng.random() < 0.05:
        row[rng.randrange(1, len(row))] = rng.choice(HOSTILE)
    return row, row


def _edge_variation(row: list[str], number: int, rng: random.Random) -> list[str]:
    """The same person again: e-mail case and spaces, phone spelling, name case, gaps."""
    copy = list(row)
    kind = rng.randrange(4)
    if kind == 0:
        copy[3] = f"  {copy[3].upper()} "
    elif kind == 1:
        digits = "".join(c for c in copy[4] if c.isdigit())
        copy[4] = f"+1 {digits[:3]}.{digits[3:6]}.{digits[6:]}"
        copy[3] = ""
    elif kind == 2:
        copy[1], copy[2] = copy[1].upper(), copy[2].lower()
        copy[3], copy[4] = "", ""
    else:
        copy[0] = ""
        copy[10] = "Finance"
    return copy


def generate_edge_cases(path: Path, seed: int, rows: int = 400) -> None:
    """``rows`` rows of edge cases, 20 % of them near-duplicates, 2 % with an extra cell."""
    rng = random.Random(seed)
    write_csv(
        path,
        EDGE_HEADER,
        near_duplicate_rows(rng, rows, _edge_row, _edge_variation, rate=0.2, extra_rate=0.02),
    )


# --- volume (bench/intake_import.py) -------------------------------------------------------------

VOLUME_SEED = 2026
VOLUME_HEADER = [
    "Lead ID", "First Name", "Last Name", "Email", "Phone", "Company", "Title", "Website",
    "Country", "State", "Postal Code", "Industry", "Number of Employees", "budget", "authority",
    "need", "timeframe_months", "Booth",
]  # fmt: skip
VOLUME_STATES = ["CA", "NY", "TX", "WA", "IL", "MA", "FL", "GA"]
#: How many distinct values each Faker pool holds (a pool may hold a few repeats).
POOL_SIZES = {"first": 2000, "last": 2000, "company": 3000, "job": 600}


def volume_pools(seed: int = VOLUME_SEED) -> dict[str, list[str]]:
    """Names, companies and job titles drawn once by a seeded Faker."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    return {
        "first": [fake.first_name() for _ in range(POOL_SIZES["first"])],
        "last": [fake.last_name() for _ in range(POOL_SIZES["last"])],
        "company": [fake.company() for _ in range(POOL_SIZES["company"])],
        "job": [fake.job() for _ in range(POOL_SIZES["job"])],
    }


def volume_rows(count: int, seed: int = VOLUME_SEED) -> Iterator[list[str]]:
    """``count`` plausible leads, 10 % of them an earlier person typed again."""
    pools = volume_pools(seed)
    first, last, companies, jobs = pools["first"], pools["last"], pools["company"], pools["job"]
    base = seed * 1_000_003

    def person(number: int) -> list[str]:
        draw = random.Random(base + number)
        pick = draw.choice
        company = pick(companies)
        given, family = pick(first), pick(last)
        domain = f"{company.split()[0].strip(',').lower()}{number % 997}.example.com"
        return [
            f"EXT-{number}",
            given,
            family,
            f"{given}.{family}.{number}@{domain}".lower(),
            f"({draw.randint(201, 989)}) {draw.randint(200, 999)}-{draw.randint(0, 9999):04d}",
            company,
            pick(jobs),
            f"https://www.{domain}/",
            pick(["US", "USA", "United States"]),
            pick(VOLUME_STATES),
            f"{draw.randint(10000, 99999)}",
            pick(["Software", "Retail", "Finance", "Health", ""]),
            pick(["1-10", "11-50", "51-200", "201-1000", "1000+"]),
            pick(["none", "preliminary", "approved", ""]),
            pick(["none", "influencer", "specifier", "decision_maker", ""]),
            pick(["none", "identified", "established", ""]),
            pick(["", "1", "3", "6", "9", "12", "24"]),
            f"B{draw.randint(1, 400)}",
        ]

    def new(number: int, rng: random.Random) -> tuple[int, list[str]]:
        return number, person(number)

    def again(original: int, number: int, rng: random.Random) -> list[str]:
        """The same person typed again: e-mail case and spaces, phone formatting, name case."""
        copy = person(original)
        kind = rng.randrange(3)
        if kind == 0:
            copy[3] = f"  {copy[3].upper()} "
        elif kind == 1:
            digits = "".join(c for c in copy[4] if c.isdigit())
            copy[4] = f"+1 {digits[:3]}.{digits[3:6]}.{digits[6:]}"
            copy[3] = ""
        else:
            copy[1], copy[2] = copy[1].upper(), copy[2].lower()
            copy[3], copy[4] = "", ""
        copy[0] = f"EXT-{number}"
        return copy

    return near_duplicate_rows(random.Random(seed), count, new, again, rate=0.10)


def generate_volume(path: Path, rows: int, seed: int = VOLUME_SEED) -> None:
    write_csv(path, VOLUME_HEADER, volume_rows(rows, seed))
