"""Several files read side by side: reader processes taken from a pool by threads, and
Survey.prefetch, whose reads give the same data as reading file by file."""

from __future__ import annotations

import os
import threading

import pandas as pd

import mics_toolkit as mt
from mics_toolkit.io.reader_process import run_in_reader, start_readers


def test_two_threads_read_in_two_reader_processes():
    start_readers(2)
    pids: list[int] = []
    barrier = threading.Barrier(2)

    def call() -> None:
        barrier.wait()
        # each call blocks its reader process for a moment, so the other thread needs its own
        pids.append(run_in_reader(_pid_after_a_pause, file_name="x.sav"))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(set(pids)) == 2 and os.getpid() not in pids
    # the processes are kept and reused
    assert run_in_reader(os.getpid, file_name="x.sav") in pids


def _pid_after_a_pause() -> int:
    import time

    time.sleep(0.3)
    return os.getpid()


def test_prefetch_reads_what_data_reads(small_example_survey):
    wanted = {"wm": ["HH6", "HH7", "LS2", "WB4", "wmweight"], "hh": ["HH6", "HH7", "hhweight"],
              "ch": ["HH6", "chweight"]}
    one_by_one = mt.open_survey(small_example_survey)
    expected = {file: one_by_one.data(file, columns).frame for file, columns in wanted.items()}
    together = mt.open_survey(small_example_survey)
    together.prefetch(wanted)
    for file, columns in wanted.items():
        pd.testing.assert_frame_equal(together.data(file, columns).frame, expected[file])


def test_prefetch_hands_out_the_largest_files_first(small_example_survey, monkeypatch):
    wanted = {"wm": ["HH6"], "hh": ["HH6"], "ch": ["HH6"], "hl": ["HH6"], "mn": ["HH6"]}
    survey = mt.open_survey(small_example_survey)
    order: list[str] = []
    stored = type(survey)._stored

    def recording(self, file, names):
        order.append(file)
        return stored(self, file, names)

    monkeypatch.setattr(type(survey), "_stored", recording)
    survey.prefetch(wanted)
    sizes = {file: survey.path(file).stat().st_size for file in wanted}
    by_size = sorted(wanted, key=lambda f: -sizes[f])
    assert by_size[0] == "hl" and sizes["hl"] > sizes["mn"]
    assert order[:2] == by_size[:2] or order[:2] == by_size[1::-1]  # two threads start
    assert set(order[2:]) == set(by_size[2:])


def test_prefetch_runs_meanwhile_here_during_the_reads(small_example_survey):
    wanted = {"wm": ["HH6", "LS2"], "hh": ["HH6"], "hl": ["HH6"]}
    survey = mt.open_survey(small_example_survey)
    seen = []

    def meanwhile():
        seen.append((threading.get_ident(), sorted(survey._cache.get(("columns", "hl"), {}))))

    survey.prefetch(wanted, meanwhile=meanwhile)
    assert [ident for ident, _ in seen] == [threading.get_ident()]
    # the reads were handed out before: the largest file (hl) was not stored yet
    assert seen[0][1] == []
    assert sorted(survey._cache[("columns", "hl")]) == ["HH1", "HH2", "HH6", "HL1"]


def test_an_error_of_meanwhile_comes_after_the_reads(small_example_survey):
    import pytest

    survey = mt.open_survey(small_example_survey)

    def meanwhile():
        raise ValueError("meanwhile failed")

    with pytest.raises(ValueError, match="meanwhile failed"):
        survey.prefetch({"wm": ["HH6"], "hh": ["HH6"]}, meanwhile=meanwhile)
    assert ("columns", "wm") in survey._cache and ("columns", "hh") in survey._cache
