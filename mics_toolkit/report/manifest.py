"""Build provenance: what a report was built from and with, and the ``manifest.json`` file.

:class:`BuildInfo` holds the facts the caller knows (build date taken from the spec or the
inputs, never the clock; input files with their SHA-256; the spec hash; design variables and
weights per file; the estimation conventions; package versions). The Excel writer shows them
on the metadata sheet and :func:`write_manifest` writes them, with the SHA-256 of every output,
as JSON with sorted keys, so that the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mics_toolkit.errors import ReadError, SpecError, check_option
from mics_toolkit.io import write_atomically
from mics_toolkit.report.words import (
    METADATA_WORDS,
    convention_label,
    convention_text,
    words,
)
from mics_toolkit.tables import LANGUAGES

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "VERSIONED_PACKAGES",
    "BuildInfo",
    "bytes_sha256",
    "file_sha256",
    "manifest",
    "manifest_bytes",
    "package_versions",
    "write_manifest",
]

MANIFEST_FORMAT = "mics_toolkit manifest 1"

MANIFEST_NAME = "manifest.json"
"""File name of the manifest in every output folder (report and index)."""

VERSIONED_PACKAGES: tuple[str, ...] = (
    "mics-toolkit",
    "numpy",
    "scipy",
    "pandas",
    "pyreadstat",
    "openpyxl",
    "pyarrow",
    "pyyaml",
)


def bytes_sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks.

    Raises
    ------
    ReadError
        The file cannot be read; ``path`` names it.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise ReadError(
            f"cannot read {path} to hash it: {error.strerror or error}", path=str(path)
        ) from error
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a build depends on (``"absent"`` if missing)."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _build_datetime(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise SpecError(
            f"build_date={value!r} is not an ISO 8601 date; give e.g. '2024-06-30' (taken "
            "from the spec or the inputs, not the clock)",
            key="build_date",
        ) from error
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class BuildInfo:
    """What a report is built from and with.

    Parameters
    ----------
    build_date : str
        ISO 8601 date or date-time (``"2024-06-30"``) from the report spec or the inputs;
        never the clock, so a rebuild gives the same bytes.
    title : str
        Report title (workbook title, contents sheet).
    spec_hash : str
        SHA-256 of the report spec (and indicator specs) the build used.
    inputs : mapping
        Input name (a path relative to the survey folder, ``"wm.sav"``) -> SHA-256.
    design : mapping
        Per file, the design variables and weight: ``{"wm": {"weight": "wmweight",
        "strata": "stratum", "psu": "HH1"}}``.
    conventions : mapping
        Conventions that change numbers: ``{"ci": "t", "df": "design",
        "lonely_psu": "fail", "deff": "with replacement"}``.
    versions : mapping
        Package versions; default :func:`package_versions`.
    lang : {"en", "ru", "kk"}
        Language of the labels.
    """

    build_date: str
    title: str = ""
    spec_hash: str = ""
    inputs: Mapping[str, str] = field(default_factory=dict)
    design: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    conventions: Mapping[str, str] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=package_versions)
    lang: str = "en"

    def __post_init__(self) -> None:
        check_option("lang", self.lang, LANGUAGES)
        _build_datetime(self.build_date)
        object.__setattr__(self, "inputs", {str(k): str(v) for k, v in self.inputs.items()})
        object.__setattr__(
            self,
            "design",
            {str(k): {str(a): str(b) for a, b in v.items()} for k, v in self.design.items()},
        )
        object.__setattr__(
            self, "conventions", {str(k): str(v) for k, v in self.conventions.items()}
        )
        object.__setattr__(self, "versions", {str(k): str(v) for k, v in self.versions.items()})

    @property
    def build_datetime(self) -> datetime.datetime:
        """``build_date`` as a naive UTC datetime (midnight for a date)."""
        return _build_datetime(self.build_date)

    def metadata_rows(self, lang: str | None = None) -> list[tuple[str, str, str]]:
        """``(section, item, value)`` rows for the metadata sheet, in a fixed order (items
        sorted within each section).

        Parameters
        ----------
        lang : {"en", "ru", "kk"}, optional
            Language of the section and item labels and of the fixed convention texts
            (:mod:`mics_toolkit.report.words`); default ``self.lang``. Names of files,
            variables and packages, option codes and hashes are shown as they are.
        """
        lang = self.lang if lang is None else lang
        label = words(METADATA_WORDS, lang)

        def design_item(item: str) -> str:
            if item in label:
                return label[item]
            first, _, rest = item.partition(" ")
            return f"{label[first]} {rest}" if rest and first in label else item

        build, design = label["build"], label["design"]
        rows = [
            (build, label["title"], self.title),
            (build, label["build date"], self.build_date),
            (build, label["language"], self.lang),
            (build, label["spec SHA-256"], self.spec_hash),
        ]
        for unit in sorted(self.design):
            for item in sorted(self.design[unit]):
                rows.append((design, f"{unit}: {design_item(item)}", self.design[unit][item]))
        rows.extend((label["conventions"], convention_label(k, lang),
                     convention_text(self.conventions[k], lang))
                    for k in sorted(self.conventions))
        rows.extend((label["inputs"], k, self.inputs[k]) for k in sorted(self.inputs))
        rows.extend((label["versions"], k, self.versions[k]) for k in sorted(self.versions))
        return rows

    def to_dict(self) -> dict:
        """The facts as plain JSON-ready values."""
        return {
            "title": self.title,
            "build_date": self.build_date,
            "lang": self.lang,
            "spec_sha256": self.spec_hash,
            "inputs": {k: {"sha256": v} for k, v in self.inputs.items()},
            "design": {k: dict(v) for k, v in self.design.items()},
            "conventions": dict(self.conventions),
            "versions": dict(self.versions),
        }


def manifest(info: BuildInfo, outputs: Mapping[str, bytes]) -> dict:
    """The manifest as a dict: the build facts and, per output name, its SHA-256 and size.

    Parameters
    ----------
    info : BuildInfo
    outputs : mapping
        Output file name (relative to the manifest's folder) -> the bytes written.
    """
    return {
        "format": MANIFEST_FORMAT,
        **info.to_dict(),
        "outputs": {
            name: {"sha256": bytes_sha256(data), "bytes": len(data)}
            for name, data in outputs.items()
        },
    }


def manifest_bytes(info: BuildInfo, outputs: Mapping[str, bytes]) -> bytes:
    """``manifest.json`` content: UTF-8 JSON, sorted keys, two-space indent, final newline."""
    text = json.dumps(manifest(info, outputs), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_manifest(
    path: str | os.PathLike[str], info: BuildInfo, outputs: Mapping[str, str | os.PathLike[str]]
) -> Path:
    """Write ``manifest.json`` atomically, hashing the output files named in ``outputs``.

    Parameters
    ----------
    path : path
        Destination (``build/manifest.json``).
    info : BuildInfo
    outputs : mapping
        Output name as recorded (``"report.xlsx"``) -> its path on disk.

    Raises
    ------
    OutputError
        ``path`` is a directory or its folder is missing or not writable.
    ReadError
        An output cannot be read.
    """
    contents = {}
    for name, output in outputs.items():
        try:
            contents[name] = Path(output).read_bytes()
        except OSError as error:
            raise ReadError(
                f"cannot read the output {output} to hash it: {error.strerror or error}",
                path=str(output),
            ) from error
    data = manifest_bytes(info, contents)
    return write_atomically(
        path, lambda temporary: Path(temporary).write_bytes(data), errors=(OSError,)
    )
