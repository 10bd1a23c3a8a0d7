"""Indicator spec files: loading with line numbers, defaults, and every schema error naming
file, line and key; the catalogue: ids, duplicates, unknown ids with close suggestions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mics_toolkit.errors import ReadError, SpecError
from mics_toolkit.indicators import (
    INDICATOR_FIELDS,
    Catalogue,
    IndicatorSpec,
    load_catalogue,
    load_indicator_file,
    parse_indicators,
)
from mics_toolkit.specfile import load_spec

GOOD = """\
# women's indicators
defaults:
  file: wm
  breakdowns: [HH6, HH7]
indicators:
  - id: EQ.9b
    label: {en: Life satisfaction, ru: Удовлетворённость жизнью, kk: Өмірге қанағаттану}
    type: mean
    variable: LS2
    missing: exclude
  - id: EQ.10b
    mics: EQ.10b
    sdg: [3.4.1, 16.1.1]
    label:
      en: Happiness
      ru: Счастье
      kk: Бақыт
    type: percentage
    universe: WB4 <= 24
    numerator: LS1 in [1, 2]
    missing: in_denominator
    missing_codes: {LS1: [7]}
    weight: wmweight * 2
    breakdowns: [HH6]
    footnote: MICS indicator EQ.10b - Happiness
"""

LABEL = "label: {en: A, ru: Б, kk: Ә}"


def write(tmp_path: Path, text: str, name: str = "specs.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def indicator(body: str) -> str:
    """An indicator file with one indicator whose fields are ``body`` (one per line)."""
    lines = "\n".join(f"    {line}" for line in textwrap.dedent(body).strip().splitlines())
    return "indicators:\n  - id: X.1\n" + lines + "\n"


def spec_error(tmp_path: Path, text: str) -> SpecError:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load_indicator_file(path)
    return caught.value


def test_a_valid_file_loads_with_defaults_and_lines(tmp_path):
    path = write(tmp_path, GOOD)
    first, second = load_indicator_file(path)
    assert isinstance(first, IndicatorSpec)
    assert (first.id, first.file, first.files, first.type) == ("EQ.9b", "wm", ("wm",), "mean")
    assert first.breakdowns == ("HH6", "HH7")  # from defaults
    assert first.label == {"en": "Life satisfaction", "ru": "Удовлетворённость жизнью",
                           "kk": "Өмірге қанағаттану"}
    assert first.universe is None and first.weight is None
    assert second.sdg == ("3.4.1", "16.1.1")
    assert second.breakdowns == ("HH6",)  # the indicator's own
    assert second.missing_codes == {"LS1": (7,)}
    assert second.footnote == dict.fromkeys(("en", "ru", "kk"), "MICS indicator EQ.10b - Happiness")
    assert second.source == str(path)
    assert second.line == 11
    assert second.lines["numerator"] == 20
    assert second.lines["file"] == 3  # from the defaults
    assert second.variables() == {"WB4", "LS1", "wmweight", "HH6"}


def test_load_spec_keeps_lines_of_keys_and_items(tmp_path):
    document = load_spec(write(tmp_path, GOOD)).document
    assert document.lines["indicators"] == 5
    assert document["indicators"].lines == [6, 11]
    assert document["indicators"][1].lines["label"] == 14


def test_parse_indicators_accepts_plain_dicts():
    (spec,) = parse_indicators(
        {"indicators": [{"id": "A.1", "label": {"en": "a", "ru": "б", "kk": "ә"}, "file": "hh",
                         "type": "percentage", "numerator": "WS1 == 11",
                         "missing": "in_denominator"}]}
    )
    assert spec.id == "A.1" and spec.source is None


def test_every_field_is_documented():
    for field in INDICATOR_FIELDS.values():
        assert field.description


def test_unknown_field_names_file_line_key_and_a_close_name(tmp_path):
    text = indicator(f"""
        {LABEL}
        file: wm
        type: percentage
        numerater: LS1 == 1
        missing: exclude
    """)
    error = spec_error(tmp_path, text)
    assert error.line == 6
    assert error.key == "numerater"
    assert str(error).startswith(f"{tmp_path / 'specs.yaml'}:6: key 'numerater': unknown field")
    assert "did you mean numerator" in str(error)
    assert "(indicator X.1)" in str(error)


def test_missing_required_field(tmp_path):
    error = spec_error(tmp_path, indicator("file: wm\ntype: mean\nvariable: LS2\nmissing: exclude"))
    assert error.key == "label"
    assert error.line == 2
    assert "required field 'label' is missing" in str(error)


def test_labels_need_every_language(tmp_path):
    error = spec_error(tmp_path, indicator("""
        label: {en: A, ru: Б}
        file: wm
        type: mean
        variable: LS2
        missing: exclude
    """))
    assert (error.key, error.line) == ("label", 3)
    assert "'kk' is missing" in str(error)
    error = spec_error(tmp_path, indicator("""
        label: {en: A, ru: Б, kk: Ә, fr: A}
        file: wm
        type: mean
        variable: LS2
        missing: exclude
    """))
    assert "unknown language 'fr'" in str(error)


def test_bad_choice_suggests_the_right_value(tmp_path):
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: wm
        type: percent
        numerator: LS1 == 1
        missing: exclude
    """))
    assert (error.key, error.line) == ("type", 5)
    assert "'percent' is not one of percentage, mean, ratio, median, quantile, distribution; did you mean percentage?" in str(
        error
    )


def test_expression_syntax_error_points_at_its_line(tmp_path):
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: wm
        type: percentage
        universe: WB4 <= 24
        numerator: LS1 = 1
        missing: in_denominator
    """))
    assert (error.key, error.line) == ("numerator", 7)
    assert "'=' is not an operator; use '=='" in str(error)


def test_fields_must_fit_the_type(tmp_path):
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: wm
        type: mean
        numerator: LS2
        missing: exclude
    """))
    assert error.key == "variable"  # required for a mean
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: wm
        type: mean
        variable: LS2
        numerator: LS2
        missing: exclude
    """))
    assert (error.key, error.line) == ("numerator", 7)
    assert "a mean has 'variable'" in str(error)
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: wm
        type: ratio
        numerator: HH48
        missing: exclude
    """))
    assert error.key == "denominator"
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: wm
        type: mean
        variable: LS2
        missing: in_denominator
    """))
    assert (error.key, error.line) == ("missing", 7)
    assert "can only exclude" in str(error)


def test_values_of_the_wrong_kind(tmp_path):
    base = textwrap.dedent(f"""\
        {LABEL}
        type: percentage
        numerator: LS1 == 1
        missing: exclude
    """)
    error = spec_error(tmp_path, indicator(base + "file: [wm, wm]"))
    assert error.key == "file" and "repeat" in str(error)
    error = spec_error(tmp_path, indicator(base + "file: wm\nbreakdowns: HH6"))
    assert error.key == "breakdowns" and "list of variable names" in str(error)
    error = spec_error(tmp_path, indicator(base + "file: wm\nmissing_codes: [9]"))
    assert error.key == "missing_codes"
    error = spec_error(tmp_path, indicator(base + "file: wm\nweight: [wmweight]"))
    assert error.key == "weight" and "expected an expression" in str(error)
    error = spec_error(tmp_path, "indicators:\n  - id: 1bad\n    " + LABEL + "\n")
    assert error.key == "id" and error.line == 2


def test_pooled_expressions_must_name_every_file(tmp_path):
    error = spec_error(tmp_path, indicator(f"""
        {LABEL}
        file: [ch, fs]
        type: percentage
        universe: {{ch: UB2 >= 1}}
        numerator: disability == 1
        missing: in_denominator
    """))
    assert (error.key, error.line) == ("universe", 6)
    assert "exactly the indicator's files (ch, fs)" in str(error)


def test_pooled_spec_expressions_by_file(tmp_path):
    path = write(tmp_path, indicator(f"""
        {LABEL}
        file: [ch, fs]
        type: percentage
        universe: {{ch: UB2 >= 1, fs: CB3 <= 14}}
        numerator: disability == 1
        missing: in_denominator
    """))
    (spec,) = load_indicator_file(path)
    assert spec.files == ("ch", "fs") and spec.file == "ch"
    assert spec.expression("universe", "fs") == "CB3 <= 14"
    assert spec.expression("numerator", "fs") == "disability == 1"
    assert spec.variables("ch") == {"UB2", "disability"}


def test_file_level_errors(tmp_path):
    error = spec_error(tmp_path, "indicator:\n  - id: A\n")
    assert (error.key, error.line) == ("indicator", 1)
    error = spec_error(tmp_path, "indicators: []\n")
    assert error.key == "indicators"
    error = spec_error(tmp_path, "- id: A\n")
    assert "mapping with an 'indicators' list" in str(error)
    error = spec_error(tmp_path, "defaults:\n  id: A\nindicators:\n  - id: B\n")
    assert error.key == "defaults.id"


def test_duplicate_ids_and_keys(tmp_path):
    one = indicator(f"""
        {LABEL}
        file: wm
        type: mean
        variable: LS2
        missing: exclude
    """)
    second = one.replace("indicators:\n", "")
    error = spec_error(tmp_path, one + second)
    assert (error.key, error.line) == ("id", 8)
    assert "used twice in this file (first at line 2)" in str(error)
    error = spec_error(tmp_path, one + "    type: ratio\n")
    assert error.line == 8 and "key 'type' repeats (first at line 5)" in str(error)


def test_invalid_yaml_names_the_line(tmp_path):
    error = spec_error(tmp_path, "indicators:\n  - id: A\n    label: [unclosed\n")
    assert error.line is not None and "not valid YAML" in str(error)


def test_missing_file_is_a_read_error(tmp_path):
    with pytest.raises(ReadError):
        load_indicator_file(tmp_path / "none.yaml")
    with pytest.raises(ReadError):
        load_catalogue(tmp_path / "none")
    with pytest.raises(ReadError, match="no indicator files"):
        load_catalogue(tmp_path)


def test_catalogue_rejects_an_id_defined_in_two_files(tmp_path):
    one = indicator(f"""
        {LABEL}
        file: wm
        type: mean
        variable: LS2
        missing: exclude
    """)
    write(tmp_path, one, "a.yaml")
    write(tmp_path, one, "b.yaml")
    with pytest.raises(SpecError) as caught:
        load_catalogue(tmp_path)
    assert "defined twice: first in" in str(caught.value)
    assert caught.value.file.endswith("b.yaml") and caught.value.line == 2


def test_unknown_indicator_id_suggests_close_ids():
    catalogue = load_catalogue()
    with pytest.raises(SpecError) as caught:
        catalogue["pr.1"]
    assert "unknown indicator 'pr.1'" in str(caught.value)
    assert "did you mean PR.1" in str(caught.value)
    with pytest.raises(SpecError, match=r"did you mean PR\.15\.men"):
        catalogue["PR.15men"]
    with pytest.raises(SpecError, match="did you mean"):
        catalogue.select(["EQ.9a", "EQ9a"])
    assert catalogue["EQ.9a"].id == "EQ.9a"


SHIPPED = [
    "EQ.9a", "EQ.9b", "EQ.10a", "EQ.10b", "EQ.11a", "EQ.11b",
    "EQ.9a.men", "EQ.9b.men", "EQ.10a.men", "EQ.10b.men", "EQ.11a.men", "EQ.11b.men",
    "PR.1", "PR.2", "PR.3", "TC.53", "LN.22a", "LN.22d", "SR.12a", "WS.1", "WS.2",
]


def test_shipped_catalogue_has_the_required_indicators():
    catalogue = load_catalogue()
    assert isinstance(catalogue, Catalogue)
    assert len(catalogue) >= 25
    for indicator_id in SHIPPED:
        assert indicator_id in catalogue
    assert catalogue["PR.1"].sdg == ("16.9.1",)
    assert catalogue["PR.2"].sdg == ("16.2.1",)
    assert catalogue["PR.2"].files == ("ch", "fs")
    assert {s.id for s in catalogue.for_file("fs")} >= {"PR.2", "PR.3", "LN.22a"}
    for spec in catalogue.values():
        assert set(spec.label) == {"en", "ru", "kk"}
        assert spec.denominator_label is not None, spec.id
        if spec.mics:
            assert spec.footnote["en"].startswith(f"MICS indicator {spec.mics} - "), spec.id
