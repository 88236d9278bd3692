"""Free-text search of the lead list (name, e-mail, company; case-insensitive "contains") on
PostgreSQL: trigram GIN indexes on the upper-cased columns, the expression Django's
``icontains`` compares, so a search reads matching rows instead of scanning the program's leads.
SQLite has no such index; its scan of 100,000 leads stays within the list's time budget."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

COLUMNS = ("first_name", "last_name", "email", "company")


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS lead_search_{column} ON leads_lead "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)",
            params=None,
        )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS lead_search_{column}", params=None)


class Migration(migrations.Migration):
    dependencies = [("leads", "0005_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
