"""The notifier's view of the server: which events it follows, what they mean for webhooks (read from
the read models once they have caught up with the event), the quality gate, and the network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.notifications.notifier import Derived, Fact, Subscriber
from domain.analysis.jobs import ProjectAnalysis
from domain.builds.build import Build
from domain.history.import_job import ImportJob
from domain.quality.gate import QualityGate, check_conditions
from domain.testing.run import TestRun
from interfaces.notifications.sender import GuardedSender
from interfaces.quality.evaluation import evaluate
from interfaces.quality.mirrors import mirror_opener
from projections.history import queries as history
from projections.notifications import webhooks as hooks
from projections.projects import queries as projects
from projections.quality.gates import gate_of
from projections.testing import queries as testing

if TYPE_CHECKING:
    from interfaces.container import Container

FOLLOWED: dict[str, tuple[type, ...]] = {
    "history": (ImportJob.Finished,),
    "analysis": (ProjectAnalysis.Finished, ProjectAnalysis.BatchRecorded),
    "testing": (TestRun.ResultsRecorded, TestRun.CoverageReportRecorded),
    "builds": (Build.TaskReported, Build.Canceled),
    "projects": (QualityGate.ConditionsSet,),
}


class ServerEnvironment:
    def __init__(self, container: Container, sender: GuardedSender, read_wait_seconds: float = 10.0) -> None:
        self.container = container
        self.store = container.store
        self.sender = sender
        self.read_wait_seconds = read_wait_seconds

    def topics(self, application: str) -> list[str]:
        return [get_topic(cls) for cls in FOLLOWED.get(application, ())]

    def _caught_up(self, application: str, position: int) -> None:
        self.container.runner.wait_for({application: position}, self.read_wait_seconds)

    def _heads(self, project_id: int) -> list[tuple[int, str]]:
        return [(project_id, str(r["commit_hash"])) for r in history.refs(self.store, project_id)
                if not r["is_tag"] and r["commit_hash"]]

    def derive(self, application: str, position: int, event: Any) -> Derived:
        self._caught_up(application, position)
        when = event.timestamp.timestamp()
        out = Derived()
        if isinstance(event, ImportJob.Finished):
            job: Any = self.container.applications["history"].repository.get(event.originator_id)
            project_id = int(job.project_num)
            default = event.default_branch
            head = event.refs.get(f"refs/heads/{default}") if default else None
            out.facts.append(Fact(project_id, "import.completed", f"import:{position}", when, head,
                                  {"refs": dict(event.refs), "removed": list(event.removed), "defaultBranch": default}))
            out.verdicts.extend((project_id, sha) for ref, sha in event.refs.items() if ref.startswith("refs/heads/"))
        elif isinstance(event, ProjectAnalysis.Finished | ProjectAnalysis.BatchRecorded):
            value = self.store.scalar("SELECT project_id FROM analysis_projects WHERE aggregate_uuid=%s",
                                      (str(event.originator_id),))
            if value is None:
                return out
            project_id = int(value)
            if isinstance(event, ProjectAnalysis.Finished):
                status = self.store.fetchone("SELECT job, commits FROM analysis_projects WHERE project_id=%s",
                                             (project_id,))
                facts = {} if status is None else {"job": int(status["job"]), "commits": int(status["commits"])}
                out.facts.append(Fact(project_id, "analysis.completed", f"analysis:{position}", when, None, facts))
            out.verdicts.extend(self._heads(project_id))
        elif isinstance(event, TestRun.ResultsRecorded | TestRun.CoverageReportRecorded):
            run = self.store.fetchone(f"SELECT {testing.RUN_FIELDS} FROM test_runs r WHERE r.uuid=%s",
                                      (str(event.originator_id),))
            if run is None:
                return out
            project_ids = self._projects_of_run(run)
            sha = run["commit_sha"]
            if isinstance(event, TestRun.ResultsRecorded) or int(run["uploads"]) == 0:
                key = (f"run:{run['uuid']}:upload:{event.upload}" if isinstance(event, TestRun.ResultsRecorded)
                       else f"run:{run['uuid']}:coverage:{event.report}")
                facts = {"id": int(run["id"]), "publicId": run["public_id"], "tests": int(run["tests"]),
                         "passed": int(run["passed"]), "failed": int(run["failures"]) + int(run["errors"]),
                         "skipped": int(run["skipped"]), "hasCoverage": bool(run["has_coverage"]),
                         "branch": run["branch"]}
                out.facts.extend(Fact(p, "testRun.published", key, when, sha, facts) for p in project_ids)
            if sha:
                out.verdicts.extend((p, str(sha)) for p in project_ids)
        elif isinstance(event, Build.TaskReported | Build.Canceled):
            row = self.store.fetchone("SELECT id, project_id, state, is_finished FROM builds WHERE uuid=%s",
                                      (str(event.originator_id),))
            if row is None or not row["is_finished"]:
                return out
            build: Any = self.container.applications["builds"].repository.get(event.originator_id)
            facts = {"id": int(row["id"]), "state": row["state"]}
            out.facts.append(Fact(int(row["project_id"]), "build.finished", f"build:{event.originator_id}", when,
                                  getattr(build, "git_hash", None), facts))
        elif isinstance(event, QualityGate.ConditionsSet):
            out.verdicts.extend(self._heads(int(event.project_id)))
        return out

    def _projects_of_run(self, run: dict[str, Any]) -> list[int]:
        ids: list[int] = []
        if run["project_id"] is not None:
            ids.append(int(run["project_id"]))
        if run["commit_sha"]:
            for r in self.store.fetchall("SELECT DISTINCT project_id FROM history_commits WHERE hash=%s",
                                         (str(run["commit_sha"]),)):
                ids.append(int(r["project_id"]))
        return list(dict.fromkeys(ids))

    def subscribers(self, project_id: int, kind: str) -> list[Subscriber]:
        return [Subscriber(UUID(str(h["uuid"])), int(h["id"]), float(h["created_ts"]))
                for h in hooks.webhooks_of(self.store, project_id) if kind in h["events"]]

    def project_view(self, project_id: int) -> dict[str, Any]:
        project = projects.project_by_id(self.store, project_id)
        return {"id": project_id, "name": None if project is None else project["name"]}

    def verdict(self, project_id: int, commit_hash: str) -> dict[str, Any] | None:
        gate = gate_of(self.store, project_id)
        conditions = check_conditions(gate["conditions"]) if gate else []
        project = projects.project_by_id(self.store, project_id)
        found = history.commits_by_prefix(self.store, project_id, commit_hash, limit=1)
        if not conditions or project is None or not found or found[0]["hash"] != commit_hash:
            return None
        opener = mirror_opener(self.container.settings.data_dir, project["uuid"])
        return evaluate(self.store, project_id, found[0], conditions, opener)

    def due_deliveries(self, now: float, limit: int) -> list[UUID]:
        return [UUID(u) for u in hooks.due_deliveries(self.store, now, limit)]

    def send(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str | None]:
        return self.sender.send(url, headers, body)
