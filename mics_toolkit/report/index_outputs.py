"""Outputs of a composite index: an Excel workbook, CSV tables, PNG charts and ``manifest.json``.

:func:`index_tables` collects the tables of an index run (the nominal
:class:`~mics_toolkit.index.IndexResult`, its :class:`~mics_toolkit.index.IndexUncertainty`
and optionally a :class:`~mics_toolkit.index.SensitivityResult`) under fixed names;
:func:`index_outputs` renders them in memory, in the build's language (``lang``), as

- ``index.xlsx`` (drawn by the one renderer, :mod:`mics_toolkit.report.excel`): an
  explanation sheet (every sheet with a link and its description; what a score interval,
  a rank interval, P(top third), the pairwise matrix and a Sobol index mean, and why a
  first-order Sobol estimate can be negative), then the league table (score and rank
  intervals, chances of being in the top or bottom third, rows shaded by third), domain
  scores, scores, ranks, the pairwise matrix (probability that the row region scores above
  the column region, significant pairs shaded), indicators, framework, sensitivity and Sobol
  indices (when a sensitivity analysis was run) and metadata; labelled headers, number
  formats, frozen panes, print set-up fitting each sheet to the page width;
- one CSV file per table (``league.csv``, ``scores.csv`` ...), full precision, raw column
  names, text fields neutralised against formula injection;
- ``league.png`` (scores with their intervals, regions in rank order, shaded by thirds) and
  ``domains.png`` (heat map of domain scores by region);
- ``manifest.json`` (build facts and the SHA-256 of every output);

and :func:`write_index_outputs` replaces a folder's content with them as a unit. Every output is the
same bytes on a rebuild: no clock values (the workbook's dates are the build date, zip
entries carry 1980-01-01), fixed PNG metadata, sorted JSON keys.

Negative first-order Sobol estimates are shown as computed (as in the CSV file), with a note
on the Sobol sheet and the explanation sheet: they are estimation noise around 0.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mics_toolkit.errors import OutputError, check_option
from mics_toolkit.index import IndexData, IndexResult, IndexUncertainty, SensitivityResult
from mics_toolkit.index.ranks import default_top
from mics_toolkit.report.excel import FrameSheet, frames_workbook_bytes
from mics_toolkit.report.manifest import MANIFEST_NAME, BuildInfo, manifest_bytes
from mics_toolkit.report.output_folder import check_output_folder
from mics_toolkit.report.tidy import table_csv_bytes
from mics_toolkit.report.words import (
    INDEX_EXPLANATION,
    INDEX_HEADERS,
    INDEX_SENSITIVITY_EXPLANATION,
    INDEX_SHEETS,
    INDEX_WORDS,
)
from mics_toolkit.tables import LANGUAGES

__all__ = [
    "HEADER_ROW",
    "INDEX_WORKBOOK",
    "THIRD_COLOURS",
    "domain_heatmap_png",
    "index_outputs",
    "index_sheets",
    "index_tables",
    "index_workbook_bytes",
    "league_chart_png",
    "write_index_outputs",
]

INDEX_WORKBOOK = "index.xlsx"
HEADER_ROW = 4
"""Header row of every table sheet (row 1 title, row 2 description, row 3 empty)."""

THIRD_COLOURS: dict[str, str] = {"top": "#1a9850", "middle": "#e6a100", "bottom": "#d73027"}
"""Colours of the thirds of the league table (charts and workbook)."""

_TABLES: tuple[str, ...] = (
    "league", "domain_scores", "scores", "ranks", "pairwise_probability", "indicators",
    "framework", "sensitivity_ranks", "sensitivity_sobol",
)
"""The tables shown in the workbook, in sheet order (after the explanation sheet)."""

_KEY_COLUMNS: dict[str, int] = {
    "league": 2, "domain_scores": 2, "scores": 2, "ranks": 2, "pairwise_probability": 1,
    "indicators": 2, "framework": 1, "sensitivity_ranks": 1, "sensitivity_sobol": 1,
}
"""Columns that identify a row (frozen, and repeated on every printed page)."""

_FORMATS: dict[str, str] = {
    "estimate": "0.0", "se": "0.00", "ci_lower": "0.0", "ci_upper": "0.0", "score": "0.0",
    "rank": "0", "median_rank": "0.0", "rank_lower": "0", "rank_upper": "0", "p_top": "0.00",
    "p_bottom": "0.00", "normalised": "0.0", "weight": "0.###", "weight_in_group": "0.000",
    "first_order": "0.000", "total": "0.000", "first_order_lower": "0.000",
    "first_order_upper": "0.000", "total_lower": "0.000", "total_upper": "0.000",
    "mean_rank": "0.0", "mean_shift": "0.00", "max_shift": "0", "value": "0.0000",
    "level": "0", "direction": "0",
}
_TABLE_FORMATS: dict[str, dict[str, str]] = {
    "sensitivity_ranks": {"rank_lower": "0.0", "rank_upper": "0.0"},
}
_THIRD_FILLS = {"top": "D9F0D3", "middle": "FFF2CC", "bottom": "F8D7D3"}
_ABOVE_FILL = "D9F0D3"
_BELOW_FILL = "F8D7D3"


# ---------------------------------------------------------------------- tables
def index_tables(
    result: IndexResult,
    uncertainty: IndexUncertainty,
    data: IndexData,
    sensitivity: SensitivityResult | None = None,
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables of an index run, by name (the CSV file is ``<name>.csv``).

    Parameters
    ----------
    result : IndexResult
        From :func:`~mics_toolkit.index.build_index`.
    uncertainty : IndexUncertainty
        From :func:`~mics_toolkit.index.assess_uncertainty`.
    data : IndexData
        The linked data (values and SEs of the indicators).
    sensitivity : SensitivityResult, optional
    labels : mapping, optional
        Node id -> label, shown in the framework table.

    Returns
    -------
    dict of str to pandas.DataFrame
        - ``league``, ``scores``, ``ranks``: the frames of ``uncertainty`` as they are;
        - ``domain_scores``: ``rank, region``, then the score of the index and of each group
          below it (columns from the top, as ``result.scores``), regions in league order;
        - ``pairwise``, ``pairwise_probability``: ``region`` then one column per region;
        - ``indicators``: ``region, indicator, source, kind, value, se, normalised, missing,
          imputed, treated``, one row per region and indicator;
        - ``framework``: ``result.framework`` with a ``label`` column after ``node``;
        - ``treatment``: ``result.treatment`` (outlier treatment per indicator);
        - with ``sensitivity``: ``sensitivity_ranks``, ``sensitivity_sobol``,
          ``sensitivity_region_sobol`` (its ``ranks``, ``sobol`` and ``region_sobol``).
    """
    labels = dict(labels or {})
    league = uncertainty.league
    order = [r for r in league["region"] if r in result.scores.index]
    scores = result.scores.loc[order]
    domain_scores = scores.reset_index()
    domain_scores.insert(0, "rank", result.ranks.loc[order, result.settings["root"]].to_numpy())
    indicators = _indicator_table(result, data)
    framework = result.framework.copy()
    framework.insert(1, "label", [labels.get(n, "") for n in framework["node"]])
    tables = {
        "league": league.copy(),
        "domain_scores": domain_scores.reset_index(drop=True),
        "scores": uncertainty.scores.copy(),
        "ranks": uncertainty.ranks.copy(),
        "pairwise": uncertainty.pairwise.reset_index(),
        "pairwise_probability": uncertainty.pairwise_probability.reset_index(),
        "indicators": indicators,
        "framework": framework,
        "treatment": result.treatment.copy(),
    }
    if sensitivity is not None:
        tables["sensitivity_ranks"] = sensitivity.ranks.copy()
        tables["sensitivity_sobol"] = sensitivity.sobol.copy()
        tables["sensitivity_region_sobol"] = sensitivity.region_sobol.copy()
    return tables


def _indicator_table(result: IndexResult, data: IndexData) -> pd.DataFrame:
    regions = list(result.values.index)
    names = list(result.values.columns)
    n_r, n_k = len(regions), len(names)
    source = dict(zip(data.indicators, data.sources, strict=True))
    kind = dict(zip(data.indicators, data.kinds, strict=True))
    se = data.se_frame().reindex(index=regions, columns=names)
    return pd.DataFrame({
        "region": np.repeat(np.asarray(regions, dtype=object), n_k),
        "indicator": np.tile(np.asarray(names, dtype=object), n_r),
        "source": np.tile(np.asarray([source[n] for n in names], dtype=object), n_r),
        "kind": np.tile(np.asarray([kind[n] for n in names], dtype=object), n_r),
        "value": result.values.to_numpy(dtype=np.float64).reshape(-1),
        "se": se.to_numpy(dtype=np.float64).reshape(-1),
        "normalised": result.normalised.to_numpy(dtype=np.float64).reshape(-1),
        "missing": result.missing.to_numpy(dtype=bool).reshape(-1),
        "imputed": result.imputed.to_numpy(dtype=bool).reshape(-1),
        "treated": result.treated.to_numpy(dtype=object).reshape(-1),
    })


# ---------------------------------------------------------------------- workbook
def _fields(uncertainty: IndexUncertainty, sensitivity: SensitivityResult | None,
            lang: str) -> dict[str, Any]:
    """The values of the ``{name}`` fields of the index texts in ``lang``."""
    s = uncertainty.settings
    chart = INDEX_WORDS[lang]
    names = {table: sheet for table, (sheet, _) in INDEX_SHEETS[lang].items()}
    fields: dict[str, Any] = {
        "level": f"{s['level']:.0%}",
        "rank_level": f"{s['rank_level']:.0%}",
        "top": s["top"],
        "engine": chart.get(s["engine"], s["engine"]),
        "replicates": s["replicates"],
        "method": "",
        "runs": "",
        "framework": names["framework"],
        "explanation": names["explanation"],
    }
    if sensitivity is not None:
        fields["method"] = sensitivity.settings.get("method", "")
        fields["runs"] = sensitivity.settings.get("n_runs", "")
    return fields


def _headers(table: str, frame: pd.DataFrame, fields: Mapping[str, Any], lang: str,
             labels: Mapping[str, str], thirds: bool) -> dict[str, str]:
    """Header labels of the columns of index table ``table``."""
    words = INDEX_HEADERS[lang]
    special = {"p_top": "p_top" if thirds else "p_top_n",
               "p_bottom": "p_bottom" if thirds else "p_bottom_n"}
    if table == "sensitivity_ranks":
        special.update(rank_lower="run_rank_lower", rank_upper="run_rank_upper")
    elif table == "sensitivity_sobol":
        special["source"] = "sobol_source"
    elif table == "framework":
        special["node"] = "framework_node"
    headers = {}
    for position, column in enumerate(frame.columns):
        key = special.get(column, column)
        if table == "domain_scores":
            named = column in ("rank", "region")
        else:  # the pairwise matrix: "region", then one column per region
            named = table != "pairwise_probability" or position == 0
        if named and key in words:
            headers[column] = words[key].format(**fields)
        else:  # a group id or a region name
            headers[column] = labels.get(column, str(column))
    return headers


def _fills(table: str, frame: pd.DataFrame,
           uncertainty: IndexUncertainty) -> dict[tuple[int, int], str]:
    """Shading: league rows by third; pairwise cells of significant pairs (green: the row
    region above, red: below)."""
    fills: dict[tuple[int, int], str] = {}
    if table == "league":
        for i, third in enumerate(frame["third"].tolist()):
            colour = _THIRD_FILLS.get(third)
            if colour is not None:
                fills.update({(i, j): colour for j in range(frame.shape[1])})
    elif table == "pairwise_probability":
        flags = uncertainty.pairwise.to_numpy(dtype=bool)
        above = uncertainty.pairwise_probability.to_numpy(dtype=np.float64) > 0.5
        for r, c in zip(*np.nonzero(flags), strict=True):
            fills[(int(r), int(c) + 1)] = _ABOVE_FILL if above[r, c] else _BELOW_FILL
    return fills


def _values(table: str, thirds: Mapping[str, str],
            labels: Mapping[str, str]) -> dict[str, Mapping[str, str]]:
    """Values shown in place of codes: the names of the thirds, and group and indicator
    labels in place of their ids (the framework sheet shows both)."""
    if table == "league":
        return {"third": thirds}
    if table in ("scores", "ranks"):
        return {"node": labels}
    if table == "indicators":
        return {"indicator": labels}
    return {}


def _explanation(sheets: Sequence[tuple[str, str]], fields: Mapping[str, Any], lang: str,
                 sensitivity: bool, title: str) -> FrameSheet:
    """The explanation sheet: every sheet with a link and its description, then what the
    terms of the index mean."""
    terms = list(INDEX_EXPLANATION[lang])
    if sensitivity:
        terms += INDEX_SENSITIVITY_EXPLANATION[lang]
    rows = [*sheets, *((term.format(**fields), text.format(**fields)) for term, text in terms)]
    sheet, description = INDEX_SHEETS[lang]["explanation"]
    return FrameSheet(
        sheet,
        pd.DataFrame(rows, columns=["term", "meaning"], dtype=object),
        title=f"{title}: {sheet}",
        description=description,
        headers={k: INDEX_HEADERS[lang][k] for k in ("term", "meaning")},
        widths={"term": 36, "meaning": 100},
        links={i: name for i, (name, _) in enumerate(sheets)},
    )


def index_sheets(
    tables: Mapping[str, pd.DataFrame],
    *,
    info: BuildInfo,
    uncertainty: IndexUncertainty,
    sensitivity: SensitivityResult | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str | None = None,
) -> list[FrameSheet]:
    """The sheets of the index workbook, in order (listed in the module documentation).

    Parameters are those of :func:`index_workbook_bytes`.
    """
    lang = check_option("lang", info.lang if lang is None else lang, LANGUAGES)
    labels = dict(labels or {})
    fields = _fields(uncertainty, sensitivity, lang)
    title = info.title or INDEX_WORDS[lang]["index"]
    thirds = uncertainty.settings["top"] == default_top(len(uncertainty.league))
    groups = [c for c in tables["domain_scores"].columns if c not in ("rank", "region")]
    third_names = {k: INDEX_HEADERS[lang][k] for k in ("top", "middle", "bottom")}
    out = []
    for table in _TABLES:
        if table not in tables:
            continue
        frame = tables[table]
        name, description = INDEX_SHEETS[lang][table]
        formats = {**_FORMATS, **_TABLE_FORMATS.get(table, {}),
                   **{g: "0.0" for g in groups if table == "domain_scores"}}
        if table == "pairwise_probability":
            formats.update({c: "0.00" for c in frame.columns})
        out.append(FrameSheet(
            name,
            frame,
            title=f"{title}: {name}",
            description=description.format(**fields),
            headers=_headers(table, frame, fields, lang, labels, thirds),
            formats=formats,
            values=_values(table, third_names, labels),
            fills=_fills(table, frame, uncertainty),
            key_columns=_KEY_COLUMNS[table],
        ))
    metadata, about = INDEX_SHEETS[lang]["metadata"]
    listed = [(sheet.name, sheet.description) for sheet in out] + [(metadata, about)]
    return [_explanation(listed, fields, lang, sensitivity is not None, title), *out]


def index_workbook_bytes(
    tables: Mapping[str, pd.DataFrame],
    *,
    info: BuildInfo,
    uncertainty: IndexUncertainty,
    sensitivity: SensitivityResult | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str | None = None,
) -> bytes:
    """The workbook as bytes (sheets listed in the module documentation).

    Parameters
    ----------
    tables : mapping
        From :func:`index_tables`.
    info : BuildInfo
        Build facts: the metadata sheet and the document's title and dates.
    uncertainty : IndexUncertainty
        Settings shown in the sheet descriptions and headers; the pairwise significance
        shading.
    sensitivity : SensitivityResult, optional
    labels : mapping, optional
        Group id -> label, the headers of the domain scores.
    lang : {"en", "ru", "kk"}, optional
        Language of the sheet names, headers, descriptions, explanation and metadata;
        default ``info.lang``. Region names and labels from the spec are shown as given.

    Returns
    -------
    bytes
        The same bytes for the same arguments and package versions.
    """
    lang = check_option("lang", info.lang if lang is None else lang, LANGUAGES)
    sheets = index_sheets(tables, info=info, uncertainty=uncertainty, sensitivity=sensitivity,
                          labels=labels, lang=lang)
    title = info.title or INDEX_WORDS[lang]["index"]
    return frames_workbook_bytes(sheets, info=info, lang=lang, title=title)


# ---------------------------------------------------------------------- charts
def _figure(width: float, height: float):
    """A matplotlib Figure on the Agg canvas (no pyplot, no global figure state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    return buffer.getvalue()


_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "svg.hashsalt": "mics_toolkit",
    "path.simplify": True,
}


def league_chart_png(uncertainty: IndexUncertainty, *, title: str | None = None,
                     lang: str = "en") -> bytes:
    """The league table as a PNG chart.

    Regions in nominal rank order from the top; a dot at the score and a whisker over its
    confidence interval, coloured and shaded by third (top, middle, bottom of the nominal
    ranks, :data:`THIRD_COLOURS`); the rank interval printed at the right.

    Parameters
    ----------
    uncertainty : IndexUncertainty
    title : str, optional
        Default: the index name.
    lang : {"en", "ru", "kk"}
        Language of the axis label, legend and engine name.

    Returns
    -------
    bytes
        A PNG image, the same bytes for the same inputs and matplotlib version.
    """
    import matplotlib
    from matplotlib.patches import Patch

    words = INDEX_WORDS[check_option("lang", lang, LANGUAGES)]
    league = uncertainty.league
    s = uncertainty.settings
    n = len(league)
    with matplotlib.rc_context(_STYLE):
        figure = _figure(8.0, 1.6 + 0.3 * n)
        axes = figure.add_subplot(1, 1, 1)
        y = np.arange(n)
        for i, third in enumerate(league["third"].tolist()):
            colour = THIRD_COLOURS.get(third)
            if colour is not None:
                axes.axhspan(i - 0.5, i + 0.5, color=colour, alpha=0.10, linewidth=0)
        for third, colour in THIRD_COLOURS.items():
            rows = (league["third"] == third).to_numpy()
            if not rows.any():
                continue
            axes.hlines(y[rows], league["ci_lower"].to_numpy()[rows],
                        league["ci_upper"].to_numpy()[rows], colors=colour, linewidth=2.4)
            axes.plot(league["estimate"].to_numpy()[rows], y[rows], "o", color=colour,
                      markeredgecolor="white", markersize=6)
        names = [f"{'' if np.isnan(r) else int(r)}. {region}"
                 for r, region in zip(league["rank"], league["region"], strict=True)]
        axes.set_yticks(y, names)
        axes.set_ylim(n - 0.5, -0.5)
        axes.grid(axis="x", linestyle=":", linewidth=0.6, color="#999999")
        axes.set_axisbelow(True)
        axes.set_xlabel(words["score_axis"].format(level=f"{s['level']:.0%}"))
        transform = axes.get_yaxis_transform()
        axes.text(1.02, -0.9, words["rank_interval"].format(rank_level=f"{s['rank_level']:.0%}"),
                  transform=transform, ha="left", va="bottom", fontsize=8)
        for i, (low, high) in enumerate(zip(league["rank_lower"], league["rank_upper"],
                                            strict=True)):
            if not (np.isnan(low) or np.isnan(high)):
                axes.text(1.02, i, f"{int(low)}-{int(high)}", transform=transform,
                          ha="left", va="center", fontsize=8)
        engine = words.get(s["engine"], s["engine"])
        replicates = words["replicates"].format(engine=engine, replicates=s["replicates"])
        axes.set_title(f"{title or s.get('name') or s['root']}\n{replicates}", loc="left")
        handles = [Patch(color=c, label=words["third"].format(third=words[k]))
                   for k, c in THIRD_COLOURS.items()]
        axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.6 / n - 0.04),
                    ncol=3, fontsize=8, frameon=False)
        height = 1.6 + 0.3 * n
        figure.subplots_adjust(left=0.32, right=0.86, top=1 - 0.75 / height,
                               bottom=0.85 / height)
        return _png(figure)


def domain_heatmap_png(
    tables: Mapping[str, pd.DataFrame],
    domains: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    lang: str = "en",
) -> bytes:
    """Heat map of domain scores by region, regions in index rank order.

    Parameters
    ----------
    tables : mapping
        From :func:`index_tables` (``domain_scores``).
    domains : sequence of str
        The group columns shown, left to right (the domains: the groups under the index).
    labels : mapping, optional
        Group id -> label for the column headings.
    title : str, optional
    lang : {"en", "ru", "kk"}
        Language of the colour bar's label and of the default title.

    Returns
    -------
    bytes
        A PNG image, the same bytes for the same inputs and matplotlib version.
    """
    import matplotlib

    words = INDEX_WORDS[check_option("lang", lang, LANGUAGES)]
    labels = dict(labels or {})
    frame = tables["domain_scores"]
    values = frame[list(domains)].to_numpy(dtype=np.float64)
    n_r, n_d = values.shape
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    with matplotlib.rc_context(_STYLE):
        height = 1.8 + 0.3 * n_r
        figure = _figure(max(5.0, 3.2 + 1.3 * n_d), height)
        axes = figure.add_subplot(1, 1, 1)
        colours = matplotlib.colormaps["RdYlGn"].with_extremes(bad="#dddddd")
        image = axes.imshow(np.ma.masked_invalid(values), cmap=colours, vmin=low, vmax=high,
                            aspect="auto", interpolation="nearest")
        for i in range(n_r):
            for j in range(n_d):
                if np.isfinite(values[i, j]):
                    share = (values[i, j] - low) / (high - low)
                    axes.text(j, i, f"{values[i, j]:.1f}", ha="center", va="center",
                              fontsize=8, color="white" if share < 0.15 or share > 0.85
                              else "black")
        names = [f"{'' if np.isnan(r) else int(r)}. {region}"
                 for r, region in zip(frame["rank"], frame["region"], strict=True)]
        axes.set_yticks(np.arange(n_r), names)
        axes.set_xticks(np.arange(n_d), [labels.get(d, d) for d in domains], rotation=25,
                        ha="right")
        axes.tick_params(length=0)
        figure.colorbar(image, ax=axes, fraction=0.05, pad=0.02, label=words["score"])
        axes.set_title(title or words["domain_title_alone"], loc="left")
        figure.subplots_adjust(left=0.3, right=0.9, top=1 - 0.5 / height,
                               bottom=1.2 / height)
        return _png(figure)


# ---------------------------------------------------------------------- all outputs
def _domains(result: IndexResult) -> list[str]:
    framework = result.framework
    root = result.settings["root"]
    rows = framework[(framework["kind"] == "group") & (framework["parent"] == root)]
    return list(rows["node"]) or [root]


def index_outputs(
    result: IndexResult,
    uncertainty: IndexUncertainty,
    data: IndexData,
    sensitivity: SensitivityResult | None = None,
    *,
    info: BuildInfo,
    labels: Mapping[str, str] | None = None,
    charts: bool = True,
    csv: bool = True,
    lang: str | None = None,
) -> dict[str, bytes]:
    """Every output of an index run, rendered in memory.

    Parameters
    ----------
    result, uncertainty, data, sensitivity
        As :func:`index_tables`.
    info : BuildInfo
        Build facts (build date, title, inputs). The settings of the uncertainty engine and
        of the sensitivity analysis are added to its conventions, and the matplotlib
        version to its versions when charts are drawn.
    labels : mapping, optional
        Node id -> label (framework table, heat map columns).
    charts : bool
        Draw ``league.png`` and ``domains.png`` (needs matplotlib).
    csv : bool
        Write one CSV file per table.
    lang : {"en", "ru", "kk"}, optional
        Language of the workbook (sheet names, headers, descriptions, explanation,
        metadata) and of the charts' texts; default ``info.lang``. It is recorded as the
        build's language in the metadata and the manifest. The CSV files keep the column
        names and values of the tables in every language.

    Returns
    -------
    dict of str to bytes
        File name -> content: ``index.xlsx``, the CSV files, the PNG files, then
        ``manifest.json`` (with the SHA-256 of the others).

    Raises
    ------
    OutputError
        ``charts=True`` without matplotlib.
    """
    lang = check_option("lang", info.lang if lang is None else lang, LANGUAGES)
    labels = dict(labels or {})
    conventions = dict(info.conventions)
    conventions.update({f"uncertainty.{k}": str(v) for k, v in uncertainty.settings.items()
                        if k not in ("name", "root")})
    if sensitivity is not None:
        conventions.update({f"sensitivity.{k}": ", ".join(map(str, v))
                            if isinstance(v, (list, tuple)) else str(v)
                            for k, v in sensitivity.settings.items() if k not in ("root",)})
    versions = dict(info.versions)
    if charts:
        try:
            versions["matplotlib"] = importlib.metadata.version("matplotlib")
        except importlib.metadata.PackageNotFoundError as error:
            raise OutputError(
                "cannot draw the index charts: they need matplotlib (pip install matplotlib), "
                "or leave the charts out",
                path="league.png",
            ) from error
    info = dataclasses.replace(info, conventions=conventions, versions=versions, lang=lang)
    tables = index_tables(result, uncertainty, data, sensitivity, labels=labels)
    outputs: dict[str, bytes] = {
        INDEX_WORKBOOK: index_workbook_bytes(tables, info=info, uncertainty=uncertainty,
                                             sensitivity=sensitivity, labels=labels),
    }
    if csv:
        for name, frame in tables.items():
            outputs[f"{name}.csv"] = table_csv_bytes(frame)
    if charts:
        title = info.title or None
        heading = INDEX_WORDS[lang]["domain_title"]
        outputs["league.png"] = league_chart_png(uncertainty, title=title, lang=lang)
        outputs["domains.png"] = domain_heatmap_png(
            tables, _domains(result), labels=labels,
            title=f"{title}: {heading}" if title else heading, lang=lang,
        )
    outputs[MANIFEST_NAME] = manifest_bytes(info, outputs)
    return outputs


def write_index_outputs(
    folder: str | os.PathLike[str],
    result: IndexResult,
    uncertainty: IndexUncertainty,
    data: IndexData,
    sensitivity: SensitivityResult | None = None,
    *,
    info: BuildInfo,
    labels: Mapping[str, str] | None = None,
    charts: bool = True,
    csv: bool = True,
    lang: str | None = None,
) -> dict[str, Path]:
    """Write the outputs of :func:`index_outputs` into ``folder``, replacing its content as a
    unit (:mod:`mics_toolkit.report.output_folder`).

    The folder is checked (not a file, holding no file that no build wrote), every output
    rendered, then written into a staging folder beside it that is swapped in. The
    parameters are those of :func:`index_outputs` (``lang`` included).

    Returns
    -------
    dict of str to pathlib.Path
        File name -> path, in writing order.

    Raises
    ------
    OutputError
        ``folder`` is a file or cannot be created, holds files that no build wrote, or a
        file cannot be written; the folder is then as it was.

    Examples
    --------
    >>> paths = write_index_outputs("build/index", result, uncertainty, data,
    ...                             info=BuildInfo(build_date="2024-09-15"))  # doctest: +SKIP
    >>> sorted(paths)[:3]  # doctest: +SKIP
    ['domain_scores.csv', 'domains.png', 'framework.csv']
    """
    target = check_output_folder(folder, {})
    outputs = index_outputs(result, uncertainty, data, sensitivity, info=info, labels=labels,
                            charts=charts, csv=csv, lang=lang)
    return {f.name: f.path for f in target.write(outputs)}
