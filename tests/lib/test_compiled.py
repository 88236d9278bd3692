"""A queryset compiled once answers, with other values, as the ORM would (``lib.compiled``)."""

from typing import Any

import pytest
from django.db.models import QuerySet

from leadflow.lib.compiled import Compiled
from leadflow.programs.models import Program


def _by_slug(*, slug: str) -> QuerySet[Program]:
    return Program.objects.select_related("client").filter(slug=slug)


def test_a_compiled_query_builds_the_instances_with_their_related_rows(
    program: Program, django_assert_num_queries: Any
) -> None:
    compiled = Compiled(_by_slug, slug="compiled-test-marker")
    with django_assert_num_queries(1):
        (found,) = compiled.run(slug=program.slug)
        assert found.client.name == program.client.name
    assert found.pk == program.pk
    assert found.dedupe_match_on == program.dedupe_match_on
    assert compiled.run(slug="no-such-program") == []


def test_a_compiled_values_query_gives_rows(program: Program) -> None:
    compiled = Compiled(
        lambda *, slug: Program.objects.filter(slug=slug).values_list("slug", "client__slug"),
        slug="compiled-test-marker",
    )
    assert compiled.run(slug=program.slug) == [(program.slug, program.client.slug)]


def test_a_marker_missing_from_the_compiled_query_is_refused() -> None:
    with pytest.raises(ValueError, match="markers not found"):
        Compiled(lambda *, slug: Program.objects.all(), slug="compiled-test-marker")
