"""A queryset compiled to SQL once and run again with other values (issue 18, item 5).

The ORM compiles a queryset's SQL afresh every time it runs: for the scoped lookups every API
request makes (the caller's token with its roles, the program with its scope and criteria)
that compilation costs more CPU than the database spends answering. ``Compiled`` builds the
queryset once from *marker* values (an unlikely id, an unlikely string) standing in for the
values that change between requests, finds those markers among the compiled parameters, and
then runs the same SQL with the real values in their places, building the model instances
(``select_related`` and annotations included) as the ORM's own iterator does.

Only the values change, never the shape: a caller keeps one ``Compiled`` per shape (admin or
scoped, narrowed to how many programs …). No business rules here."""

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    get_related_populators,
)


class Compiled:
    """``build(**markers)`` compiled once; ``run(**values)`` answers as ``list(build(**values))``.

    ``markers`` names each changing value and the marker standing in for it while compiling
    (markers must not occur among the queryset's other parameters)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **markers: Hashable) -> None:
        queryset = build(**markers)
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        by_marker = {marker: name for name, marker in markers.items()}
        self.sql = sql
        self.params = list(params)
        self.slots = [
            (position, by_marker[param])
            for position, param in enumerate(params)
            if isinstance(param, Hashable) and param in by_marker
        ]
        missing = set(markers) - {name for _, name in self.slots}
        if missing:
            raise ValueError(f"markers not found among the compiled parameters: {missing}")
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [column[0] for column in compiler.select[0 : compiler.col_count]]
        )
        klass_info = compiler.klass_info
        #: A ``values_list`` query gives its rows as tuples; a model query, instances.
        models = queryset._iterable_class is ModelIterable and klass_info is not None
        self.model: type[Model] | None = klass_info["model"] if models and klass_info else None
        if self.model is not None and klass_info is not None:
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [
                column[0].target.attname for column in compiler.select[self.start : self.end]
            ]
            self.populators = get_related_populators(klass_info, compiler.select, self.db)
        self.annotations = dict(compiler.annotation_col_map or {})

    def run(self, **values: Any) -> list[Any]:
        params = list(self.params)
        for position, name in self.slots:
            params[position] = values[name]
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Any = cursor.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        if self.model is None:
            return [tuple(row) for row in rows]
        found = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found


def compiled_once(
    cache: dict[Hashable, Compiled],
    shape: Hashable,
    build: Callable[..., QuerySet[Any]],
    markers: Mapping[str, Hashable],
) -> Compiled:
    """The ``Compiled`` of ``shape`` from ``cache``, compiled on first use."""
    found = cache.get(shape)
    if found is None:
        found = cache[shape] = Compiled(build, **markers)
    return found
