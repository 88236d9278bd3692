"""On PostgreSQL the database itself refuses to change or remove lead history."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """
CREATE OR REPLACE FUNCTION leads_leadevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'lead events are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leads_leadevent_append_only
    BEFORE UPDATE OR DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leads_leadevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS leads_leadevent_append_only ON leads_leadevent;
DROP FUNCTION IF EXISTS leads_leadevent_append_only();
"""


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
