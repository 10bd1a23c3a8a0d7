"""Estimates shared between two processes (``workers=2``): the same frame, bit for bit, the
same progress messages in the same order and the same warnings as in one process."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mics_toolkit as mt
from mics_toolkit.errors import OptionError
from mics_toolkit.indicators import compute_indicators, load_catalogue
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
    class Design:
        def __init__(self, rows):
            self.weights = np.zeros(rows)

    class Item:
        def __init__(self, rows):
            self.design = Design(rows)

    class Spec:
        def __init__(self, ident, kind="percentage"):
            self.id, self.type = ident, kind

    sizes = {"a": 40_000, "b": 40_000, "c": 0, "d": 120_000}
    prepared = {k: Item(v) for k, v in sizes.items()}
    by = ((), ("HH6",))
    work = [(by, [Spec("a"), Spec("a2", "median")]), (by, [Spec("b")]), (by, [Spec("c")]),
            (by, [Spec("d")])]
    prepared["a2"] = prepared["a"]
    # sizes: a 2*(1+2)*2 = 12 (a median counts twice), b 2*2 = 4, c 2*1 = 2, d 2*4 = 8
    here, there = _shared_out(work, prepared)
    # a to the first part, d to the second, b to the second (8 < 12), c to the first (a tie)
    assert [w[1][0].id for w in here] == ["a", "c"]
    assert [w[1][0].id for w in there] == ["b", "d"]


@pytest.mark.parametrize("workers", [0, 3, True, "2", 1.5])
def test_workers_must_be_one_or_two(example_folder, workers):
    survey = mt.open_survey(example_folder)
    with pytest.raises(OptionError, match="workers"):
        compute_indicators(survey, list(load_catalogue().values())[:1], workers=workers)
