"""Reading and writing survey files, their metadata and special codes.

- :func:`read` opens SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files into a
  :class:`SurveyData` (DataFrame plus :class:`Metadata`); :func:`read_metadata` reads labels only.
- :func:`write` saves data with labels and user-missing declarations, atomically.
- :mod:`~mics_toolkit.io.missing` classifies value labels into special codes ("No response",
  "DK", "Not applicable", "Non-numeric response", "Inconsistent", top codes, "Other") in
  English, Russian and Kazakh, and finds the text-labelled codes of measured quantities.
- :func:`read` checks that a Stata file is complete (:mod:`~mics_toolkit.io.stata_layout`)
  and runs the C reader in a reader process (:mod:`~mics_toolkit.io.reader_process`), so a
  damaged file is a :class:`~mics_toolkit.errors.ReadError`, never a crash.
- :func:`weight_from_text` is the one rule for weights stored as text.
- :func:`describe` gives one row per variable, for ``mics inspect``.
- :func:`open_survey` opens the file set of a survey (``hh``, ``hl``, ``wm``, ``mn``, ``ch``,
  ``fs``) as a :class:`Survey` that reads columns lazily and links the files on their keys.
"""

from mics_toolkit.io.atomic import check_output_path, write_atomically
from mics_toolkit.io.describe import DESCRIBE_COLUMNS, describe
from mics_toolkit.io.fileset import Survey, SurveyConfig, SurveyFile, open_survey
from mics_toolkit.io.metadata import (
    Metadata,
    SurveyData,
    UserMissing,
    metadata_for_frame,
    normalise_code,
    to_survey_data,
)
from mics_toolkit.io.missing import (
    CATEGORIES,
    MISSING_CATEGORIES,
    classify_label,
    classify_quantity_codes,
    classify_special_codes,
    classify_value_labels,
    special_code_counts,
)
from mics_toolkit.io.read import read, read_metadata
from mics_toolkit.io.weight_text import weight_from_text
from mics_toolkit.io.write import write

__all__ = [
    "CATEGORIES",
    "DESCRIBE_COLUMNS",
    "MISSING_CATEGORIES",
    "Metadata",
    "Survey",
    "SurveyConfig",
    "SurveyData",
    "SurveyFile",
    "UserMissing",
    "check_output_path",
    "classify_label",
    "classify_quantity_codes",
    "classify_special_codes",
    "classify_value_labels",
    "describe",
    "metadata_for_frame",
    "normalise_code",
    "open_survey",
    "read",
    "read_metadata",
    "special_code_counts",
    "to_survey_data",
    "weight_from_text",
    "write",
    "write_atomically",
]
