"""A project's configuration collections: modules, file patterns and analyzer configurations.

Each collection is one aggregate per project, its id derived from the project's id, created together
with the project. Items are keyed by a random key carried in the events; the public numeric id of an
item is the position of the event that added it (the read model maps one to the other). Rebuilding a
collection at a version gives the configuration exactly as it stood then.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.projects.file_patterns import normalize_pattern, parse_inclusion_type
from domain.projects.modules import normalize_module_path
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.shared.ids import index_id

MAX_ANALYZER_NAME_LENGTH = 300


def new_key() -> str:
    return uuid.uuid4().hex


class ProjectModules(Aggregate):
    """The modules of one project: paths into its repository (``core/``, ``core/src/``)."""

    class Created(Aggregate.Created):
        project_id: UUID
        actor: str

    class ModuleAdded(Aggregate.Event):
        key: str
        path: str
        actor: str

    class ModuleChanged(Aggregate.Event):
        key: str
        path: str
        actor: str

    class ModuleRemoved(Aggregate.Event):
        key: str
        actor: str

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return index_id("project-modules", str(project_id))

    @event(Created)
    def __init__(self, project_id: UUID, actor: str) -> None:
        self.project_id = project_id
        self.modules: dict[str, str] = {}

    def _check_unique(self, path: str, except_key: str | None = None) -> None:
        for key, existing in self.modules.items():
            if existing == path and key != except_key:
                raise Conflict(f"Module with path {path} already exists.")

    def _get(self, key: str) -> str:
        if key not in self.modules:
            raise NotFound("module not found")
        return self.modules[key]

    def add(self, path: str, actor: str) -> str:
        path = normalize_module_path(path)
        self._check_unique(path)
        key = new_key()
        self._added(key=key, path=path, actor=actor)
        return key

    @event(ModuleAdded)
    def _added(self, key: str, path: str, actor: str) -> None:
        self.modules[key] = path

    def change(self, key: str, path: str, actor: str) -> None:
        current = self._get(key)
        path = normalize_module_path(path)
        self._check_unique(path, except_key=key)
        if path != current:
            self._changed(key=key, path=path, actor=actor)

    @event(ModuleChanged)
    def _changed(self, key: str, path: str, actor: str) -> None:
        self.modules[key] = path

    def remove(self, key: str, actor: str) -> None:
        self._get(key)
        self._removed(key=key, actor=actor)

    @event(ModuleRemoved)
    def _removed(self, key: str, actor: str) -> None:
        del self.modules[key]


class ProjectFilePatterns(Aggregate):
    """The file patterns of one project: Ant-style patterns that INCLUDE or EXCLUDE files."""

    class Created(Aggregate.Created):
        project_id: UUID
        actor: str

    class PatternAdded(Aggregate.Event):
        key: str
        pattern: str
        inclusion_type: str
        actor: str

    class PatternChanged(Aggregate.Event):
        key: str
        pattern: str
        inclusion_type: str
        actor: str

    class PatternRemoved(Aggregate.Event):
        key: str
        actor: str

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return index_id("project-file-patterns", str(project_id))

    @event(Created)
    def __init__(self, project_id: UUID, actor: str) -> None:
        self.project_id = project_id
        self.patterns: dict[str, dict[str, str]] = {}

    @staticmethod
    def _checked(pattern: str, inclusion_type: str) -> tuple[str, str]:
        return normalize_pattern(pattern), parse_inclusion_type(inclusion_type).value

    def _check_unique(self, pattern: str, inclusion_type: str, except_key: str | None = None) -> None:
        for key, existing in self.patterns.items():
            if key != except_key and (existing["pattern"], existing["inclusion_type"]) == (pattern, inclusion_type):
                raise Conflict(f"FilePattern {pattern} ({inclusion_type}) already exists.")

    def _get(self, key: str) -> dict[str, str]:
        if key not in self.patterns:
            raise NotFound("file pattern not found")
        return self.patterns[key]

    def add(self, pattern: str, inclusion_type: str, actor: str) -> str:
        pattern, inclusion_type = self._checked(pattern, inclusion_type)
        self._check_unique(pattern, inclusion_type)
        key = new_key()
        self._added(key=key, pattern=pattern, inclusion_type=inclusion_type, actor=actor)
        return key

    @event(PatternAdded)
    def _added(self, key: str, pattern: str, inclusion_type: str, actor: str) -> None:
        self.patterns[key] = {"pattern": pattern, "inclusion_type": inclusion_type}

    def change(self, key: str, pattern: str, inclusion_type: str, actor: str) -> None:
        current = self._get(key)
        pattern, inclusion_type = self._checked(pattern, inclusion_type)
        self._check_unique(pattern, inclusion_type, except_key=key)
        if (pattern, inclusion_type) != (current["pattern"], current["inclusion_type"]):
            self._changed(key=key, pattern=pattern, inclusion_type=inclusion_type, actor=actor)

    @event(PatternChanged)
    def _changed(self, key: str, pattern: str, inclusion_type: str, actor: str) -> None:
        self.patterns[key] = {"pattern": pattern, "inclusion_type": inclusion_type}

    def remove(self, key: str, actor: str) -> None:
        self._get(key)
        self._removed(key=key, actor=actor)

    @event(PatternRemoved)
    def _removed(self, key: str, actor: str) -> None:
        del self.patterns[key]


def check_analyzer_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("analyzerName must not be empty")
    name = name.strip()
    if len(name) > MAX_ANALYZER_NAME_LENGTH:
        raise Invalid(f"analyzerName must be at most {MAX_ANALYZER_NAME_LENGTH} characters long")
    return name


class ProjectAnalyzers(Aggregate):
    """The analyzer configurations of one project: which analyzers run, with which parameters.

    The application checks names (and parameters) against the analyzers the server offers."""

    class Created(Aggregate.Created):
        project_id: UUID
        actor: str

    class AnalyzerAdded(Aggregate.Event):
        key: str
        analyzer_name: str
        enabled: bool
        parameters: dict[str, Any]
        actor: str

    class AnalyzerChanged(Aggregate.Event):
        key: str
        analyzer_name: str
        enabled: bool
        parameters: dict[str, Any]
        actor: str

    class AnalyzerRemoved(Aggregate.Event):
        key: str
        actor: str

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return index_id("project-analyzers", str(project_id))

    @event(Created)
    def __init__(self, project_id: UUID, actor: str) -> None:
        self.project_id = project_id
        self.analyzers: dict[str, dict[str, Any]] = {}

    def _check_unique(self, name: str, except_key: str | None = None) -> None:
        for key, existing in self.analyzers.items():
            if key != except_key and existing["analyzer_name"] == name:
                raise Conflict(f"Analyzer {name} is already configured for this project.")

    def _get(self, key: str) -> dict[str, Any]:
        if key not in self.analyzers:
            raise NotFound("analyzer configuration not found")
        return self.analyzers[key]

    def add(self, analyzer_name: str, enabled: bool, parameters: dict[str, Any], actor: str) -> str:
        name = check_analyzer_name(analyzer_name)
        self._check_unique(name)
        key = new_key()
        self._added(key=key, analyzer_name=name, enabled=bool(enabled), parameters=dict(parameters), actor=actor)
        return key

    @event(AnalyzerAdded)
    def _added(self, key: str, analyzer_name: str, enabled: bool, parameters: dict[str, Any], actor: str) -> None:
        self.analyzers[key] = {"analyzer_name": analyzer_name, "enabled": enabled, "parameters": dict(parameters)}

    def change(self, key: str, analyzer_name: str, enabled: bool, parameters: dict[str, Any], actor: str) -> None:
        current = self._get(key)
        name = check_analyzer_name(analyzer_name)
        self._check_unique(name, except_key=key)
        new: dict[str, Any] = {"analyzer_name": name, "enabled": bool(enabled), "parameters": dict(parameters)}
        if new != current:
            self._changed(key=key, analyzer_name=name, enabled=bool(enabled), parameters=dict(parameters), actor=actor)

    @event(AnalyzerChanged)
    def _changed(self, key: str, analyzer_name: str, enabled: bool, parameters: dict[str, Any], actor: str) -> None:
        self.analyzers[key] = {"analyzer_name": analyzer_name, "enabled": enabled, "parameters": dict(parameters)}

    def remove(self, key: str, actor: str) -> None:
        self._get(key)
        self._removed(key=key, actor=actor)

    @event(AnalyzerRemoved)
    def _removed(self, key: str, actor: str) -> None:
        del self.analyzers[key]
