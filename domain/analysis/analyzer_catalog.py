"""The analyzers a server offers: names for ``GET /api/analyzers``, their metrics and parameters, and
the one place that turns an analyzer configuration (name + parameters) into a ``FileAnalyzer``.

The domain registers the analyzers it implements itself (``default_catalog()``: the line counter and
the marker analyzer). Analyzers built on outside libraries live in ``interfaces/`` and are added by
the composition root (``interfaces.analysis.complexity.full_catalog()`` returns all of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from domain.analysis.analyzer import FileAnalyzer, MetricDescriptor
from domain.analysis.loc import LOC_ANALYZER_NAME, LocAnalyzer
from domain.analysis.markers import MARKER_ANALYZER_NAME, MarkerAnalyzer
from domain.shared.errors import Invalid, NotFound


@dataclass(frozen=True, slots=True)
class AnalyzerParameter:
    """An integer parameter of an analyzer (the only kind there is so far)."""

    name: str
    description: str
    default: int
    minimum: int | None = None
    maximum: int | None = None

    def coerce(self, analyzer: str, value: object) -> int:
        """``value`` as a valid integer for this parameter, or ``Invalid``. Accepts an int or a
        string of digits (``"12"``); refuses booleans and fractions."""
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            number = int(value.strip())
        if number is None:
            raise Invalid(f"Parameter {self.name} of analyzer {analyzer} must be an integer.")
        if self.minimum is not None and number < self.minimum:
            raise Invalid(f"Parameter {self.name} of analyzer {analyzer} must be at least {self.minimum}.")
        if self.maximum is not None and number > self.maximum:
            raise Invalid(f"Parameter {self.name} of analyzer {analyzer} must be at most {self.maximum}.")
        return number


@dataclass(frozen=True, slots=True)
class AnalyzerSpec:
    """One available analyzer: its plugin name, a description, its parameters, and a factory that
    builds it from validated parameter values (every parameter present)."""

    name: str
    description: str
    factory: Callable[[Mapping[str, int]], FileAnalyzer]
    parameters: tuple[AnalyzerParameter, ...] = field(default=())


class AnalyzerCatalog:
    """The registry of available analyzers, by plugin name."""

    def __init__(self, specs: Iterable[AnalyzerSpec] = ()) -> None:
        self._specs: dict[str, AnalyzerSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: AnalyzerSpec) -> None:
        """Add an analyzer. A name can be registered once (a second one is a programming error)."""
        if spec.name in self._specs:
            raise ValueError(f"analyzer {spec.name} is already registered")
        self._specs[spec.name] = spec

    def names(self) -> list[str]:
        """Every analyzer's plugin name, sorted (what ``GET /api/analyzers`` lists)."""
        return sorted(self._specs)

    def specs(self) -> list[AnalyzerSpec]:
        return [self._specs[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def get(self, name: str) -> AnalyzerSpec:
        """The analyzer called ``name``, or ``NotFound`` (coderadar: 404 "Analyzer with name ... not
        found")."""
        spec = self._specs.get(name)
        if spec is None:
            raise NotFound(f"Analyzer with name {name} not found")
        return spec

    def validate_parameters(self, name: str, parameters: Mapping[str, object] | None = None) -> dict[str, int]:
        """The full parameter set for analyzer ``name``: the given values checked and coerced,
        defaults for the rest. An unknown analyzer is ``NotFound``; an unknown parameter or a bad
        value is ``Invalid``."""
        spec = self.get(name)
        given = dict(parameters or {})
        known = {p.name: p for p in spec.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise Invalid(f"Analyzer {name} has no parameter {', '.join(unknown)}.")
        return {
            p.name: p.coerce(name, given[p.name]) if p.name in given else p.default for p in spec.parameters
        }

    def create(self, name: str, parameters: Mapping[str, object] | None = None) -> FileAnalyzer:
        """A configured analyzer instance."""
        return self.get(name).factory(self.validate_parameters(name, parameters))

    def metrics(self, name: str) -> list[MetricDescriptor]:
        """The metrics analyzer ``name`` may report (with its default parameters)."""
        return self.create(name).metrics()


LOC_SPEC = AnalyzerSpec(
    name=LOC_ANALYZER_NAME,
    description="Counts lines of code: all (loc), source (sloc), comment (cloc) and effective (eloc).",
    factory=lambda _parameters: LocAnalyzer(),
)

MARKER_SPEC = AnalyzerSpec(
    name=MARKER_ANALYZER_NAME,
    description="Counts TODO, FIXME, HACK and XXX markers in comments and reports each as a finding.",
    factory=lambda _parameters: MarkerAnalyzer(),
)


def default_catalog() -> AnalyzerCatalog:
    """A catalog of the analyzers the domain implements: the line counter and the marker analyzer."""
    return AnalyzerCatalog([LOC_SPEC, MARKER_SPEC])
