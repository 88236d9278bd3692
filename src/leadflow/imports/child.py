"""The entry points of the process that prepares a large import's rows
(``imports.services.rows.InChild``). A spawned child imports this module before Django is set
up, so it imports nothing of Django or the apps at its top: ``start`` sets Django up first."""

from __future__ import annotations

import os
import pickle
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadflow.imports.services.rows import Outcome, RawRow, RowsSpec

_SPEC: RowsSpec | None = None


def start(settings_module: str, spec: bytes) -> None:
    """Django's app registry (models' metadata; no connection is opened), then the run's
    shared part."""
    global _SPEC
    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    _SPEC = pickle.loads(spec)


def prepare(rows: list[RawRow], context: Any) -> list[Outcome]:
    from leadflow.imports.services.rows import rows_prepare

    assert _SPEC is not None
    return rows_prepare(_SPEC, rows, context)
