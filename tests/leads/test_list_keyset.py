"""The lead list's Next and Previous pages by keyset (issue 18, item 3): the link carries the
sort key of the page's last (or first) row and the next page starts strictly after it, so a
deep page costs what the second does. Walking the pages shows every lead of the scope once, in
the sort's order, ties broken by id; the filters stay; nothing out of scope ever shows."""

import html
import re
from datetime import timedelta
from itertools import pairwise

import pytest
from django.test import Client

from leadflow.accounts.models import User
from leadflow.leads.models import Lead
from leadflow.leads.selectors.lists import (
    LeadFilters,
    LeadPage,
    cursor_encode,
    lead_list,
    lead_page,
)
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.factories import ANSWERS, Team
from tests.factories import lead as make

pytestmark = pytest.mark.usefixtures("plain_http")

PER_PAGE = 3


@pytest.fixture
def many(program: Program, other_program: Program) -> list[Lead]:
    """Eleven leads of the program, created in threes at the same moment (ties on the sort),
    Hot and Warm in turn; the other client's leads created at the same moments between them."""
    made = []
    for number in range(11):
        at = NOW - timedelta(hours=number // 3)
        rating = "hot" if number % 2 else "b"
        made.append(
            make(program=program, answers=ANSWERS[rating], at=at, email=f"in{number}@x.test")
        )
        make(program=other_program, at=at, first_name="Elsewhere", email=f"out{number}@x.test")
    return made


def walk(user: User, filters: LeadFilters) -> list[LeadPage]:
    """Every page from the first, following Next."""
    leads = lead_list(user=user, filters=filters)
    pages = [lead_page(leads=leads, number=1, per_page=PER_PAGE)]
    while pages[-1].has_next:
        pages.append(
            lead_page(
                leads=leads,
                number=pages[-1].number + 1,
                per_page=PER_PAGE,
                after=pages[-1].next_cursor,
            )
        )
    return pages


def ids(pages: list[LeadPage]) -> list[int]:
    return [lead.pk for page in pages for lead in page.leads]


@pytest.mark.parametrize("sort", ["-created", "created", "-score", "company", "rating"])
def test_next_walks_every_lead_once_in_the_sorts_order_ties_by_id(
    team: Team, many: list[Lead], sort: str
) -> None:
    filters = LeadFilters(sort=sort)
    by_offset = list(lead_list(user=team.manager, filters=filters).values_list("pk", flat=True))
    pages = walk(team.manager, filters)
    assert ids(pages) == by_offset
    assert len(by_offset) == 11
    assert [len(page.leads) for page in pages] == [3, 3, 3, 2]
    assert [page.has_previous for page in pages] == [False, True, True, True]


def test_previous_returns_the_page_before_exactly(team: Team, many: list[Lead]) -> None:
    pages = walk(team.manager, LeadFilters())
    leads = lead_list(user=team.manager, filters=LeadFilters())
    for before, page in pairwise(pages):
        back = lead_page(
            leads=leads, number=page.number - 1, per_page=PER_PAGE, before=page.previous_cursor
        )
        assert [lead.pk for lead in back.leads] == [lead.pk for lead in before.leads]
        assert back.has_next
        assert back.has_previous == (before.number > 1)


def test_the_filters_stay_on_every_page(team: Team, many: list[Lead]) -> None:
    pages = walk(team.manager, LeadFilters(rating="hot"))
    assert {lead.rating for page in pages for lead in page.leads} == {"hot"}
    assert len(ids(pages)) == 5


def test_leads_out_of_scope_never_show_even_with_their_own_key(
    team: Team, many: list[Lead], other_program: Program
) -> None:
    pages = walk(team.manager, LeadFilters())
    assert {lead.program_id for page in pages for lead in page.leads} == {many[0].program_id}
    # A cursor made from another client's lead's key only says where to start.
    outsider = Lead.objects.filter(program=other_program).order_by("-created_at", "-id")[0]
    leads = lead_list(user=team.manager, filters=LeadFilters())
    ordering = ["-created_at", "-id"]
    cursor = cursor_encode([outsider.created_at, outsider.pk], ordering=ordering)
    page = lead_page(leads=leads, number=2, per_page=20, after=cursor)
    assert page.leads
    assert all(lead.program_id == many[0].program_id for lead in page.leads)


def test_a_damaged_cursor_or_one_of_another_sort_shows_the_page_by_number(
    team: Team, many: list[Lead]
) -> None:
    leads = lead_list(user=team.manager, filters=LeadFilters())
    by_number = lead_page(leads=leads, number=2, per_page=PER_PAGE)
    by_score = lead_page(
        leads=lead_list(user=team.manager, filters=LeadFilters(sort="-score")),
        number=1,
        per_page=PER_PAGE,
    )
    for cursor in ("not-a-cursor", "eyJvIjpbXX0", by_score.next_cursor):
        page = lead_page(leads=leads, number=2, per_page=PER_PAGE, after=cursor)
        assert [lead.pk for lead in page.leads] == [lead.pk for lead in by_number.leads]


def test_the_pages_links_carry_the_key_and_the_filters(
    client: Client, team: Team, many: list[Lead], program: Program
) -> None:
    for number in range(15):
        make(program=program, at=NOW - timedelta(days=1), email=f"old{number}@x.test")
    client.force_login(team.manager)
    client.post("/leads/columns/", {"columns": ["lead"], "per_page": 25})
    first = client.get(f"/leads/?program={program.pk}").content.decode()
    next_link = re.search(r'href="\?([^"]*after=[^"]*)" [^>]*rel="next"', first)
    assert next_link, first
    assert f"program={program.pk}" in next_link.group(1)
    second = client.get("/leads/?" + html.unescape(next_link.group(1))).content.decode()
    assert "Page 2" in second
    assert "Leads 26\u201326 of 26" in second
    assert 'rel="next"' not in second
    previous = re.search(r'href="\?([^"]*before=[^"]*)" [^>]*rel="prev"', second)
    assert previous, second
    back = client.get("/leads/?" + html.unescape(previous.group(1))).content.decode()
    assert "Page 1" in back
    assert "Leads 1\u201325 of 26" in back
    assert "Elsewhere" not in first + second + back
