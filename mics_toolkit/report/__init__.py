"""Report outputs: the Excel workbook, the tidy CSV/Parquet table and ``manifest.json``.

- :mod:`~mics_toolkit.report.excel`: the one workbook renderer. :func:`write_workbook`
  renders :class:`~mics_toolkit.tables.Table` models (numbers with number formats, merged
  headers, contents/notes/metadata sheets); :func:`write_frames_workbook` renders tables of
  values (:class:`FrameSheet`: the index workbook, ``mics estimate --out x.xlsx``); both
  byte-identical on rebuild, text never a formula.
- :mod:`~mics_toolkit.report.tidy`: :func:`tidy_frame`, :func:`write_csv`,
  :func:`write_parquet`, :func:`tidy_gaps_frame` (the tidy table of the gaps), and
  :func:`write_table_csv`, the CSV writer of any table (text that looks like a formula
  neutralised, :mod:`~mics_toolkit.report.text_safety`).
- :mod:`~mics_toolkit.report.words`: the fixed words of every output in en, ru and kk.
- :mod:`~mics_toolkit.report.manifest`: :class:`BuildInfo`, :func:`file_sha256`,
  :func:`write_manifest`.
- :mod:`~mics_toolkit.report.build`: :func:`build_report`, the whole report of a report spec
  (``mics build``); :func:`write_report` writes report outputs into a folder.
- :mod:`~mics_toolkit.report.index_build`: :func:`build_index_report`, the whole index of an
  index spec (``mics index``).
- :mod:`~mics_toolkit.report.output_folder`: the output folder of a build, checked before it
  starts (no input inside it, no file that no build wrote) and replaced as a unit.

The two builds are public as ``mt.build_report`` and ``mt.build_index_report``. A build's
outputs replace the content of its folder as a unit (staging folder beside it, then a swap);
a single file is written atomically (temporary file beside it, then rename).
"""

from mics_toolkit.report.build import write_report
from mics_toolkit.report.manifest import (
    MANIFEST_NAME,
    BuildInfo,
    bytes_sha256,
    file_sha256,
    manifest,
    manifest_bytes,
    package_versions,
    write_manifest,
)
from mics_toolkit.report.output_folder import OutputFile
from mics_toolkit.report.tidy import (
    GAP_TIDY_COLUMNS,
    TIDY_COLUMNS,
    csv_bytes,
    gaps_csv_bytes,
    gaps_parquet_bytes,
    parquet_bytes,
    table_csv_bytes,
    tidy_frame,
    tidy_gaps_frame,
    write_csv,
    write_parquet,
    write_table_csv,
)

__all__ = [
    "GAP_TIDY_COLUMNS",
    "MANIFEST_NAME",
    "TIDY_COLUMNS",
    "BuildInfo",
    "FrameSheet",
    "OutputFile",
    "bytes_sha256",
    "csv_bytes",
    "file_sha256",
    "frames_workbook_bytes",
    "gaps_csv_bytes",
    "gaps_parquet_bytes",
    "manifest",
    "manifest_bytes",
    "number_format",
    "package_versions",
    "parquet_bytes",
    "sheet_names",
    "table_csv_bytes",
    "tidy_frame",
    "tidy_gaps_frame",
    "workbook_bytes",
    "write_csv",
    "write_frames_workbook",
    "write_manifest",
    "write_parquet",
    "write_report",
    "write_table_csv",
    "write_workbook",
]

_EXCEL = {"FrameSheet", "frames_workbook_bytes", "number_format", "sheet_names",
          "workbook_bytes", "write_frames_workbook", "write_workbook"}
"""Names of :mod:`~mics_toolkit.report.excel`, imported with openpyxl on first use: a build
imports them while it reads its files."""


def __getattr__(name: str):
    if name not in _EXCEL:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from mics_toolkit.report import excel

    value = getattr(excel, name)
    globals()[name] = value
    return value
