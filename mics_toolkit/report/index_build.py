"""The index build: from an index spec file to a folder of outputs, as one library call.

:func:`build_index_report` (``mt.build_index_report``, behind ``mics index``) loads an index
spec file (:func:`~mics_toolkit.index.yaml_spec.load_index_spec`), checks the output folder
before any work (:func:`~mics_toolkit.report.output_folder.check_output_folder`: no input of
the build inside it, such as the objective table, and no file in it that no build wrote),
computes the survey indicators by region and links the objective table
(:func:`~mics_toolkit.index.yaml_spec.load_index_data`), compiles the index pipeline once
(:func:`~mics_toolkit.index.build_index`), draws the replicates of the uncertainty engine once
(:func:`~mics_toolkit.index.assess_uncertainty`) and lets the sensitivity analysis reuse them
(:func:`~mics_toolkit.index.sensitivity_analysis` with ``draw=``), renders the workbook, the
CSV tables, the charts and ``manifest.json`` in the build's language
(:func:`~mics_toolkit.report.index_outputs.index_outputs`) and replaces the folder's content
with them as a unit. It returns a frozen :class:`IndexBuild`: the files written (name, path,
size, SHA-256), the manifest and the results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mics_toolkit.errors import check_option
from mics_toolkit.index import (
    IndexResult,
    IndexUncertainty,
    SensitivityResult,
    assess_uncertainty,
    build_index,
    sensitivity_analysis,
)
from mics_toolkit.index.uncertainty import settings_with
from mics_toolkit.index.yaml_spec import IndexFile, IndexInputs, load_index_data, load_index_spec
from mics_toolkit.report.build import Progress, StageClock
from mics_toolkit.report.index_outputs import index_outputs
from mics_toolkit.report.manifest import MANIFEST_NAME, BuildInfo, file_sha256
from mics_toolkit.report.output_folder import OutputFile, check_output_folder
from mics_toolkit.specfile import LANGUAGES

__all__ = ["IndexBuild", "build_index_report", "index_inputs"]


@dataclass(frozen=True)
class IndexBuild:
    """What :func:`build_index_report` did.

    Attributes
    ----------
    files : tuple of OutputFile
        The files written (name, path, size, SHA-256), ``manifest.json`` last.
    manifest : dict
        The content of ``manifest.json``.
    result : IndexResult
        The nominal index.
    uncertainty : IndexUncertainty
        Score and rank intervals (``uncertainty.summary()`` is the league table as text).
    sensitivity : SensitivityResult or None
        None when the spec lists no sensitivity sources or ``sensitivity=False``.
    timings : dict of str to float
        Seconds per stage: ``open``, ``data``, ``index``, ``uncertainty``, ``sensitivity``,
        ``write``, ``total`` (wall time; never written into an output).
    """

    files: tuple[OutputFile, ...]
    manifest: dict[str, Any] = field(repr=False)
    result: IndexResult = field(repr=False)
    uncertainty: IndexUncertainty = field(repr=False)
    sensitivity: SensitivityResult | None = field(default=None, repr=False)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, Path]:
        """Output name -> path, in writing order (``manifest.json`` last)."""
        return {f.name: f.path for f in self.files}


def index_inputs(index_file: IndexFile, survey: str | os.PathLike[str] | None = None
                 ) -> dict[str, Path]:
    """What a build of ``index_file`` reads, for the check of its output folder: the spec,
    the survey folder (``survey`` replacing the file's) and its configuration when the index
    has survey indicators, the indicator files and the objective table."""
    data = index_file.data
    inputs: dict[str, Path] = {"index spec": Path(index_file.path)}
    if index_file.catalogue:
        folder = survey if survey is not None else data.survey
        if folder is not None:
            inputs["survey folder"] = Path(folder)
        if data.config is not None:
            inputs["survey configuration"] = data.config
        for source in sorted({e.source for e in index_file.catalogue.values() if e.source}):
            inputs[f"indicator file {Path(source).name}"] = Path(source)
    if data.objective is not None:
        inputs["objective table"] = data.objective.file
    return inputs


def build_index_report(
    spec: IndexFile | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    survey: str | os.PathLike[str] | None = None,
    engine: str | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    sensitivity: bool = True,
    charts: bool = True,
    lang: str = "en",
    progress: Progress | None = None,
) -> IndexBuild:
    """Build the index of an index spec file into folder ``out``.

    Parameters
    ----------
    spec : IndexFile or path
        The index spec file (a path is loaded with
        :func:`~mics_toolkit.index.yaml_spec.load_index_spec`).
    out : path
        Output folder (created if missing): ``index.xlsx``, one CSV file per table,
        ``league.png``, ``domains.png`` and ``manifest.json``.
    survey : path, optional
        Survey folder replacing the file's ``data.survey``.
    engine : {"bootstrap", "montecarlo", "delta"}, optional
        Uncertainty engine (default the spec's).
    replicates : int, optional
        Replicates or draws (default the spec's).
    seed : int, optional
        Random seed (default the spec's; without one, fresh entropy recorded in the outputs).
    sensitivity : bool
        Run the sensitivity analysis the spec lists (default True).
    charts : bool
        Draw the PNG charts (needs matplotlib).
    lang : {"en", "ru", "kk"}
        Language of the workbook and charts.
    progress : callable, optional
        ``progress(done, total, message)``; ``message`` starts with the stage (``survey``,
        the engine's name, ``sensitivity``, ``write``); ``total`` is fixed within a stage.

    Returns
    -------
    IndexBuild

    Raises
    ------
    OptionError
        Before the survey is read: ``engine``, ``replicates`` or ``seed`` out of range.
    SpecError, ReadError, VariableError, LinkError, WeightError, DesignError
        From the spec (``file:line`` and the key), the survey, the objective table, methods.
    OutputError
        Before any work: ``out`` is a file or not writable, an input of the build (the spec,
        the survey folder or a file in it, an indicator file, the objective table) lies
        inside ``out`` (real paths compared), or ``out`` holds files that no build wrote or
        that changed since (named). At the end: a file cannot be written. The folder is then
        as it was: the outputs replace its content as a unit, so a failed or interrupted
        build leaves the previous build intact and consistent with its manifest.

    Notes
    -----
    The pipeline is compiled once (``IndexResult.pipeline``), the replicates of a simulation
    engine drawn once: the sensitivity analysis reuses them (``IndexUncertainty.draw``) and
    continues the random stream (the numbers of drawing them again from the same seed).

    Examples
    --------
    >>> build = mt.build_index_report("examples/kz_mics/index.yaml", "build/index")  # doctest: +SKIP
    >>> print(build.uncertainty.summary())  # doctest: +SKIP
    """
    clock = StageClock()
    index_file = spec if isinstance(spec, IndexFile) else load_index_spec(spec)
    lang = check_option("lang", lang, LANGUAGES)
    folder = check_output_folder(out, index_inputs(index_file, survey))
    _check_options(index_file, engine, replicates, seed)
    lap = clock.lap
    lap("open")
    inputs = load_index_data(index_file, survey=survey, progress=_stage(progress, "survey"))
    lap("data")
    result = build_index(index_file.spec, inputs.data)
    lap("index")
    uncertainty = assess_uncertainty(
        index_file.spec, inputs.data, engine=engine, replicates=replicates, seed=seed,
        progress=_stage(progress, engine or index_file.spec.uncertainty.engine),
        pipeline=result.pipeline,
    )
    lap("uncertainty")
    analysis = None
    if index_file.spec.sensitivity and sensitivity:
        analysis = _sensitivity(index_file, inputs, result, uncertainty, replicates, progress)
    lap("sensitivity")
    outputs = index_outputs(result, uncertainty, inputs.data, analysis,
                            info=_build_info(index_file, inputs, lang), labels=_labels(index_file),
                            charts=charts, lang=lang)
    files = folder.write(outputs)
    if progress is not None:
        progress(1, 1, "write")
    lap("write")
    return IndexBuild(files=files, manifest=json.loads(outputs[MANIFEST_NAME]), result=result,
                      uncertainty=uncertainty, sensitivity=analysis, timings=clock.stop())


def _stage(progress: Progress | None, label: str) -> Callable[..., None] | None:
    """A library stage's callback ``(done, total, *message)`` forwarded as
    ``progress(done, total, "label: message")``."""
    if progress is None:
        return None

    def update(done: int, total: int, *message: str) -> None:
        progress(done, total, ": ".join([label, *message]))

    return update


def _check_options(index_file: IndexFile, engine, replicates, seed) -> None:
    """The options replacing the spec's, checked before the survey is read and estimated."""
    settings_with(index_file.spec, engine=engine, replicates=replicates,
                  seed=None if isinstance(seed, np.random.Generator) else seed)


def _sensitivity(index_file: IndexFile, inputs: IndexInputs, result: IndexResult,
                 uncertainty: IndexUncertainty, replicates: int | None,
                 progress: Progress | None) -> SensitivityResult:
    """The spec's sensitivity analysis, reusing the uncertainty run's replicates (or, after
    the delta engine, which draws none, drawing them with the spec's engine)."""
    common = {
        "n": index_file.sensitivity_n,
        "method": index_file.sensitivity_method,
        "n_boot": index_file.sensitivity_n_boot,
        "progress": _stage(progress, "sensitivity"),
        "pipeline": result.pipeline,
    }
    if uncertainty.draw is not None:
        return sensitivity_analysis(index_file.spec, inputs.data, draw=uncertainty.draw,
                                    **common)
    return sensitivity_analysis(index_file.spec, inputs.data, seed=uncertainty.settings["seed"],
                                replicates=replicates, **common)


def _build_info(index_file: IndexFile, inputs: IndexInputs, lang: str) -> BuildInfo:
    """The build facts: date, title, spec hash, inputs with their SHA-256, design."""
    spec = index_file.spec
    return BuildInfo(
        build_date=index_file.build_date,
        title=spec.name or spec.root,
        spec_hash=index_file.sha256,
        inputs={name: file_sha256(path) for name, path in sorted(inputs.files.items())},
        design=inputs.design,
        conventions={"lonely_psu": index_file.data.lonely_psu,
                     "region": index_file.data.region},
        lang=lang,
    )


def _labels(index_file: IndexFile) -> dict[str, str]:
    """Node id -> label, for the framework table and the charts."""
    spec = index_file.spec
    return {node.id: node.label for node in (*spec.groups, *spec.indicators) if node.label}
