"""Outputs of a composite index: an Excel workbook, CSV tables, PNG charts and ``manifest.json``.

:func:`index_tables` collects the tables of an index run (the nominal
:class:`~mics_toolkit.index.IndexResult`, its :class:`~mics_toolkit.index.IndexUncertainty`
and optionally a :class:`~mics_toolkit.index.SensitivityResult`) under fixed names;
:func:`index_outputs` renders them in memory as

- ``index.xlsx``: sheets ``league`` (the league table with score and rank intervals and
  the chances of being in the top or bottom third), ``domains`` (region x domain scores),
  ``scores`` (every group's score with its interval), ``ranks``, ``pairwise`` (probability
  that the row region scores above the column region, significant pairs shaded),
  ``indicators`` (values, SEs and normalised values), ``framework``, ``sensitivity`` and
  ``sobol`` (when a sensitivity analysis was run) and ``metadata``;
- one CSV file per table (``league.csv``, ``scores.csv`` ...), full precision;
- ``league.png`` (scores with their intervals, regions in rank order, shaded by thirds) and
  ``domains.png`` (heat map of domain scores by region);
- ``manifest.json`` (build facts and the SHA-256 of every output);

and :func:`write_index_outputs` writes them atomically into a folder. Every output is the
same bytes on a rebuild: no clock values (the workbook's dates are the build date, zip
entries carry 1980-01-01), fixed PNG metadata, sorted JSON keys.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import io
import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from mics_toolkit.errors import OutputError
from mics_toolkit.index import IndexData, IndexResult, IndexUncertainty, SensitivityResult
from mics_toolkit.io import check_output_path, write_atomically
from mics_toolkit.report.excel import normalise_zip
from mics_toolkit.report.manifest import BuildInfo, manifest_bytes

__all__ = [
    "HEADER_ROW",
    "INDEX_MANIFEST",
    "INDEX_WORKBOOK",
    "THIRD_COLOURS",
    "domain_heatmap_png",
    "index_outputs",
    "index_tables",
    "index_workbook_bytes",
    "league_chart_png",
    "write_index_outputs",
]

INDEX_WORKBOOK = "index.xlsx"
INDEX_MANIFEST = "manifest.json"
HEADER_ROW = 4
"""Header row of every table sheet (row 1 title, row 2 description, row 3 empty)."""

THIRD_COLOURS: dict[str, str] = {"top": "#1a9850", "middle": "#e6a100", "bottom": "#d73027"}
"""Colours of the thirds of the league table (charts and workbook)."""

_SHEETS: tuple[tuple[str, str, str], ...] = (
    # (table, sheet, description)
    ("league", "league", "League table: nominal rank and score, {level} score interval, "
     "median rank and {rank_level} rank interval, probability of being in the top or bottom "
     "{top} regions ({engine}, {replicates} replicates)."),
    ("domain_scores", "domains", "Score of the index and of each domain by region, regions "
     "in rank order."),
    ("scores", "scores", "Score of every group (index, domains, sub-domains) by region with "
     "its SE and {level} interval."),
    ("ranks", "ranks", "Rank of every group by region: nominal, median, {rank_level} interval, "
     "probability of the top or bottom {top}."),
    ("pairwise_probability", "pairwise", "Probability that the row region's index scores "
     "above the column region's; shaded when the difference is significant at {level} (green: "
     "row above, red: row below)."),
    ("indicators", "indicators", "Indicator values by region as used (survey estimates are "
     "fractions or means), their SE, the normalised value and the missing/imputed flags."),
    ("framework", "framework", "The framework: nodes, parents, weights (also rescaled within "
     "the group) and methods."),
    ("sensitivity_ranks", "sensitivity", "Sensitivity analysis ({method}, {runs} runs): rank "
     "statistics per region over the methodological alternatives and sampling error."),
    ("sensitivity_sobol", "sobol", "First-order and total Sobol indices of the mean absolute "
     "rank shift, per source of uncertainty."),
)

_FORMATS: dict[str, str] = {
    "estimate": "0.0", "se": "0.00", "ci_lower": "0.0", "ci_upper": "0.0", "score": "0.0",
    "rank": "0", "median_rank": "0.0", "rank_lower": "0", "rank_upper": "0", "p_top": "0.00",
    "p_bottom": "0.00", "normalised": "0.0", "weight": "0.###", "weight_in_group": "0.000",
    "first_order": "0.000", "total": "0.000", "first_order_lower": "0.000",
    "first_order_upper": "0.000", "total_lower": "0.000", "total_upper": "0.000",
    "mean_rank": "0.0", "mean_shift": "0.00", "max_shift": "0", "value": "0.0000",
    "level": "0", "direction": "0",
}
_SHEET_FORMATS: dict[str, dict[str, str]] = {
    "sensitivity": {"rank_lower": "0.0", "rank_upper": "0.0"},
}
_FORMULA_STARTS = ("=", "+", "-", "@")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=12)
_NOTE = Font(italic=True)
_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
_THIRD_FILLS = {k: PatternFill("solid", start_color=c)
                for k, c in (("top", "D9F0D3"), ("middle", "FFF2CC"), ("bottom", "F8D7D3"))}
_ABOVE_FILL = PatternFill("solid", start_color="D9F0D3")
_BELOW_FILL = PatternFill("solid", start_color="F8D7D3")


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


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV, ``\\n`` line ends, header, no index, shortest round-trip floats, NaN empty."""
    return frame.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


# ---------------------------------------------------------------------- workbook
def _words(uncertainty: IndexUncertainty, sensitivity: SensitivityResult | None) -> dict:
    s = uncertainty.settings
    words = {
        "level": f"{s['level']:.0%}",
        "rank_level": f"{s['rank_level']:.0%}",
        "top": s["top"],
        "engine": {"bootstrap": "design bootstrap", "montecarlo": "Monte Carlo",
                   "delta": "delta method"}.get(s["engine"], s["engine"]),
        "replicates": s["replicates"],
        "method": "",
        "runs": "",
    }
    if sensitivity is not None:
        words["method"] = sensitivity.settings.get("method", "")
        words["runs"] = sensitivity.settings.get("n_runs", "")
    return words


def _put(cell, value: Any, number_format: str | None = None) -> None:
    """A cell holding ``value``: numbers as numbers (NaN empty), text never a formula."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        cell.value = None
        return
    if isinstance(value, (bool, np.bool_)):
        cell.value = bool(value)
        return
    if isinstance(value, (int, np.integer, float, np.floating)):
        cell.value = float(value) if isinstance(value, (float, np.floating)) else int(value)
        if number_format is not None:
            cell.number_format = number_format
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"
    if text[0] in _FORMULA_STARTS:
        cell.quotePrefix = True


def _write_frame(sheet, frame: pd.DataFrame, title: str, note: str, formats: Mapping[str, str],
                 score_columns: Sequence[str] = ()) -> None:
    sheet["A1"] = title
    sheet["A1"].font = _TITLE
    _put(sheet["A2"], note)
    sheet["A2"].font = _NOTE
    columns = [str(c) for c in frame.columns]
    for j, name in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=j)
        _put(cell, name)
        cell.font = _BOLD
        cell.alignment = _WRAP
    for j, name in enumerate(columns, start=1):
        number_format = formats.get(name, "0.0" if name in score_columns else None)
        values = frame.iloc[:, j - 1].tolist()
        for i, value in enumerate(values, start=HEADER_ROW + 1):
            _put(sheet.cell(row=i, column=j), value, number_format)
        width = max([len(name)] + [len(str(v)) for v in values[:200]] + [6])
        sheet.column_dimensions[get_column_letter(j)].width = min(width + 2, 40)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=2)


def index_workbook_bytes(
    tables: Mapping[str, pd.DataFrame],
    *,
    info: BuildInfo,
    uncertainty: IndexUncertainty,
    sensitivity: SensitivityResult | None = None,
) -> bytes:
    """The workbook as bytes (sheets listed in the module documentation).

    Parameters
    ----------
    tables : mapping
        From :func:`index_tables`.
    info : BuildInfo
        Build facts: the metadata sheet and the document's title and dates.
    uncertainty : IndexUncertainty
        Settings shown in the sheet descriptions; the pairwise significance shading.
    sensitivity : SensitivityResult, optional

    Returns
    -------
    bytes
        The same bytes for the same arguments and package versions.
    """
    words = _words(uncertainty, sensitivity)
    title = info.title or "Composite index"
    workbook = Workbook()
    workbook.remove(workbook.active)
    groups = [c for c in tables["domain_scores"].columns if c not in ("rank", "region")]
    for table, sheet_name, description in _SHEETS:
        if table not in tables:
            continue
        sheet = workbook.create_sheet(sheet_name)
        formats = {**_FORMATS, **_SHEET_FORMATS.get(sheet_name, {})}
        if table == "pairwise_probability":
            formats = {**formats, **{str(c): "0.00" for c in tables[table].columns}}
        _write_frame(sheet, tables[table], f"{title}: {sheet_name}",
                     description.format(**words), formats, score_columns=groups)
        if table == "league":
            _shade_thirds(sheet, tables[table])
        elif table == "pairwise_probability":
            _shade_pairs(sheet, uncertainty.pairwise, uncertainty.pairwise_probability)
    _write_metadata(workbook.create_sheet("metadata"), info, title)

    moment = info.build_datetime
    properties = workbook.properties
    properties.created = moment
    properties.modified = moment
    properties.creator = "mics_toolkit"
    properties.lastModifiedBy = None
    properties.title = title
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(workbook, archive).save()  # openpyxl's save_workbook would stamp the clock
    return normalise_zip(raw.getvalue())


def _shade_thirds(sheet, league: pd.DataFrame) -> None:
    columns = list(league.columns)
    for i, third in enumerate(league["third"].tolist(), start=HEADER_ROW + 1):
        fill = _THIRD_FILLS.get(third)
        if fill is None:
            continue
        for j in range(1, len(columns) + 1):
            sheet.cell(row=i, column=j).fill = fill


def _shade_pairs(sheet, different: pd.DataFrame, probability: pd.DataFrame) -> None:
    flags = different.to_numpy(dtype=bool)
    above = probability.to_numpy(dtype=np.float64) > 0.5
    for r in range(flags.shape[0]):
        for c in range(flags.shape[1]):
            if flags[r, c]:
                cell = sheet.cell(row=HEADER_ROW + 1 + r, column=2 + c)
                cell.fill = _ABOVE_FILL if above[r, c] else _BELOW_FILL


def _write_metadata(sheet, info: BuildInfo, title: str) -> None:
    sheet["A1"] = f"{title}: metadata"
    sheet["A1"].font = _TITLE
    _put(sheet["A2"], "How the outputs were made: build facts, data, conventions, inputs "
         "(SHA-256) and package versions.")
    sheet["A2"].font = _NOTE
    for j, name in enumerate(("section", "item", "value"), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=j)
        cell.value = name
        cell.font = _BOLD
    rows = info.metadata_rows()
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for j, value in enumerate(row, start=1):
            _put(sheet.cell(row=i, column=j), value)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = max([len(r[1]) for r in rows] + [10]) + 2
    sheet.column_dimensions["C"].width = 70


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


def league_chart_png(uncertainty: IndexUncertainty, *, title: str | None = None) -> bytes:
    """The league table as a PNG chart.

    Regions in nominal rank order from the top; a dot at the score and a whisker over its
    confidence interval, coloured and shaded by third (top, middle, bottom of the nominal
    ranks, :data:`THIRD_COLOURS`); the rank interval printed at the right.

    Parameters
    ----------
    uncertainty : IndexUncertainty
    title : str, optional
        Default: the index name.

    Returns
    -------
    bytes
        A PNG image, the same bytes for the same inputs and matplotlib version.
    """
    import matplotlib
    from matplotlib.patches import Patch

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
        axes.set_xlabel(f"score with {s['level']:.0%} interval")
        transform = axes.get_yaxis_transform()
        axes.text(1.02, -0.9, f"{s['rank_level']:.0%} rank\ninterval", transform=transform,
                  ha="left", va="bottom", fontsize=8)
        for i, (low, high) in enumerate(zip(league["rank_lower"], league["rank_upper"],
                                            strict=True)):
            if not (np.isnan(low) or np.isnan(high)):
                axes.text(1.02, i, f"{int(low)}-{int(high)}", transform=transform,
                          ha="left", va="center", fontsize=8)
        engine = {"bootstrap": "design bootstrap", "montecarlo": "Monte Carlo",
                  "delta": "delta method"}.get(s["engine"], s["engine"])
        axes.set_title(f"{title or s.get('name') or s['root']}\n"
                       f"{engine}, {s['replicates']} replicates", loc="left")
        handles = [Patch(color=c, label=f"{k} third") for k, c in THIRD_COLOURS.items()]
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

    Returns
    -------
    bytes
        A PNG image, the same bytes for the same inputs and matplotlib version.
    """
    import matplotlib

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
        figure.colorbar(image, ax=axes, fraction=0.05, pad=0.02, label="score")
        axes.set_title(title or "Domain scores by region", loc="left")
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
    info = dataclasses.replace(info, conventions=conventions, versions=versions)
    tables = index_tables(result, uncertainty, data, sensitivity, labels=labels)
    outputs: dict[str, bytes] = {
        INDEX_WORKBOOK: index_workbook_bytes(tables, info=info, uncertainty=uncertainty,
                                             sensitivity=sensitivity),
    }
    if csv:
        for name, frame in tables.items():
            outputs[f"{name}.csv"] = _csv_bytes(frame)
    if charts:
        title = info.title or None
        outputs["league.png"] = league_chart_png(uncertainty, title=title)
        outputs["domains.png"] = domain_heatmap_png(
            tables, _domains(result), labels=labels,
            title=f"{title + ': ' if title else ''}domain scores by region",
        )
    outputs[INDEX_MANIFEST] = manifest_bytes(info, outputs)
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
) -> dict[str, Path]:
    """Write the outputs of :func:`index_outputs` into ``folder`` (created if missing).

    Every output is rendered first, every destination checked, then each file is written
    atomically (temporary file beside it, then rename), ``manifest.json`` last.

    Returns
    -------
    dict of str to pathlib.Path
        File name -> path, in writing order.

    Raises
    ------
    OutputError
        ``folder`` is a file or cannot be created, or a destination cannot be written.

    Examples
    --------
    >>> paths = write_index_outputs("build/index", result, uncertainty, data,
    ...                             info=BuildInfo(build_date="2024-09-15"))  # doctest: +SKIP
    >>> sorted(paths)[:3]  # doctest: +SKIP
    ['domain_scores.csv', 'domains.png', 'framework.csv']
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write the index outputs into {folder}: it is a file; give "
                          "a folder", path=str(folder))
    outputs = index_outputs(result, uncertainty, data, sensitivity, info=info, labels=labels,
                            charts=charts, csv=csv)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the folder {folder}: {error.strerror or error}",
                          path=str(folder)) from error
    for name in outputs:
        check_output_path(folder / name)
    written = {}
    for name, content in outputs.items():
        written[name] = write_atomically(
            folder / name,
            lambda temporary, content=content: Path(temporary).write_bytes(content),
            errors=(OSError,),
        )
    return written
