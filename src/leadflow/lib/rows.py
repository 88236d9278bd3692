"""Set-based row writes for the bulk paths (imports, bulk merges), without the ORM's per-value
compilation. ``rows_insert`` writes model instances and sets their primary keys: on PostgreSQL
it takes the keys from the table's sequence in one statement and ``COPY``s the rows (no SQL text
to build or parse, however many rows: issue 18), elsewhere one multi-row ``INSERT … RETURNING``
per batch. ``rows_update`` is one prepared ``UPDATE`` run with ``executemany``. Values go through
each field's ``get_db_prep_save``, so they are stored exactly as ``save()`` would store them. No
business rules here: the services decide what to write."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import AutoField, BigAutoField, CharField, Field, JSONField, Model, TextField

M = TypeVar("M", bound=Model)
#: Bound parameters per statement, well under SQLite's 32,766 and PostgreSQL's 65,535.
MAX_PARAMETERS = 30_000


#: Values every database driver takes as they are; everything else (datetimes, JSON, enums,
#: decimals) goes through the field's own preparation.
_PLAIN = frozenset({str, int, float, bool, type(None)})
#: Fields whose preparation returns any text (an enum's member included) as it is.
_TEXT_FIELDS = (CharField, TextField)


def _db_value(field: Field[Any, Any], value: Any) -> Any:
    if type(value) in _PLAIN and not isinstance(field, JSONField):
        return value
    return field.get_db_prep_save(value, connection)


def _preparer(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """``_db_value`` for one field, settled once per batch instead of once per value: a JSON
    object or list goes straight to the database's JSON adaptation (what ``get_db_prep_save``
    does with it), a text field keeps its text, and the same object as the previous row's (the
    batch's one ``now``) is prepared once."""
    prepare = field.get_db_prep_save
    if isinstance(field, JSONField):
        adapt, encoder = connection.ops.adapt_json_value, field.encoder

        def json_value(value: Any) -> Any:
            if type(value) in (dict, list):
                return adapt(value, encoder)
            return prepare(value, connection)

        return json_value
    if type(field) in _TEXT_FIELDS:

        def text_value(value: Any) -> Any:
            if value is None or isinstance(value, str):
                return value
            return prepare(value, connection)

        return text_value
    last: list[Any] = [object(), None]

    def value_of(value: Any) -> Any:
        if type(value) in _PLAIN:
            return value
        if value is not last[0]:
            last[:] = [value, prepare(value, connection)]
        return last[1]

    return value_of


def rows_insert(objects: Sequence[M]) -> None:
    """Insert unsaved model instances and set their primary keys."""
    if not objects:
        return
    meta = objects[0]._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    preparers = [(field.attname, _preparer(field)) for field in fields]
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and isinstance(meta.pk, AutoField | BigAutoField):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objects)],
            )
            keys = sorted(key for (key,) in cursor.fetchall())
            names = ", ".join([quote(meta.pk.column), *columns])
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy,
            ):
                for obj, key in zip(objects, keys, strict=True):
                    copy.write_row([key, *(prep(getattr(obj, name)) for name, prep in preparers)])
            _saved(objects, keys)
            return
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        batch_size = max(1, MAX_PARAMETERS // len(fields))
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            params = [prep(getattr(obj, name)) for obj in batch for name, prep in preparers]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
                f"VALUES {', '.join([row] * len(batch))} RETURNING {quote(meta.pk.column)}",
                params,
            )
            _saved(batch, [key for (key,) in cursor.fetchall()])


def _saved(objects: Sequence[Model], keys: Sequence[Any]) -> None:
    for obj, key in zip(objects, keys, strict=True):
        obj.pk = key
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


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """``value`` of the field ``name`` as the database takes it (what ``save()`` would send),
    for a caller of ``rows_add`` preparing a batch's constants once."""
    return _db_value(model._meta.get_field(name), value)  # type: ignore[arg-type]


def rows_add(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert plain rows whose values are already as the database takes them (``db_value``;
    JSON as its text), and return their new primary keys in order. The keys are reserved
    first: on PostgreSQL from the table's sequence in one statement, the rows then ``COPY``ed;
    on SQLite (one writer at a time, inside the caller's transaction) the keys after the
    table's highest key ever given (``sqlite_sequence``), the rows one ``executemany``. No
    model instances, no SQL text per row: the path of a million-row import."""
    if not rows:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    table, pk = meta.db_table, meta.pk.column
    names = ", ".join(quote(column) for column in (pk, *columns))
    count = len(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            keys = sorted(key for (key,) in cursor.fetchall())
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
            ):
                for key, row in zip(keys, rows, strict=True):
                    copy.write_row((key, *row))
            return keys
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({quote(pk)}) FROM {quote(table)}), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
        keys = list(range(last + 1, last + 1 + count))
        marks = ", ".join(["%s"] * (len(columns) + 1))
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",
            [(key, *row) for key, row in zip(keys, rows, strict=True)],
        )
        return keys


def rows_analyze(model: type[Model]) -> None:
    """Refresh the planner's statistics of the model's table (PostgreSQL; elsewhere nothing):
    for a writer that grows a table many times over faster than autovacuum looks at it (an
    import into an empty program), whose look-ups the planner would otherwise plan for the
    table as it was, scanning it whole."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@cache
def _linked_fields(
    model: type[Model], skip: str
) -> tuple[str, tuple[tuple[str, str, Callable[[Any], Any]], ...]]:
    """A model's table and, but for its key and ``skip``, its columns, each with its attribute
    and its preparation, settled once per process."""
    meta = model._meta
    quote = connection.ops.quote_name
    return quote(meta.db_table), tuple(
        (quote(f.column), f.attname, _stateless_preparer(f))
        for f in meta.concrete_fields
        if not f.primary_key and f.name != skip
    )


def _stateless_preparer(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """``_preparer`` without the previous row's memo, safe to keep for the process."""
    if isinstance(field, JSONField) or type(field) in _TEXT_FIELDS:
        return _preparer(field)
    prepare = field.get_db_prep_save

    def value_of(value: Any) -> Any:
        if type(value) in _PLAIN:
            return value
        return prepare(value, connection)

    return value_of


def row_insert_linked(parent: Model, child: Model, link: str, joined: Sequence[str] = ()) -> bool:
    """Insert one unsaved ``parent`` and one unsaved ``child`` whose foreign key ``link`` is
    the parent's new key, and set both primary keys: on PostgreSQL in one statement (the child
    a data-modifying CTE over the parent's, each statement of ``joined`` a further one over the
    child's new row, named ``new_rows``); elsewhere through ``rows_insert``, the caller then
    running what ``joined`` stands for. For the one-lead writes of the API, where each
    statement's round trip is a large share of the request."""
    if connection.vendor != "postgresql":
        rows_insert([parent])
        setattr(child, link, parent)
        rows_insert([child])
        return False
    quote = connection.ops.quote_name

    def parts(obj: Model, skip: str = "") -> tuple[str, list[str], list[str], list[Any]]:
        # A NULL is written as such rather than bound: fewer parameters, and a statement of at
        # most 50 that psycopg parses once per text instead of on every call.
        table, fields = _linked_fields(type(obj), skip)
        columns, marks, values = [], [], []
        for column, attname, prepare in fields:
            value = prepare(getattr(obj, attname))
            columns.append(column)
            if value is None:
                marks.append("NULL")
            else:
                marks.append("%s")
                values.append(value)
        return table, columns, marks, values

    parent_table, parent_columns, parent_marks, parent_values = parts(parent)
    child_table, child_columns, child_marks, child_values = parts(child, skip=link)
    link_field = child._meta.get_field(link)
    assert isinstance(link_field, Field)
    assert parent._meta.pk is not None
    assert child._meta.pk is not None
    link_column = quote(link_field.column)
    parent_pk, child_pk = quote(parent._meta.pk.column), quote(child._meta.pk.column)
    marks = ", ".join
    ctes = [
        f"new_parent AS (INSERT INTO {parent_table} ({marks(parent_columns)}) "
        f"VALUES ({marks(parent_marks)}) RETURNING {parent_pk})",
        f"new_rows AS (INSERT INTO {child_table} ({link_column}, {marks(child_columns)}) "
        f"VALUES ((SELECT {parent_pk} FROM new_parent), {marks(child_marks)}) "
        f"RETURNING {child_pk}, {link_column})",
        *(f"joined_{n} AS ({statement})" for n, statement in enumerate(joined)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(ctes)} SELECT (SELECT {parent_pk} FROM new_parent), "
            f"(SELECT {child_pk} FROM new_rows)",
            [*parent_values, *child_values],
        )
        parent_key, child_key = cursor.fetchone()
    _saved([parent], [parent_key])
    setattr(child, link, parent)
    _saved([child], [child_key])
    return True


@dataclass(frozen=True, slots=True)
class Joined:
    """A caller's own statement (``INSERT … RETURNING``, with its parameters) to run as one more
    data-modifying CTE of a one-row write, and what to do with the first value it returned
    (None when it returned no row): the API's record of an ``Idempotency-Key`` with its answer,
    written by the statement that writes the change."""

    sql: str
    params: Sequence[Any]
    returned: Callable[[Any], None]


def row_update_linked(
    parent: Model,
    fields: Sequence[str],
    children: Sequence[Model],
    link: str,
    joined: Sequence[str] = (),
    also: Sequence[Joined] = (),
) -> bool:
    """Write the named ``fields`` of one saved ``parent`` and insert the unsaved ``children``
    whose foreign key ``link`` is the parent, and set the children's primary keys: on
    PostgreSQL in one statement (the children a data-modifying CTE over the parent's UPDATE,
    each statement of ``joined`` a further one over the distinct ``link`` column of the new
    rows, named ``new_rows``, and each of ``also`` one more, its first value handed to its
    ``returned``); elsewhere ``rows_update`` and ``rows_insert``, the caller then running what
    ``joined`` stands for and ``also`` not run (``returned`` never called). The one-lead
    counterpart of ``row_insert_linked`` for a change of an existing row (an API capture merged
    into a lead). Every CTE runs whatever the others return (PostgreSQL runs data-modifying
    CTEs to completion), so the caller decides from what ``also`` returned."""
    if not fields:
        raise ValueError("row_update_linked writes at least one field")
    if connection.vendor != "postgresql":
        rows_update([parent], fields)
        for child in children:
            setattr(child, link, parent)
        rows_insert(children)
        return False
    quote = connection.ops.quote_name
    meta = parent._meta
    assert meta.pk is not None
    table = quote(meta.db_table)
    assignments, values = [], []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field)
        value = _db_value(field, getattr(parent, field.attname))
        if value is None:  # as in ``row_insert_linked``: fewer parameters, one parse per text
            assignments.append(f"{quote(field.column)} = NULL")
        else:
            assignments.append(f"{quote(field.column)} = %s")
            values.append(value)
    parent_pk = quote(meta.pk.column)
    ctes = [
        f"updated AS (UPDATE {table} SET {', '.join(assignments)} WHERE {parent_pk} = %s "
        f"RETURNING {parent_pk})"
    ]
    values.append(parent.pk)
    if children:
        child = children[0]
        child_table, child_fields = _linked_fields(type(child), link)
        link_field = child._meta.get_field(link)
        assert isinstance(link_field, Field)
        assert child._meta.pk is not None
        link_column, child_pk = quote(link_field.column), quote(child._meta.pk.column)
        rows = []
        for obj in children:
            marks = [f"(SELECT {parent_pk} FROM updated)"]
            for _, attname, prepare in child_fields:
                value = prepare(getattr(obj, attname))
                if value is None:
                    marks.append("NULL")
                else:
                    marks.append("%s")
                    values.append(value)
            rows.append(f"({', '.join(marks)})")
        columns = ", ".join([link_column, *(column for column, _, _ in child_fields)])
        ctes += [
            f"inserted AS (INSERT INTO {child_table} ({columns}) VALUES {', '.join(rows)} "
            f"RETURNING {child_pk}, {link_column})",
            f"new_rows AS (SELECT DISTINCT {link_column} FROM inserted)",
            *(f"joined_{n} AS ({statement})" for n, statement in enumerate(joined)),
        ]
        final, source = f"SELECT {child_pk}", f"FROM inserted ORDER BY {child_pk}"
    else:
        final, source = f"SELECT {parent_pk}", "FROM updated"
    for n, statement in enumerate(also):
        ctes.append(f"also_{n} AS ({statement.sql})")
        values.extend(statement.params)
        final += f", (SELECT a.v FROM also_{n} AS a(v) LIMIT 1)"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {final} {source}", values)
        rows = cursor.fetchall()
    if children:
        for obj in children:
            setattr(obj, link, parent)
        _saved(children, [row[0] for row in rows])
    for n, statement in enumerate(also):
        statement.returned(rows[0][1 + n] if rows else None)
    return True
