"""Liveness probe, and the database half of the readiness probe (``/readyz``)."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def database_problem() -> dict[str, object] | None:
    """Why this process may not take traffic (the database does not answer, or migrations are
    pending), or None. ``/readyz`` (``leadflow.ops.views``) adds the task queues to it."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any database failure means "not ready", with the reason
        return {"database": str(exc)}
    if pending:
        names = [f"{migration.app_label}.{migration.name}" for migration, _ in pending]
        return {"pending_migrations": names}
    return None
