"""Durations counted in steps (``core.reports``, docs/REPORTS.md "Medians and percentiles"):
a percentile read from the step counts is the exact nearest-rank value rounded up to its
step's end."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.reports import (
    STEP_BOUNDS,
    STEP_COUNT,
    duration_step,
    nearest_rank,
    step_percentile,
    step_seconds,
)

HOUR = 3_600
DAY = 86_400


def test_the_steps_are_increasing_and_fine_enough_to_read():
    assert list(STEP_BOUNDS) == sorted(set(STEP_BOUNDS))
    assert STEP_BOUNDS[0] == 60
    # From an hour up, a step's end is at most a sixth above its start.
    for low, high in itertools.pairwise(STEP_BOUNDS):
        if low >= HOUR:
            assert high / low <= 7 / 6, (low, high)
    # Every whole hour up to two days, and every whole day from a week to a month, is a
    # step's end: such durations are shown exactly.
    assert all(hours * HOUR in STEP_BOUNDS for hours in range(1, 49))
    assert all(days * DAY in STEP_BOUNDS for days in range(7, 31))


@pytest.mark.parametrize(
    ("seconds", "step_end"),
    [
        (-5, 60),  # a clock set back: the first step
        (0, 60),
        (60, 60),
        (61, 120),
        (HOUR + 1, HOUR + 600),
        (36 * HOUR, 36 * HOUR),
        (36 * HOUR + 1, 37 * HOUR),
        (50 * HOUR, 54 * HOUR),
        (10 * 365 * DAY, 720 * DAY),  # the last, open step: its start
    ],
)
def test_a_duration_falls_in_the_first_step_that_ends_at_or_after_it(seconds, step_end):
    assert step_seconds(duration_step(seconds)) == step_end


durations = st.lists(
    st.one_of(
        st.floats(min_value=0, max_value=800 * DAY, allow_nan=False),
        st.integers(0, 48).map(lambda hours: float(hours * HOUR)),
    ),
    min_size=1,
    max_size=200,
)


@given(values=durations, share=st.sampled_from([0.5, 0.9, 0.25, 0.99, 1.0]))
def test_the_percentile_of_step_counts_is_the_nearest_rank_value_rounded_up_to_its_step(
    values: list[float], share: float
):
    counts = [0] * STEP_COUNT
    for value in values:
        counts[duration_step(value)] += 1
    exact = sorted(values)[nearest_rank(len(values), share)]
    assert step_percentile(counts, share) == step_seconds(duration_step(exact))


def test_no_values_have_no_percentile():
    assert step_percentile([0] * STEP_COUNT, 0.5) is None
