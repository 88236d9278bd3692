"""Set-based row writes for the bulk paths (imports, bulk merges), without the ORM's per-value
compilation: one multi-row ``INSERT … RETURNING`` per batch, one prepared ``UPDATE`` run with
``executemany``. Values go through each field's ``get_db_prep_save``, so they are stored exactly
as ``save()`` would store them. No business rules here: the services decide what to write."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, JSONField, Model

M = TypeVar("M", bound=Model)
#: Bound parameters per statement, well under SQLite's 32,766 and PostgreSQL's 65,535.
MAX_PARAMETERS = 30_000


#: Values every database driver takes as they are; everything else (datetimes, JSON, enums,
#: decimals) goes through the field's own preparation.
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _db_value(field: Field[Any, Any], value: Any) -> Any:
    if type(value) in _PLAIN and not isinstance(field, JSONField):
        return value
    return field.get_db_prep_save(value, connection)


def rows_insert(objects: Sequence[M]) -> None:
    """Insert unsaved model instances and set their primary keys."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch_size = max(1, MAX_PARAMETERS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            params = [
                _db_value(field, getattr(obj, field.attname)) for obj in batch for field in fields
            ]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row] * len(batch))} RETURNING {quote(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def rows_update(objects: Sequence[Model], field_names: Sequence[str]) -> None:
    """Write the named fields of saved model instances, one prepared statement for all."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [meta.get_field(name) for name in field_names]
    concrete = [field for field in fields if isinstance(field, Field)]
    if len(concrete) != len(fields):
        raise ValueError("rows_update writes concrete fields only")
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [_db_value(field, getattr(obj, field.attname)) for field in concrete] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def rows_copy(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write plain rows (values in the order of ``columns``, no model instances, no primary
    keys back): ``COPY`` on PostgreSQL, where the driver adapts each Python value as it adapts
    a parameter; one ``executemany`` elsewhere, values prepared as ``save()`` would. For the
    paths that write millions of rows."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        by_column = {field.column: field for field in model._meta.concrete_fields}
        fields = [by_column[column] for column in columns]
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [
                [_db_value(field, value) for field, value in zip(fields, row, strict=True)]
                for row in rows
            ],
        )
