"""Every index on the lead and event tables earns its keep (issue 18, item 3): each has a line
in docs/PERFORMANCE.md's "Indexes" table naming the query it serves, so an index added without
a reason fails here, on whichever database the suite runs."""

import re
from pathlib import Path

import pytest
from django.db import connection

DOC = Path(__file__).resolve().parents[2] / "docs" / "PERFORMANCE.md"
TABLES = ("leads_lead", "leads_leadevent")


def documented_indexes(text: str) -> dict[str, str]:
    """The index names of the "## Indexes" table (its first column), each with its row."""
    section = text.split("\n## Indexes\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        found = re.match(r"\| `(\w+)` \|", line)
        if found:
            rows[found.group(1)] = line
    return rows


def database_indexes() -> set[str]:
    """The indexes and unique constraints of the two tables, without the primary keys."""
    names: set[str] = set()
    with connection.cursor() as cursor:
        for table in TABLES:
            constraints = connection.introspection.get_constraints(cursor, table)
            names |= {
                name
                for name, about in constraints.items()
                if (about["index"] or about["unique"]) and not about["primary_key"]
            }
    return names


def test_the_doc_table_is_read_as_index_names() -> None:
    rows = documented_indexes(
        "# P\n\n## Indexes\n\n| index | columns |\n|---|---|\n| `lead_a` | x |\n| `lead_b` | y |"
        "\n\n## Next\n\n| `not_an_index` | z |\n"
    )
    assert list(rows) == ["lead_a", "lead_b"]


@pytest.mark.django_db
def test_every_index_on_leads_and_events_has_a_line_in_the_doc() -> None:
    documented = documented_indexes(DOC.read_text(encoding="utf-8"))
    missing = database_indexes() - set(documented)
    assert not missing, (
        f"indexes without a line in docs/PERFORMANCE.md, Indexes: {sorted(missing)}; "
        "add the query each serves and its plan, or drop the index"
    )


@pytest.mark.django_db
def test_every_index_the_doc_lists_exists() -> None:
    """A dropped index leaves the table too; PostgreSQL-only ones are absent on SQLite."""
    documented = documented_indexes(DOC.read_text(encoding="utf-8"))
    expected = {
        name
        for name, row in documented.items()
        if connection.vendor == "postgresql" or "PostgreSQL only" not in row
    }
    assert expected - database_indexes() == set()
