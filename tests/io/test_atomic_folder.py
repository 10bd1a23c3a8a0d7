"""A folder's content replaced as a unit (:func:`mics_toolkit.io.atomic.replace_folder`): new
files staged beside it and swapped in; a failure at any step (writing, a full disk, the
caller's last check, the swap itself, an interruption between the two renames of the fallback)
leaves the folder as it was and no staging folder; leftovers of killed runs are removed, or
put back, by the next run (:func:`remove_leftovers`)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mics_toolkit.io.atomic as atomic
from mics_toolkit.errors import OutputError
from mics_toolkit.io.atomic import STAGING_MARK, remove_leftovers, replace_folder

OLD = {"a.txt": b"old a", "b.txt": b"old b"}
NEW = {"a.txt": b"new a", "c.txt": b"new c", "manifest.json": b"{}"}


def _content(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


@pytest.fixture
def old(tmp_path) -> Path:
    folder = tmp_path / "out"
    replace_folder(folder, OLD)
    return folder


def test_creates_the_folder_with_ordinary_permissions(tmp_path):
    folder = tmp_path / "new" / "out"
    written = replace_folder(folder, NEW)
    assert list(written) == list(NEW) and written["a.txt"] == folder / "a.txt"
    assert _content(folder) == NEW
    mask = os.umask(0)
    os.umask(mask)
    assert folder.stat().st_mode & 0o777 == 0o777 & ~mask  # not the staging folder's 0o700
    assert _leftovers(folder) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
def test_replaces_the_whole_content(old, monkeypatch, exchange):
    swaps = []
    original = atomic._exchange

    def spy(first, second):
        swaps.append(original(first, second) if exchange else False)
        return swaps[-1]

    monkeypatch.setattr(atomic, "_exchange", spy)
    os.chmod(old, 0o750)
    replace_folder(old, NEW)
    if sys.platform.startswith("linux"):
        assert swaps == [exchange]  # one renameat2(RENAME_EXCHANGE) on Linux
    assert _content(old) == NEW  # b.txt, which the new content lacks, is gone
    assert old.stat().st_mode & 0o777 == 0o750
    assert _leftovers(old) == []


def test_a_link_to_the_folder_stays_a_link(tmp_path, old):
    link = tmp_path / "link"
    link.symlink_to(old)
    written = replace_folder(link, NEW)
    assert link.is_symlink() and _content(old) == NEW
    assert written["c.txt"] == link / "c.txt"


def test_a_refused_swap_changes_nothing(old):
    def refuse(real):
        assert _content(real) == OLD and real == old.resolve()
        raise OutputError("refused", path=str(real))

    with pytest.raises(OutputError, match="refused"):
        replace_folder(old, NEW, before_swap=refuse)
    assert _content(old) == OLD and _leftovers(old) == []


def test_a_full_disk_while_writing_changes_nothing(old, monkeypatch):
    calls = []
    fsync = os.fsync

    def full(descriptor):
        calls.append(descriptor)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return fsync(descriptor)

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device") as caught:
        replace_folder(old, NEW)
    assert caught.value.path == str(old / "c.txt")
    assert _content(old) == OLD and _leftovers(old) == []


def test_a_failed_swap_changes_nothing(old, monkeypatch):
    def failing(first, second):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_exchange", failing)
    with pytest.raises(OutputError, match="No space left on device"):
        replace_folder(old, NEW)
    assert _content(old) == OLD and _leftovers(old) == []


def test_an_interruption_between_the_two_renames_puts_the_folder_back(old, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    rename = os.rename
    calls = []

    def interrupted(source, destination):
        calls.append((source, destination))
        if len(calls) == 2:  # the staging folder onto the destination
            raise KeyboardInterrupt
        return rename(source, destination)

    monkeypatch.setattr(atomic.os, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        replace_folder(old, NEW)
    monkeypatch.setattr(atomic.os, "rename", rename)
    assert _content(old) == OLD and _leftovers(old) == []


def test_leftovers_of_killed_runs_are_removed_or_put_back(old):
    staging = old.parent / f".out{STAGING_MARK}killed"
    staging.mkdir()
    (staging / "a.txt").write_bytes(b"half")
    parked = old.parent / ".out.mics-previous-killed"
    old.rename(parked)  # killed between the two renames of the fallback
    assert sorted(remove_leftovers(old.resolve())) == sorted([staging, parked])
    assert _content(old) == OLD and _leftovers(old) == []
    parked.mkdir()  # a previous folder that was never removed, beside the folder
    replace_folder(old, NEW)
    assert _content(old) == NEW and _leftovers(old) == []


def test_the_staging_folder_of_a_running_build_is_kept(old, tmp_path):
    staging = old.parent / f".out{STAGING_MARK}running"
    staging.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; d = os.open(sys.argv[1], os.O_RDONLY); "
         "fcntl.flock(d, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
         str(staging)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        replace_folder(old, NEW)
        assert staging.is_dir()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert remove_leftovers(old.resolve()) == [staging]
    assert not staging.exists()


@pytest.mark.parametrize("name", ["", "a/b.txt", "..", "."])
def test_names_are_plain_file_names(tmp_path, name):
    with pytest.raises(OutputError, match="plain file name"):
        replace_folder(tmp_path / "out", {name: b"x"})
    assert not (tmp_path / "out").exists()


def test_a_file_where_the_folder_should_be(tmp_path):
    target = tmp_path / "out"
    target.write_text("keep")
    with pytest.raises(OutputError, match="it is a file") as caught:
        replace_folder(target, NEW)
    assert caught.value.path == str(target) and target.read_text() == "keep"
