"""One trigram GIN index for the lead search instead of four (issue 18, item 3).

``leads.0006`` indexed ``UPPER(column)`` of the first name, last name, e-mail and company, so
every inserted lead wrote four GIN entries sets and every change of one of them rewrote its
own. This index holds the four columns joined by U+001F, upper-cased: the expression
``leads/selectors/text.py`` (``JoinedSearchText`` under ``icontains``) compares each search
term with before rechecking it column by column. PostgreSQL only; SQLite has no trigram index.
docs/PERFORMANCE.md, "Indexes", has what it costs and what it saves.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

COLUMNS = ("first_name", "last_name", "email", "company")
#: The index's expression: what ``JoinedSearchText`` compiles to under ``icontains``.
JOINED = "UPPER((" + " || E'\\x1f' || ".join(f"{column}::text" for column in COLUMNS) + ")::text)"


def one_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS lead_search ON leads_lead USING gin ({JOINED} gin_trgm_ops)",
        params=None,
    )
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS lead_search_{column}", params=None)


def four_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS lead_search_{column} ON leads_lead "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)",
            params=None,
        )
    schema_editor.execute("DROP INDEX IF EXISTS lead_search", params=None)


class Migration(migrations.Migration):
    dependencies = [("leads", "0011_fewer_indexes")]
    operations = [migrations.RunPython(one_index, four_indexes)]
