"""Quality in the web interface: a commit's gate verdict and patch coverage (and the patch lines a diff
marks covered or missed), and the project's Quality page: the gate's verdict and coverage over the
default branch's commits, and, for ADMINs, the gate, the outgoing webhooks, the badge key and the push
hook secret. Everything is read and changed through the functions and services the API uses."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from flask import Response, current_app, redirect, request, url_for

from application.projects.quality_gates import badge_key, regenerate_badge_key, set_conditions
from domain.notifications.webhooks import EVENT_KINDS, check_events
from domain.quality.gate import BUILT_IN, MAX_CONDITIONS, OPERATORS, Condition, Figure, check_conditions, verdict
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.testing.patch import PatchCoverage, PathMatcher, rounded
from interfaces.history.diffs import added_lines
from interfaces.history.git_reader import GitReader
from interfaces.history.model import ChangeKind, FileChange
from interfaces.http.history.common import history_app
from interfaces.http.notifications.webhooks import MAX_SECRET, notifications
from interfaces.http.projects.access import ADMIN, MEMBER, ProjectAccess, project_access, projects_app
from interfaces.http.quality.gates import conditions_of
from interfaces.notifications.destinations import check_url, destination, parse_allowed
from interfaces.quality.evaluation import figures
from interfaces.quality.mirrors import mirror_opener
from interfaces.testing.patch_coverage import commit_coverage, commit_view, report_files
from interfaces.web.common import blp, page, page_number, page_url, store
from projections.analysis import queries as analysis
from projections.history import queries as history
from projections.notifications import webhooks as webhook_queries
from projections.testing import queries as testing

HISTORY_PAGE = 25
DELIVERIES_SHOWN = 20
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def _is_admin(access: ProjectAccess) -> bool:
    return bool(access.principal.platform_admin or (access.role is not None and access.role.value == "ADMIN"))


def _mirror(project: dict[str, Any]) -> Any:
    """The project's mirror as a context manager yielding a reader, or None while there is none."""
    return mirror_opener(current_app.extensions["codeannals"].settings.data_dir, project["uuid"])()


# --- the commit page ---------------------------------------------------------------------------------
def commit_quality(project: dict[str, Any], commit: dict[str, Any]) -> dict[str, Any]:
    """The commit page's quality section: the gate's verdict (None without conditions) and the patch
    coverage as ``GET .../commits/{hash}/coverage`` answers it (None without a run with coverage)."""
    conditions = conditions_of(int(project["id"]))
    coverage = None
    mirror_missing = False
    with _mirror(project) as reader:
        found = None
        if reader is None:
            mirror_missing = testing.newest_coverage_run(store(), str(commit["hash"])) is not None
        else:
            found = commit_coverage(store(), reader, str(commit["hash"]))
            coverage = None if found is None else commit_view(*found)
        verdict_now = _verdict(project, commit, conditions, reader, found) if conditions else None
    return {"verdict": verdict_now, "coverage": coverage, "mirror_missing": mirror_missing}


def _verdict(project: dict[str, Any], commit: dict[str, Any], conditions: list[Condition], reader: GitReader | None,
             found: tuple[dict[str, Any], PatchCoverage] | None) -> dict[str, Any]:
    """The gate's verdict as ``GET .../commits/{hash}/qualityGate`` answers it: the evaluation's own
    figures, with the commit's patch coverage (``found``, already computed for the page) used as is."""
    metrics = [c.metric for c in conditions]
    known = figures(store(), int(project["id"]), commit, [m for m in metrics if m != "patchCoverage"],
                    _shared(reader))
    if "patchCoverage" in metrics:
        known["patchCoverage"] = Figure(None, pending=True) if found is None else Figure(rounded(*found[1].patch))
    return {"commitHash": str(commit["hash"]), **verdict(conditions, known)}


# --- the diff page ------------------------------------------------------------------------------------
def patch_marks(project: dict[str, Any], commit_hash: str, path: str,
                change: FileChange) -> dict[str, Any] | None:
    """The patch lines of ``path`` in the commit (new-side numbers) that the commit's newest run with
    coverage covered and missed, by the same rules as the patch coverage endpoint (the report's file
    matched to the tree by the longest unique path suffix); None when no run with coverage exists or
    the report does not cover the file."""
    run = testing.newest_coverage_run(store(), commit_hash)
    if run is None or change.kind is ChangeKind.DELETE:
        return None
    with _mirror(project) as reader:
        if reader is None:
            return None
        return _file_marks(reader, run, commit_hash, path, change)


def _file_marks(reader: GitReader, run: dict[str, Any], commit_hash: str, path: str,
                change: FileChange) -> dict[str, Any] | None:
    matcher = PathMatcher(entry.path for entry in reader.files(commit_hash))
    hit: set[int] = set()
    miss: set[int] = set()
    matched = False
    for rf in report_files(store(), int(run["id"])):
        if matcher.match(rf.path, rf.sources) == path:
            matched = True
            hit |= rf.covered_lines
            miss |= rf.missed_lines
    if not matched:
        return None
    patch = sorted(set(added_lines(change, reader.read_blob)))
    covered = [n for n in patch if n in hit]
    missed = [n for n in patch if n not in hit and n in miss]
    return {"run": run, "covered": covered, "missed": missed, "percentage": rounded(len(covered), len(missed))}


def diff_line_marks(lines: list[tuple[str, str]], marks: dict[str, Any] | None) -> list[str]:
    """Per line of a unified diff: ``covered``/``missed`` when its new-side line number is a patch line
    the run covered/missed, else ``""``."""
    if not marks:
        return [""] * len(lines)
    covered, missed = set(marks["covered"]), set(marks["missed"])
    out: list[str] = []
    new_line = 0  # 0 until the first hunk: the file header lines are on no side
    for kind, text in lines:
        mark = ""
        if kind == "hunk":
            found = _HUNK.match(text)
            new_line = int(found.group(1)) if found else 0
        elif new_line and text[:1] in ("+", " ", ""):  # a line of the new side (added or context)
            mark = "covered" if new_line in covered else "missed" if new_line in missed else ""
            new_line += 1
        out.append(mark)
    return out


# --- the Quality page ---------------------------------------------------------------------------------
def _default_head(project: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    status = history.import_status(store(), int(project["id"]))
    name = project.get("default_branch") or (status or {}).get("default_branch")
    ref = history.ref_by_name(store(), int(project["id"]), str(name)) if name else None
    if ref is None or ref["commit_idx"] is None:
        return (None if not name else str(name)), None
    return str(name), {"idx": int(ref["commit_idx"])}


def _shared(reader: GitReader | None) -> Any:
    @contextmanager
    def opener() -> Iterator[GitReader | None]:
        yield reader

    return opener


def gate_history(project: dict[str, Any], conditions: list[Condition]) -> dict[str, Any]:
    """A page of the default branch's commits (newest first), each with the gate's verdict now and its
    coverage and patch coverage; and the chart's series over them (oldest first)."""
    project_id = int(project["id"])
    branch, head = _default_head(project)
    number = page_number()
    rows: list[dict[str, Any]] = []
    total = 0
    if head is not None:
        commits = history.ancestry_commits(store(), project_id, int(head["idx"]))
        total = len(commits)
        chosen = commits[(number - 1) * HISTORY_PAGE:number * HISTORY_PAGE]
        with _mirror(project) as reader:
            for commit in chosen:
                row: dict[str, Any] = {"commit": commit, "verdict": None, "coverage": None, "patch": None}
                run = testing.newest_coverage_run(store(), str(commit["hash"]))
                found = None
                if run is not None:
                    row["coverage"] = rounded(int(run["line_covered"]), int(run["line_missed"]))
                    found = None if reader is None else commit_coverage(store(), reader, str(commit["hash"]))
                    row["patch"] = None if found is None else rounded(*found[1].patch)
                if conditions:
                    row["verdict"] = _verdict(project, commit, conditions, reader, found)["status"]
                rows.append(row)
    series: dict[str, list[dict[str, Any]]] = {"coverage %": [], "patch coverage %": []}
    for row in reversed(rows):
        for name, key in (("coverage %", "coverage"), ("patch coverage %", "patch")):
            if row[key] is not None:
                series[name].append({"x": int(row["commit"]["author_time"]), "y": row[key],
                                     "commit": str(row["commit"]["hash"])[:7]})
    pages = max(1, (total + HISTORY_PAGE - 1) // HISTORY_PAGE)
    return {"branch": branch, "rows": rows, "total": total, "number": number, "pages": pages,
            "series": {k: v for k, v in series.items() if v}}


def gate_fingerprint(conditions: list[Condition]) -> str:
    """Names the gate a form was made from, so a change made meanwhile is not overwritten."""
    text = json.dumps([c.view() for c in conditions], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _admin_context(access: ProjectAccess) -> dict[str, Any]:
    project_id = int(access.project["id"])
    project_uuid = UUID(str(access.project["uuid"]))
    hooks = []
    for row in webhook_queries.webhooks_of(store(), project_id):
        hooks.append({**row, "deliveries": webhook_queries.deliveries_of(store(), int(row["id"]),
                                                                         limit=DELIVERIES_SHOWN)})
    key = badge_key(projects_app(), project_uuid)
    return {
        "webhooks": hooks, "badge_key": key,
        "badge_url": None if key is None else request.host_url.rstrip("/") + f"/api/qualityGate/badge/{key}.svg",
        "push_secret_set": history_app().push_secret(project_uuid) is not None,
        "push_url": request.host_url.rstrip("/") + f"/api/projects/{project_id}/hooks/push",
    }


def _quality_page(access: ProjectAccess, status: int = 200, **extra: Any) -> Response:
    project_id = int(access.project["id"])
    conditions = conditions_of(project_id)
    admin = _is_admin(access)
    context: dict[str, Any] = {
        "project": access.project, "conditions": conditions, "fingerprint": gate_fingerprint(conditions),
        "is_admin": admin, "history": gate_history(access.project, conditions), "page_url": page_url,
        "verdict_changes": webhook_queries.verdict_history(store(), project_id, limit=20),
        "operators": OPERATORS, "metric_choices": [*BUILT_IN, *analysis.metric_names(store(), project_id)],
        "event_kinds": EVENT_KINDS, "error": None, "new_secret": None, "new_webhook_secret": None,
        "form": {}, "max_conditions": MAX_CONDITIONS,
    }
    if admin:
        context.update(_admin_context(access))
    context.update(extra)
    return page("quality.html", status=status, **context)


@blp.route("/ui/projects/<int:project_id>/quality")
def quality(project_id: int) -> Response:
    return _quality_page(project_access(project_id, MEMBER))


def _threshold(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise Invalid(f"The threshold must be a number, not {raw.strip()[:50]!r}.") from None
    return value


def _condition_from_form(prefix: str = "") -> dict[str, Any]:
    form = request.form
    return {"metric": form.get(prefix + "metric", "").strip(), "op": form.get(prefix + "op", ""),
            "threshold": _threshold(form.get(prefix + "threshold", ""))}


def _index(count: int) -> int:
    raw = request.form.get("index", "")
    if not raw.isdigit() or int(raw) >= count:
        raise Invalid("No such condition.")
    return int(raw)


def _change_gate(access: ProjectAccess, what: str) -> None:
    current = conditions_of(int(access.project["id"]))
    if request.form.get("fingerprint", "") != gate_fingerprint(current):
        raise Conflict("The gate was changed since this page was shown; reload it and try again.")
    raw = [c.view() for c in current]
    if what == "gate_add":
        raw.append(_condition_from_form())
    elif what == "gate_change":
        raw[_index(len(raw))] = _condition_from_form()
    else:
        del raw[_index(len(raw))]
    conditions = check_conditions(raw)
    set_conditions(projects_app(), UUID(str(access.project["uuid"])), int(access.project["id"]), conditions,
                   actor=access.principal.actor)


def _webhook(access: ProjectAccess) -> dict[str, Any]:
    raw = request.form.get("webhook", "")
    row = webhook_queries.webhook_of(store(), int(access.project["id"]), int(raw)) if raw.isdigit() else None
    if row is None:
        raise NotFound("No such webhook in this project.")
    return row


def _add_webhook(access: ProjectAccess) -> str | None:
    """Add a webhook as ``POST .../webhooks`` does; the generated secret when none was given."""
    form = request.form
    secret = form.get("secret", "")
    generated = None
    if not secret.strip():
        secret = generated = secrets.token_urlsafe(24)
    if len(secret) > MAX_SECRET:
        raise Invalid(f"The secret must be at most {MAX_SECRET} characters long.")
    events = check_events(form.getlist("events"))
    url = check_url(form.get("url", ""))
    allowed = parse_allowed(current_app.extensions["codeannals"].settings.extra.get(
        "CODEANNALS_WEBHOOK_ALLOWED_HOSTS"))
    destination(url, allowed)  # a refused destination is a 400 before anything is recorded
    notifications().create_webhook(UUID(str(access.project["uuid"])), int(access.project["id"]), url, secret,
                                   events, actor=access.principal.actor)
    return generated


@blp.route("/ui/projects/<int:project_id>/quality", methods=["POST"])
def quality_change(project_id: int) -> Response:
    """ADMIN: change the gate, the webhooks, the badge key or the push hook secret."""
    access = project_access(project_id, ADMIN)
    what = request.form.get("what", "")
    project_uuid, actor = UUID(str(access.project["uuid"])), access.principal.actor
    anchor = "#gate"
    try:
        if what in ("gate_add", "gate_change", "gate_remove"):
            _change_gate(access, what)
        elif what == "webhook_add":
            generated = _add_webhook(access)
            if generated is not None:
                return _quality_page(access, new_webhook_secret=generated)
            anchor = "#webhooks"
        elif what == "webhook_delete":
            notifications().delete_webhook(UUID(str(_webhook(access)["uuid"])), actor=actor)
            anchor = "#webhooks"
        elif what == "webhook_test":
            row = _webhook(access)
            payload = {"event": "ping", "project": {"id": project_id, "name": access.project["name"]},
                       "commit": None, "facts": {"webhookId": int(row["id"])}, "occurredAt": None}
            notifications().test_delivery(UUID(str(row["uuid"])), int(row["id"]), project_id, payload, actor=actor)
            anchor = f"#webhook-{int(row['id'])}"
        elif what == "badge_key":
            regenerate_badge_key(projects_app(), project_uuid, project_id, actor=actor)
            anchor = "#badge"
        elif what == "push_secret":
            secret = history_app().replace_push_secret(project_uuid, actor=actor)
            return _quality_page(access, new_secret=secret)
        else:
            raise Invalid("Unknown change.")
    except (Invalid, Conflict, NotFound) as exc:
        status = 409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound) else 400
        return _quality_page(access, status=status, error=exc.message, form=request.form)
    return redirect(url_for("web.quality", project_id=project_id) + anchor)  # type: ignore[return-value]
