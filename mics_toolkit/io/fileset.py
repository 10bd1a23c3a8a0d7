"""The file set of one survey: which file holds what, and how the files link.

A MICS survey ships one file per unit (``hh`` households, ``hl`` household members, ``wm``
women, ``mn`` men, ``ch`` children under 5, ``fs`` children 5-17). This module holds

- :class:`SurveyFile` and :class:`SurveyConfig`, frozen descriptions of a survey's files: each
  file's unit, weight, completion variable and keys, the household file and keys, the design
  variables, the household background variables copied into every file, the mother/caretaker
  link of the child files, and per-file aliases for renamed variables (MICS7). The defaults are
  MICS6 (domain.md section 1); :meth:`SurveyConfig.from_mapping` overrides them from a dict or
  YAML file.
- :func:`open_survey`, which finds the files in a folder (``.sav``, ``.zsav`` or ``.dta``, any
  case of name and extension) and returns a :class:`Survey`.
- :class:`Survey`, which reads lazily and only the columns asked for
  (:meth:`Survey.data`), attaching household variables by the household keys and the mother's
  variables through ``UF4``/``FS4`` -> ``hl.HL1``, and checks the keys on the way: duplicate
  keys, orphan records and a join that would multiply rows are :class:`LinkError`.

Files are only ever opened for reading; columns already read are kept, so a report build that
asks for the columns of many indicators reads each column once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import (
    LinkError,
    ReadError,
    SpecError,
    VariableError,
    check_option,
    close_matches,
)
from mics_toolkit.io.metadata import Metadata, SurveyData, UserMissing
from mics_toolkit.io.read import _read_header, column_names, read
from mics_toolkit.io.reader_process import start_readers
from mics_toolkit.io.weight_text import weight_from_text
from mics_toolkit.specfile import SpecChecker, load_spec, spec_error

__all__ = [
    "DEFAULT_CONFIG",
    "FILE_SUFFIXES",
    "Survey",
    "SurveyConfig",
    "SurveyFile",
    "open_survey",
]

logger = logging.getLogger(__name__)

FILE_SUFFIXES: tuple[str, ...] = (".sav", ".zsav", ".dta")
"""Extensions searched for (a folder holding one file in two of them is an error)."""

DEFAULT_CONFIG: dict[str, Any] = {
    "household_file": "hh",
    "household_keys": ["HH1", "HH2"],
    "psu": "PSU",
    "stratum": "stratum",
    "background": ["HH6", "HH7", "windex5", "helevel", "ethnicity"],
    "required": ["hh"],
    "mother": {"file": "hl", "line": "HL1", "variables": {"mother_education": "ED5A"}},
    "aliases": {},
    "read": {"user_missing": "missing", "special_codes": "keep", "encoding": None},
    "files": {
        "hh": {
            "unit": "household",
            "weight": "hhweight",
            "completed": "HH46",
            "keys": ["HH1", "HH2"],
        },
        "hl": {
            "unit": "household member",
            "weight": "hhweight",
            "completed": "HH46",
            "keys": ["HH1", "HH2", "HL1"],
        },
        "wm": {
            "unit": "woman age 15-49",
            "weight": "wmweight",
            "completed": "WM17",
            "keys": ["HH1", "HH2", "LN"],
        },
        "mn": {
            "unit": "man age 15-49",
            "weight": "mnweight",
            "completed": "MWM17",
            "keys": ["HH1", "HH2", "LN"],
        },
        "ch": {
            "unit": "child under 5",
            "weight": "chweight",
            "completed": "UF17",
            "keys": ["HH1", "HH2", "LN"],
            "mother_line": "UF4",
        },
        "fs": {
            "unit": "child age 5-17",
            "weight": "fsweight",
            "completed": "FS17",
            "keys": ["HH1", "HH2", "LN"],
            "mother_line": "FS4",
            "no_mother": [90],
        },
    },
}
"""MICS6 defaults (domain.md section 1); :meth:`SurveyConfig.from_mapping` overrides them."""

_TOP_KEYS = tuple(DEFAULT_CONFIG)
_FILE_KEYS = (
    "unit",
    "weight",
    "completed",
    "completed_values",
    "keys",
    "path",
    "mother_line",
    "no_mother",
    "aliases",
)
_FILE_DEFAULTS: dict[str, Any] = {
    "completed": None,
    "completed_values": [1],
    "path": None,
    "mother_line": None,
    "no_mother": [],
    "aliases": {},
}
"""Values of the optional keys of a file that neither the defaults nor the override set."""
_MOTHER_KEYS = ("file", "line", "variables")
_READ_KEYS = ("user_missing", "special_codes", "encoding")


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class SurveyFile:
    """What one file of the set holds and how it is keyed.

    Parameters
    ----------
    name : str
        Short name of the file (``"wm"``); the file on disk is ``<name>.sav`` / ``.dta``
        unless ``path`` is given.
    unit : str
        The unit of a row, in words (``"woman age 15-49"``).
    weight : str
        The weight variable (``"wmweight"``); taken from the household file when the file
        lacks it (``hl`` has ``hhweight`` from ``hh``).
    keys : tuple of str
        Variables that identify a row (``HH1, HH2, LN``); they must be unique.
    completed : str or None
        Result-of-interview variable (``"WM17"``); a row is completed when it holds one of
        ``completed_values``. None when every row counts.
    completed_values : tuple
        Codes of a completed interview, default ``(1,)``.
    path : str or None
        File name relative to the folder (or absolute) when it is not ``<name>.<ext>``.
    mother_line : str or None
        Variable holding the line number of the mother/caretaker in the members' file
        (``UF4`` in ``ch``, ``FS4`` in ``fs``).
    no_mother : tuple
        Codes of ``mother_line`` that mean "no mother/caretaker in the household"
        (``FS4 == 90``: emancipated child); the mother's variables are missing there.
    aliases : dict of str to str
        Name asked for -> name in this file, for renamed variables (a spec written with
        ``WB4`` run on a file that calls it ``WB5``: ``{"WB4": "WB5"}``).
    """

    name: str
    unit: str
    weight: str
    keys: tuple[str, ...]
    completed: str | None = None
    completed_values: tuple[Any, ...] = (1,)
    path: str | None = None
    mother_line: str | None = None
    no_mother: tuple[Any, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))
        object.__setattr__(self, "completed_values", tuple(self.completed_values))
        object.__setattr__(self, "no_mother", tuple(self.no_mother))
        object.__setattr__(self, "aliases", dict(self.aliases))
        if not self.keys:
            raise SpecError(f"file {self.name!r} needs at least one key variable",
                            key=f"files.{self.name}.keys")


@dataclass(frozen=True)
class SurveyConfig:
    """Names of a survey's files, variables and links (MICS6 defaults).

    Build it with :meth:`from_mapping` (a dict or the contents of a YAML file that overrides
    :data:`DEFAULT_CONFIG` key by key) or :meth:`default`.

    Parameters
    ----------
    files : dict of str to SurveyFile
        The files of the set, by short name.
    household_file : str
        The file with one row per household (``"hh"``): the source of background variables.
    household_keys : tuple of str
        Keys of a household (``HH1, HH2``), present in every file.
    psu, stratum : str
        Design variables. A file that lacks them gets them from the household file; when no
        file has ``psu``, the cluster number (the first household key) is the PSU.
    background : tuple of str
        Household variables every file should carry (area, region, wealth quintile, head's
        education, ethnicity); :meth:`Survey.data` with ``columns=None`` attaches those a
        file lacks.
    required : tuple of str
        Files that must exist when the survey is opened; others are checked when used.
    mother_file, mother_line : str
        The members' file and its line-number variable the child files link to.
    mother_variables : dict of str to str
        Column name in a child file -> variable of the members' file taken from the
        mother/caretaker (default ``{"mother_education": "ED5A"}``).
    aliases : dict of str to str
        Aliases valid in every file (a file's own aliases take precedence).
    user_missing, special_codes, encoding
        Passed to :func:`mics_toolkit.io.read` for every file.
    source : str or None
        The configuration file, for messages.
    """

    files: dict[str, SurveyFile]
    household_file: str = "hh"
    household_keys: tuple[str, ...] = ("HH1", "HH2")
    psu: str = "PSU"
    stratum: str = "stratum"
    background: tuple[str, ...] = ("HH6", "HH7", "windex5", "helevel", "ethnicity")
    required: tuple[str, ...] = ("hh",)
    mother_file: str = "hl"
    mother_line: str = "HL1"
    mother_variables: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    user_missing: str = "missing"
    special_codes: str = "keep"
    encoding: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "files", dict(self.files))
        set_(self, "household_keys", tuple(self.household_keys))
        set_(self, "background", tuple(self.background))
        set_(self, "required", tuple(self.required))
        set_(self, "mother_variables", dict(self.mother_variables))
        set_(self, "aliases", dict(self.aliases))
        check_option("user_missing", self.user_missing, ("missing", "keep"))
        check_option("special_codes", self.special_codes, ("keep", "missing"))
        problem = _link_problem(self.files, self.household_file, self.required,
                                self.household_keys)
        if problem is not None:
            message, key, _ = problem
            raise spec_error(message, file=self.source, line=None, key=key)

    @classmethod
    def default(cls) -> SurveyConfig:
        """The MICS6 configuration (:data:`DEFAULT_CONFIG`)."""
        return cls.from_mapping({})

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Any] | None, *, source: str | None = None
    ) -> SurveyConfig:
        """Build a configuration from overrides of :data:`DEFAULT_CONFIG`.

        Parameters
        ----------
        mapping : mapping or None
            Top-level keys as in :data:`DEFAULT_CONFIG`. ``files`` is merged file by file and
            key by key (``{"files": {"wm": {"weight": "wmweight2"}}}`` changes one weight; a
            new file name adds a file, which then needs ``unit``, ``weight`` and ``keys``);
            ``mother`` and ``read`` are merged key by key; other keys replace the default.
        source : str, optional
            File the mapping came from, for messages.

        Returns
        -------
        SurveyConfig

        Raises
        ------
        SpecError
            An unknown key (close names suggested), a value of the wrong type, or a new file
            without its unit, weight or keys; ``key`` names the dotted path of the culprit.
        """
        mapping = {} if mapping is None else mapping
        check = SpecChecker(source)
        check.mapping(mapping, "", _TOP_KEYS, mapping, None)

        def top(key: str) -> tuple[Any, str, Any, Any]:
            """(value, key, node, at) of a top-level key: the mapping's or the default."""
            if key in mapping:
                return mapping[key], key, mapping, key
            return DEFAULT_CONFIG[key], key, mapping, None

        def sub(section: str, key: str) -> tuple[Any, str, Any, Any]:
            """The same for a key of ``mother`` or ``read``."""
            node = mapping.get(section)
            if isinstance(node, Mapping) and key in node:
                return node[key], f"{section}.{key}", node, key
            return (DEFAULT_CONFIG[section][key], f"{section}.{key}", mapping,
                    section if section in mapping else None)

        for section in ("mother", "read"):
            if section in mapping:
                check.mapping(mapping[section], section,
                              _MOTHER_KEYS if section == "mother" else _READ_KEYS, mapping,
                              section)
        files_override = mapping.get("files", {})
        check.mapping(files_override, "files", None, mapping, "files")
        files = _survey_files(check, files_override)
        household_file = check.name(*top("household_file"))
        household_keys = _name_list(check, *top("household_keys"))
        required = _name_list(check, *top("required"), empty=True)
        problem = _link_problem(files, household_file, required, household_keys)
        if problem is not None:
            message, key, name = problem
            node, at = mapping, "files" if "files" in mapping else None
            if key != "files":
                override = files_override.get(name)
                if isinstance(override, Mapping) and "keys" in override:
                    node, at = override, "keys"
                elif "household_keys" in mapping:
                    node, at = mapping, "household_keys"
                elif name in files_override:
                    node, at = files_override, name
            raise check.error(message, key, node, at)
        value, key, node, at = sub("read", "user_missing")
        user_missing = check.choice(value, key, ("missing", "keep"), node, at)
        value, key, node, at = sub("read", "special_codes")
        special_codes = check.choice(value, key, ("keep", "missing"), node, at)
        return cls(
            files=files,
            household_file=household_file,
            household_keys=household_keys,
            psu=check.name(*top("psu")),
            stratum=check.name(*top("stratum")),
            background=_name_list(check, *top("background"), empty=True),
            required=required,
            mother_file=check.name(*sub("mother", "file")),
            mother_line=check.name(*sub("mother", "line")),
            mother_variables=_renames(check, *sub("mother", "variables")),
            aliases=_renames(check, *top("aliases")),
            user_missing=user_missing,
            special_codes=special_codes,
            encoding=_optional_name(check, *sub("read", "encoding")),
            source=source,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SurveyConfig:
        """Read a configuration from a YAML file (see :meth:`from_mapping`).

        The file is read by the spec layer (:func:`mics_toolkit.specfile.load_spec`), so
        every error names ``file:line`` and the key, and aliases, tags, repeated keys, deep
        nesting and files that are not regular files are refused.

        Raises
        ------
        ReadError
            The file does not exist, is not a regular file or is too large.
        SpecError
            Not valid YAML, or as :meth:`from_mapping`; the message starts with
            ``file:line:``.
        """
        loaded = load_spec(path, what="survey configuration")
        document = loaded.document
        if document is not None and not isinstance(document, Mapping):
            raise SpecChecker(loaded.file).error(
                "a survey configuration is a mapping of keys to values", None, document)
        return cls.from_mapping(document, source=loaded.file)

    def file(self, name: str) -> SurveyFile:
        """The description of file ``name``.

        Raises
        ------
        VariableError
            No file of that name is configured (close names suggested).
        """
        if name not in self.files:
            matches = close_matches(name, list(self.files))
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise VariableError(
                f"{name!r} is not a file of the survey (files: {', '.join(self.files)}){hint}",
                variable=name,
                close_matches=matches,
            )
        return self.files[name]


def _survey_files(check: SpecChecker, files_override: Mapping) -> dict[str, SurveyFile]:
    """The files of a configuration: the MICS6 files with their overrides (``null`` removes
    one), then the new files; each value checked where it is written."""
    files: dict[str, SurveyFile] = {}
    names = list(DEFAULT_CONFIG["files"]) + [
        n for n in files_override if n not in DEFAULT_CONFIG["files"]
    ]
    for name in names:
        override = files_override.get(name, {})
        if override is None:  # "wm: null" removes a file from the set
            continue
        key = f"files.{name}"
        check.mapping(override, key, _FILE_KEYS, files_override, name)
        base = {**_FILE_DEFAULTS, **DEFAULT_CONFIG["files"].get(name, {})}
        for needed in ("unit", "weight", "keys"):
            if needed not in override and needed not in base:
                raise check.error(f"file {name!r} is not a MICS6 file, so it needs "
                                  f"{needed!r}", key, files_override, name)

        def file_key(field: str, override: Any = override, base: dict = base, key: str = key,
                     name: Any = name) -> tuple[Any, str, Any, Any]:
            """(value, key, node, at) of ``field``: the override's, else the default (placed
            at the file's entry)."""
            if field in override:
                return override[field], f"{key}.{field}", override, field
            return base[field], f"{key}.{field}", files_override, name

        files[name] = SurveyFile(
            name=check.name(str(name), key, files_override, name),
            unit=check.text(*file_key("unit")),
            weight=check.name(*file_key("weight")),
            keys=_name_list(check, *file_key("keys")),
            completed=_optional_name(check, *file_key("completed")),
            completed_values=_codes(check, *file_key("completed_values")),
            path=_optional_name(check, *file_key("path")),
            mother_line=_optional_name(check, *file_key("mother_line")),
            no_mother=_codes(check, *file_key("no_mother")),
            aliases=_renames(check, *file_key("aliases")),
        )
    return files


def _link_problem(
    files: Mapping[str, SurveyFile],
    household_file: str,
    required: Sequence[str],
    household_keys: Sequence[str],
) -> tuple[str, str, str] | None:
    """The first broken link of a configuration as (message, key, file name), or None: a
    household or required file not described, or a file whose keys do not start with the
    household keys."""
    for name in (household_file, *required):
        if name not in files:
            return (f"file {name!r} is named in the configuration but not described under "
                    f"'files' (known: {', '.join(files)})", "files", name)
    for name, survey_file in files.items():
        if tuple(survey_file.keys[: len(household_keys)]) != tuple(household_keys):
            return (f"the keys of file {name!r} ({', '.join(survey_file.keys)}) must start "
                    f"with the household keys ({', '.join(household_keys)})",
                    f"files.{name}.keys", name)
    return None


def _name_list(check: SpecChecker, value: Any, key: str, node: Any, at: Any, *,
           empty: bool = False) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise check.error(f"expected a list of names, got {value!r}", key, node, at)
    if not value and not empty:
        raise check.error("expected at least one name", key, node, at)
    return tuple(check.name(v, key, node, at) for v in value)


def _optional_name(check: SpecChecker, value: Any, key: str, node: Any, at: Any) -> str | None:
    return None if value is None else check.name(value, key, node, at)


def _codes(check: SpecChecker, value: Any, key: str, node: Any, at: Any) -> tuple[Any, ...]:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, Sequence):
        raise check.error(f"expected a list of codes, got {value!r}", key, node, at)
    for code in value:
        if isinstance(code, bool) or not isinstance(code, int | float | str):
            raise check.error(f"expected codes (numbers or texts), got {code!r}", key, node, at)
    return tuple(value)


def _renames(check: SpecChecker, value: Any, key: str, node: Any, at: Any) -> dict[str, str]:
    check.mapping(value, key, None, node, at)
    return {check.name(k, key, value, k): check.name(v, f"{key}.{k}", value, k)
            for k, v in value.items()}


# --------------------------------------------------------------------------------------------
# The survey


def open_survey(
    folder: str | os.PathLike[str],
    config: SurveyConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
) -> Survey:
    """Open the file set of a survey in ``folder``; nothing but file names is read yet.

    Parameters
    ----------
    folder : str or path-like
        Folder holding ``hh``, ``hl``, ``wm``, ``mn``, ``ch``, ``fs`` as ``.sav``, ``.zsav``
        or ``.dta`` (name and extension in any case: ``WM.SAV`` is found).
    config : SurveyConfig, mapping, or path of a YAML file, optional
        Overrides of the MICS6 defaults, see :class:`SurveyConfig` and
        :meth:`SurveyConfig.from_mapping`. Default: MICS6 names.

    Returns
    -------
    Survey

    Raises
    ------
    ReadError
        ``folder`` does not exist; a required file (default: ``hh``) is absent (the
        message names the folder and the file names tried); or the folder holds a file in
        two formats or spellings (``wm.sav`` and ``wm.dta``), which would leave the choice of
        data to the order of suffixes (the message names both files).
    SpecError
        The configuration is invalid.

    Examples
    --------
    >>> survey = open_survey("examples/kz_mics/data")  # doctest: +SKIP
    >>> survey.data("wm", ["LS2", "WB4", "HH6", "wmweight"]).frame.shape  # doctest: +SKIP
    """
    if isinstance(config, SurveyConfig):
        settings = config
    elif config is None or isinstance(config, Mapping):
        settings = SurveyConfig.from_mapping(config)
    else:
        settings = SurveyConfig.load(config)
    folder = Path(folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ReadError(f"cannot open the survey in {folder}: the folder {what}", path=str(folder))
    entries = sorted(p for p in folder.iterdir() if p.is_file())
    paths: dict[str, Path] = {}
    for name, survey_file in settings.files.items():
        found = _find_file(folder, entries, name, survey_file)
        if found is not None:
            paths[name] = found
    survey = Survey(folder=folder, config=settings, paths=paths)
    survey.require(*settings.required)
    logger.info("opened survey in %s: %s", folder, ", ".join(sorted(paths)))
    return survey


def _find_file(
    folder: Path, entries: Sequence[Path], name: str, survey_file: SurveyFile
) -> Path | None:
    if survey_file.path is not None:
        path = Path(survey_file.path)
        path = path if path.is_absolute() else folder / path
        return path if path.is_file() else None
    candidates = [
        p for p in entries if p.stem.lower() == name.lower() and p.suffix.lower() in FILE_SUFFIXES
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda p: (FILE_SUFFIXES.index(p.suffix.lower()), p.name))
    if len(candidates) > 1:
        shown = ", ".join(p.name for p in candidates)
        raise ReadError(
            f"folder {folder} holds {len(candidates)} files for {survey_file.unit} file "
            f"{name!r}: {shown}; keep one, or name it with 'path' under files.{name} in the "
            "survey configuration",
            path=str(candidates[0]),
        )
    return candidates[0]


@dataclass(frozen=True, eq=False)
class Survey:
    """The files of one survey, read lazily; create it with :func:`open_survey`.

    Attributes
    ----------
    folder : pathlib.Path
    config : SurveyConfig
    paths : dict of str to pathlib.Path
        The files found, by short name (a configured file absent from the folder is not here).
    """

    folder: Path
    config: SurveyConfig
    paths: dict[str, Path]
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ files
    @property
    def files(self) -> list[str]:
        """Short names of the files found, in configuration order."""
        return [name for name in self.config.files if name in self.paths]

    def has(self, file: str) -> bool:
        """True when file ``file`` is configured and present in the folder."""
        return file in self.paths

    def require(self, *files: str) -> None:
        """Check that every file in ``files`` is present.

        Raises
        ------
        ReadError
            A file is absent; the message names the folder and the names tried.
        VariableError
            A name is not a configured file (close names suggested).
        """
        for name in files:
            survey_file = self.config.file(name)
            if name in self.paths:
                continue
            if survey_file.path is not None:
                tried = survey_file.path
            else:
                tried = " or ".join(f"{name}{suffix}" for suffix in FILE_SUFFIXES)
            present = sorted(
                p.name for p in self.folder.iterdir() if p.suffix.lower() in FILE_SUFFIXES
            )
            found = f" (survey files there: {', '.join(present)})" if present else ""
            raise ReadError(
                f"the {survey_file.unit} file {name!r} is missing: no {tried} in folder "
                f"{self.folder}{found}",
                path=str(self.folder / (survey_file.path or f"{name}.sav")),
            )

    def path(self, file: str) -> Path:
        """Path of file ``file`` (ReadError when absent)."""
        self.require(file)
        return self.paths[file]

    # ------------------------------------------------------------------ names and metadata
    def variables(self, file: str) -> list[str]:
        """Variable names of file ``file`` as stored, in file order (a metadata-only read)."""
        return list(self._file_metadata(file)[0])

    def metadata(self, file: str) -> Metadata:
        """Labels, user-missing declarations and special codes of every variable of ``file``."""
        return self._file_metadata(file)[1]

    def n_rows(self, file: str) -> int:
        """Number of rows file ``file`` declares (-1 when unknown)."""
        return self._file_metadata(file)[2]

    def _file_metadata(self, file: str) -> tuple[list[str], Metadata, int, dict[str, str]]:
        key = ("metadata", file)
        if key not in self._cache:
            names, n_rows, meta, kinds = _read_header(
                self.path(file), None, self.config.encoding
            )
            self._cache[key] = (names, meta, n_rows, kinds)
        return self._cache[key]

    def available(self, file: str) -> list[str]:
        """Every name :meth:`data` accepts for ``file``: its own variables and aliases, the
        mother's variables (child files) and the household file's variables."""
        names = list(self.variables(file))
        names += [a for a in self._aliases(file) if a not in names]
        survey_file = self.config.file(file)
        if survey_file.mother_line is not None and self.has(self.config.mother_file):
            names += [n for n in self.config.mother_variables if n not in names]
        household = self.config.household_file
        if file != household and self.has(household):
            names += [n for n in self.variables(household) if n not in names]
        return names

    def _aliases(self, file: str) -> dict[str, str]:
        return {**self.config.aliases, **self.config.file(file).aliases}

    def design_variables(self, file: str) -> dict[str, str | None]:
        """The design variables of ``file``: ``{"weight", "psu", "strata", "completed"}``.

        ``psu`` is the configured PSU variable when the file or the household file has it,
        else the cluster number (first household key). ``completed`` is the result-of-
        interview variable (None when not configured).
        """
        survey_file = self.config.file(file)
        names = set(self.available(file))
        psu = self.config.psu if self.config.psu in names else self.config.household_keys[0]
        strata = self.config.stratum if self.config.stratum in names else None
        return {
            "weight": survey_file.weight,
            "psu": psu,
            "strata": strata,
            "completed": survey_file.completed,
        }

    def default_columns(self, file: str) -> list[str]:
        """The columns :meth:`data` returns with ``columns=None``: the file's own variables,
        then the background and design variables it lacks (from the household file), then the
        mother's variables (child files)."""
        names = list(self.variables(file))
        design = self.design_variables(file)
        extra = [
            *self.config.background,
            design["psu"],
            design["strata"],
            design["weight"],
            design["completed"],
        ]
        available = set(self.available(file))
        for name in extra:
            if name is not None and name not in names and name in available:
                names.append(name)
        if self.config.file(file).mother_line is not None:
            names += [n for n in self.config.mother_variables if n in available and n not in names]
        return names

    # ------------------------------------------------------------------ data
    def data(self, file: str, columns: Iterable[str] | None = None) -> SurveyData:
        """Read the columns of ``file``, attaching household and mother's variables.

        Parameters
        ----------
        file : str
            Short name of the file (``"wm"``).
        columns : iterable of str, optional
            The columns wanted, in order. Each name is looked up in this order: a variable of
            the file; an alias of the file (the column keeps the name asked for); a mother's
            variable (child files: ``mother_variables`` of the configuration, taken from the
            members' file row whose line number is the child's ``UF4``/``FS4``); a variable of
            the household file (taken from the row with the same household keys). Default:
            :meth:`default_columns`.

        Returns
        -------
        SurveyData
            One row per record of ``file``, in file order; the frame's columns are
            ``columns``. The metadata (labels, special codes) comes from the file each column
            was taken from; ``meta.file`` is the path of ``file``.

        Raises
        ------
        ReadError
            The file (or the household or members' file needed) is absent or unreadable.
        VariableError
            A name is found nowhere; the message lists close names.
        LinkError
            The file's keys repeat; a record has no household in the household file; a child's
            mother/caretaker line is not in the members' file; or the file linked from has
            repeated keys, so the join would multiply rows. ``files``, ``keys`` and ``count``
            name the culprits.

        Notes
        -----
        Only the columns asked for (and the keys) are read from disk, once: later calls reuse
        them. Household variables are joined many-to-one on the household keys, checked so
        that the join cannot add or drop a row.
        """
        self.require(file)
        wanted = self.default_columns(file) if columns is None else column_names(columns)
        survey_file = self.config.file(file)
        household = self.config.household_file
        sources = self._sources(file, wanted)
        own = [stored for origin, stored in sources.values() if origin == "own"]
        needed_household = [s for o, s in sources.values() if o == "household"]
        needed_mother = [s for o, s in sources.values() if o == "mother"]
        # one read per file: its keys, the columns asked for and the links' keys
        key_names = [self._resolve(file, k) for k in survey_file.keys]
        if needed_mother:
            key_names.append(self._resolve(file, survey_file.mother_line))
        frame = self._stored(file, [*key_names, *own])
        keys = self._keys(file)
        columns_out: dict[str, pd.Series] = {}
        metas: dict[str, tuple[Metadata, str]] = {}
        codes: dict[str, dict[Any, str]] = {}
        meta_file = self.metadata(file)
        for name, (origin, stored) in sources.items():
            if origin == "own":
                columns_out[name] = frame[stored]
                metas[name] = (meta_file, stored)
                codes[name] = self._special_codes(file, stored)
        if file != household and self.has(household):
            household_keys = [self._resolve(household, k) for k in self.config.household_keys]
            self._stored(household, [*household_keys, *needed_household])
            self._check_orphans(file, keys)
        if needed_household:
            rows = self._household_rows(file, keys)
            values = self._stored(household, needed_household)
            meta_household = self.metadata(household)
            for name, (origin, stored) in sources.items():
                if origin == "household":
                    columns_out[name] = _take(values[stored], rows)
                    metas[name] = (meta_household, stored)
                    codes[name] = self._special_codes(household, stored)
        if needed_mother:
            mother_file = self.config.mother_file
            self.require(mother_file)
            mother_keys = [
                self._resolve(mother_file, k)
                for k in (*self.config.household_keys, self.config.mother_line)
            ]
            self._stored(mother_file, [*mother_keys, *needed_mother])
            rows = self._mother_rows(file)
            values = self._stored(mother_file, needed_mother)
            meta_mother = self.metadata(mother_file)
            for name, (origin, stored) in sources.items():
                if origin == "mother":
                    columns_out[name] = _take(values[stored], rows)
                    metas[name] = (meta_mother, stored)
                    codes[name] = self._special_codes(mother_file, stored)
        result = pd.DataFrame(
            {name: columns_out[name] for name in wanted}, index=pd.RangeIndex(len(keys))
        )
        return SurveyData(result, _merge_metadata(meta_file, self.path(file), metas, codes))

    def _sources(self, file: str, wanted: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Where each column of :meth:`data` comes from: ``{column: (origin, stored name)}``
        with origin ``"own"``, ``"mother"`` or ``"household"``.

        Raises VariableError for a name found nowhere, and for a variable of ``file`` whose
        namesake in the household file has the other type (text and numbers).
        """
        own_names = set(self.variables(file))
        aliases = self._aliases(file)
        household = self.config.household_file
        linked = file != household and self.has(household)
        mother_names = (
            self.config.mother_variables
            if self.config.file(file).mother_line is not None
            else {}
        )
        sources: dict[str, tuple[str, str]] = {}
        household_names = None
        for name in wanted:
            if name in own_names:
                sources[name] = ("own", name)
            elif name in aliases and aliases[name] in own_names:
                sources[name] = ("own", aliases[name])
            elif name in mother_names:
                sources[name] = ("mother", mother_names[name])
            else:
                if household_names is None:
                    household_names = set(self.variables(household)) if linked else set()
                if name in household_names:
                    sources[name] = ("household", name)
                else:
                    raise self._unknown(file, name)
        if linked:
            shared = [n for n, (origin, stored) in sources.items() if (origin, stored) == ("own", n)]
            self._check_kinds(file, shared, household, shared)
        return sources

    def check(self, files: Iterable[str] | None = None) -> None:
        """Check the keys of every file present (or of ``files``), reading only key columns.

        Duplicate keys in a file, records without a household in the household file and
        children whose mother/caretaker line is not in the members' file raise
        :class:`LinkError`.
        """
        names = self.files if files is None else list(files)
        household = self.config.household_file
        for name in names:
            keys = self._keys(name)
            if name != household and self.has(household):
                self._check_orphans(name, keys)
            if self.config.file(name).mother_line is not None and self.has(
                self.config.mother_file
            ):
                self._mother_rows(name)

    # ------------------------------------------------------------------ reading and linking
    def _resolve(self, file: str, name: str) -> str:
        if name in set(self.variables(file)):
            return name
        aliases = self._aliases(file)
        if name in aliases and aliases[name] in set(self.variables(file)):
            return aliases[name]
        raise self._unknown(file, name, own_only=True)

    def prefetch(self, columns: Mapping[str, Iterable[str]], workers: int = 2,
                 meanwhile: Callable[[], object] | None = None) -> None:
        """Read what several files need, the files side by side: each file's own columns
        among ``columns[file]`` (aliases resolved) and its keys, in ``workers`` reader
        processes at once (the parsing of each file runs in C in its own process, so two
        files take about the time of the larger one on two cores; the files are handed out
        largest first, so that the processes finish together). Later :meth:`data` calls
        find the columns read; what they need from linked files is read then.

        ``meanwhile`` is called in this thread while the reader processes parse (a build
        imports the modules it needs later); its errors are raised after the reads.

        Raises
        ------
        ReadError, VariableError
            As :meth:`data`.
        """
        jobs: dict[str, list[str]] = {}
        for file, names in columns.items():
            self.require(file)
            own = set(self.variables(file))
            aliases = self._aliases(file)
            keys = [self._resolve(file, key) for key in self.config.file(file).keys]
            wanted = [aliases.get(name, name) for name in names]
            jobs[file] = list(dict.fromkeys([*keys, *(n for n in wanted if n in own)]))
        if len(jobs) < 2 or workers < 2:
            for file, names in jobs.items():
                self._stored(file, names)
            if meanwhile is not None:
                meanwhile()
            return
        start_readers(min(workers, len(jobs)))
        # the largest files first: the readers then finish at about the same time
        order = sorted(jobs, key=lambda file: -_size(self.path(file)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            reads = [pool.submit(self._stored, file, jobs[file]) for file in order]
            try:
                if meanwhile is not None:
                    meanwhile()
            finally:
                for read in reads:
                    read.result()

    def _unknown(self, file: str, name: str, *, own_only: bool = False) -> VariableError:
        candidates = self.variables(file) if own_only else self.available(file)
        matches = close_matches(name, candidates)
        hint = f"; did you mean {', '.join(matches)}?" if matches else ""
        where = (
            f"{self.paths[file].name}"
            if own_only
            else f"{self.paths[file].name} or the files it links to"
        )
        return VariableError(
            f"variable {name!r} is not in {where}{hint}",
            variable=name,
            file=str(self.paths[file]),
            close_matches=matches,
        )

    def _stored(self, file: str, names: Sequence[str]) -> dict[str, pd.Series]:
        """Stored columns of ``file`` by name: read on first use (all missing ones in one
        read), then kept."""
        store: dict[str, pd.Series] = self._cache.setdefault(("columns", file), {})
        codes: dict[str, dict[Any, str]] = self._cache.setdefault(("special codes", file), {})
        missing = [n for n in dict.fromkeys(names) if n not in store]
        if missing:
            path = self.path(file)
            data = read(
                path,
                columns=missing,
                user_missing=self.config.user_missing,
                special_codes=self.config.special_codes,
                encoding=self.config.encoding,
            )
            weights = {survey_file.weight for survey_file in self.config.files.values()}
            for name in missing:
                column = data.frame[name].reset_index(drop=True)
                if name in weights:
                    column = weight_from_text(column, name, file=str(path))
                store[name] = column
                codes[name] = data.meta.special_codes.get(name, {})
            logger.debug("read %d columns of %s", len(missing), file)
        return {n: store[n] for n in dict.fromkeys(names)}

    def _special_codes(self, file: str, stored: str) -> dict[Any, str]:
        """Special codes of a column read by :meth:`_stored`: classified from its labels and
        values (:func:`~mics_toolkit.io.missing.classify_quantity_codes`) when it was read."""
        return self._cache[("special codes", file)][stored]

    def _check_kinds(
        self, file: str, names: Sequence[str], other: str, other_names: Sequence[str]
    ) -> None:
        """Raise VariableError when a variable of ``file`` is text and its counterpart in the
        linked file ``other`` is numbers, or the reverse (names paired in order)."""
        kinds = self._file_metadata(file)[3]
        other_kinds = self._file_metadata(other)[3]
        for name, other_name in zip(names, other_names, strict=True):
            kind, other_kind = kinds.get(name), other_kinds.get(other_name)
            if kind is None or other_kind is None or kind == other_kind:
                continue
            here, there = self.paths[file].name, self.paths[other].name
            subject = repr(name) if name == other_name else f"{name!r} ({other_name!r} in {there})"
            raise VariableError(
                f"variable {subject} is {kind} in {here} "
                f"but {other_kind} in {there}; the files are linked, so a variable must have "
                f"one type in both: store it as numeric codes (with value labels) in both "
                f"files, or as text in both",
                variable=name,
                file=str(self.paths[file]),
            )

    def _columns(self, file: str, names: Sequence[str]) -> pd.DataFrame:
        """Stored columns of ``file`` as a DataFrame (see :meth:`_stored`)."""
        return pd.DataFrame(self._stored(file, names))

    def _keys(self, file: str) -> pd.DataFrame:
        """The key columns of ``file``, checked for missing and duplicate values once."""
        cache_key = ("keys", file)
        if cache_key not in self._cache:
            survey_file = self.config.file(file)
            stored = [self._resolve(file, k) for k in survey_file.keys]
            frame = self._columns(file, stored)
            frame.columns = list(survey_file.keys)
            name = self.paths[file].name
            missing = frame.isna().any(axis=1)
            if missing.any():
                raise LinkError(
                    f"{int(missing.sum())} records of {name} have a missing key "
                    f"({', '.join(survey_file.keys)}); first at row {int(np.argmax(missing))}",
                    files=[name],
                    keys=list(survey_file.keys),
                    count=int(missing.sum()),
                )
            repeated = frame.duplicated(keep=False)
            if repeated.any():
                first = frame[repeated].iloc[0].tolist()
                n_keys = int(frame[repeated].drop_duplicates().shape[0])
                raise LinkError(
                    f"duplicate keys in {name}: {int(repeated.sum())} records share "
                    f"{n_keys} values of ({', '.join(survey_file.keys)}), e.g. "
                    f"{_describe_key(first)}; each record must have its own keys",
                    files=[name],
                    keys=list(survey_file.keys),
                    count=int(repeated.sum()),
                )
            self._cache[cache_key] = frame
        return self._cache[cache_key]

    def _check_orphans(self, file: str, keys: pd.DataFrame) -> None:
        cache_key = ("orphans checked", file)
        if cache_key in self._cache:
            return
        self._household_rows(file, keys)
        self._cache[cache_key] = True

    def _household_rows(self, file: str, keys: pd.DataFrame) -> np.ndarray:
        """Row of the household file for each record of ``file`` (checked)."""
        cache_key = ("household rows", file)
        if cache_key not in self._cache:
            household = self.config.household_file
            household_keys = list(self.config.household_keys)
            self._check_kinds(
                file,
                [self._resolve(file, k) for k in household_keys],
                household,
                [self._resolve(household, k) for k in household_keys],
            )
            right = self._join_keys(household, household_keys)
            rows = _link(
                left=keys.loc[:, household_keys],
                right=right,
                left_name=self.paths[file].name,
                right_name=self.paths[household].name,
                keys=household_keys,
                unmatched="household",
            )
            self._cache[cache_key] = rows
        return self._cache[cache_key]

    def _join_keys(self, file: str, keys: Sequence[str]) -> pd.DataFrame:
        """The columns ``keys`` of ``file`` (stored names resolved through aliases)."""
        stored = [self._resolve(file, k) for k in keys]
        frame = self._columns(file, stored)
        frame.columns = list(keys)
        return frame

    def _mother_rows(self, file: str) -> np.ndarray:
        """Row of the members' file for each record's mother/caretaker (-1 when none)."""
        cache_key = ("mother rows", file)
        if cache_key not in self._cache:
            survey_file = self.config.file(file)
            mother_file = self.config.mother_file
            self.require(mother_file)
            household_keys = list(self.config.household_keys)
            line = self._join_keys(file, [survey_file.mother_line])[survey_file.mother_line]
            left = self._keys(file).loc[:, household_keys].copy()
            left[self.config.mother_line] = line.to_numpy()
            no_mother = line.isna().to_numpy() | line.isin(list(survey_file.no_mother)).to_numpy()
            self._check_kinds(
                file,
                [self._resolve(file, k) for k in (*household_keys, survey_file.mother_line)],
                mother_file,
                [
                    self._resolve(mother_file, k)
                    for k in (*household_keys, self.config.mother_line)
                ],
            )
            right = self._join_keys(mother_file, [*household_keys, self.config.mother_line])
            rows = _link(
                left=left,
                right=right,
                left_name=self.paths[file].name,
                right_name=self.paths[mother_file].name,
                keys=[*household_keys, self.config.mother_line],
                unmatched="mother",
                skip=no_mother,
                left_label=f"{', '.join(household_keys)}, {survey_file.mother_line}",
            )
            self._cache[cache_key] = rows
        return self._cache[cache_key]


def _describe_key(values: Sequence[Any]) -> str:
    shown = []
    for v in values:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        shown.append(str(v))
    return "(" + ", ".join(shown) + ")"


def _link(
    *,
    left: pd.DataFrame,
    right: pd.DataFrame,
    left_name: str,
    right_name: str,
    keys: Sequence[str],
    unmatched: str,
    skip: np.ndarray | None = None,
    left_label: str | None = None,
) -> np.ndarray:
    """Row of ``right`` matching each row of ``left`` on ``keys`` (many-to-one, checked).

    ``skip`` marks left rows that need no match (row -1). Raises LinkError when ``right``
    repeats a key (the join would multiply rows) or a left row has no match (orphan).
    """
    key_text = ", ".join(keys)
    repeated = right.duplicated(keep=False).to_numpy()
    if repeated.any():
        extra = int(repeated.sum() - right[repeated].drop_duplicates().shape[0])
        example = _describe_key(right[repeated].iloc[0].tolist())
        raise LinkError(
            f"joining {right_name} onto {left_name} on ({key_text}) would multiply rows: "
            f"{int(repeated.sum())} records of {right_name} share their keys (e.g. {example}), "
            f"which would add {extra} rows; {right_name} must have one record per key",
            files=[right_name, left_name],
            keys=list(keys),
            count=extra,
        )
    right_index = pd.MultiIndex.from_frame(_comparable(right))
    left_index = pd.MultiIndex.from_frame(_comparable(left))
    rows = np.asarray(right_index.get_indexer(left_index), dtype=np.intp)
    if skip is not None:
        rows[skip] = -1
        orphans = (rows < 0) & ~skip
    else:
        orphans = rows < 0
    if orphans.any():
        n = int(orphans.sum())
        example = _describe_key(left[orphans].iloc[0].tolist())
        if unmatched == "household":
            what = f"{n} records of {left_name} have no household in {right_name}"
        else:
            what = (
                f"{n} records of {left_name} name a mother/caretaker line "
                f"({left_label}) that is not in {right_name}"
            )
        raise LinkError(
            f"orphan records: {what} on ({key_text}), e.g. {example}",
            files=[left_name, right_name],
            keys=list(keys),
            count=n,
        )
    return rows


def _comparable(keys: pd.DataFrame) -> pd.DataFrame:
    """Key columns that compare across files: numbers as float64 (1 == 1.0), text as is."""
    return pd.DataFrame(
        {
            name: column.astype(float) if pd.api.types.is_numeric_dtype(column.dtype) else column
            for name, column in keys.items()
        }
    )


def _take(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values`` at positions ``rows``, missing where a row is -1."""
    if (rows >= 0).all():
        return values.iloc[rows].reset_index(drop=True)
    positions = np.where(rows >= 0, rows, 0)
    taken = values.iloc[positions].reset_index(drop=True)
    return taken.mask(pd.Series(rows < 0))


def _size(path: Path) -> int:
    """Bytes of a file (0 when it cannot be seen: its reading reports the error)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _merge_metadata(
    base: Metadata,
    path: Path,
    metas: Mapping[str, tuple[Metadata, str]],
    codes: Mapping[str, dict[Any, str]],
) -> Metadata:
    """Metadata for the assembled columns: each column's labels from the file it came from,
    its special codes (``codes``) as classified when it was read."""
    variable_labels: dict[str, str] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    user_missing: dict[str, UserMissing] = {}
    special_codes: dict[str, dict[Any, str]] = {}
    for name, (meta, stored) in metas.items():
        if stored in meta.variable_labels:
            variable_labels[name] = meta.variable_labels[stored]
        if stored in meta.value_labels:
            value_labels[name] = meta.value_labels[stored]
        if stored in meta.user_missing:
            user_missing[name] = meta.user_missing[stored]
        if codes.get(name):
            special_codes[name] = codes[name]
    return dataclasses.replace(
        base,
        file=str(path),
        variable_labels=variable_labels,
        value_labels=value_labels,
        user_missing=user_missing,
        special_codes=special_codes,
    )
