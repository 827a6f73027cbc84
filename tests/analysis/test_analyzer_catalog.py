from __future__ import annotations

import pytest

from domain.analysis.analyzer_catalog import AnalyzerCatalog, AnalyzerSpec, default_catalog
from domain.analysis.loc import LOC_ANALYZER_NAME, LocAnalyzer
from domain.analysis.markers import MARKER_ANALYZER_NAME
from domain.shared.errors import Invalid, NotFound
from interfaces.analysis.complexity import COMPLEXITY_ANALYZER_NAME, ComplexityAnalyzer, full_catalog


def test_the_full_catalog_lists_every_analyzer_by_name_sorted() -> None:
    assert full_catalog().names() == [
        "io.reflectoring.coderadar.analyzer.loc.LocAnalyzerPlugin",
        "org.codeannals.analyzer.complexity.ComplexityAnalyzerPlugin",
        "org.codeannals.analyzer.markers.MarkerAnalyzerPlugin",
    ]
    assert default_catalog().names() == [LOC_ANALYZER_NAME, MARKER_ANALYZER_NAME]


def test_an_unknown_name_is_refused_as_coderadar_does() -> None:
    catalog = full_catalog()
    assert "io.reflectoring.coderadar.analyzer.checkstyle.CheckstyleSourceCodeFileAnalyzerPlugin" not in catalog
    with pytest.raises(NotFound, match="Analyzer with name nope not found"):
        catalog.get("nope")
    with pytest.raises(NotFound):
        catalog.create("nope")


def test_created_analyzers_carry_their_name_and_parameters() -> None:
    catalog = full_catalog()
    for name in catalog.names():
        assert catalog.create(name).name == name
    complexity = catalog.create(COMPLEXITY_ANALYZER_NAME, {"threshold": 15})
    assert isinstance(complexity, ComplexityAnalyzer)
    assert complexity.threshold == 15
    default = catalog.create(COMPLEXITY_ANALYZER_NAME)
    assert isinstance(default, ComplexityAnalyzer) and default.threshold == 10
    assert isinstance(catalog.create(LOC_ANALYZER_NAME), LocAnalyzer)


def test_parameters_are_validated_and_filled_with_defaults() -> None:
    catalog = full_catalog()
    assert catalog.validate_parameters(COMPLEXITY_ANALYZER_NAME) == {"threshold": 10}
    assert catalog.validate_parameters(COMPLEXITY_ANALYZER_NAME, {"threshold": "12"}) == {"threshold": 12}
    assert catalog.validate_parameters(LOC_ANALYZER_NAME, {}) == {}
    for bad in (True, 2.5, "ten", None, 0, -3, 1001):
        with pytest.raises(Invalid, match="threshold"):
            catalog.validate_parameters(COMPLEXITY_ANALYZER_NAME, {"threshold": bad})
    with pytest.raises(Invalid, match="no parameter color"):
        catalog.validate_parameters(LOC_ANALYZER_NAME, {"color": 1})


def test_metrics_of_an_analyzer() -> None:
    catalog = full_catalog()
    assert [m.id for m in catalog.metrics(MARKER_ANALYZER_NAME)] == [
        "codeannals:markers:todo",
        "codeannals:markers:fixme",
        "codeannals:markers:hack",
        "codeannals:markers:xxx",
    ]
    assert "coderadar:size:loc:java" in {m.id for m in catalog.metrics(LOC_ANALYZER_NAME)}
    assert "codeannals:complexity:cyclomatic" in {m.id for m in catalog.metrics(COMPLEXITY_ANALYZER_NAME)}


def test_a_name_registers_once() -> None:
    catalog = AnalyzerCatalog()
    spec = AnalyzerSpec(name="x", description="x", factory=lambda _p: LocAnalyzer())
    catalog.register(spec)
    with pytest.raises(ValueError):
        catalog.register(spec)
    assert catalog.specs() == [spec]
