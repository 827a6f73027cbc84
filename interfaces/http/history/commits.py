"""coderadar commits (seed 5.2): a branch's commits, newest first, optionally by one contributor; and
the commit log of all branches."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from domain.history.records import short_hash, subject
from domain.shared.errors import Invalid, NotFound
from interfaces.http.history.common import commit_view, json_response, with_analyzed
from interfaces.http.history.schemas import CommitLogSchema, CommitSchema, CommitsQuerySchema
from interfaces.http.projects.access import MEMBER, project_access, store
from projections.history import queries

blp = Blueprint("coderadar_commits", __name__, url_prefix="/api", description="coderadar commits (seed 5.2)")


def _branch_name(project: dict[str, Any], args: dict[str, Any]) -> str:
    name = (args.get("branchName") or "").strip()
    if name:
        return name
    fallback = project.get("default_branch")
    if not fallback:
        status = queries.import_status(store(), int(project["id"]))
        fallback = status["default_branch"] if status else None
    if not fallback:
        raise Invalid("branchName is required: the project has no default branch (yet)")
    return str(fallback)


@blp.route("/projects/<int:project_id>/commits")
class Commits(MethodView):
    @blp.arguments(CommitsQuerySchema, location="query")
    @blp.response(200, CommitSchema(many=True))
    @blp.alt_response(404, description="No such branch (or tag)")
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """The commits of a branch (its head and every ancestor), newest first. With ``email``: only
        those of the contributor with that e-mail address (all of the contributor's addresses)."""
        access = project_access(project_id, MEMBER)
        name = _branch_name(access.project, args)
        ref = queries.ref_by_name(store(), project_id, name)
        if ref is None:
            raise NotFound(f"Branch {name} not found in project {project_id}.")
        if ref["commit_idx"] is None:
            return json_response([])
        emails: list[str] | None = None
        if args.get("email") is not None:
            contributor = queries.contributor_of_email(store(), project_id, str(args["email"]).strip())
            emails = [] if contributor is None else queries.emails_of_contributor(store(), project_id, contributor)
        rows = queries.ancestry_commits(store(), project_id, int(ref["commit_idx"]), emails)
        return json_response([commit_view(r) for r in with_analyzed(project_id, rows)])


@blp.route("/projects/<int:project_id>/commitLog")
class CommitLog(MethodView):
    @blp.response(200, CommitLogSchema(many=True))
    def get(self, project_id: int) -> Response:
        """Every commit of every branch and tag, newest first, git-log style: refs pointing at it
        (tags as ``tag: name``), parents, author, subject (cut at 100 characters)."""
        project_access(project_id, MEMBER)
        out = []
        for r in with_analyzed(project_id, queries.commit_log(store(), project_id)):
            out.append({
                "refs": [f"tag: {ref['name']}" if ref["is_tag"] else ref["name"] for ref in r["refs"]],
                "hash": short_hash(str(r["hash"])),
                "parents": [short_hash(p) for p in r["parents"]],
                "author": {"name": r["author_name"], "email": r["author_email"], "timestamp": int(r["author_time"])},
                "subject": subject(str(r["message"])),
                "analyzed": bool(r["analyzed"]),
            })
        return json_response(out)
