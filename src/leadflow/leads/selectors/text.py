"""Free-text search of leads (issue 18, item 3): one term, case-insensitive, anywhere in the
first name, last name, e-mail or company — what the list's and the API's search have always
meant (a term matches a lead when it is inside one of those four columns).

On PostgreSQL one trigram GIN index (``lead_search``, migration ``leads.0012``) holds the four
columns joined into one text, so a lead is written into one search index instead of four. The
columns are joined by a control character nobody types (unit separator, U+001F). A term without
it can only be found in the joined text inside one column (its match holds no separator), so
matching the joined text — the predicate the index answers — is matching one of the columns,
exactly. A term holding the separator could span two columns: it is matched in the joined text
and then rechecked column by column, so such a term never matches across a boundary. (Rechecking
every term would keep the results but mislead the planner: it multiplies the two conditions'
selectivities, expects a common word to match a handful of leads, and reads every match through
the index to sort them — 87 ms instead of 5 ms for a word one lead in nine holds, at 100,000.)

SQLite has no trigram index; it keeps the per-column search (``per_column``), which scans the
scope within the list's time budget. ``tests/leads/test_text_search.py`` runs both predicates
over generated leads and asserts equal results on both databases.
"""

from functools import reduce
from operator import or_
from typing import Any

from django.db import connections
from django.db.models import F, Func, Q, QuerySet, TextField

#: The searched columns, in the order the joined text holds them.
SEARCHED = ("first_name", "last_name", "email", "company")
#: What joins the columns in the indexed text: U+001F, the unit separator.
SEPARATOR = "\x1f"
#: The name of the PostgreSQL index over the joined text (migration ``leads.0012``).
INDEX = "lead_search"


class JoinedSearchText(Func):
    """The searched columns joined by U+001F, as text: ``first_name || E'\\x1f' || …``.

    Django's ``icontains`` wraps it as ``UPPER((…)::text) LIKE UPPER('%term%')``; the index of
    migration ``leads.0012`` is built on exactly that expression, so the planner can use it.
    PostgreSQL only (``search`` uses it there alone).
    """

    arg_joiner = " || E'\\x1f' || "
    output_field = TextField()

    def __init__(self, **extra: Any) -> None:
        super().__init__(*(F(column) for column in SEARCHED), **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # Each column cast to text, as the index's expression reads it.
        sqls: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            sqls.append(f"{sql}::text")
            params.extend(more)
        return "(" + self.arg_joiner.join(sqls) + ")", params


def per_column(term: str) -> Q:
    """Today's predicate: ``term`` (case-insensitive) inside one of the searched columns."""
    return reduce(or_, (Q(**{f"{column}__icontains": term}) for column in SEARCHED))


def search(leads: QuerySet[Any], terms: list[str]) -> QuerySet[Any]:
    """``leads`` that match every one of ``terms`` (each in one of the searched columns)."""
    terms = [term for term in terms if term]
    if not terms:
        return leads
    if connections[leads.db].vendor != "postgresql":
        for term in terms:
            leads = leads.filter(per_column(term))
        return leads
    leads = leads.alias(search_text=JoinedSearchText())
    for term in terms:
        if SEPARATOR in term:
            # Only a term holding the separator can span two columns in the joined text: it is
            # matched in the joined text (the index) and then column by column.
            leads = leads.filter(Q(search_text__icontains=term) & per_column(term))
        else:
            # Without the separator, a term's place in the joined text lies within one column,
            # so matching the joined text is matching a column; a per-column recheck would only
            # make the planner count the condition twice (it then expects a common word to
            # match a few leads and reads all of them through the index to sort them).
            leads = leads.filter(search_text__icontains=term)
    return leads
