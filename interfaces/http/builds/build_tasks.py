"""Copr API 2 build tasks (one per build and chroot), and the endpoint CI agents report progress to.

``PUT /api_2/build_tasks/<build_id>/<chroot>`` is this server's addition (Copr API 2 has none): an
agent authenticated with an API token of a user holding the project's MEMBER role sends the task's
``state`` and any of ``started_on``, ``ended_on``, ``result_dir_url``, ``git_hash``. The task state
machine decides (queued -> starting -> running -> finished; a finished task never starts again): a
refused move is a 400 naming the task's state."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from flask.views import MethodView

from domain.shared.errors import NotFound
from interfaces.http.auth import require_user
from interfaces.http.builds.common import (
    API,
    MEMBER,
    about,
    build_or_404,
    builds_app,
    caught_up,
    copr_blueprint,
    given,
    link,
    project_access,
    project_or_404,
    store,
    task_envelope,
)
from interfaces.http.builds.schemas import (
    CoprBuildTaskEnvelopeSchema,
    CoprBuildTaskListSchema,
    CoprBuildTaskQuerySchema,
    CoprBuildTaskReportSchema,
)
from interfaces.http.operations import public
from projections.builds import queries

blp = copr_blueprint("copr_build_tasks", "Copr API 2: build tasks, and task progress from CI agents")


def task_or_404(build_id: int, chroot: str) -> dict[str, Any]:
    task = queries.build_task(store(), build_id, chroot)
    if task is None:
        build_or_404(build_id)
        raise NotFound(f"Build task {build_id}/{chroot} not found", build_id=build_id, chroot_name=chroot)
    return task


@blp.route("/build_tasks")
class BuildTasks(MethodView):
    @public
    @blp.arguments(CoprBuildTaskQuerySchema, location="query")
    @blp.response(200, CoprBuildTaskListSchema)
    @blp.alt_response(404, description="No build with that build_id, or no project with that project_id")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Build tasks, newest build first: of one build (``build_id``), else of one project
        (``project_id``), else of an owner's or a group's projects; ``state`` keeps tasks in that state."""
        build_id, project_id = args.get("build_id"), args.get("project_id")
        if build_id is not None:
            build_or_404(build_id)
        elif project_id is not None:
            project_or_404(project_id)
        rows = queries.build_tasks(
            store(), build_id=build_id, project_id=project_id, owner=args.get("owner"), group=args.get("group"),
            state=args.get("state"), limit=args["limit"], offset=args["offset"],
        )
        return {"build_tasks": [task_envelope(r) for r in rows],
                "_links": {"self": link(f"{API}/build_tasks", given(args))}}


@blp.route("/build_tasks/<int:build_id>/<chroot>")
class BuildTaskResource(MethodView):
    @public
    @blp.response(200, CoprBuildTaskEnvelopeSchema)
    @blp.alt_response(404, description="No such build, or it has no task in that chroot")
    def get(self, build_id: int, chroot: str) -> dict[str, Any]:
        """One build task."""
        return task_envelope(task_or_404(build_id, chroot))

    @blp.arguments(CoprBuildTaskReportSchema)
    @blp.response(200, CoprBuildTaskEnvelopeSchema)
    @blp.alt_response(400, description="A value is invalid, or the task's state does not allow the move")
    @blp.alt_response(404, description="No such build, or it has no task in that chroot")
    def put(self, body: dict[str, Any], build_id: int, chroot: str) -> dict[str, Any]:
        """Report a task's progress (CI agents; MEMBER of the project). Times left out are filled in:
        ``started_on`` when it starts, ``ended_on`` when it finishes. Answers the task as it is now."""
        require_user()
        build = build_or_404(build_id)
        principal, _ = project_access(int(build["project_id"]), MEMBER)
        task_or_404(build_id, chroot)
        with about(f"Build task {build_id}/{chroot}"):
            builds_app().report_task(UUID(str(build["uuid"])), chroot, body, now=int(time.time()),
                                     actor=principal.actor)
        caught_up()
        return task_envelope(task_or_404(build_id, chroot))
