"""What the projects context needs from the rest of the server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from domain.shared.errors import Invalid


class AnalyzerOffer(Protocol):
    """The analyzers the server offers (``domain.analysis.analyzer_catalog.AnalyzerCatalog`` is one)."""

    def names(self) -> list[str]:
        """Every analyzer's plugin name, sorted."""
        ...

    def validate_parameters(self, name: str, parameters: Mapping[str, object] | None = None) -> dict[str, int]:
        """The full, checked parameter set for analyzer ``name`` (``Invalid`` when a value is bad)."""
        ...


class StaticAnalyzerOffer:
    """A fixed list of analyzer names without parameters (tests, or a server without a catalog)."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = sorted(set(names))

    def names(self) -> list[str]:
        return list(self._names)

    def validate_parameters(self, name: str, parameters: Mapping[str, object] | None = None) -> dict[str, int]:
        if parameters:
            raise Invalid(f"Analyzer {name} has no parameter {', '.join(sorted(parameters))}.")
        return {}
