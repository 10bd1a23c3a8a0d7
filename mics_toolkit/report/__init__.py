"""Report outputs: the Excel workbook, the tidy CSV/Parquet table and ``manifest.json``.

- :mod:`~mics_toolkit.report.excel`: :func:`write_workbook` renders
  :class:`~mics_toolkit.tables.Table` models (numbers with number formats, merged headers,
  contents/notes/metadata sheets), byte-identical on rebuild.
- :mod:`~mics_toolkit.report.tidy`: :func:`tidy_frame`, :func:`write_csv`,
  :func:`write_parquet`.
- :mod:`~mics_toolkit.report.manifest`: :class:`BuildInfo`, :func:`file_sha256`,
  :func:`write_manifest`.
- :mod:`~mics_toolkit.report.build`: :func:`write_report` writes all of them into a folder.

Every file is written atomically (temporary file beside the destination, then rename).
"""

from mics_toolkit.report.build import MANIFEST_NAME, write_report
from mics_toolkit.report.excel import number_format, sheet_names, workbook_bytes, write_workbook
from mics_toolkit.report.manifest import (
    BuildInfo,
    bytes_sha256,
    file_sha256,
    manifest,
    manifest_bytes,
    package_versions,
    write_manifest,
)
from mics_toolkit.report.tidy import (
    TIDY_COLUMNS,
    csv_bytes,
    parquet_bytes,
    tidy_frame,
    write_csv,
    write_parquet,
)

__all__ = [
    "MANIFEST_NAME",
    "TIDY_COLUMNS",
    "BuildInfo",
    "bytes_sha256",
    "csv_bytes",
    "file_sha256",
    "manifest",
    "manifest_bytes",
    "number_format",
    "package_versions",
    "parquet_bytes",
    "sheet_names",
    "tidy_frame",
    "workbook_bytes",
    "write_csv",
    "write_manifest",
    "write_parquet",
    "write_report",
    "write_workbook",
]
