"""Shared pytest fixtures.

``reference_dir`` gives the folder of real reference data (``<project root>/../shared/reference``)
and skips the test, with the reason, when that folder is absent (a fresh clone does not have it).
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
