"""The lead search over one joined, indexed text (issue 18, item 3) finds exactly what the
four-column search found: a term matches a lead when it is inside its first name, last name,
e-mail or company, whatever the case. Generated leads and terms (substrings, the boundary of two
columns, case, accents, LIKE's wildcards) run through both predicates on whichever database the
suite runs; on PostgreSQL the search is answered by the ``lead_search`` index."""

import random
import string

import pytest
from django.db import connection, transaction

from leadflow.leads.models import Lead
from leadflow.leads.selectors.text import INDEX, SEARCHED, per_column, search
from leadflow.leads.services import LeadInput, leads_create_bulk
from leadflow.programs.models import Program
from tests.conftest import NOW

SEED = 18
LEADS = 400
FIRST = ["Ada", "Zoë", "José", "Ångström", "Grace", "ann", "ANNA", "Li", "O'Brien", "Łukasz"]
LAST = ["Lovelace", "Hopper", "Müller", "Nuñez", "Smith", "smithson", "De la Cruz", "Öz", "Ng"]
COMPANY = ["Acme", "ACME Corp", "Globex", "Initech", "Société Générale", "50% Off", "A_B Ltd"]
DOMAINS = ["example.com", "acme.io", "mail.de", "globex.co.uk"]
#: Characters a term is built from beside the leads' own text: letters of both cases, accents
#: and the characters LIKE treats specially.
ALPHABET = string.ascii_letters + "éÉöÖßñ%_\\@. -'"


def _text(rng: random.Random, pool: list[str]) -> str:
    word = rng.choice(pool)
    if rng.random() < 0.3:
        word += "".join(rng.choices(string.ascii_lowercase + "éñ", k=rng.randint(1, 4)))
    return word


def _generated(rng: random.Random) -> list[LeadInput]:
    items = []
    for number in range(LEADS):
        first, last = _text(rng, FIRST), _text(rng, LAST)
        local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and ch.isalnum())
        items.append(
            LeadInput(
                first_name=first if rng.random() > 0.05 else "",
                last_name=last,
                email=f"{local or 'x'}{number}@{rng.choice(DOMAINS)}",
                company=f"{_text(rng, COMPANY)} {number % 17}" if rng.random() > 0.1 else "",
                answers={},
            )
        )
    return items


def _terms(rng: random.Random, leads: list[Lead]) -> list[str]:
    """Substrings of the leads' columns (in random case), the end of one column joined to the
    start of the next (with nothing, a space or the joined text's separator between), random
    strings, and a few fixed edge cases."""
    terms = ["a", "A", "é", "É", "ß", "SS", "%", "_", "\\", "@", ".", "-", "'", "50%", "a_b"]
    terms += ["zoë", "ZOË", "ångström", "MÜLLER", "mueller", "sociéte", "acme corp", "ANN SMITH"]
    for lead in rng.sample(leads, 120):
        values = [getattr(lead, column) for column in SEARCHED]
        value = rng.choice([v for v in values if v])
        start = rng.randrange(len(value))
        piece = value[start : start + rng.randint(1, 8)]
        terms.append(rng.choice([piece, piece.upper(), piece.lower(), piece.swapcase()]))
        # Neighbours in the joined text: the end of one column, the start of the next.
        column = rng.randrange(len(SEARCHED) - 1)
        left, right = values[column], values[column + 1]
        joiner = rng.choice(["", " ", "\x1f"])
        size = rng.randint(1, 3)
        terms.append(left[-size:] + joiner + right[:size])
    terms += ["".join(rng.choices(ALPHABET, k=rng.randint(1, 4))) for _ in range(80)]
    return terms


@pytest.fixture
def generated(program: Program) -> list[Lead]:
    rng = random.Random(SEED)
    return leads_create_bulk(program=program, items=_generated(rng), actor=None, now=NOW)


def _ids(queryset: object) -> set[int]:
    return set(queryset.values_list("id", flat=True))  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_search_finds_what_the_four_column_search_finds(generated: list[Lead]) -> None:
    rng = random.Random(SEED + 1)
    terms = _terms(rng, generated)
    found_any = 0
    for term in terms:
        expected = _ids(Lead.objects.filter(per_column(term)))
        assert _ids(search(Lead.objects.all(), [term])) == expected, repr(term)
        found_any += bool(expected)
    # The terms are not all misses (a test that found nothing would prove nothing).
    assert found_any > len(terms) // 3


@pytest.mark.django_db
def test_every_term_of_several_must_match(generated: list[Lead]) -> None:
    rng = random.Random(SEED + 2)
    terms = _terms(rng, generated)
    for _ in range(60):
        words = rng.sample(terms, rng.randint(2, 3))
        expected = _ids(Lead.objects.filter(*(per_column(word) for word in words)))
        assert _ids(search(Lead.objects.all(), words)) == expected, repr(words)


@pytest.mark.django_db
def test_a_term_across_two_columns_does_not_match(program: Program) -> None:
    """The joined text holds "Ada␟Lovelace": a term spanning the separator is refused by the
    recheck, as the four-column search refuses "adalove" or "ada lovelace"."""
    leads_create_bulk(
        program=program,
        items=[LeadInput(first_name="Ada", last_name="Lovelace", answers={})],
        actor=None,
        now=NOW,
    )
    for term in ("ada\x1flove", "ADA\x1fLOVELACE", "adalove", "ada lovelace"):
        assert not search(Lead.objects.all(), [term]).exists(), repr(term)
    assert search(Lead.objects.all(), ["LOVE"]).exists()
    assert search(Lead.objects.all(), []).count() == 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_the_search_reads_the_one_trigram_index(generated: list[Lead]) -> None:
    """Told not to scan the table (a few hundred leads fit in a page or two, where a scan is
    cheaper), the planner answers the term from ``lead_search``; the four per-column trigram
    indexes are gone."""
    query = search(Lead.objects.order_by(), ["lovelace"]).values("id")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'leads_lead' "
            "AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        trigram = {row[0] for row in cursor.fetchall()}
    assert f"Bitmap Index Scan on {INDEX}" in plan, plan
    assert trigram == {INDEX}
