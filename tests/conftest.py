"""Shared pytest fixtures.

``reference_dir`` gives the folder of real reference data (``<project root>/../shared/reference``)
and skips the test, with the reason, when that folder is absent (a fresh clone does not have it).
``small_example_survey`` is the example survey at scale 0.05, written once per session, and
``example_report_spec`` writes the example report spec on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = PROJECT_ROOT / ".." / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Path of ``<project root>/../shared/reference``; skip when the folder is absent."""
    if not REFERENCE_DIR.is_dir():
        pytest.skip(
            f"reference data folder {REFERENCE_DIR.resolve()} is absent "
            "(it is not part of the repository; see ../shared/reference/README.md)"
        )
    return REFERENCE_DIR.resolve()


EXAMPLE = PROJECT_ROOT / "examples" / "kz_mics"


@pytest.fixture(scope="session")
def small_example_survey(tmp_path_factory) -> Path:
    """The example survey (``examples/kz_mics/generate.py``) at scale 0.05, about 80 clusters,
    written once per test session; skip when the generator is absent."""
    import importlib.util
    import sys

    generator = EXAMPLE / "generate.py"
    if not generator.is_file():
        pytest.skip(f"the example survey generator {generator} is absent")
    spec = importlib.util.spec_from_file_location("kz_mics_generate_session", generator)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("kz_small_session")
    module.write_survey(folder, scale=0.05)
    return folder


def _example_report_spec(folder: Path, survey: Path, *, build_date: str = "2024-12-01",
                         name: str = "report.yaml") -> Path:
    """The example report spec on ``survey`` (lonely PSU rule 'adjust', only the estimates
    of the tables), written into ``folder``."""
    text = (EXAMPLE / "report.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("survey: ../../build/kz_mics", f"survey: {survey.as_posix()}"),
        ("lonely_psu: fail", "lonely_psu: adjust"),
        ("estimates: catalogue", "estimates: tables"),
        ("build_date: 2024-12-01", f"build_date: {build_date}"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def example_report_spec():
    """``example_report_spec(folder, survey, build_date=..., name=...)`` writes the example
    report spec on ``survey`` (lonely PSU rule 'adjust', only the estimates of the tables)
    into ``folder`` and returns its path."""
    return _example_report_spec
