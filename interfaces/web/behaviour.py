"""Behavioural code analysis pages: the hotspot map (area: a metric, colour: revisions) with the files
ranked by risk, the change coupling list with a network of the strongest pairs, the ownership map
(colour: main developer) with the truck factor, and the code-age map.

Every page takes ``commitHash`` (default: the default branch's head), ``since`` (a date, YYYY-MM-DD, or
epoch ms), ``path`` (a directory the map is narrowed to) and, for the maps, ``metric`` (the area); it
reads through the functions the behaviour API answers with (``interfaces/http/history/behaviour.py``),
never over HTTP. Large trees stay drawable: the maps aggregate by directory and draw at most
``MAX_NODES`` nodes (the biggest directories opened first, a directory's smallest entries summed into
one "more" node); the tables are paged."""

from __future__ import annotations

import heapq
import math
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, request, url_for

from domain.shared.errors import Invalid
from interfaces.http.history.behaviour import (
    DEFAULT_METRIC,
    Window,
    _values,
    coupling_rows,
    hotspot_rows,
    ownership_rows,
    truck_factor_of,
    with_risk,
)
from interfaces.http.history.behaviour import code_age_rows as api_code_age_rows
from interfaces.http.projects.access import MEMBER, project_access
from interfaces.web.common import PAGE_SIZE, blp, page, page_number, page_url, store
from projections.analysis import queries as analysis

MAX_NODES = 1200  # nodes one map draws at most
PER_DIRECTORY = 80  # entries one opened directory shows; the rest are one "more" node
RISK_CANDIDATES = 500  # hotspots (by score) whose coverage and failures rank the risk table
NETWORK_PAIRS = 30  # strongest coupled pairs drawn in the network
PALETTE = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#e16f24", "#1b7c83", "#bf3989",
           "#6639ba", "#57606a", "#953800", "#116329"]
OTHERS = "#d0d7de"


# --- parameters --------------------------------------------------------------------------------------
@dataclass
class Params:
    commit_hash: str | None
    since: int | None
    since_text: str
    path: str
    metric: str


def _since(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit() and len(text) <= 16:
        return int(text)
    try:
        return int(datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        raise Invalid(f"since must be a date (YYYY-MM-DD), not {text[:40]!r}") from None


def _params() -> Params:
    commit_hash = (request.args.get("commitHash") or "").strip() or None
    if commit_hash is not None and len(commit_hash) > 100:
        raise Invalid("commitHash is too long")
    since_text = request.args.get("since", "")
    since = _since(since_text)
    if since is not None and since_text.strip().lstrip("-").isdigit():
        since_text = datetime.fromtimestamp(since / 1000, tz=UTC).strftime("%Y-%m-%d")
    path = (request.args.get("path") or "").strip().strip("/")
    if len(path) > 1000:
        raise Invalid("path is too long")
    metric = (request.args.get("metric") or "").strip() or DEFAULT_METRIC
    if len(metric) > 300:
        raise Invalid("metric is too long")
    return Params(commit_hash, since, since_text.strip(), path, metric)


def _window(project_id: int) -> tuple[Window, Params]:
    project_access(project_id, MEMBER)  # 401, 403 and 404 before any 400
    params = _params()
    window = Window(project_id, {"commitHash": params.commit_hash, "since": params.since})
    return window, params


def _count(name: str, default: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > 2**31:
        raise Invalid(f"{name} must be a whole number from 0 to 2**31")
    return int(text)


def _metric_choices(project_id: int) -> list[str]:
    """The project's metrics, and each without its ``:<extension>`` part (matching every language)."""
    names = analysis.metric_names(store(), project_id)
    prefixes = {n.rsplit(":", 1)[0] for n in names if n.count(":") >= 3}
    return sorted(set(names) | prefixes)


def _paged(rows: list[Any]) -> dict[str, Any]:
    number = page_number()
    pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    number = min(number, pages)
    return {"rows": rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], "number": number, "pages": pages,
            "total": len(rows), "offset": (number - 1) * PAGE_SIZE, "page_url": page_url}


def _common(window: Window, params: Params, here: str) -> dict[str, Any]:
    commit = window.commit
    head_hash = str(commit["hash"]) if commit else ""
    file_url = url_for("web.file_page", project_id=window.project_id, commit_hash=head_hash or "0", path="PATH")
    kept = {k: v for k, v in (("commitHash", params.commit_hash), ("since", params.since_text),
                              ("metric", request.args.get("metric", ""))) if v}
    focus_url = url_for(here, project_id=window.project_id) + ("?" + urlencode(kept) if kept else "")
    return {"project": window.access.project, "commit": commit, "params": params, "head_hash": head_hash,
            "file_url": file_url.replace("PATH", ""), "focus_url": focus_url, "here": here,
            "crumbs": _crumbs(params.path)}


def _crumbs(path: str) -> list[tuple[str, str]]:
    """(label, prefix) for each directory of the focus, the whole tree first."""
    out = [("(all files)", "")]
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts):
        out.append((part, "/".join(parts[:i + 1])))
    return out


def _under(path: str, focus: str) -> bool:
    return not focus or path == focus or path.startswith(focus + "/")


# --- the map: aggregated by directory, capped ---------------------------------------------------------
@dataclass
class _Node:
    path: str
    label: str
    area: float = 0.0
    weighted: float = 0.0  # colour x area, summed (numeric colours)
    votes: dict[int, float] = field(default_factory=dict)  # colour -> area (categorical colours)
    files: list[tuple[str, float, float]] = field(default_factory=list)
    dirs: dict[str, _Node] = field(default_factory=dict)

    def colour(self, categorical: bool) -> float:
        if categorical:
            return float(max(self.votes, key=lambda c: (self.votes[c], -c))) if self.votes else -1.0
        return self.weighted / self.area if self.area else 0.0


def treemap(items: list[tuple[str, float, float]], categorical: bool = False, focus: str = "",
            max_nodes: int = MAX_NODES, per_directory: int = PER_DIRECTORY) -> dict[str, Any]:
    """Plotly treemap columns for files ``(path, area, colour)``: a node per directory and per file,
    each naming its parent by index (-1 for the root). A directory's area is its files' sum, its
    colour their area-weighted mean (``categorical``: the colour covering most area). At most
    ``max_nodes`` nodes: directories open biggest first while the budget lasts (an unopened one is a
    leaf, kind ``closed``); an opened directory shows its ``per_directory`` biggest entries and sums
    the rest into one node of kind ``more``. A directory holding only one directory is shown as one
    node (``src/main/java``)."""
    root = _Node(focus, focus or "/")
    for path, area, colour in items:
        area = max(float(area), 0.0) or 1.0
        node = root
        relative = path[len(focus) + 1:] if focus else path
        parts = relative.split("/")
        prefix = focus
        for part in parts[:-1]:
            prefix = f"{prefix}/{part}" if prefix else part
            child = node.dirs.get(part)
            if child is None:
                child = node.dirs[part] = _Node(prefix, part)
            node = child
        node.files.append((path, area, colour))

    def total(node: _Node) -> None:
        for child in node.dirs.values():
            total(child)
            node.area += child.area
            node.weighted += child.weighted
            for c, a in child.votes.items():
                node.votes[c] = node.votes.get(c, 0.0) + a
        for _, area, colour in node.files:
            node.area += area
            node.weighted += colour * area
            if categorical:
                node.votes[int(colour)] = node.votes.get(int(colour), 0.0) + area

    total(root)

    def squashed(node: _Node) -> _Node:
        label = node.label
        while not node.files and len(node.dirs) == 1:
            node = next(iter(node.dirs.values()))
            label = f"{label}/{node.label}"
        node.label = label
        return node

    cols: dict[str, list[Any]] = {"paths": [], "labels": [], "parents": [], "values": [], "colours": [],
                                  "kinds": []}

    def add(path: str, label: str, parent: int, value: float, colour: float, kind: str) -> int:
        cols["paths"].append(path)
        cols["labels"].append(label)
        cols["parents"].append(parent)
        cols["values"].append(round(value, 3))
        cols["colours"].append(round(colour, 3))
        cols["kinds"].append(kind)
        return len(cols["paths"]) - 1

    top = squashed(root) if focus else root
    add(top.path, top.label if focus else "/", -1, top.area, top.colour(categorical), "dir")
    budget = max(max_nodes - 1, 0)
    queue: list[tuple[float, int, _Node]] = [(-top.area, 0, top)]
    while queue:
        _, index, node = heapq.heappop(queue)
        entries: list[tuple[float, str, Any]] = [(child.area, "dir", child) for child in node.dirs.values()]
        entries += [(area, "file", (path, colour)) for path, area, colour in node.files]
        entries.sort(key=lambda e: -e[0])
        shown = entries if len(entries) <= per_directory else entries[:per_directory - 1]
        cost = len(shown) + (len(shown) < len(entries))
        if cost > budget:
            cols["kinds"][index] = "closed"
            continue
        budget -= cost
        for area, kind, what in shown:
            if kind == "file":
                path, colour = what
                add(path, posixpath.basename(path), index, area, colour, "file")
            else:
                child = squashed(what)
                at = add(child.path, child.label, index, child.area, child.colour(categorical), "dir")
                heapq.heappush(queue, (-child.area, at, child))
        if len(shown) < len(entries):
            rest = entries[len(shown):]
            area = sum(e[0] for e in rest)
            add(f"{node.path}/…", f"{len(rest)} more", index, area, _rest_colour(rest, categorical), "more")
    opened = set(cols["parents"])
    for i, kind in enumerate(cols["kinds"]):  # a directory never opened is a leaf
        if kind == "dir" and i not in opened:
            cols["kinds"][i] = "closed"
    return cols


def _rest_colour(rest: list[tuple[float, str, Any]], categorical: bool) -> float:
    votes: dict[int, float] = {}
    weighted = area = 0.0
    for a, kind, what in rest:
        if kind == "dir":
            if categorical:
                for c, v in what.votes.items():
                    votes[c] = votes.get(c, 0.0) + v
            weighted += what.weighted
        else:
            colour = float(what[1])
            if categorical:
                votes[int(colour)] = votes.get(int(colour), 0.0) + a
            weighted += colour * a
        area += a
    if categorical:
        return float(max(votes, key=lambda c: (votes[c], -c))) if votes else -1.0
    return weighted / area if area else 0.0


# --- risk -----------------------------------------------------------------------------------------------
def risk_of(row: dict[str, Any]) -> float:
    """score x the share of lines not covered x (1 + failing tests): complex, often changed and poorly
    tested first. A file the coverage run does not mention counts as not covered."""
    covered = row.get("coveredPercentage")
    uncovered = 1.0 if covered is None else max(0.0, 100.0 - float(covered)) / 100.0
    return float(row["score"]) * uncovered * (1 + int(row.get("failedTests") or 0))


def ranked_by_risk(window: Window, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """The hotspots with the riskiest first (of the ``RISK_CANDIDATES`` highest scores; the rest follow
    by score) where a run with coverage exists; else by score. Whether risk was known."""
    candidates = [dict(r) for r in rows[:RISK_CANDIDATES]]
    if not with_risk(window, candidates):
        return rows, False
    for r in candidates:
        r["risk"] = risk_of(r)
    candidates.sort(key=lambda r: (-r["risk"], -r["score"], r["path"]))
    return candidates + rows[RISK_CANDIDATES:], True


# --- the pages ------------------------------------------------------------------------------------------
@blp.route("/ui/projects/<int:project_id>/hotspots")
def hotspots(project_id: int) -> Response:
    window, params = _window(project_id)
    rows = hotspot_rows(window, params.metric) if window.commit else []
    in_focus = [r for r in rows if _under(r["path"], params.path)]
    data = treemap([(r["path"], r["value"], r["revisions"]) for r in in_focus], focus=params.path)
    ranked, has_risk = ranked_by_risk(window, in_focus)
    return page("hotspots.html", **_common(window, params, "web.hotspots"), data=data, has_risk=has_risk,
                metrics=_metric_choices(project_id), files=len(in_focus), **_paged(ranked))


def network(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Nodes on a circle (by path, so a directory's files sit together) and the pairs as edges."""
    paths = sorted({r["path"] for r in pairs} | {r["coupledPath"] for r in pairs})
    revisions: dict[str, int] = {}
    for r in pairs:
        revisions[r["path"]] = r["revisions"]
        revisions[r["coupledPath"]] = r["coupledRevisions"]
    n = max(len(paths), 1)
    nodes = [{"path": p, "label": posixpath.basename(p), "revisions": revisions[p],
              "x": round(math.cos(2 * math.pi * i / n), 4), "y": round(math.sin(2 * math.pi * i / n), 4)}
             for i, p in enumerate(paths)]
    at = {p: i for i, p in enumerate(paths)}
    edges = [{"a": at[r["path"]], "b": at[r["coupledPath"]], "degree": r["degree"], "shared": r["shared"]}
             for r in pairs]
    return {"nodes": nodes, "edges": edges}


@blp.route("/ui/projects/<int:project_id>/coupling")
def coupling(project_id: int) -> Response:
    window, params = _window(project_id)
    limits = {"minRevisions": _count("minRevisions", 5), "minShared": _count("minShared", 5),
              "minDegree": _count("minDegree", 30), "maxChangesetSize": _count("maxChangesetSize", 30)}
    rows = coupling_rows(window, limits["minRevisions"], limits["minShared"], limits["minDegree"],
                         limits["maxChangesetSize"]) if window.commit else []
    rows = [r for r in rows if _under(r["path"], params.path) or _under(r["coupledPath"], params.path)]
    return page("coupling.html", **_common(window, params, "web.coupling"), limits=limits,
                graph=network(rows[:NETWORK_PAIRS]), drawn=min(len(rows), NETWORK_PAIRS), **_paged(rows))


def _areas(window: Window, metric: str) -> tuple[Callable[[str], float], bool]:
    """The area of a file on a map: the metric's value where the project measures it, else 1."""
    try:
        values = _values(window, metric)  # as hotspots read it: {} if not analysed
    except Invalid:
        if metric != DEFAULT_METRIC:
            raise
        values = {}
    return (lambda path: float(values.get(path, 1))), bool(values)


@blp.route("/ui/projects/<int:project_id>/ownership")
def ownership(project_id: int) -> Response:
    window, params = _window(project_id)
    stats = window.stats()
    rows = ownership_rows(window, params.path + "/" if params.path else "", stats) if window.commit else []
    truck: dict[str, Any] = (truck_factor_of(window, stats) if window.commit
                             else {"truckFactor": 0, "files": 0, "authors": []})
    colour_of = {a["email"]: i for i, a in enumerate(truck["authors"][:len(PALETTE)])}
    legend = [{**a, "colour": PALETTE[i]} for i, a in enumerate(truck["authors"][:len(PALETTE)])]
    area, measured = _areas(window, params.metric)
    data = treemap([(r["path"], area(r["path"]), colour_of.get(r["mainDeveloper"]["email"], -1)) for r in rows],
                   categorical=True, focus=params.path)
    return page("ownership.html", **_common(window, params, "web.ownership"), data=data, truck=truck,
                legend=legend, palette=PALETTE, others=OTHERS, measured=measured, files=len(rows),
                metrics=_metric_choices(project_id), authors=truck["authors"][:100], **_paged(rows))


@blp.route("/ui/projects/<int:project_id>/codeAge")
def code_age(project_id: int) -> Response:
    window, params = _window(project_id)
    rows = [r for r in api_code_age_rows(window) if _under(r["path"], params.path)]
    area, measured = _areas(window, params.metric)
    data = treemap([(r["path"], area(r["path"]), r["ageDays"]) for r in rows], focus=params.path)
    return page("code_age.html", **_common(window, params, "web.code_age"), data=data, measured=measured,
                files=len(rows), metrics=_metric_choices(project_id), **_paged(rows))
