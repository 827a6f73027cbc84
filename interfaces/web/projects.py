"""Project pages: commits (paged, by branch and contributor, with a branch graph), metric trends,
configuration and analysis control for ADMINs, change history; a commit with its changed files,
diffs, runs and builds; the code map; a file; contributors."""

from __future__ import annotations

import json
import posixpath
from typing import Any
from uuid import UUID

from flask import Response, jsonify, redirect, request, url_for

from domain.history.records import DELETE, short_hash
from domain.history.rules import check_repo_path
from domain.shared.errors import Invalid, NotFound
from interfaces.history.diffs import file_diff
from interfaces.history.model import ChangeKind, FileChange
from interfaces.http.analysis.common import analysed_commit, analysis_app
from interfaces.http.analysis.metrics import renames_between
from interfaces.http.history.common import history_app, mirror, resolve_commit
from interfaces.http.history.critical_files import _histories
from interfaces.http.projects.access import ADMIN, MEMBER, project_access, projects_app
from interfaces.http.projects.common import user_ref
from interfaces.http.testing.common import viewer_of
from interfaces.web import graph
from interfaces.web.common import (
    PAGE_SIZE,
    actor_names,
    area_metric,
    blp,
    colour_metric,
    page,
    page_number,
    page_url,
    store,
    subject_of,
)
from interfaces.web.highlight import highlighted_blob, source_rows
from interfaces.web.home import progress
from interfaces.web.quality import commit_quality, diff_line_marks, patch_marks
from projections.analysis import queries as analysis
from projections.history import queries as history
from projections.identity import queries as identity_queries
from projections.projects import queries as projects
from projections.testing import queries as testing
from projections.web import queries as web


def _default_branch(project: dict[str, Any]) -> str | None:
    imp = history.import_status(store(), int(project["id"]))
    name = project.get("default_branch") or (imp or {}).get("default_branch")
    return None if not name else str(name)


def _head_of(project_id: int, commit: str | None, project: dict[str, Any]) -> dict[str, Any]:
    if commit:
        return resolve_commit(project_id, commit, "commit")
    name = _default_branch(project)
    ref = history.ref_by_name(store(), project_id, name) if name else None
    if ref is None or ref["commit_idx"] is None:
        raise NotFound(f"Project {project_id} has no commits yet.")
    found = history.commit_at(store(), project_id, int(ref["commit_idx"]))
    if found is None:
        raise NotFound(f"Project {project_id} has no commits yet.")
    return found


# --- project ---------------------------------------------------------------------------------------
@blp.route("/ui/projects/<int:project_id>")
def project(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    refs = history.refs(store(), project_id)
    branches = [r for r in refs if not r["is_tag"]]
    branch = request.args.get("branch") or _default_branch(access.project) or (branches[0]["name"] if branches
                                                                               else None)
    people = history.contributors(store(), project_id)
    who = request.args.get("contributor", "")
    rows: list[dict[str, Any]] = []
    total = 0
    number = page_number()
    graph_svg = None
    ref = history.ref_by_name(store(), project_id, branch) if branch else None
    if branch and ref is None:
        raise NotFound(f"Branch {branch} not found in project {project_id}.")
    if ref is not None and ref["commit_idx"] is not None:
        emails = None
        if who:
            chosen = next((c for c in people if str(c["id"]) == who), None)
            emails = chosen["emails"] if chosen else []
        commits = history.ancestry_commits(store(), project_id, int(ref["commit_idx"]), emails)
        total = len(commits)
        rows = commits[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        parents = web.parents_of(store(), project_id, [int(r["idx"]) for r in rows])
        graph_svg = graph.svg([(str(r["hash"]), parents.get(int(r["idx"]), [])) for r in rows])
        analysed = analysis.analyzed_hashes(store(), project_id, [str(r["hash"]) for r in rows])
        rows = [{**r, "analyzed": str(r["hash"]) in analysed, "subject": subject_of(str(r["message"])),
                 "merge": len(parents.get(int(r["idx"]), [])) > 1} for r in rows]
    metrics = analysis.metric_names(store(), project_id)
    picked = [m for m in request.args.getlist("metric") if m in metrics][:6]
    if not picked:
        picked = [m for m in (area_metric(metrics),) if m]
    trend: dict[str, list[dict[str, Any]]] = {}
    if picked and ref is not None:
        head = analysis.newest_analysed_ancestor(store(), project_id, str(ref["commit_hash"]))
        if head is not None:
            for metric in picked:
                trend[metric] = [{"x": point["timestamp"], "y": point["value"], "commit": short_hash(point["commit"])}
                                 for point in analysis.metric_history(store(), project_id, head, metric)]
    is_admin = access.principal.platform_admin or (access.role is not None and access.role.value == "ADMIN")
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return page(
        "project.html", project=access.project, branches=branches, tags=[r for r in refs if r["is_tag"]],
        branch=branch, people=people, who=who, rows=rows, total=total, number=number, pages=pages,
        page_url=page_url, graph_svg=graph_svg, metrics=metrics, chosen=picked, trend=trend,
        progress=progress(project_id), is_admin=is_admin,
        modules=projects.modules(store(), project_id), patterns=projects.file_patterns(store(), project_id),
        analyzers=projects.analyzers(store(), project_id), members=projects.project_users(store(), project_id),
        teams=projects.teams_of_project(store(), project_id),
        offered=projects_app().offered_analyzers() if is_admin else [],
    )


@blp.route("/ui/projects/<int:project_id>/analysis/<string:action>", methods=["POST"])
def analysis_action(project_id: int, action: str) -> Response:
    if action not in ("start", "stop", "reset"):
        raise NotFound(f"No analysis action {action}.")
    access = project_access(project_id, ADMIN if action == "reset" else MEMBER)
    uuid = UUID(access.project["uuid"])
    if action == "start":
        patterns = [[str(r["pattern"]), str(r["inclusion_type"])] for r in projects.file_patterns(store(), project_id)]
        analyzers = [[a["analyzer_name"], dict(a["parameters"] or {})]
                     for a in projects.analyzers(store(), project_id) if a["enabled"]]
        analysis_app().start(uuid, project_id, [], patterns, analyzers, actor=access.principal.actor)
    elif action == "stop":
        analysis_app().stop(uuid, actor=access.principal.actor)
    else:
        analysis_app().reset(uuid, project_id, actor=access.principal.actor)
    return redirect(url_for("web.project", project_id=project_id) + "#configuration")  # type: ignore[return-value]


@blp.route("/ui/projects/<int:project_id>/configuration", methods=["POST"])
def configure(project_id: int) -> Response:
    """ADMIN: add or remove a module, a file pattern or an analyzer."""
    access = project_access(project_id, ADMIN)
    uuid, actor = UUID(access.project["uuid"]), access.principal.actor
    what, form = request.form.get("what", ""), request.form
    service = projects_app()
    if what == "add_module":
        service.add_module(uuid, form.get("path", "").strip(), actor=actor)
    elif what == "remove_module":
        service.remove_module(uuid, form.get("key", ""), actor=actor)
    elif what == "add_pattern":
        service.add_file_pattern(uuid, form.get("pattern", "").strip(), form.get("inclusion_type", "INCLUDE"),
                                 actor=actor)
    elif what == "remove_pattern":
        service.remove_file_pattern(uuid, form.get("key", ""), actor=actor)
    elif what == "add_analyzer":
        service.add_analyzer(uuid, form.get("analyzer", ""), True, {}, actor=actor)
    elif what == "remove_analyzer":
        service.remove_analyzer(uuid, form.get("key", ""), actor=actor)
    elif what in ("set_role", "remove_role"):
        user = identity_queries.user_by_username(store(), form.get("username", "").strip())
        if user is None:
            raise NotFound(f"No user named {form.get('username', '').strip()}.")
        if what == "set_role":
            service.set_user_role(uuid, user_ref(int(user["id"])), form.get("role", "MEMBER"), actor=actor)
        else:
            service.remove_user_role(uuid, user_ref(int(user["id"])), actor=actor)
    elif what == "set_team_role":
        team = next((t for t in projects.list_teams(store()) if t["name"] == form.get("team", "").strip()), None)
        if team is None:
            raise NotFound(f"No team named {form.get('team', '').strip()}.")
        service.set_team_role(uuid, UUID(str(team["uuid"])), int(team["id"]), form.get("role", "MEMBER"),
                              actor=actor)
    else:
        raise Invalid("Unknown configuration change.")
    return redirect(url_for("web.project", project_id=project_id) + "#configuration")  # type: ignore[return-value]


@blp.route("/ui/projects/<int:project_id>/history")
def change_history(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    number = page_number()
    entries = projects.history(store(), project_id, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    names = actor_names([str(e["actor"]) for e in entries])
    return page("project_history.html", project=access.project, entries=entries[:PAGE_SIZE], number=number,
                names=names, more=len(entries) > PAGE_SIZE, page_url=page_url)


# --- commit and diff ----------------------------------------------------------------------------------
@blp.route("/ui/projects/<int:project_id>/commits/<string:commit_hash>")
def commit(project_id: int, commit_hash: str) -> Response:
    access = project_access(project_id, MEMBER)
    found = resolve_commit(project_id, commit_hash, "commit")
    full = str(found["hash"])
    parents = web.parents_of(store(), project_id, [int(found["idx"])]).get(int(found["idx"]), [])
    changes = history.commit_changes(store(), project_id, int(found["idx"]))
    _, analysed = analysed_commit(project_id, full)
    metrics = analysis.metric_names(store(), project_id)
    totals = analysis.totals_at(store(), project_id, analysed, metrics) if analysed else {}
    runs = testing.runs_of_commit(store(), full, viewer_of(access.principal))
    return page("commit.html", project=access.project, commit=found, parents=parents, changes=changes,
                totals=totals, analysed=analysed is not None, runs=runs,
                builds=web.builds_of_commit(store(), project_id, full),
                quality=commit_quality(access.project, found))


@blp.route("/ui/projects/<int:project_id>/commits/<string:commit_hash>/diff")
def diff(project_id: int, commit_hash: str) -> Response:
    access = project_access(project_id, MEMBER)
    found = resolve_commit(project_id, commit_hash, "commit")
    path = check_repo_path(request.args.get("path", ""))
    changes = history.commit_changes(store(), project_id, int(found["idx"]))
    row = next((c for c in changes if c["path"] == path and c["kind"] != DELETE), None) or next(
        (c for c in changes if c["kind"] == DELETE and (c["old_path"] == path or c["path"] == path)), None)
    if row is None:
        raise NotFound(f"Commit {short_hash(str(found['hash']))} did not change {path}.")
    change = FileChange(
        ChangeKind(str(row["kind"])), str(row["path"]), row["old_path"], row["old_blob"], row["new_blob"],
        None if row["old_mode"] is None else int(row["old_mode"]),
        None if row["new_mode"] is None else int(row["new_mode"]),
        None if row["similarity"] is None else int(row["similarity"]), 0,
    )
    with mirror(access.project) as reader:
        try:
            text = file_diff(change, reader.read_blob)
        except KeyError:
            raise NotFound(f"The contents of {path} are not in the repository mirror.") from None
    lines = []
    for line in text.splitlines():
        kind = ("hunk" if line.startswith("@@") else "add" if line.startswith("+") and not line.startswith("+++")
                else "del" if line.startswith("-") and not line.startswith("---") else "ctx")
        lines.append((kind, line))
    patch = patch_marks(access.project, str(found["hash"]), str(row["path"]), change)
    return page("diff.html", project=access.project, commit=found, change=row, lines=lines, path=path,
                patch=patch, line_marks=diff_line_marks(lines, patch))


# --- code map ------------------------------------------------------------------------------------------
STATUS_CODES = {"added": 1, "changed": 2, "deleted": 3, "renamed": 4}


def _treemap(files: dict[str, dict[str, int]], area: str, colour: str,
             status: dict[str, str] | None = None) -> dict[str, Any]:
    """Plotly treemap columns, compactly: a node per directory and per file, each naming its parent by
    index (-1: the root's parent). Directories sum their files' area; their colour is the colour
    metric per area unit (a density). With ``status`` (a comparison) the colour is the file's change."""
    index: dict[str, int] = {"": 0}
    labels, parent, values, colours = ["/"], [-1], [0.0], [0.0]
    dir_colour = [0.0]
    kinds = ["dir"]

    def directory(path: str) -> int:
        found = index.get(path)
        if found is not None:
            return found
        up = directory(posixpath.dirname(path))
        index[path] = len(labels)
        labels.append(posixpath.basename(path))
        parent.append(up)
        values.append(0.0)
        colours.append(0.0)
        dir_colour.append(0.0)
        kinds.append("dir")
        return index[path]

    for path, vals in files.items():
        a = float(vals.get(area, 0)) or 1.0
        c = float(vals.get(colour, 0))
        up = directory(posixpath.dirname(path))
        index[path] = len(labels)
        labels.append(posixpath.basename(path))
        parent.append(up)
        values.append(a)
        colours.append(c if status is None else STATUS_CODES.get(status.get(path, ""), 0))
        dir_colour.append(0.0)
        kinds.append("file" if status is None else status.get(path, "unchanged"))
        node = up
        while node >= 0:
            values[node] += a
            dir_colour[node] += c
            node = parent[node]
    for i, kind in enumerate(kinds):
        if kind == "dir":
            colours[i] = (dir_colour[i] / values[i] if values[i] else 0.0) if status is None else 0.0
    paths = [""] * len(labels)
    for path, i in index.items():
        paths[i] = path
    return _collapsed({"paths": paths, "labels": labels, "parents": parent, "values": values, "colours": colours,
                       "kinds": kinds})


def _collapsed(tree: dict[str, Any]) -> dict[str, Any]:
    """A directory whose only child is a directory is shown as one node (``src/main/java``), so a deep
    tree opens in a few clicks. Parents always come before their children in the columns."""
    parent, kinds = tree["parents"], tree["kinds"]
    children: dict[int, list[int]] = {}
    for i, up in enumerate(parent):
        if up >= 0:
            children.setdefault(up, []).append(i)
    keep = [True] * len(parent)
    new_parent = list(parent)
    labels = list(tree["labels"])
    for i in range(1, len(parent)):  # the root (0) stays
        kids = children.get(i, [])
        if kinds[i] == "dir" and len(kids) == 1 and kinds[kids[0]] == "dir":
            keep[i] = False
            only = kids[0]
            labels[only] = f"{labels[i]}/{labels[only]}"
            new_parent[only] = new_parent[i]
    renumber: dict[int, int] = {}
    for i, kept in enumerate(keep):
        if kept:
            renumber[i] = len(renumber)
    out: dict[str, list[Any]] = {key: [] for key in tree}
    for i, kept in enumerate(keep):
        if not kept:
            continue
        for key in ("paths", "values", "colours", "kinds"):
            out[key].append(tree[key][i])
        out["labels"].append(labels[i])
        out["parents"].append(-1 if new_parent[i] < 0 else renumber[new_parent[i]])
    return out


@blp.route("/ui/projects/<int:project_id>/codemap")
def codemap(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    head = _head_of(project_id, request.args.get("commit"), access.project)
    metrics = analysis.metric_names(store(), project_id)
    area = request.args.get("area") or area_metric(metrics) or ""
    colour = request.args.get("colour") or colour_metric(metrics, area) or ""
    compare = (request.args.get("compare") or "").strip()
    _, analysed = analysed_commit(project_id, str(head["hash"]))
    data: dict[str, Any]
    counts: dict[str, int] = {}
    older = None
    file_count = 0
    if not compare:
        values = {} if analysed is None else analysis.values_at(store(), project_id, analysed)
        file_count = len(values)
        data = _treemap(values, area, colour)
    else:
        files = {} if analysed is None else analysis.files_at(store(), project_id, analysed)
        file_count = len(files)
        older = resolve_commit(project_id, compare, "compare")
        _, old_analysed = analysed_commit(project_id, str(older["hash"]), "compare")
        old_files = {} if old_analysed is None else analysis.files_at(store(), project_id, old_analysed)
        deleted = {p: f.blob for p, f in old_files.items() if p not in files}
        added = {p: f.blob for p, f in files.items() if p not in old_files}
        renames = renames_between(access.project, deleted, added)
        status: dict[str, str] = {}
        merged: dict[str, dict[str, int]] = {}
        for path, state in files.items():
            merged[path] = state.values
            if path in renames:
                status[path] = "renamed"
            elif path not in old_files:
                status[path] = "added"
            elif old_files[path].blob != state.blob:
                status[path] = "changed"
        for path, state in old_files.items():
            if path not in files and path not in renames.values():
                merged[path] = state.values
                status[path] = "deleted"
        for value in status.values():
            counts[value] = counts.get(value, 0) + 1
        data = _treemap(merged, area, colour, status)
    largest = sorted(((data["paths"][i], data["values"][i]) for i, k in enumerate(data["kinds"])
                      if k not in ("dir", "deleted")), key=lambda f: (-f[1], f[0]))[:25]
    file_url = url_for("web.file_page", project_id=project_id, commit_hash=str(head["hash"]), path="PATH")
    return page("codemap.html", project=access.project, head=head, metrics=metrics, area=area, colour=colour,
                compare=compare, older=older, data=data, counts=counts, analysed=analysed is not None,
                file_count=file_count, file_url=file_url.replace("PATH", ""), largest=largest)


# --- file ---------------------------------------------------------------------------------------------
def _coverage_of(principal: Any, commit_hash: str, path: str) -> tuple[dict[str, Any] | None, dict[int, str]]:
    """The newest visible run of the commit that covered ``path``, and its marks per line number."""
    for run in sorted(testing.runs_of_commit(store(), commit_hash, viewer_of(principal)),
                      key=lambda r: -int(r["id"])):
        if not run["has_coverage"]:
            continue
        for report in testing.coverage_reports_of(store(), int(run["id"])):
            for row in testing.coverage_files_of(store(), int(run["id"]), int(report["report"])):
                covered_path = str(row["path"]).lstrip("./")
                if covered_path and (path == covered_path or path.endswith("/" + covered_path)):
                    executed = web.covered_lines(store(), int(run["id"]), int(report["report"]), int(row["file_idx"]))
                    marks = {n: "covered" for n in executed or ()}
                    marks.update({int(n): "missed" for n in json.loads(row["missed_lines"])})
                    marks.update({int(n): "partial" for n in json.loads(row["partial_lines"])})
                    return {"run": run, "file": row, "lines_known": executed is not None}, marks
    return None, {}


@blp.route("/ui/projects/<int:project_id>/files/<string:commit_hash>/<path:path>")
def file_page(project_id: int, commit_hash: str, path: str) -> Response:
    access = project_access(project_id, MEMBER)
    found = resolve_commit(project_id, commit_hash, "commit")
    path = check_repo_path(path)
    with mirror(access.project) as reader:
        try:
            blob = reader.blob_at(str(found["hash"]), path)
            data = None if blob is None else reader.read_blob(blob)
        except KeyError:
            blob, data = None, None
    if blob is None or data is None:
        raise NotFound(f"File {path} not found in commit {short_hash(str(found['hash']))}.")
    binary = b"\0" in data[:8000]
    text = "" if binary else data.decode("utf-8", "replace")
    lines = [] if binary else highlighted_blob(path, str(blob), text)
    # findings and metrics
    findings: dict[int, list[dict[str, Any]]] = {}
    values: dict[str, int] = {}
    _, analysed = analysed_commit(project_id, str(found["hash"]))
    if analysed is not None:
        state = analysis.file_at(store(), project_id, analysed, path)
        if state is not None and state.blob == blob:
            values = {k: v for k, v in state.values.items() if v}
            by_metric, _ = analysis.findings_of(store(), project_id, state.keys, state.blob)
            for metric, entries in by_metric.items():
                for f in entries:
                    start = int(f[1])
                    findings.setdefault(start, []).append({"metric": metric, "message": f[5] if len(f) > 5 else "",
                                                           "end": int(f[2])})
    coverage, marks = _coverage_of(access.principal, str(found["hash"]), path)
    # authors, commits and the metric trend
    touches = history.file_histories(store(), project_id, int(found["idx"]), [path]).get(path)
    touch_list = touches.touches if touches else []
    commits = history.commits_by_idx(store(), project_id, [t.idx for t in touch_list[:100]])
    file_commits = [commits[t.idx] for t in touch_list[:100] if t.idx in commits]
    authors: dict[str, int] = {}
    for t in touch_list:
        authors[t.email_key] = authors.get(t.email_key, 0) + 1
    names = {str(c["email_key"]): str(c["author_name"]) for c in file_commits}
    trend: dict[str, list[dict[str, Any]]] = {}
    for c in reversed(file_commits[:40]):
        ana = analysis.commits_by_prefix(store(), project_id, str(c["hash"]), limit=1)
        if not ana or ana[0].hash != str(c["hash"]):
            continue
        state = analysis.file_at(store(), project_id, ana[0], path)
        for metric, value in (state.values.items() if state else ()):
            trend.setdefault(metric, []).append({"x": int(c["author_time"]), "y": value,
                                                 "commit": short_hash(str(c["hash"]))})
    return page("file.html", project=access.project, commit=found, path=path, lines=lines, binary=binary,
                rows=source_rows(lines, marks, findings),
                findings=findings, values=values, coverage=coverage, marks=marks,
                authors=sorted(((names.get(k, k), n) for k, n in authors.items()), key=lambda a: -a[1]),
                file_commits=file_commits, trend=trend, size=len(data))


# --- contributors -------------------------------------------------------------------------------------
@blp.route("/ui/projects/<int:project_id>/contributors", methods=["GET", "POST"])
def contributors(project_id: int) -> Response:
    access = project_access(project_id, MEMBER)
    is_admin = access.principal.platform_admin or (access.role is not None and access.role.value == "ADMIN")
    if request.method == "POST":
        access = project_access(project_id, ADMIN)
        ids = list(dict.fromkeys(int(i) for i in request.form.getlist("ids") if i.isdigit()))
        if len(ids) < 2:
            raise Invalid("Pick at least two contributors to merge.")
        known = {int(c["id"]) for c in history.contributors_by_id(store(), project_id, ids)}
        if set(ids) - known:
            raise NotFound("A contributor to merge is not one of this project's.")
        name = request.form.get("display_name", "").strip()
        if not name:
            raise Invalid("Give the merged contributor a display name.")
        history_app().merge_contributors(UUID(access.project["uuid"]), project_id, ids, name,
                                         actor=access.principal.actor)
        return redirect(url_for("web.contributors", project_id=project_id))  # type: ignore[return-value]
    people = history.contributors(store(), project_id)
    stats = web.contributor_stats(store(), project_id)
    rows = []
    for c in people:
        mine = [stats[e] for e in c["emails"] if e in stats]
        rows.append({**c, "commits": sum(s["commits"] for s in mine), "files": sum(s["files"] for s in mine),
                     "first": min((s["first"] for s in mine), default=None),
                     "last": max((s["last"] for s in mine), default=None)})
    critical_many: list[tuple[str, int]] = []
    critical_often: list[tuple[str, int]] = []
    try:
        head = _head_of(project_id, None, access.project)
        histories = _histories(access.project, head)
        owners = history.contributor_emails(store(), project_id)
        many = [(p, len({owners.get(t.email_key, t.email_key) for t in h.touches})) for p, h in histories.items()]
        often = [(p, len(h.touches)) for p, h in histories.items()]
        critical_many = sorted(many, key=lambda x: (-x[1], x[0]))[:20]
        critical_often = sorted(often, key=lambda x: (-x[1], x[0]))[:20]
        head_hash = str(head["hash"])
    except NotFound:
        head_hash = ""
    return page("contributors.html", project=access.project, rows=rows, is_admin=is_admin,
                critical_many=critical_many, critical_often=critical_often, head_hash=head_hash)


@blp.route("/ui/projects/<int:project_id>/progress.json")
def project_progress(project_id: int) -> Response:
    project_access(project_id, MEMBER)
    return jsonify(progress(project_id))
