"""The spec layer on hostile input: every loader of a spec (survey configuration, indicator
file, report spec, index spec) refuses alias bombs, self-referencing aliases, deep nesting,
tags, repeated keys and paths that are not regular files with a located project error, never a
traceback, a hang or an exhausted memory; the shared rules (build date, names, bounded counts)
and the data files a spec names (totals, objective table) are checked the same way."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mics_toolkit.errors import ReadError, SpecError
from mics_toolkit.index.yaml_spec import load_index_spec
from mics_toolkit.indicators import load_indicator_file
from mics_toolkit.io import SurveyConfig
from mics_toolkit.report.spec import load_report_spec
from mics_toolkit.specfile import (
    LANGUAGES,
    MAX_DEPTH,
    MAX_VALUES,
    SpecChecker,
    SpecList,
    SpecMapping,
    load_spec,
    parse_spec,
    require_regular_file,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kz_mics"

LOADERS: dict[str, Callable[[Path], object]] = {
    "survey config": SurveyConfig.load,
    "indicator file": load_indicator_file,
    "report spec": load_report_spec,
    "index spec": load_index_spec,
}


@contextlib.contextmanager
def deadline(seconds: int = 10) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts a blocked open() or a runaway loop."""

    def expired(signum, frame):
        raise TimeoutError(f"gave up after {seconds} s (the loader hangs)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def spec_error(load: Callable[[Path], object], path: Path) -> SpecError:
    with deadline(), pytest.raises(SpecError) as caught:
        load(path)
    return caught.value


def assert_located(error: SpecError, path: Path, line: int, key: str) -> None:
    assert error.file == str(path)
    assert error.line == line
    assert error.key == key
    assert str(error).startswith(f"{path}:{line}: key '{key}': ")


# ------------------------------------------------------------------ YAML, in every loader

# 6 levels of 10: a million values once expanded (the old loaders built them all)
BOMB = "lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 6)
)


@pytest.fixture(params=list(LOADERS), ids=list(LOADERS))
def load(request):
    return LOADERS[request.param]


def test_alias_bomb(load, tmp_path):
    path = write(tmp_path, BOMB)
    error = spec_error(load, path)
    # lol0..lol3 expand to 12,348 values; the 8th alias of lol4 passes 100,000
    assert_located(error, path, 5, "lol4[7]")
    assert f"more than {MAX_VALUES:,} values" in str(error)


def test_self_referencing_alias(load, tmp_path):
    path = write(tmp_path, "name: x\ntitle: &loop [a, *loop]\n")
    error = spec_error(load, path)
    assert_located(error, path, 2, "title[1]")
    assert "*loop refers to a value that contains it" in str(error)


def test_900_nested_sequences(load, tmp_path):
    path = write(tmp_path, "name: x\ntitle: " + "[" * 900 + "]" * 900 + "\n")
    error = spec_error(load, path)
    assert_located(error, path, 2, "title")
    assert f"deeper than {MAX_DEPTH} levels" in str(error)


def test_python_object_tag(load, tmp_path):
    path = write(tmp_path, "name: x\ntitle: !!python/object/apply:os.system [echo hi]\n")
    error = spec_error(load, path)
    assert_located(error, path, 2, "title")
    assert "'!!python/object/apply:os.system' is not allowed" in str(error)


def test_unknown_tag(load, tmp_path):
    path = write(tmp_path, "name: x\ntitle:\n  en: !custom hello\n")
    error = spec_error(load, path)
    assert_located(error, path, 3, "title.en")
    assert "'!custom' is not allowed" in str(error)


def test_duplicate_key(load, tmp_path):
    path = write(tmp_path, "name: x\ntitle: one\nname: y\n")
    error = spec_error(load, path)
    assert_located(error, path, 3, "name")
    assert "key 'name' repeats (first at line 1)" in str(error)


def test_spec_path_that_is_a_fifo(load, tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    with deadline(), pytest.raises(ReadError) as caught:
        load(fifo)
    assert caught.value.path == str(fifo)
    assert "FIFO" in str(caught.value) and "not a regular file" in str(caught.value)


def test_spec_path_that_is_dev_zero(load):
    with deadline(), pytest.raises(ReadError) as caught:
        load(Path("/dev/zero"))
    assert caught.value.path == "/dev/zero"
    assert "a device, not a regular file" in str(caught.value)


# ------------------------------------------------------------------ rules of the specs


def example_copy(tmp_path: Path, name: str, edit: Callable[[str], str]) -> Path:
    """An example spec copied to tmp_path (with the objective table), text edited."""
    text = edit((EXAMPLE / name).read_text(encoding="utf-8"))
    shutil.copy(EXAMPLE / "objective.csv", tmp_path / "objective.csv")
    return write(tmp_path, text, name)


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if fragment in line)


SPEC_LOADERS = {"report.yaml": load_report_spec, "index.yaml": load_index_spec}
BUILD_DATES = {"report.yaml": "build_date: 2024-12-01", "index.yaml": "build_date: 2024-09-15"}
NAMES = {"report.yaml": "name: report", "index.yaml": "name: Child Well-being Index (synthetic "
         "example)"}


@pytest.mark.parametrize("example", list(SPEC_LOADERS))
@pytest.mark.parametrize("date", ["2024-02-30", '"2024-02-30"', "2023-13-01"])
def test_impossible_build_date(tmp_path, example, date):
    path = example_copy(tmp_path, example,
                        lambda t: t.replace(BUILD_DATES[example], f"build_date: {date}"))
    error = spec_error(SPEC_LOADERS[example], path)
    assert_located(error, path, line_of(path, "build_date:"), "build_date")
    assert "is not a date" in str(error) and date.strip('"') in str(error)


@pytest.mark.parametrize("example", list(SPEC_LOADERS))
def test_name_with_a_nul_byte(tmp_path, example):
    path = example_copy(tmp_path, example,
                        lambda t: t.replace(NAMES[example], 'name: "report\\0x"'))
    error = spec_error(SPEC_LOADERS[example], path)
    assert_located(error, path, line_of(path, 'name: "report'), "name")
    assert "control characters (found U+0000)" in str(error)


@pytest.mark.parametrize("example", list(SPEC_LOADERS))
def test_name_of_300_characters(tmp_path, example):
    path = example_copy(tmp_path, example, lambda t: t.replace(NAMES[example], "name: " + "r" * 300))
    error = spec_error(SPEC_LOADERS[example], path)
    assert_located(error, path, line_of(path, "name: rrr"), "name")
    assert "300 characters long; the limit is 200" in str(error)


@pytest.mark.parametrize("value", ["1e9", "1000000000"])
def test_replicates_beyond_the_limit(tmp_path, value):
    path = example_copy(tmp_path, "index.yaml",
                        lambda t: t.replace("  replicates: 1000", f"  replicates: {value}"))
    error = spec_error(load_index_spec, path)
    assert_located(error, path, line_of(path, "replicates:"), "uncertainty.replicates")
    assert "must be a whole number from 2 to 100,000" in str(error)


# ------------------------------------------------------------------ data files a spec names


@pytest.fixture(params=["fifo", "/dev/zero"])
def not_regular(request, tmp_path) -> Path:
    if request.param == "fifo":
        path = tmp_path / "data.csv"
        os.mkfifo(path)
        return path
    return Path(request.param)


def test_totals_path_that_is_not_a_regular_file(tmp_path, not_regular):
    step = f"weighting:\n  - file: hh\n    totals: {not_regular}\n    method: rake\n"
    path = example_copy(tmp_path, "report.yaml", lambda t: t + step)
    with deadline(), pytest.raises(ReadError) as caught:
        load_report_spec(path)
    message = str(caught.value)
    assert caught.value.path == str(not_regular)
    assert message.startswith(f"{path}:{line_of(path, 'totals:')}: key 'weighting[0].totals': ")
    assert "not a regular file" in message


def test_objective_table_that_is_not_a_regular_file(tmp_path, not_regular):
    path = example_copy(tmp_path, "index.yaml",
                        lambda t: t.replace("file: objective.csv", f"file: {not_regular}"))
    index_file = load_index_spec(path)
    with deadline(), pytest.raises(ReadError) as caught:
        index_file.read_objective()
    message = str(caught.value)
    assert caught.value.path == str(not_regular)
    assert message.startswith(f"{path}:{line_of(path, '  objective:')}: key 'data.objective'")
    assert "not a regular file" in message


def test_require_regular_file(tmp_path):
    good = write(tmp_path, "x")
    assert require_regular_file(good) == good
    with pytest.raises(ReadError, match="a folder, not a regular file"):
        require_regular_file(tmp_path, what="totals file")
    with pytest.raises(ReadError, match="does not exist"):
        require_regular_file(tmp_path / "absent.csv")


# ------------------------------------------------------------------ the loader itself


def test_lines_of_keys_and_items_and_shared_aliases(tmp_path):
    text = ("title: report\nlabels: &women\n  en: Women\n  ru: Женщины\n  kk: Әйелдер\n"
            "tables:\n  - id: T1\n    heading: *women\n  - id: T2\n")
    loaded = load_spec(write(tmp_path, text))
    document = loaded.document
    assert isinstance(document, SpecMapping) and isinstance(document["tables"], SpecList)
    assert document.lines == {"title": 1, "labels": 2, "tables": 6}
    assert document["tables"].lines == [7, 9]
    assert document["tables"][0].lines == {"id": 7, "heading": 8}
    assert document["tables"][0]["heading"] is document["labels"]  # shared, not copied
    assert loaded.raw == text.encode("utf-8")


def test_scalars_and_standard_tags():
    document = parse_spec("a: 1\nb: 1.5\nc: true\nd: null\ne: !!str 01\nf: 2024-06-30\n"
                          "g: 2024-02-30\nh: '2'\n")
    assert document == {"a": 1, "b": 1.5, "c": True, "d": None, "e": "01",
                        "f": __import__("datetime").date(2024, 6, 30), "g": "2024-02-30",
                        "h": "2"}
    assert parse_spec("") is None


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [
        ("a: 1\n---\nb: 2\n", 2, None, "one YAML document"),
        ("a: {x: 1}\nb:\n  <<: {y: 1}\n", 3, "b", "merge keys"),
        ("a: *nowhere\n", 1, "a", "names no earlier anchor"),
        ("a: [1\n", 2, None, "not valid YAML"),
        ("a: " + "9" * 5000 + "\n", 1, "a", "cannot read the value"),
        ("? [x]\n: 1\n", 1, None, "a key must be a text or a number"),
        ("a: &x [1]\nb: {*x : 1}\n", 2, "b", "a key must be a text or a number"),
    ],
)
def test_other_refusals(text, line, key, fragment):
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "f.yaml")
    assert (caught.value.line, caught.value.key) == (line, key)
    assert fragment in str(caught.value)


def test_spec_over_the_size_limit(tmp_path):
    path = write(tmp_path, "a: " + "x" * (5 * 1024 * 1024) + "\n")
    with pytest.raises(ReadError, match="larger than 4,194,304 bytes"):
        load_spec(path)


def test_checker_rules_report_file_line_and_key():
    document = parse_spec("n: 5\nlevel: 1.5\nlang: {en: a, fr: b}\nflag: yes\nkind: boot\n",
                          "s.yaml")
    check = SpecChecker("s.yaml")
    with pytest.raises(SpecError, match=r"^s\.yaml:1: key 'n': 5 must be a whole number from "
                                        r"10 to 20$"):
        check.integer(document["n"], "n", document, "n", 10, 20)
    with pytest.raises(SpecError, match=r"^s\.yaml:2: key 'level': 1.5 must be a finite "
                                        r"number between 0 and 1 \(exclusive\)$"):
        check.number(document["level"], "level", document, "level", low=0, high=1,
                     open_bounds=True)
    with pytest.raises(SpecError, match=r"^s\.yaml:3: key 'lang.fr': unknown language 'fr'"):
        check.label(document["lang"], "lang", document, "lang")
    assert check.boolean(document["flag"], "flag", document, "flag") is True
    with pytest.raises(SpecError, match=r"^s\.yaml:5: key 'kind': 'boot' is not one of "
                                        r"bootstrap, delta; did you mean bootstrap\?$"):
        check.choice(document["kind"], "kind", ("bootstrap", "delta"), document, "kind")
    with pytest.raises(SpecError, match=r"^s\.yaml:4: key 'flg': unknown key 'flg'; did "
                                        r"you mean flag\? \(allowed: flag, n\)$"):
        check.mapping(parse_spec("n: 1\n\n\nflg: 2\n", "s.yaml"), "", ("flag", "n"), None,
                      None)
    assert LANGUAGES == ("en", "ru", "kk")
