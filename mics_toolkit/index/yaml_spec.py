"""Index spec files: the YAML form of an :class:`~mics_toolkit.index.spec.IndexSpec` and the
data it names, read with line numbers so that every error says ``file:line`` and the key.

:func:`load_index_spec` reads a file such as ``examples/kz_mics/index.yaml`` into an
:class:`IndexFile`: the validated :class:`~mics_toolkit.index.spec.IndexSpec`, the data
sources (:class:`DataSources`: survey folder, region variable, lonely PSU rule, extra
catalogue files, objective table), the catalogue entry of every survey indicator, and the
settings of the sensitivity analysis. :func:`load_index_data` then opens the survey,
computes the survey indicators by region from the catalogue
(:func:`~mics_toolkit.index.catalogue_source.catalogue_totals`), reads the objective table
and links them (:func:`~mics_toolkit.index.inputs.link_data`). The file is read and checked
by the spec layer (:mod:`mics_toolkit.specfile`): each check raises its error at the line and
key it checks, and a problem found later (a node of the tree, an objective column, the
survey folder) is placed at the entry recorded for it while the file was checked.

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

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.design import LONELY_PSU_OPTIONS
from mics_toolkit.errors import (
    LinkError,
    ReadError,
    SpecError,
    VariableError,
    close_matches,
)
from mics_toolkit.index.catalogue_source import CATALOGUE_KINDS, catalogue_totals
from mics_toolkit.index.inputs import IndexData, link_data
from mics_toolkit.index.sensitivity import SENSITIVITY_METHODS
from mics_toolkit.index.sources import ObjectiveTable
from mics_toolkit.index.spec import MAX_SAMPLES, IndexSpec
from mics_toolkit.indicators import DEFAULT_SPECS, Catalogue, load_catalogue
from mics_toolkit.indicators import IndicatorSpec as CatalogueIndicator
from mics_toolkit.io import open_survey
from mics_toolkit.io.fileset import Survey
from mics_toolkit.specfile import (
    SpecChecker,
    SpecList,
    SpecMapping,
    line_of,
    load_spec,
    require_regular_file,
    spec_error,
)

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
        The parsed YAML with line numbers (:func:`mics_toolkit.specfile.load_spec`).
    places : dict of str to (str, int or None)
        Where things are in the file, recorded while it was checked: a key path
        (``data.objective``) or the id of an indicator or group -> (key path, line).
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
    places: dict[str, tuple[str, int | None]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ locations
    def line_of(self, key: str | None) -> int | None:
        """Line of ``key`` (a recorded key path or node id) in the file."""
        return self._where(key)[1]

    def error(self, message: str, key: str | None) -> SpecError:
        """A :class:`SpecError` at ``key`` (a recorded key path or node id):
        ``file:line: key 'k': message``."""
        path, line = self._where(key)
        return spec_error(message, file=self.path, line=line, key=path)

    def place(self, key: str | None) -> str:
        """``file:line: key 'k'`` for a message about ``key``."""
        path, line = self._where(key)
        text = self.path if line is None else f"{self.path}:{line}"
        return f"{text}: key {path!r}" if path else text

    def _where(self, key: str | None) -> tuple[str | None, int | None]:
        if key is None:
            return None, line_of(self.document)
        return self.places.get(key, (key, None))

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
                "data.objective.region" if "data.objective.region" in self.places
                else "data.objective",
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
                    f"objective indicator {name!r} is not a column of {shown}{hint}", name)
        index = pd.Index(regions, name="region")
        values = pd.DataFrame({n: frame[n].to_numpy() for n in wanted}, index=index)
        se_names = [n for n in wanted if n in se_columns]
        se = (pd.DataFrame({n: frame[se_columns[n]].to_numpy() for n in se_names}, index=index)
              if se_names else None)
        for name in wanted:
            if not pd.api.types.is_numeric_dtype(values[name]):
                raise self.error(
                    f"column {name!r} of {shown} is not numeric (dtype {values[name].dtype})",
                    name)
        try:
            return ObjectiveTable(values, se)
        except SpecError as error:  # a negative SE
            raise self.error(f"{shown}: {error.reason or error}", "data.objective") from error
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
    loaded = load_spec(path, what="index spec")
    name, document = loaded.file, loaded.document
    check = loaded.checker()
    folder = Path(name).parent
    if not isinstance(document, Mapping):
        raise check.error("an index file is a mapping with 'groups' and 'indicators'", None,
                          document)
    check.mapping(document, "", INDEX_FILE_KEYS, document, None)
    places: dict[str, tuple[str, int | None]] = {}
    data = _data_sources(check, document, folder, places)
    build_date = DEFAULT_BUILD_DATE
    if document.get("build_date") is not None:
        build_date = check.build_date(document["build_date"], "build_date", document,
                                      "build_date")
    mapping = document.derive({}) if isinstance(document, SpecMapping) else dict(document)
    for key in ("data", "build_date"):
        mapping.pop(key, None)
    settings: dict[str, Any] = {}
    sensitivity_key = "sensitivity"
    sensitivity = document.get("sensitivity")
    if isinstance(sensitivity, Mapping):
        settings = _sensitivity_settings(check, sensitivity)
        mapping["sensitivity"] = sensitivity["sources"]
        mapping.lines["sensitivity"] = line_of(sensitivity, "sources")
        sensitivity_key = "sensitivity.sources"
    indicators = document.get("indicators")
    entries: dict[str, CatalogueIndicator] = {}
    if isinstance(indicators, list):
        if catalogue is None and any(_is_catalogue_indicator(i) for i in indicators):
            try:
                catalogue = load_catalogue([DEFAULT_SPECS, *data.catalogue])
            except ReadError as error:
                where = spec_error("", file=name, line=line_of(document.get("data"),
                                                                   "catalogue"),
                                   key="data.catalogue")
                raise ReadError(f"{where}{error}", path=error.path) from error
        mapping["indicators"], entries = _resolve_catalogue(check, indicators, catalogue)
    spec = IndexSpec.from_dict(mapping, check=check, sensitivity_key=sensitivity_key)
    for section in ("groups", "indicators"):
        items = mapping.get(section)
        places[section] = (section, line_of(mapping, section))
        for position, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                places.setdefault(item["id"], (f"{section}[{position}]",
                                               line_of(items, position)))
    return IndexFile(
        spec=spec,
        path=name,
        data=data,
        catalogue=entries,
        build_date=build_date,
        sha256=hashlib.sha256(loaded.raw).hexdigest(),
        document=document,
        places=places,
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
    except SpecError as error:  # about an indicator: placed at its entry
        raise index_file.error(error.reason or str(error), error.key) from error
    except LinkError as error:  # regions that differ between the survey and the table
        raise LinkError(f"{index_file.place('data.objective')}: {error}", files=error.files,
                        keys=error.keys, count=error.count) from error
    return IndexInputs(data=linked, files=files, design=design)


# ---------------------------------------------------------------------- helpers
def _is_catalogue_indicator(item: Any) -> bool:
    return isinstance(item, Mapping) and item.get("source") == "survey"


def _resolve_catalogue(
    check: SpecChecker, indicators: list, catalogue: Catalogue | None
) -> tuple[list, dict[str, CatalogueIndicator]]:
    """Each survey indicator's catalogue entry; its ``catalogue`` id and label filled in."""
    out = SpecList(line=line_of(indicators))
    out.lines = list(getattr(indicators, "lines", ()))
    entries: dict[str, CatalogueIndicator] = {}
    for position, item in enumerate(indicators):
        if not _is_catalogue_indicator(item):
            out.append(item)
            continue
        path = f"indicators[{position}]"
        for key in _DEFINITION_KEYS:
            if key in item:
                raise check.error(
                    "survey indicators of an index file come from the indicator catalogue: "
                    "give 'catalogue: <id>' instead of a definition (add your own indicators "
                    "to a file listed in data.catalogue)",
                    f"{path}.{key}", item, key,
                )
        key = "catalogue" if "catalogue" in item else "id"
        wanted = check.name(item.get(key), f"{path}.{key}", item, key)
        try:
            entry = catalogue[wanted]
        except SpecError as error:
            raise check.error(error.reason or str(error), f"{path}.{key}", item,
                              key) from error
        if entry.type not in CATALOGUE_KINDS:
            raise check.error(
                f"catalogue indicator {wanted!r} is a {entry.type}; an index takes "
                f"{', '.join(CATALOGUE_KINDS)} indicators (sums by PSU and region)",
                f"{path}.{key}", item, key)
        filled = {"catalogue": wanted}
        if item.get("label") is None:
            filled["label"] = entry.label.get("en") or next(iter(entry.label.values()), None)
        out.append(item.derive(filled) if isinstance(item, SpecMapping) else {**item, **filled})
        if isinstance(item.get("id"), str):
            entries[item["id"]] = entry
    return out, entries


def _record(places: dict[str, tuple[str, int | None]], prefix: str, node: Mapping) -> None:
    """Record the line of each key of ``node`` under ``prefix.key``."""
    for key in node:
        path = f"{prefix}.{key}"
        places[path] = (path, line_of(node, key))


def _path(check: SpecChecker, value: Any, key: str, node: Any, at: Any, folder: Path) -> Path:
    text = check.text(value, key, node, at)
    path = Path(os.path.expanduser(text))
    return path if path.is_absolute() else Path(os.path.normpath(folder / path))


def _data_sources(check: SpecChecker, document: Mapping, folder: Path,
                  places: dict[str, tuple[str, int | None]]) -> DataSources:
    node = document.get("data")
    if node is None:
        return DataSources()
    check.mapping(node, "data", _DATA_KEYS, document, "data")
    places["data"] = ("data", line_of(document, "data"))
    _record(places, "data", node)
    values: dict[str, Any] = {}
    for key in ("survey", "config"):
        if node.get(key) is not None:
            values[key] = _path(check, node[key], f"data.{key}", node, key, folder)
    if "region" in node:
        values["region"] = check.name(node["region"], "data.region", node, "region")
    if "region_labels" in node:
        values["region_labels"] = check.boolean(node["region_labels"], "data.region_labels",
                                                node, "region_labels")
    if "lonely_psu" in node:
        values["lonely_psu"] = check.choice(node["lonely_psu"], "data.lonely_psu",
                                            LONELY_PSU_OPTIONS, node, "lonely_psu")
    if node.get("catalogue") is not None:
        entries = node["catalogue"]
        if isinstance(entries, str):
            values["catalogue"] = (_path(check, entries, "data.catalogue", node, "catalogue",
                                         folder),)
        else:
            entries = check.items(entries, "data.catalogue", node, "catalogue")
            values["catalogue"] = tuple(
                _path(check, entry, f"data.catalogue[{i}]", entries, i, folder)
                for i, entry in enumerate(entries))
    if node.get("objective") is not None:
        values["objective"] = _objective_source(check, node, folder, places)
    return DataSources(**values)


def _objective_source(check: SpecChecker, data: Mapping, folder: Path,
                      places: dict[str, tuple[str, int | None]]) -> ObjectiveSource:
    node = data["objective"]
    if isinstance(node, str):
        return ObjectiveSource(file=_path(check, node, "data.objective", data, "objective",
                                          folder))
    check.mapping(node, "data.objective", _OBJECTIVE_KEYS, data, "objective", ("file",))
    _record(places, "data.objective", node)
    values: dict[str, Any] = {
        "file": _path(check, node["file"], "data.objective.file", node, "file", folder)}
    if "region" in node:
        values["region"] = check.name(node["region"], "data.objective.region", node, "region")
    if "se_suffix" in node:
        suffix = node["se_suffix"]
        values["se_suffix"] = suffix if suffix == "" else check.name(
            suffix, "data.objective.se_suffix", node, "se_suffix")
    if node.get("sheet") is not None:
        sheet = node["sheet"]
        if isinstance(sheet, bool) or not isinstance(sheet, str | int):
            raise check.error("sheet must be a sheet name or number", "data.objective.sheet",
                              node, "sheet")
        values["sheet"] = (check.integer(sheet, "data.objective.sheet", node, "sheet")
                           if isinstance(sheet, int) else
                           check.name(sheet, "data.objective.sheet", node, "sheet"))
    return ObjectiveSource(**values)


def _sensitivity_settings(check: SpecChecker, node: Mapping) -> dict[str, Any]:
    check.mapping(node, "sensitivity", _SENSITIVITY_KEYS, node, None, ("sources",))
    check.items(node["sources"], "sensitivity.sources", node, "sources")
    out: dict[str, Any] = {}
    if "n" in node:
        out["sensitivity_n"] = check.integer(node["n"], "sensitivity.n", node, "n", 3,
                                             MAX_SAMPLES)
    if "method" in node:
        out["sensitivity_method"] = check.choice(node["method"], "sensitivity.method",
                                                 SENSITIVITY_METHODS, node, "method")
    if node.get("n_boot") is not None:
        out["sensitivity_n_boot"] = check.integer(node["n_boot"], "sensitivity.n_boot", node,
                                                  "n_boot", 2, MAX_SAMPLES)
    return out


def _read_table(source: ObjectiveSource, place: str) -> pd.DataFrame:
    path = source.file
    try:
        require_regular_file(path, what="objective table")
    except ReadError as error:
        raise ReadError(f"{place}: {error}", path=str(path)) from error
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
