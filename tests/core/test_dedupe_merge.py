"""The field-precedence rule of a merge: first non-empty value kept, blanks filled, every
differing value kept aside; merging is order-independent in what it keeps."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.merge import fields_merge

NAMES = ("email", "phone", "city", "title")


def test_blanks_are_filled_and_differing_values_kept_aside() -> None:
    result = fields_merge(
        {"email": "ada@acme.com", "city": ""},
        {"email": "ada@home.org", "city": "London", "phone": ""},
        NAMES,
    )
    assert result.filled == {"city": "London"}
    assert result.differing == {"email": "ada@home.org"}


def _apply(record: dict[str, Any], incoming: dict[str, Any]) -> tuple[dict[str, Any], set[Any]]:
    result = fields_merge(record, incoming, NAMES)
    return {**record, **result.filled}, set(result.differing.items())


_records = st.fixed_dictionaries(
    {name: st.sampled_from(["", f"{name}-1", f"{name}-2", f"{name}-3"]) for name in NAMES}
)


def _kept(record: dict[str, Any], aside: set[Any]) -> set[Any]:
    return {(name, value) for name, value in record.items() if value} | aside


@given(base=_records, first=_records, second=_records)
def test_merging_is_order_independent_in_what_it_keeps(
    base: dict[str, Any], first: dict[str, Any], second: dict[str, Any]
) -> None:
    one, aside_one = _apply(base, first)
    one, more = _apply(one, second)
    two, aside_two = _apply(base, second)
    two, again = _apply(two, first)
    assert _kept(one, aside_one | more) == _kept(two, aside_two | again)
    every = {(n, v) for record in (base, first, second) for n, v in record.items() if v}
    assert _kept(one, aside_one | more) == every
    emails = {r["email"] for r in (base, first, second) if r["email"]}
    assert emails <= {v for n, v in _kept(one, aside_one | more) if n == "email"}
