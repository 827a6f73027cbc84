"""coderadar's metric views of a commit's files (its wire format): value lists, the module tree, the delta
tree and findings.

Shapes follow coderadar's API (seed 5.3, 5.4):

* a metric list is ``[{"metricName": ..., "value": ...}]`` in the reverse of the requested order (as
  coderadar answers), metrics whose value is zero left out;
* a tree node is ``{"name", "type": "MODULE"|"FILE", "metrics", "children"}``; the root is the module
  ``root``; a module's node is named by its path (``core/src/``) and sums its files and sub-modules; a
  file's node is named by its full path. A node's children are its files (by path), then its
  sub-modules (by path). A file is shown when it has a value for one of the requested metrics.
* a delta-tree node has ``commit1Metrics`` and ``commit2Metrics`` (None for a file missing at that
  commit), ``renamedFrom``/``renamedTo`` and ``changes`` (None for modules; for files
  ``{"renamed", "modified", "deleted", "added"}``, all False when unchanged). A file renamed between
  the commits appears twice: under its old path with ``renamedTo``, under its new one with
  ``renamedFrom``; both are ``renamed``, the new one also ``modified`` when a value differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from domain.analysis.records import FindingRecord
from domain.analysis.renames import unique
from domain.projects.modules import ModuleIndex

try:  # the C accelerated JSON string quoting json.dumps uses (ASCII: a path that is not UTF-8 stays valid)
    from _json import encode_basestring_ascii as _quote
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring_ascii as _quote

Values = Mapping[str, int]


class Wanted:
    """The requested metrics, for fast per-file work: a file has a few metrics, a request may name many.

    Files of one kind report the same metrics in the same order, so the order of a file's answer is
    worked out once per set of metric names it has and reused."""

    __slots__ = ("_orders", "metrics", "rank")

    def __init__(self, metrics: Sequence[str]) -> None:
        self.metrics = unique(metrics)
        count = len(self.metrics)
        self.rank = {m: count - i for i, m in enumerate(self.metrics)}  # the reverse of the requested order
        self._orders: dict[tuple[str, ...], tuple[str, ...]] = {}

    def _order(self, values: Values) -> tuple[str, ...]:
        names = tuple(values)
        order = self._orders.get(names)
        if order is None:
            rank = self.rank
            order = tuple(sorted((m for m in names if m in rank), key=rank.__getitem__))
            self._orders[names] = order
        return order

    def listed(self, values: Values) -> list[dict[str, Any]]:
        """``[{"metricName", "value"}]`` of the requested metrics in ``values``, reversed, zeros left out."""
        return [{"metricName": m, "value": v} for m in self._order(values) if (v := values[m])]

    def listed_adding(self, values: Values, total: dict[str, int]) -> list[dict[str, Any]]:
        """:meth:`listed`, adding the values into ``total`` on the way."""
        out = []
        for m in self._order(values):
            v = values[m]
            if v:
                total[m] = total.get(m, 0) + v
                out.append({"metricName": m, "value": v})
        return out

    def shows(self, values: Values) -> bool:
        return bool(self._order(values))

    def add(self, total: dict[str, int], values: Values) -> None:
        for m in self._order(values):
            v = values[m]
            if v:
                total[m] = total.get(m, 0) + v


def metric_list(values: Values, metrics: Sequence[str]) -> list[dict[str, Any]]:
    """``[{"metricName", "value"}]`` of the requested metrics, reversed, zeros left out."""
    return Wanted(metrics).listed(values)


def has_any(values: Values, metrics: Sequence[str]) -> bool:
    return Wanted(metrics).shows(values)


class _Module:
    __slots__ = ("children", "files", "path")

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.files: list[str] = []
        self.children: list[_Module] = []


def _module_tree(paths: Iterable[str], modules: Iterable[str]) -> _Module:
    """Modules (and the root) holding the given file paths; every module appears, even an empty one."""
    modules = list(modules)
    index = ModuleIndex(modules)
    module_paths = sorted({m if m.endswith("/") else m + "/" for m in modules if m.strip("/")})
    nodes: dict[str | None, _Module] = {None: _Module(None)}
    for path in module_paths:
        nodes[path] = _Module(path)
    for path in module_paths:
        nodes[index.parent_of(path)].children.append(nodes[path])
    ordered = sorted(paths)
    if not module_paths:
        nodes[None].files = ordered
        return nodes[None]
    by_directory: dict[str, _Module] = {}  # a file's module depends on its directory only
    for path in ordered:
        directory = path[:path.rfind("/") + 1]
        module = by_directory.get(directory)
        if module is None:
            module = by_directory[directory] = nodes[index.module_of(path)]
        module.files.append(path)
    return nodes[None]


def metric_tree(files: Mapping[str, Values], modules: Iterable[str], metrics: Sequence[str]) -> dict[str, Any]:
    """The metric tree (seed 5.4.1) of a commit's files (path -> values)."""
    wanted = Wanted(metrics)
    shown = {path: values for path, values in files.items() if wanted.shows(values)}
    root = _module_tree(shown, modules)

    def build(module: _Module) -> tuple[dict[str, Any], dict[str, int]]:
        total: dict[str, int] = {}
        children: list[dict[str, Any]] = []
        for path in module.files:
            children.append({"name": path, "type": "FILE", "metrics": wanted.listed_adding(shown[path], total),
                             "children": []})
        for child in module.children:
            node, sub_total = build(child)
            wanted.add(total, sub_total)
            children.append(node)
        name = "root" if module.path is None else module.path
        return {"name": name, "type": "MODULE", "metrics": wanted.listed(total), "children": children}, total

    return build(root)[0]


def metric_tree_json(files: Mapping[str, Values], modules: Iterable[str], metrics: Sequence[str]) -> str:
    """:func:`metric_tree` as compact JSON text, written directly (a tree of a large commit has thousands
    of files; building dicts and encoding them costs several times more)."""
    wanted = Wanted(metrics)
    quote = _quote
    names = {m: quote(m) for m in wanted.metrics}
    shown = {path: values for path, values in files.items() if wanted.shows(values)}
    root = _module_tree(shown, modules)

    def metric_text(values: Values, order: tuple[str, ...], total: dict[str, int] | None) -> str:
        parts = []
        for m in order:
            v = values[m]
            if v:
                if total is not None:
                    total[m] = total.get(m, 0) + v
                parts.append(f'{{"metricName":{names[m]},"value":{int(v)}}}')
        return ",".join(parts)

    def build(module: _Module) -> tuple[str, dict[str, int]]:
        total: dict[str, int] = {}
        children = []
        order_of = wanted._order
        for path in module.files:
            values = shown[path]
            listed = metric_text(values, order_of(values), total)
            children.append(f'{{"name":{quote(path)},"type":"FILE","metrics":[{listed}],"children":[]}}')
        for child in module.children:
            text, sub_total = build(child)
            wanted.add(total, sub_total)
            children.append(text)
        name = quote("root" if module.path is None else module.path)
        own = metric_text(total, order_of(total), None)
        return f'{{"name":{name},"type":"MODULE","metrics":[{own}],"children":[{",".join(children)}]}}', total

    return build(root)[0]


def _changes(renamed: bool = False, modified: bool = False, deleted: bool = False,
             added: bool = False) -> dict[str, bool]:
    return {"renamed": renamed, "modified": modified, "deleted": deleted, "added": added}


def differs(a: Values, b: Values, metrics: Sequence[str]) -> bool:
    return any(a.get(m, 0) != b.get(m, 0) for m in metrics)


def delta_tree(
    files1: Mapping[str, Values],
    files2: Mapping[str, Values],
    modules: Iterable[str],
    metrics: Sequence[str],
    renames: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The delta tree (seed 5.4.2) of two commits' files, commit1 the older one. ``renames``: new path ->
    old path for files renamed between the two commits (old path only at commit1, new only at commit2)."""
    wanted = Wanted(metrics)
    metrics = wanted.metrics
    renames = dict(renames or {})
    renamed_to = {old: new for new, old in renames.items()}
    shown1 = {p: v for p, v in files1.items() if wanted.shows(v)}
    shown2 = {p: v for p, v in files2.items() if wanted.shows(v)}
    root = _module_tree(set(shown1) | set(shown2), modules)

    def file_node(path: str) -> dict[str, Any]:
        v1, v2 = shown1.get(path), shown2.get(path)
        renamed_from = renames.get(path) if v1 is None else None
        to = renamed_to.get(path) if v2 is None else None
        if renamed_from is not None:
            old = files1.get(renamed_from, {})
            changes = _changes(renamed=True, modified=differs(old, v2 or {}, metrics))
        elif to is not None:
            changes = _changes(renamed=True)
        elif v1 is None:
            changes = _changes(added=True)
        elif v2 is None:
            changes = _changes(deleted=True)
        else:
            changes = _changes(modified=differs(v1, v2, metrics))
        return {
            "name": path,
            "type": "FILE",
            "commit1Metrics": None if v1 is None else wanted.listed(v1),
            "commit2Metrics": None if v2 is None else wanted.listed(v2),
            "renamedFrom": renamed_from,
            "renamedTo": to,
            "changes": changes,
            "children": [],
        }

    def build(module: _Module) -> tuple[dict[str, Any], dict[str, int], dict[str, int]]:
        total1: dict[str, int] = {}
        total2: dict[str, int] = {}
        children: list[dict[str, Any]] = []
        for path in module.files:
            if path in shown1:
                wanted.add(total1, shown1[path])
            if path in shown2:
                wanted.add(total2, shown2[path])
            children.append(file_node(path))
        for child in module.children:
            node, sub1, sub2 = build(child)
            wanted.add(total1, sub1)
            wanted.add(total2, sub2)
            children.append(node)
        node = {
            "name": "root" if module.path is None else module.path,
            "type": "MODULE",
            "commit1Metrics": wanted.listed(total1),
            "commit2Metrics": wanted.listed(total2),
            "renamedFrom": None,
            "renamedTo": None,
            "changes": None,
            "children": children,
        }
        return node, total1, total2

    return build(root)[0]


def finding_view(finding: FindingRecord | list[Any]) -> dict[str, Any]:
    """A finding as coderadar shows it."""
    f = FindingRecord(*finding)
    return {"lineStart": f.line_start, "lineEnd": f.line_end, "charStart": f.char_start, "charEnd": f.char_end,
            "message": f.message}
