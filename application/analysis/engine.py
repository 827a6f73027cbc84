"""The analysis engine of one project: plans which commits to analyse, measures what they changed and
builds the batches that record it.

Ordering: the commits to analyse are every commit reachable from the selected branches that is not
analysed yet, oldest first (the source's order: parents before children). Each is diffed against its
first parent; only changed files that match the file patterns are looked at, and a file content is
measured once per measurement key: results are kept by ``(key, blob)`` (a key is one analyzer's
``cache_key`` of the path), so the same content on another branch, in another commit or under another
name is not measured again. A commit whose parent was never imported is analysed as a root (every file
of its tree added).

Carry-forward: the files of a commit are its first parent's with the commit's changes applied (see
``domain.analysis.state``); per commit the engine records only the files that changed (their new state,
or their absence) and the totals that changed, computed from the parent's totals.

The engine's memory is a fold of its own batches: ``replay`` rebuilds it from the recorded batches of a
generation, and every batch it builds is applied to it the same way (``_apply_*``). When saving a batch
fails the engine must be thrown away (its memory is ahead of the log).

A generation started by a configuration change (``ProjectAnalysis.Reconfigured``) *inherits* the
generations before it: their keys and measurements (so only what the new configuration lacks is
measured) and their analysed commits (planned again with the branches, so every commit analysed
before is recorded again with the new configuration). See :meth:`Engine.inherit` and :meth:`Engine.carry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from application.analysis.measuring import AnalyzerFactory
from application.analysis.ports import (
    ADD,
    DELETE,
    MODIFY,
    RENAME,
    CommitSource,
    Measured,
    Measurer,
    MeasureTask,
    SourceChange,
    SourceCommit,
)
from domain.analysis.analyzer import FileAnalyzer, kind_of
from domain.analysis.records import (
    BatchRecord,
    CommitRecord,
    FileRecord,
    FindingRecord,
    KeyRecord,
    LaneRecord,
    MeasurementRecord,
)
from domain.analysis.state import (
    FileIndex,
    FileState,
    Lanes,
    apply_change,
    changed_totals,
    plan_lanes,
    totals_of,
)
from domain.projects.file_patterns import FilePattern, FilePatternSet, parse_inclusion_type
from domain.shared.errors import Unprocessable

Parameters = tuple[tuple[str, Any], ...]


def frozen_parameters(parameters: Mapping[str, Any] | None) -> Parameters:
    return tuple(sorted((parameters or {}).items()))


class JobConfig:
    """The file patterns and analyzers a job runs with."""

    def __init__(self, patterns: Sequence[Sequence[str]], analyzers: Sequence[Sequence[Any]],
                 factory: AnalyzerFactory) -> None:
        self.patterns = FilePatternSet(FilePattern(str(p), parse_inclusion_type(str(t))) for p, t in patterns)
        self.analyzers: list[tuple[str, Parameters, FileAnalyzer]] = []
        for name, parameters in analyzers:
            frozen = frozen_parameters(parameters)
            self.analyzers.append((str(name), frozen, factory.create(str(name), dict(frozen))))
        self._by_kind: dict[str, list[tuple[str, int]]] = {}
        self._by_path: dict[str, list[tuple[str, int]]] = {}
        self._matches: dict[str, bool] = {}

    def check(self) -> None:
        """Unprocessable without an INCLUDE pattern or an analyzer (coderadar answers 422)."""
        if not self.patterns.has_includes:
            raise Unprocessable("The project has no file pattern including files; add one before analyzing.")
        if not self.analyzers:
            raise Unprocessable("The project has no enabled analyzer; add or enable one before analyzing.")

    def keys_of(self, path: str) -> list[tuple[str, int]]:
        """(cache key, analyzer index) of every analyzer that measures files like ``path``. Analyzers
        decide by the file's kind (``kind_of``), so the answer is kept per kind (and per path)."""
        found = self._by_path.get(path)
        if found is None:
            kind = kind_of(path)
            found = self._by_kind.get(kind)
            if found is None:
                found = [(a.cache_key(path), i) for i, (_, _, a) in enumerate(self.analyzers) if a.accepts(path)]
                self._by_kind[kind] = found
            self._by_path[path] = found
        return found

    def matches(self, path: str) -> bool:
        """Whether the file patterns select ``path`` (kept per path)."""
        found = self._matches.get(path)
        if found is None:
            found = self._matches[path] = self.patterns.matches(path)
        return found


@dataclass
class Plan:
    todo: list[SourceCommit]
    continues: set[str]
    children: dict[str, int]  # first-parent children still to analyse
    roots: set[str]  # commits analysed as roots although they have a parent (it was never imported)
    position: int = 0  # commits analysed (their batch built)
    prepared: int = 0  # commits whose batch is prepared (measurements may still be running)
    changes: dict[str, list[SourceChange]] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return len(self.todo) - self.position


@dataclass
class Prepared:
    plan: Plan
    commits: list[tuple[SourceCommit, list[_Op]]]
    tasks: list[MeasureTask]
    new_keys: list[KeyRecord]


@dataclass
class BuiltBatch:
    record: BatchRecord
    commits: int
    measured: int
    failures: int


@dataclass
class _Op:
    old_path: str | None
    new_path: str | None
    blob: str | None
    keys: tuple[int, ...]


class Engine:
    """One project's analysis state (one generation) and the batches that extend it."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.batches = 0
        self.lanes = Lanes()
        self.index = FileIndex()
        self.commits: dict[str, tuple[int, int, int]] = {}  # hash -> (lane, seq, ordinal)
        self.keys: dict[str, int] = {}  # cache key -> key id
        self.measured: dict[tuple[int, str], dict[str, int]] = {}  # (key, blob) -> values
        self._states: dict[tuple[str, str], FileState] = {}
        self._totals: dict[str, dict[str, int]] = {}
        self._strings: dict[str, str] = {}
        self._in_flight: set[tuple[int, str]] = set()  # (key, blob) being measured for a prepared batch
        self.inherited: set[str] = set()  # commits analysed by the generations this one inherits

    # --- replay -------------------------------------------------------------------------------
    @classmethod
    def replay(cls, generation: int, batches: Iterable[BatchRecord],
               carried: Iterable[BatchRecord] = ()) -> Engine:
        """The engine of a generation from its batches (and the batches of the generations it inherits)."""
        engine = cls(generation)
        for batch in carried:
            engine.carry(batch)
        for batch in batches:
            engine.apply(batch)
        return engine

    @classmethod
    def inherit(cls, generation: int, before: Engine) -> Engine:
        """A new generation's engine carrying what ``before`` (the previous generation, up to date) knows:
        its keys and measurements, and its commits as commits to record again. ``before`` is used up."""
        engine = cls(generation)
        engine.keys = before.keys
        engine.measured = before.measured
        engine._strings = before._strings
        engine.inherited = before.inherited
        engine.inherited.update(before.commits)
        return engine

    def carry(self, batch: BatchRecord) -> None:
        """Take an inherited generation's batch: its keys and measurements, and its commits to record again."""
        self._apply_keys(batch.keys)
        self._apply_measurements(batch.measurements)
        self.inherited.update(c.hash for c in batch.commits)

    def apply(self, batch: BatchRecord) -> None:
        self._apply_keys(batch.keys)
        self._apply_lanes(batch.lanes)
        self._apply_measurements(batch.measurements)
        for commit in batch.commits:
            self._apply_commit(commit)
        self.batches += 1

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def _apply_keys(self, keys: Iterable[KeyRecord]) -> None:
        for k in keys:
            self.keys[k.cache_key] = k.id

    def _apply_lanes(self, lanes: Iterable[LaneRecord]) -> None:
        for lane in lanes:
            if lane.lane >= len(self.lanes):
                self.lanes.add(lane.fork_lane, lane.fork_seq, lane.lane)

    def _apply_measurements(self, measurements: Iterable[MeasurementRecord]) -> None:
        for m in measurements:
            self.measured[(m.key, self._intern(m.blob))] = dict(m.values)

    def _state(self, keys: str, blob: str, values: Mapping[str, int]) -> FileState:
        """The one shared state of a content measured with these keys (its values never change)."""
        found = self._states.get((keys, blob))
        if found is None:
            blob = self._intern(blob)
            found = FileState(blob, keys, values)
            self._states[(keys, blob)] = found
        return found

    def _apply_commit(self, commit: CommitRecord) -> None:
        self.commits[commit.hash] = (commit.lane, commit.seq, commit.ordinal)
        self.lanes.record(commit.lane, commit.seq)
        for f in commit.files:
            state = None if f.blob is None else self._state(f.keys, f.blob, self._values(f.keys, f.blob, f.values))
            self.index.add(commit.lane, commit.seq, self._intern(f.path), state)

    # --- queries ------------------------------------------------------------------------------
    def files_at(self, commit: str) -> dict[str, FileState]:
        """Every analysed file of an analysed commit."""
        lane, seq, _ = self.commits[commit]
        return self.index.alive(self.lanes.segments(lane, seq))

    def totals_at(self, commit: str) -> dict[str, int]:
        cached = self._totals.get(commit)
        if cached is not None:
            return cached
        return totals_of(self.files_at(commit).values())

    # --- planning -----------------------------------------------------------------------------
    def plan(self, source: CommitSource, branches: Sequence[str]) -> Plan:
        """The commits to analyse: reachable from the branches (all when none is named), not analysed."""
        commits = source.commits()
        by_hash = {c.hash: c for c in commits}
        refs = source.branches()
        names = [b for b in dict.fromkeys(branches) if b in refs] if branches else sorted(refs)
        default = source.default_branch()
        names.sort(key=lambda name: (name != default, name))
        heads = [refs[name] for name in names]
        reachable: set[str] = set()
        stack = [*heads, *self.inherited] if self.inherited else list(heads)
        while stack:
            commit = stack.pop()
            if commit in reachable or commit not in by_hash:
                continue
            reachable.add(commit)
            stack.extend(by_hash[commit].parents)
        todo = [c for c in commits if c.hash in reachable and c.hash not in self.commits]
        first_parent: dict[str, str | None] = {}
        roots: set[str] = set()
        children: dict[str, int] = {}
        for c in todo:
            parent = c.parents[0] if c.parents else None
            if parent is not None and parent not in by_hash and parent not in self.commits:
                roots.add(c.hash)
                parent = None
            first_parent[c.hash] = parent
            if parent is not None:
                children[parent] = children.get(parent, 0) + 1
        is_tip = {}
        for parent in first_parent.values():
            if parent is not None and parent in self.commits:
                lane, seq, _ = self.commits[parent]
                is_tip[parent] = self.lanes.get(lane).tip == seq
        continues = plan_lanes([c.hash for c in todo], first_parent, [h for h in heads if h in first_parent],
                               is_tip)
        return Plan(todo, continues, children, roots)

    # --- building batches ---------------------------------------------------------------------
    def next_batch(self, plan: Plan, source: CommitSource, config: JobConfig, measurer: Measurer,
                   max_commits: int = 500, max_contents: int = 2000) -> BuiltBatch | None:
        """Analyse the next commits of the plan (at most ``max_commits``, stopping once about
        ``max_contents`` contents are to be measured) and answer the batch that records them, already
        applied to this engine. None when the plan is done. (:meth:`prepare`, measure, :meth:`complete`.)"""
        prepared = self.prepare(plan, source, config, max_commits, max_contents)
        if prepared is None:
            return None
        return self.complete(prepared, measurer.measure(source, prepared.tasks) if prepared.tasks else [])

    def prepare(self, plan: Plan, source: CommitSource, config: JobConfig, max_commits: int = 500,
                max_contents: int = 2000) -> Prepared | None:
        """Choose the next commits of the plan and what they need measured (contents neither measured
        nor being measured for a batch prepared before). Batches are completed in the order they were
        prepared; the next one may be prepared while the measurements of this one run. None when every
        commit of the plan is prepared."""
        if plan.prepared >= len(plan.todo):
            return None
        window = plan.todo[plan.prepared:plan.prepared + max_commits]
        missing = [c.hash for c in window if c.hash not in plan.changes and c.hash not in plan.roots]
        if missing:
            plan.changes.update(source.changes(missing))

        new_keys: list[KeyRecord] = []
        tasks: dict[tuple[str, tuple[int, ...]], MeasureTask] = {}
        chosen: list[tuple[SourceCommit, list[_Op]]] = []
        measured, in_flight = self.measured, self._in_flight
        for commit in window:
            ops = self._ops(commit, plan, source, config, new_keys)
            for op in ops:
                if op.blob is None or not op.keys:
                    continue
                needed = [k for k in op.keys if (k, op.blob) not in measured and (k, op.blob) not in in_flight]
                if not needed:
                    continue
                in_flight.update((k, op.blob) for k in needed)
                by_key = dict(self._key_analyzers(config, op.new_path or ""))
                tasks[(op.blob, tuple(needed))] = MeasureTask(
                    op.new_path or "", op.blob,
                    tuple((k, config.analyzers[by_key[k]][0], config.analyzers[by_key[k]][1]) for k in needed),
                )
            chosen.append((commit, ops))
            if len(tasks) >= max_contents:
                break
        plan.prepared += len(chosen)
        return Prepared(plan, chosen, list(tasks.values()), new_keys)

    def complete(self, prepared: Prepared, results: Sequence[Mapping[int, Measured]]) -> BuiltBatch:
        """The batch of a prepared set of commits, given its measurements; applied to this engine."""
        measurements: list[MeasurementRecord] = []
        failures = 0
        for task, result in zip(prepared.tasks, results, strict=True):
            for key, _, _ in task.analyzers:
                measured = result.get(key) or Measured({}, [], "the analyzer gave no result")
                if measured.error:
                    failures += 1
                measurements.append(MeasurementRecord(
                    key, task.blob, dict(measured.values),
                    [FindingRecord(*f) for f in measured.findings], measured.error,
                ))
                self._in_flight.discard((key, task.blob))
        self._apply_keys(prepared.new_keys)
        self._apply_measurements(measurements)

        plan = prepared.plan
        lanes: list[LaneRecord] = []
        records: list[CommitRecord] = []
        for commit, ops in prepared.commits:
            record = self._commit_record(commit, ops, plan, lanes)
            self._apply_commit(record)
            records.append(record)
            plan.changes.pop(commit.hash, None)
        plan.position += len(prepared.commits)
        self.batches += 1
        return BuiltBatch(BatchRecord(prepared.new_keys, lanes, measurements, records), len(records),
                          len(prepared.tasks), failures)

    def _key_analyzers(self, config: JobConfig, path: str) -> list[tuple[int, int]]:
        return [(self.keys[cache_key], index) for cache_key, index in config.keys_of(path)]

    def _ops(self, commit: SourceCommit, plan: Plan, source: CommitSource, config: JobConfig,
             new_keys: list[KeyRecord]) -> list[_Op]:
        if commit.hash in plan.roots:
            changes = [SourceChange(ADD, path, None, None, blob) for path, blob in source.tree(commit.hash)]
        else:
            changes = plan.changes.get(commit.hash, [])
        ops: list[_Op] = []
        for change in changes:
            if change.kind in (RENAME, DELETE):
                old_path = change.old_path or change.path
            elif change.kind == MODIFY:
                old_path = change.path
            else:
                old_path = None
            new_path = change.path if change.kind in (ADD, MODIFY, RENAME) else None
            blob = change.new_blob if new_path is not None else None
            keys: tuple[int, ...] = ()
            if new_path is not None and blob and config.matches(new_path):
                ids = []
                for cache_key, index in config.keys_of(new_path):
                    key = self.keys.get(cache_key)
                    if key is None:
                        key = len(self.keys) + 1
                        self.keys[cache_key] = key
                        new_keys.append(KeyRecord(key, cache_key, config.analyzers[index][0]))
                    ids.append(key)
                keys = tuple(sorted(ids))
            ops.append(_Op(old_path, new_path, blob if keys else None, keys))
        return ops

    def _commit_record(self, commit: SourceCommit, ops: list[_Op], plan: Plan, lanes: list[LaneRecord]) -> CommitRecord:
        parent = commit.parents[0] if commit.parents and commit.hash not in plan.roots else None
        if parent is not None and parent not in self.commits:
            parent = None
        if parent is None:
            lane = self.lanes.add(None, None)
            lanes.append(LaneRecord(lane.id, None, None))
            lane_id, seq = lane.id, 0
            parent_segments: list[tuple[int, int]] = []
            before: dict[str, int] = {}
        else:
            parent_lane, parent_seq, _ = self.commits[parent]
            parent_segments = self.lanes.segments(parent_lane, parent_seq)
            before = self.totals_at(parent)
            if commit.hash in plan.continues and self.lanes.get(parent_lane).tip == parent_seq:
                lane_id, seq = parent_lane, parent_seq + 1
            else:
                lane = self.lanes.add(parent_lane, parent_seq)
                lanes.append(LaneRecord(lane.id, parent_lane, parent_seq))
                lane_id, seq = lane.id, 0

        touched: dict[str, FileState | None] = {}
        for op in ops:
            if op.old_path is not None:
                touched[op.old_path] = None
        for op in ops:
            if op.new_path is not None:
                touched[op.new_path] = None if op.blob is None else self._merged(op.keys, op.blob)

        after = dict(before)
        files: list[FileRecord] = []
        for path in sorted(touched):
            new = touched[path]
            old = self.index.lookup(parent_segments, path) if parent_segments else None
            if new is None and old is None:
                continue
            if new is not None and old is not None and new.blob == old.blob and new.keys == old.keys:
                continue
            apply_change(after, old.values if old else None, new.values if new else None)
            last = self.index.last_in_lane(lane_id, path)
            closes = last[0] if last is not None else None
            if new is None:
                files.append(FileRecord(path, None, "", None, closes))
            else:
                files.append(FileRecord(path, new.blob, new.keys, dict(new.values), closes))

        if parent is not None:
            remaining = plan.children.get(parent, 0) - 1
            if remaining > 0:
                plan.children[parent] = remaining
            else:
                plan.children.pop(parent, None)
                self._totals.pop(parent, None)
        if plan.children.get(commit.hash, 0) > 0:
            self._totals[commit.hash] = after
        return CommitRecord(commit.hash, len(self.commits), lane_id, seq, parent, commit.timestamp, files,
                            changed_totals(before, after))

    def _values(self, keys: str, blob: str, recorded: Mapping[str, int] | None) -> Mapping[str, int]:
        """A replayed file's values: with one key, the measurement's own dict (shared, not copied)."""
        if keys and "," not in keys:
            measured = self.measured.get((int(keys), blob))
            if measured is not None and measured == recorded:
                return measured
        return dict(recorded or {})

    def _merged(self, keys: tuple[int, ...], blob: str) -> FileState:
        text = ",".join(str(k) for k in keys)
        found = self._states.get((text, blob))
        if found is not None:
            return found
        if len(keys) == 1:
            return self._state(text, blob, self.measured.get((keys[0], blob), {}))
        values: dict[str, int] = {}
        for key in keys:
            values.update(self.measured.get((key, blob), {}))
        return self._state(text, blob, values)

