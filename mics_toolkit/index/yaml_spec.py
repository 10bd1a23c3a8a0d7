"""Index spec files: the YAML form of an :class:`~mics_toolkit.index.spec.IndexSpec` and the
data it names, read with line numbers so that every error says ``file:line`` and the key.

:func:`load_index_spec` reads a file such as ``examples/kz_mics/index.yaml`` into an
:class:`IndexFile`: the validated :class:`~mics_toolkit.index.spec.IndexSpec`, the data
sources (:class:`DataSources`: survey folder, region variable, lonely PSU rule, extra
catalogue files, objective table), the catalogue entry of every survey indicator, and the
settings of the sensitivity analysis. :func:`load_index_data` then opens the survey,
computes the survey indicators by region from the catalogue
(:func:`~mics_toolkit.index.catalogue_source.catalogue_totals`), reads the objective table
and links them (:func:`~mics_toolkit.index.inputs.link_data`). The file is parsed by the
line-aware loader of the indicator specs (:func:`mics_toolkit.indicators.load_yaml`).

The file holds the keys of :meth:`IndexSpec.from_dict` (``name``, ``groups``,
``indicators``, ``normalisation``, ``aggregation``, ``imputation``, ``outliers``,
``uncertainty``, ``sensitivity``) and two more::

    name: Child Well-being Index
    build_date: 2024-09-15           # shown in the outputs instead of the clock
    data:
      survey: ../../build/kz_mics    # survey folder, relative to this file
      config: survey.yaml            # optional SurveyConfig overrides (open_survey)
      region: HH7                    # region variable (default HH7); its value labels
      region_labels: true            #   name the regions (false: the codes)
      lonely_psu: adjust             # rule for strata with one PSU (default fail)
      catalogue: [mine.yaml]         # indicator files added to the shipped catalogue
      objective:                     # or just the file name
        file: objective.csv          # .csv or .xlsx: a region column, one column per
        region: region               #   objective indicator, "<id>_se" for its SE
        se_suffix: _se
        sheet: 0                     # Excel only
    indicators:
      - {id: life_satisfaction, catalogue: EQ.9b, parent: mental, source: survey}
      - {id: infant_mortality, parent: health, source: objective, direction: -1}
    sensitivity:                     # a list of sources, or a mapping with the settings
      n: 100                         # base sample N (default 200)
      method: sobol                  # or uncertainty
      n_boot: 200                    # bootstrap intervals of the Sobol indices (optional)
      sources: [{kind: sampling}, {kind: aggregation, alternatives: [arithmetic, geometric]}]

A survey indicator is the catalogue entry named by ``catalogue`` (default: its own ``id``);
its label defaults to the catalogue's English label. An objective indicator is the column
of the objective table named by its ``id``. Without ``build_date`` the outputs carry the
fixed date 1980-01-01, never the clock.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.design import LONELY_PSU_OPTIONS
from mics_toolkit.errors import (
    LinkError,
    MicsError,
    OptionError,
    ReadError,
    SpecError,
    VariableError,
    close_matches,
)
from mics_toolkit.index.catalogue_source import catalogue_totals
from mics_toolkit.index.inputs import IndexData, link_data
from mics_toolkit.index.sensitivity import SENSITIVITY_METHODS
from mics_toolkit.index.sources import ObjectiveTable
from mics_toolkit.index.spec import IndexSpec
from mics_toolkit.indicators import DEFAULT_SPECS, Catalogue, load_catalogue, load_yaml
from mics_toolkit.indicators import IndicatorSpec as CatalogueIndicator
from mics_toolkit.indicators.schema import spec_error
from mics_toolkit.io import open_survey
from mics_toolkit.io.fileset import Survey

__all__ = [
    "DEFAULT_BUILD_DATE",
    "INDEX_FILE_KEYS",
    "DataSources",
    "IndexFile",
    "IndexInputs",
    "ObjectiveSource",
    "load_index_data",
    "load_index_spec",
]

INDEX_FILE_KEYS: tuple[str, ...] = (
    "name", "build_date", "data", "groups", "indicators", "normalisation", "aggregation",
    "imputation", "outliers", "uncertainty", "sensitivity",
)
"""Top-level keys of an index file."""

DEFAULT_BUILD_DATE = "1980-01-01"
"""Build date of the outputs when the file gives none (a fixed value, never the clock)."""

_DATA_KEYS = ("survey", "config", "region", "region_labels", "lonely_psu", "catalogue",
              "objective")
_OBJECTIVE_KEYS = ("file", "region", "se_suffix", "sheet")
_SENSITIVITY_KEYS = ("sources", "n", "method", "n_boot")
_DEFINITION_KEYS = ("numerator", "denominator", "where", "kind")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class ObjectiveSource:
    """Where the objective indicators are: a CSV or Excel table, one row per region.

    Parameters
    ----------
    file : pathlib.Path
        ``.csv`` or ``.xlsx``.
    region : str
        Column naming the region (default ``"region"``); its values must be the survey's
        region names.
    se_suffix : str
        Column ``<id><se_suffix>`` holds the standard error of indicator ``<id>`` (default
        ``"_se"``); an indicator without such a column is exact.
    sheet : str or int, optional
        Excel sheet (default the first).
    """

    file: Path
    region: str = "region"
    se_suffix: str = "_se"
    sheet: str | int | None = None


@dataclass(frozen=True)
class DataSources:
    """The data an index file names (see the module documentation for the keys).

    Parameters
    ----------
    survey : pathlib.Path, optional
        Survey folder (``mics index --survey`` overrides it).
    config : pathlib.Path, optional
        Survey configuration file (:func:`mics_toolkit.open_survey`).
    region : str
        Region variable, default ``"HH7"``.
    region_labels : bool
        Name regions by the value labels of ``region`` (default True).
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Rule for strata with a single PSU, default ``"fail"``.
    catalogue : tuple of pathlib.Path
        Indicator files or folders added to the shipped catalogue.
    objective : ObjectiveSource, optional
    """

    survey: Path | None = None
    config: Path | None = None
    region: str = "HH7"
    region_labels: bool = True
    lonely_psu: str = "fail"
    catalogue: tuple[Path, ...] = ()
    objective: ObjectiveSource | None = None


@dataclass(frozen=True, eq=False)
class IndexFile:
    """An index spec file, read and checked.

    Attributes
    ----------
    spec : IndexSpec
    path : str
        The file, as given (used in messages).
    data : DataSources
        Paths resolved against the file's folder.
    catalogue : dict of str to indicators.IndicatorSpec
        Survey indicator id -> its catalogue entry, in spec order.
    sensitivity_n : int
        Base sample size N of the sensitivity analysis (default 200).
    sensitivity_method : {"sobol", "uncertainty"}
    sensitivity_n_boot : int, optional
    build_date : str
        ISO date of the build, :data:`DEFAULT_BUILD_DATE` when not given.
    sha256 : str
        SHA-256 of the file's bytes.
    document : object
        The parsed YAML with line numbers (:func:`mics_toolkit.indicators.load_yaml`).
    """

    spec: IndexSpec
    path: str
    data: DataSources
    catalogue: dict[str, CatalogueIndicator] = field(default_factory=dict)
    sensitivity_n: int = 200
    sensitivity_method: str = "sobol"
    sensitivity_n_boot: int | None = None
    build_date: str = DEFAULT_BUILD_DATE
    sha256: str = ""
    document: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ locations
    def line_of(self, key: str | None) -> int | None:
        """Line of ``key`` in the file: a path such as ``"indicators[3].weight"`` (the
        deepest part found) or the id of an indicator or group (the line of its entry)."""
        return _Location(self.path, self.document).line_of(key)

    def error(self, message: str, key: str | None) -> SpecError:
        """A :class:`SpecError` located at ``key``: ``file:line: key 'k': message``."""
        return _Location(self.path, self.document).error(message, key)

    def place(self, key: str | None) -> str:
        """``file:line: key 'k'`` for a message about ``key``."""
        return _Location(self.path, self.document).place(key)

    def relocate(self, error: MicsError) -> MicsError:
        """The same kind of error with its message located in this file.

        A SpecError or OptionError becomes a SpecError at its key (a path or a node id); a
        LinkError about regions is placed at ``data.objective``.
        """
        return _Location(self.path, self.document).relocate(error)

    # ------------------------------------------------------------------ data
    def open_survey(self, folder: str | os.PathLike[str] | None = None) -> Survey:
        """Open the survey folder (``folder``, else ``data.survey``).

        Raises
        ------
        SpecError
            No folder given here or in the file.
        ReadError
            The folder or a required file is missing (located at ``data.survey``).
        """
        if folder is None:
            folder = self.data.survey
            if folder is None:
                raise self.error(
                    "the index has survey indicators but no survey folder: give data.survey "
                    "in the file or mics index --survey DIR",
                    "data" if "data" in (self.document or {}) else "indicators",
                )
            prefix = f"{self.place('data.survey')}: "
        else:
            prefix = ""
        try:
            return open_survey(folder, self.data.config)
        except ReadError as error:
            raise ReadError(f"{prefix}{error}", path=error.path) from error

    def read_objective(self) -> ObjectiveTable | None:
        """The objective table with the columns of the spec's objective indicators and
        their SEs (None when the file names no table).

        Raises
        ------
        ReadError
            The table cannot be read.
        SpecError
            No region column, an objective indicator that is not a column (close names
            suggested), an SE column without its values, a non-numeric column or a
            negative SE.
        LinkError
            A region listed twice.
        """
        source = self.data.objective
        if source is None:
            return None
        frame = _read_table(source, self.place("data.objective"))
        shown = source.file.name
        columns = [str(c) for c in frame.columns]
        frame.columns = columns
        if source.region not in columns:
            matches = close_matches(source.region, columns)
            hint = f"; close names: {', '.join(matches)}" if matches else ""
            raise self.error(
                f"{shown} has no region column {source.region!r}{hint}",
                "data.objective.region",
            )
        regions = [_region_value(v) for v in frame[source.region].tolist()]
        wanted = [i.id for i in self.spec.indicators if i.source == "objective"]
        suffix = source.se_suffix
        se_columns = {c[: -len(suffix)]: c for c in columns
                      if suffix and c.endswith(suffix) and c != source.region}
        for base, column in se_columns.items():
            if base not in columns:
                raise self.error(
                    f"{shown}: column {column!r} holds standard errors of {base!r}, which is "
                    "not a column of the table",
                    "data.objective",
                )
        candidates = [c for c in columns if c != source.region and c not in se_columns.values()]
        for name in wanted:
            if name not in candidates:
                matches = close_matches(name, candidates)
                hint = f"; close names: {', '.join(matches)}" if matches else ""
                raise self.error(
                    f"objective indicator {name!r} is not a column of {shown}{hint}",
                    _indicator_key(self.document, name),
                )
        index = pd.Index(regions, name="region")
        values = pd.DataFrame({n: frame[n].to_numpy() for n in wanted}, index=index)
        se_names = [n for n in wanted if n in se_columns]
        se = (pd.DataFrame({n: frame[se_columns[n]].to_numpy() for n in se_names}, index=index)
              if se_names else None)
        for name in wanted:
            if not pd.api.types.is_numeric_dtype(values[name]):
                raise self.error(
                    f"column {name!r} of {shown} is not numeric (dtype {values[name].dtype})",
                    _indicator_key(self.document, name),
                )
        try:
            return ObjectiveTable(values, se)
        except SpecError as error:  # a negative SE
            raise self.error(f"{shown}: {error}", "data.objective") from error
        except LinkError as error:  # a region listed twice
            raise LinkError(f"{self.place('data.objective')}: {shown}: {error}",
                            files=[str(source.file)], keys=error.keys,
                            count=error.count) from error


@dataclass(frozen=True, eq=False)
class IndexInputs:
    """The linked data of an index file and what it was read from.

    Attributes
    ----------
    data : IndexData
    files : dict of str to pathlib.Path
        Input name (``"survey/wm.sav"``, ``"objective.csv"``, ``"catalogue/wellbeing.yaml"``)
        -> path, for provenance (hashes in the outputs' metadata).
    design : dict of str to dict
        Per survey file, its design variables (``weight``, ``psu``, ``strata``,
        ``completed``) and the region variable.
    """

    data: IndexData
    files: dict[str, Path] = field(default_factory=dict)
    design: dict[str, dict[str, str]] = field(default_factory=dict)


def load_index_spec(
    path: str | os.PathLike[str], *, catalogue: Catalogue | None = None
) -> IndexFile:
    """Read and check an index spec file.

    Parameters
    ----------
    path : str or path-like
        The YAML file.
    catalogue : Catalogue, optional
        Indicator catalogue for the survey indicators; default the shipped catalogue plus
        the files of ``data.catalogue``.

    Returns
    -------
    IndexFile

    Raises
    ------
    ReadError
        The file (or a catalogue file) cannot be read.
    SpecError
        Invalid YAML or an invalid spec; the message starts ``file:line: key 'k':`` (an
        unknown catalogue id suggests close ids; a cycle, a negative weight, an unknown
        option each name the item).

    Examples
    --------
    >>> index_file = load_index_spec("examples/kz_mics/index.yaml")  # doctest: +SKIP
    >>> index_file.spec.root, index_file.data.region  # doctest: +SKIP
    ('CWI', 'HH7')
    """
    name = os.fspath(path)
    try:
        raw = Path(name).read_bytes()
    except FileNotFoundError as error:
        raise ReadError(f"cannot read {name}: the file does not exist", path=name) from error
    except OSError as error:
        raise ReadError(f"cannot read {name}: {error.strerror or error}", path=name) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReadError(f"cannot read {name}: not UTF-8 text ({error})", path=name) from error
    document = load_yaml(name, text=text)
    folder = Path(name).parent
    where = _Location(name, document)
    if not isinstance(document, Mapping):
        raise where.error("an index file is a mapping with 'groups' and 'indicators'", None)
    for key in document:
        if key not in INDEX_FILE_KEYS:
            matches = close_matches(str(key), INDEX_FILE_KEYS)
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise where.error(
                f"unknown top-level key{hint} An index file has {', '.join(INDEX_FILE_KEYS)}",
                str(key),
            )
    data = _data_sources(where, document.get("data"), folder)
    build_date = _build_date(where, document.get("build_date"))
    mapping = {k: v for k, v in document.items() if k not in ("data", "build_date")}
    settings: dict[str, Any] = {}
    sensitivity = document.get("sensitivity")
    if isinstance(sensitivity, Mapping):
        mapping["sensitivity"] = sensitivity.get("sources") or []
        settings = _sensitivity_settings(where, sensitivity)
    indicators = document.get("indicators")
    entries: dict[str, CatalogueIndicator] = {}
    if isinstance(indicators, list):
        if catalogue is None and any(_is_catalogue_indicator(i) for i in indicators):
            try:
                catalogue = load_catalogue([DEFAULT_SPECS, *data.catalogue])
            except ReadError as error:
                raise ReadError(f"{where.place('data.catalogue')}: {error}",
                                path=error.path) from error
        mapping["indicators"], entries = _resolve_catalogue(where, indicators, catalogue)
    try:
        spec = IndexSpec.from_dict(mapping, file=name)
    except (SpecError, OptionError) as error:
        raise where.relocate(error) from error
    return IndexFile(
        spec=spec,
        path=name,
        data=data,
        catalogue=entries,
        build_date=build_date,
        sha256=hashlib.sha256(raw).hexdigest(),
        document=document,
        **settings,
    )


def load_index_data(
    index_file: IndexFile,
    *,
    survey: str | os.PathLike[str] | Survey | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> IndexInputs:
    """Compute and link the data of an index file.

    Parameters
    ----------
    index_file : IndexFile
        From :func:`load_index_spec`.
    survey : path or Survey, optional
        The survey (default ``data.survey`` of the file); needed when the index has survey
        indicators.
    progress : callable, optional
        ``progress(done, total, message)`` while the survey indicators are prepared.

    Returns
    -------
    IndexInputs

    Raises
    ------
    SpecError, ReadError, VariableError, LinkError, WeightError, DesignError
        A missing survey folder or file, an unknown region variable, a catalogue
        indicator that cannot be computed, an unreadable or inconsistent objective table,
        or regions that differ between the survey and the objective table (a LinkError
        located at ``data.objective`` listing both sides).
    """
    spec = index_file.spec
    data = index_file.data
    files: dict[str, Path] = {}
    design: dict[str, dict[str, str]] = {}
    totals = None
    if index_file.catalogue:
        opened = survey if isinstance(survey, Survey) else index_file.open_survey(survey)
        used = {f for entry in index_file.catalogue.values() for f in entry.files}
        household = opened.config.household_file
        if opened.has(household):
            used.add(household)
        for name in [f for f in opened.files if f in used]:
            files[f"survey/{opened.paths[name].name}"] = opened.paths[name]
            design[name] = {k: v for k, v in opened.design_variables(name).items()
                            if v is not None}
            design[name]["region"] = data.region
        for entry in index_file.catalogue.values():
            if entry.source is not None:
                files[f"catalogue/{Path(entry.source).name}"] = Path(entry.source)
        try:
            totals = catalogue_totals(opened, index_file.catalogue, data.region,
                                      lonely_psu=data.lonely_psu, labels=data.region_labels,
                                      progress=progress)
        except VariableError as error:
            if error.variable != data.region:
                raise
            raise VariableError(f"{index_file.place('data.region')}: {error}",
                                variable=error.variable, file=error.file,
                                close_matches=error.close_matches) from error
    objective = index_file.read_objective()
    if objective is not None:
        files[index_file.data.objective.file.name] = index_file.data.objective.file
    try:
        linked = link_data(spec, survey=totals, objective=objective)
    except (SpecError, LinkError) as error:
        raise index_file.relocate(error) from error
    return IndexInputs(data=linked, files=files, design=design)


# ---------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class _Location:
    """Places in one parsed file: lines of keys and located errors."""

    path: str
    document: Any

    def line_of(self, key: str | None) -> int | None:
        return _locate(self.document, key)[1]

    def error(self, message: str, key: str | None) -> SpecError:
        key, line = _locate(self.document, key)
        return spec_error(message, file=self.path, line=line, key=key, indicator=None)

    def place(self, key: str | None) -> str:
        key, line = _locate(self.document, key)
        text = self.path if line is None else f"{self.path}:{line}"
        return f"{text}: key {key!r}" if key else text

    def relocate(self, error: MicsError) -> MicsError:
        if isinstance(error, SpecError):
            key = error.key
            text = str(error)
            if key and text.startswith(f"{key}: "):
                text = text[len(key) + 2:]
            return self.error(text, key)
        if isinstance(error, OptionError):
            return self.error(str(error), error.option)
        if isinstance(error, LinkError):
            return LinkError(f"{self.place('data.objective')}: {error}", files=error.files,
                             keys=error.keys, count=error.count)
        return error


def _locate(document: Any, key: str | None) -> tuple[str | None, int | None]:
    """(key as a path in the file, its line): walk the path; a node id maps to its entry."""
    if key is None or document is None:
        return key, getattr(document, "line", None)
    key = _document_key(document, key)
    line, complete = _walk(document, key)
    if line is not None and (complete or "." in key or "[" in key):
        return key, line
    path = _indicator_key(document, key)
    if path == key:
        path = _find_value(document, key) or key
    if path != key:
        return path, _walk(document, path)[0]
    return key, line if line is not None else getattr(document, "line", None)


def _document_key(document: Any, key: str) -> str:
    """Keys of IndexSpec.from_dict as paths in the file (sensitivity as a mapping)."""
    if isinstance(document, Mapping) and isinstance(document.get("sensitivity"), Mapping):
        if key.startswith("sensitivity["):
            return "sensitivity.sources" + key[len("sensitivity"):]
    return key


def _walk(node: Any, rest: str) -> tuple[int | None, bool]:
    """Line of the deepest part of path ``rest`` under ``node``, and whether all was found."""
    if not rest:
        return getattr(node, "line", None), True
    if isinstance(node, list):
        match = re.match(r"\[(\d+)\]\.?", rest)
        if match is None or int(match.group(1)) >= len(node):
            return None, False
        position = int(match.group(1))
        lines = getattr(node, "lines", [])
        line = lines[position] if position < len(lines) else None
        if not rest[match.end():]:
            return line, True
        deeper, complete = _walk(node[position], rest[match.end():])
        return (deeper if deeper is not None else line), complete
    if isinstance(node, Mapping):
        names = [k for k in node if isinstance(k, str)
                 and (rest == k or rest.startswith(f"{k}.") or rest.startswith(f"{k}["))]
        if not names:
            return None, False
        name = max(names, key=len)
        line = getattr(node, "lines", {}).get(name)
        remaining = rest[len(name):].lstrip(".")
        if not remaining:
            return line, True
        deeper, complete = _walk(node[name], remaining)
        return (deeper if deeper is not None else line), complete
    return None, False


def _indicator_key(document: Any, node_id: str) -> str:
    """Path (``indicators[3]``, ``groups[1]``) of the entry with id ``node_id``."""
    if isinstance(document, Mapping):
        for section in ("indicators", "groups"):
            items = document.get(section)
            if isinstance(items, list):
                for position, item in enumerate(items):
                    if isinstance(item, Mapping) and str(item.get("id")) == node_id:
                        return f"{section}[{position}]"
    return node_id


def _find_value(node: Any, value: str, path: str = "") -> str | None:
    """Path of the first text ``value`` in the document (a name used in a list or mapping,
    e.g. a sensitivity target), in file order."""
    if isinstance(node, Mapping):
        for key, item in node.items():
            found = _find_value(item, value, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    elif isinstance(node, list):
        for position, item in enumerate(node):
            found = _find_value(item, value, f"{path}[{position}]")
            if found is not None:
                return found
    elif isinstance(node, str) and node == value and path:
        return path
    return None


def _is_catalogue_indicator(item: Any) -> bool:
    return isinstance(item, Mapping) and item.get("source") == "survey"


def _resolve_catalogue(
    where: _Location, indicators: list, catalogue: Catalogue | None
) -> tuple[list, dict[str, CatalogueIndicator]]:
    """Each survey indicator's catalogue entry; its ``catalogue`` id and label filled in."""
    out = []
    entries: dict[str, CatalogueIndicator] = {}
    for position, item in enumerate(indicators):
        if not _is_catalogue_indicator(item):
            out.append(item)
            continue
        path = f"indicators[{position}]"
        for key in _DEFINITION_KEYS:
            if key in item:
                raise where.error(
                    "survey indicators of an index file come from the indicator catalogue: "
                    "give 'catalogue: <id>' instead of a definition (add your own indicators "
                    "to a file listed in data.catalogue)",
                    f"{path}.{key}",
                )
        key = "catalogue" if "catalogue" in item else "id"
        wanted = item.get(key)
        if not isinstance(wanted, str) or not wanted:
            raise where.error(f"{key} must be an indicator id of the catalogue, not {wanted!r}",
                              f"{path}.{key}")
        try:
            entry = catalogue[wanted]
        except SpecError as error:
            raise where.error(str(error), f"{path}.{key}") from error
        filled = dict(item)
        filled["catalogue"] = wanted
        if filled.get("label") is None:
            filled["label"] = entry.label.get("en") or next(iter(entry.label.values()), None)
        out.append(filled)
        if isinstance(item.get("id"), str):
            entries[item["id"]] = entry
    return out, entries


def _path(where: _Location, value: Any, key: str, folder: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise where.error(f"{key} must be a path, not {value!r}", key)
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else Path(os.path.normpath(folder / path))


def _data_sources(where: _Location, node: Any, folder: Path) -> DataSources:
    if node is None:
        return DataSources()
    if not isinstance(node, Mapping):
        raise where.error(f"data must be a mapping with keys {', '.join(_DATA_KEYS)}", "data")
    for key in node:
        if key not in _DATA_KEYS:
            matches = close_matches(str(key), _DATA_KEYS)
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise where.error(
                f"data has no key {key!r}{hint} It takes {', '.join(_DATA_KEYS)}",
                f"data.{key}",
            )
    values: dict[str, Any] = {}
    for key in ("survey", "config"):
        if node.get(key) is not None:
            values[key] = _path(where, node[key], f"data.{key}", folder)
    if "region" in node:
        if not isinstance(node["region"], str) or not node["region"]:
            raise where.error(f"region must be a variable name, not {node['region']!r}",
                              "data.region")
        values["region"] = node["region"]
    if "region_labels" in node:
        if not isinstance(node["region_labels"], bool):
            raise where.error("region_labels must be true or false", "data.region_labels")
        values["region_labels"] = node["region_labels"]
    if "lonely_psu" in node:
        value = node["lonely_psu"]
        if value not in LONELY_PSU_OPTIONS:
            raise where.error(
                f"lonely_psu={value!r} is not valid; use one of: "
                f"{', '.join(repr(v) for v in LONELY_PSU_OPTIONS)}",
                "data.lonely_psu",
            )
        values["lonely_psu"] = value
    if node.get("catalogue") is not None:
        entries = node["catalogue"]
        entries = [entries] if isinstance(entries, str) else entries
        if not isinstance(entries, list):
            raise where.error("catalogue must be a path or a list of paths", "data.catalogue")
        values["catalogue"] = tuple(
            _path(where, entry, f"data.catalogue[{i}]" if isinstance(node["catalogue"], list)
                  else "data.catalogue", folder)
            for i, entry in enumerate(entries)
        )
    if node.get("objective") is not None:
        values["objective"] = _objective_source(where, node["objective"], folder)
    return DataSources(**values)


def _objective_source(where: _Location, node: Any, folder: Path) -> ObjectiveSource:
    if isinstance(node, str):
        return ObjectiveSource(file=_path(where, node, "data.objective", folder))
    if not isinstance(node, Mapping):
        raise where.error("objective is a file name or a mapping with keys "
                          f"{', '.join(_OBJECTIVE_KEYS)}", "data.objective")
    for key in node:
        if key not in _OBJECTIVE_KEYS:
            raise where.error(
                f"objective has no key {key!r}; it takes {', '.join(_OBJECTIVE_KEYS)}",
                f"data.objective.{key}",
            )
    if "file" not in node:
        raise where.error("objective needs 'file' (a .csv or .xlsx table)", "data.objective")
    values: dict[str, Any] = {"file": _path(where, node["file"], "data.objective.file", folder)}
    for key in ("region", "se_suffix"):
        if key in node:
            if not isinstance(node[key], str) or (key == "region" and not node[key]):
                raise where.error(f"{key} must be a text, not {node[key]!r}",
                                  f"data.objective.{key}")
            values[key] = node[key]
    if node.get("sheet") is not None:
        if isinstance(node["sheet"], bool) or not isinstance(node["sheet"], (str, int)):
            raise where.error("sheet must be a sheet name or number", "data.objective.sheet")
        values["sheet"] = node["sheet"]
    return ObjectiveSource(**values)


def _build_date(where: _Location, value: Any) -> str:
    if value is None:
        return DEFAULT_BUILD_DATE
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        try:
            datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise where.error(f"build_date must be an ISO date such as 2024-09-15, not {value!r}",
                      "build_date")


def _sensitivity_settings(where: _Location, node: Mapping) -> dict[str, Any]:
    for key in node:
        if key not in _SENSITIVITY_KEYS:
            raise where.error(
                f"sensitivity has no key {key!r}; it takes {', '.join(_SENSITIVITY_KEYS)} "
                "(or give the list of sources directly)",
                f"sensitivity.{key}",
            )
    if not isinstance(node.get("sources"), list) or not node["sources"]:
        raise where.error("sensitivity needs a list of sources", "sensitivity.sources"
                          if "sources" in node else "sensitivity")
    out: dict[str, Any] = {}
    if "n" in node:
        n = node["n"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 3:
            raise where.error(f"n={n!r} must be a whole number >= 3", "sensitivity.n")
        out["sensitivity_n"] = n
    if "method" in node:
        if node["method"] not in SENSITIVITY_METHODS:
            raise where.error(
                f"method={node['method']!r} is not valid; use one of: "
                f"{', '.join(repr(m) for m in SENSITIVITY_METHODS)}",
                "sensitivity.method",
            )
        out["sensitivity_method"] = node["method"]
    if node.get("n_boot") is not None:
        n_boot = node["n_boot"]
        if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 2:
            raise where.error(f"n_boot={n_boot!r} must be a whole number >= 2",
                              "sensitivity.n_boot")
        out["sensitivity_n_boot"] = n_boot
    return out


def _read_table(source: ObjectiveSource, place: str) -> pd.DataFrame:
    path = source.file
    try:
        if path.suffix.lower() in _EXCEL_SUFFIXES:
            return pd.read_excel(path, sheet_name=source.sheet if source.sheet is not None else 0)
        return pd.read_csv(path)
    except FileNotFoundError as error:
        raise ReadError(f"{place}: cannot read {path}: the file does not exist",
                        path=str(path)) from error
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ReadError(f"{place}: cannot read {path}: {error}", path=str(path)) from error


def _region_value(value: Any) -> Any:
    """A region name from a table cell: whole numbers as int, text stripped."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value
