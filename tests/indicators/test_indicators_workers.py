"""Estimates shared between two processes (``workers=2``): the same frame, bit for bit, the
same progress messages in the same order and the same warnings as in one process."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OptionError
from mics_toolkit.indicators import compute_indicators, estimate_indicators, load_catalogue
from mics_toolkit.indicators.compute import _shared_out

BREAKDOWNS = ["HH6", "HH7", "windex5"]


def _run(survey, specs, workers):
    messages = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = compute_indicators(survey, specs, breakdowns=BREAKDOWNS, lonely_psu="adjust",
                                   workers=workers,
                                   progress=lambda done, total, m: messages.append((done,
                                                                                    total, m)))
    return frame, messages, sorted(str(w.message) for w in caught)


@pytest.fixture(scope="module")
def runs(example_folder):
    survey = mt.open_survey(example_folder)
    specs = list(load_catalogue().values())
    return {workers: _run(survey, specs, workers) for workers in (1, 2)}


def test_two_processes_give_the_same_frame_bit_for_bit(runs):
    one, two = runs[1][0], runs[2][0]
    assert len(one) > 1000
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert one.to_csv(index=False) == two.to_csv(index=False)
    numbers = one.select_dtypes("number").to_numpy()
    assert np.array_equal(numbers, two.select_dtypes("number").to_numpy(), equal_nan=True)
    assert dict(one.attrs["mics"]) == dict(two.attrs["mics"])


def test_progress_and_warnings_are_those_of_one_process(runs):
    (_, progress_one, warned_one), (_, progress_two, warned_two) = runs[1], runs[2]
    assert [d for d, _, _ in progress_two] == list(range(1, len(progress_one) + 1))
    assert {t for _, t, _ in progress_two} == {len(progress_one)}
    assert sorted(m for _, _, m in progress_two) == sorted(m for _, _, m in progress_one)
    assert warned_two == warned_one


def test_the_warnings_of_the_child_process_reach_the_caller(example_folder, monkeypatch):
    """Every design's estimation warns (a patched step); with two processes every warning is
    issued in the caller, the child's after the caller's own."""
    import mics_toolkit.indicators.compute as compute

    original = compute._estimate_together

    def warning_step(items, by, options):
        warnings.warn(f"estimated {' '.join(i.spec.id for i in items)}", UserWarning,
                      stacklevel=1)
        return original(items, by, options)

    monkeypatch.setattr(compute, "_estimate_together", warning_step)
    survey = mt.open_survey(example_folder)
    specs = list(load_catalogue().values())
    warned = {}
    for workers in (1, 2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compute_indicators(survey, specs, breakdowns=["HH6"], lonely_psu="adjust",
                               workers=workers)
        warned[workers] = [str(w.message) for w in caught]
    assert len(warned[1]) >= 6
    assert sorted(warned[2]) == sorted(warned[1])
    assert warned[2] != warned[1]  # the child's part came last


def test_the_two_parts_are_balanced_and_keep_the_order():
    # the largest first, each to the lighter part: 12 -> first, 8 -> second, 4 -> second
    # (8 < 12), 2 -> first (12 = 12, a tie goes first); each part in the order given
    assert _shared_out([12, 4, 2, 8]) == ([0, 2], [1, 3])
    # pieces kept here start the first part: 4 first; then 12 -> second, 8 -> first, 2 -> first
    assert _shared_out([12, 4, 2, 8], [False, True, False, False]) == ([1, 2, 3], [0])
    assert _shared_out([5.0]) == ([0], [])
    # other work of the first part counts: 12 -> second (0 < 10), 8 -> first (10 < 12),
    # 4 -> second (12 < 18)
    assert _shared_out([12, 4, 8], extra_here=10) == ([2], [0, 1])
    assert _shared_out([]) == ([], [])


def test_the_prepared_indicators_kept_come_back_from_this_process(example_folder):
    survey = mt.open_survey(example_folder)
    specs = list(load_catalogue().values())
    keep = {specs[0].id, specs[-1].id}
    one, kept_one = estimate_indicators(survey, specs, breakdowns=["HH6"],
                                        lonely_psu="adjust", keep=keep)
    two, kept_two = estimate_indicators(survey, specs, breakdowns=["HH6"],
                                        lonely_psu="adjust", keep=keep, workers=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert set(kept_one) == set(kept_two) == keep
    for ident in keep:
        a, b = kept_one[ident].estimate("HH6"), kept_two[ident].estimate("HH6")
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_meanwhile_gets_the_kept_indicators_here(example_folder, workers):
    import os

    survey = mt.open_survey(example_folder)
    specs = list(load_catalogue().values())
    calls = []

    def meanwhile(kept):
        calls.append((os.getpid(), sorted(kept), kept[specs[0].id].estimate("HH6")))

    _, kept = estimate_indicators(survey, specs, breakdowns=["HH6"], lonely_psu="adjust",
                                  keep={specs[0].id}, workers=workers, meanwhile=meanwhile)
    assert [(pid, ids) for pid, ids, _ in calls] == [(os.getpid(), [specs[0].id])]
    pd.testing.assert_frame_equal(calls[0][2], kept[specs[0].id].estimate("HH6"))


def test_a_spec_error_is_the_one_of_a_single_process(example_folder):
    """Two specs with unknown variables, on designs that two processes would share out:
    both ways report the first, checked before any work is shared."""
    import dataclasses

    from mics_toolkit.errors import SpecError

    survey = mt.open_survey(example_folder)
    specs = list(load_catalogue().values())
    bad = list(specs)
    for k in (3, len(specs) - 2):
        bad[k] = dataclasses.replace(specs[k], universe=f"NOPE{k} == 1")
    assert specs[3].files != specs[-2].files
    messages = []
    for workers in (1, 2):
        with pytest.raises(SpecError) as caught:
            compute_indicators(survey, bad, lonely_psu="adjust", workers=workers)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "NOPE3" in messages[0]


@pytest.mark.parametrize("workers", [0, 3, True, "2", 1.5])
def test_workers_must_be_one_or_two(example_folder, workers):
    survey = mt.open_survey(example_folder)
    with pytest.raises(OptionError, match="workers"):
        compute_indicators(survey, list(load_catalogue().values())[:1], workers=workers)
