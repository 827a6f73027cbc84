"""The leased-job base (domain/shared/leases.py), in memory: claims, leases, release, failure, and
that imports and analyses keep their event topics."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import event
from eventsourcing.utils import get_topic

from application.shared.base import ContextApplication
from domain.analysis.jobs import ProjectAnalysis
from domain.history.import_job import ImportJob, ImportStatus
from domain.shared.errors import Conflict
from domain.shared.leases import MAX_REASON_LENGTH, LeasedJob, failure_reason


class Chore(LeasedJob):
    """A job open for claims until it is done."""

    noun = "the chore"

    class Claimed(LeasedJob.Claimed):
        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.claims += 1

    class Released(LeasedJob.Released):
        pass

    class Failed(LeasedJob.Failed):
        pass

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.worker: str | None = None
        self.lease_until = 0.0
        self.failure_reason: str | None = None
        self.claims = 0
        self.done = False

    def _claims_open(self) -> bool:
        return not self.done

    def _under_lease(self) -> bool:
        return self.worker is not None

    @event("Done")
    def finish(self) -> None:
        self.done = True
        self.worker = None


def test_a_claim_holds_the_job_until_its_lease_runs_out() -> None:
    chore = Chore(name="sweep")
    chore.claim("w1", now=100.0, lease_seconds=30, actor="system")
    assert chore.held_by("w1") and not chore.held_by("w2")
    assert (chore.worker, chore.lease_until, chore.claims) == ("w1", 130.0, 1)
    assert not chore.claimable(129.9) and not chore.lease_expired(129.9)
    with pytest.raises(Conflict, match="the chore is held by w1 until 130"):
        chore.claim("w2", now=120.0, lease_seconds=30, actor="system")
    assert chore.claimable(130.0) and chore.lease_expired(130.0)
    chore.claim("w2", now=131.0, lease_seconds=30, actor="system")  # the holder died: w2 takes over
    assert chore.held_by("w2") and not chore.held_by("w1")
    events = chore.collect_events()
    assert [type(e).__name__ for e in events] == ["Created", "Claimed", "Claimed"]
    assert isinstance(events[1], LeasedJob.Claimed) and isinstance(events[1], Chore.Claimed)


def test_only_the_holder_releases_and_a_released_job_is_claimable_again() -> None:
    chore = Chore(name="sweep")
    chore.claim("w1", now=0.0, lease_seconds=60, actor="system")
    with pytest.raises(Conflict, match=r"the chore is not held by w2 \(status \?, worker w1\)"):
        chore.release("w2", actor="system")
    chore.release("w1", actor="system")
    assert (chore.worker, chore.lease_until) == (None, 0.0)
    assert chore.claimable(1.0)
    chore.finish()
    assert not chore.claimable(1.0) and not chore.held_by("w1")
    with pytest.raises(Conflict, match="the chore cannot be claimed"):
        chore.claim("w1", now=2.0, lease_seconds=60, actor="system")


def test_a_failure_frees_the_job_and_keeps_a_bounded_reason() -> None:
    chore = Chore(name="sweep")
    chore.claim("w1", now=0.0, lease_seconds=60, actor="system")
    chore._record_failure(failure_reason("x" * (MAX_REASON_LENGTH + 5), "it failed"), "system")
    assert chore.worker is None and chore.failure_reason == "x" * MAX_REASON_LENGTH
    assert failure_reason("  ", "it failed") == "it failed"


def test_a_job_saved_and_loaded_again_has_the_same_lease() -> None:
    app: Application[Any] = Application()
    chore = Chore(name="sweep")
    chore.claim("w1", now=10.0, lease_seconds=5, actor="system")
    app.save(chore)
    copy: Chore = app.repository.get(chore.id)
    assert (copy.worker, copy.lease_until, copy.claims, copy.version) == ("w1", 15.0, 1, 2)
    copy.release("w1", actor="system")
    app.save(copy)
    assert app.repository.get(chore.id).worker is None


def test_two_workers_claiming_at_once_conflict_on_the_version() -> None:
    app = ContextApplication()
    chore = Chore(name="sweep")
    app.save(chore)
    first: Chore = app.repository.get(chore.id)
    second: Chore = app.repository.get(chore.id)
    first.claim("w1", now=0.0, lease_seconds=60, actor="system")
    second.claim("w2", now=0.0, lease_seconds=60, actor="system")
    app.save(first)
    with pytest.raises(Conflict):
        app.save(second)
    assert app.repository.get(chore.id).worker == "w1"


@pytest.mark.parametrize(("job", "names"), [
    (ImportJob, ["Claimed", "Released", "Failed"]),
    (ProjectAnalysis, ["Claimed", "Released", "Failed"]),
])
def test_imports_and_analyses_keep_their_event_topics(job: type[LeasedJob], names: list[str]) -> None:
    for name in names:
        cls = getattr(job, name)
        assert get_topic(cls) == f"{job.__module__}:{job.__name__}.{name}"
        assert issubclass(cls, getattr(LeasedJob, name))


def test_an_import_job_claims_releases_and_fails_as_before() -> None:
    job = ImportJob(project_id=uuid4(), project_num=1, generation=1, vcs_url="/tmp/x", start_date=None,
                    vcs_online=False, actor="system")
    job.claim("w1", now=0.0, lease_seconds=60, actor="system")
    assert job.status is ImportStatus.RUNNING and job.held_by("w1")
    with pytest.raises(Conflict, match="import job is held by w1 until 60"):
        job.claim("w2", now=1.0, lease_seconds=60, actor="system")
    job.release("w1", actor="system")
    assert job.status is ImportStatus.PENDING and job.worker is None
    job.claim("w2", now=2.0, lease_seconds=60, actor="system")
    assert job.fail("  ", actor="system") and job.status is ImportStatus.FAILED
    assert job.failure_reason == "the import failed" and not job.held_by("w2")
    assert not job.fail("the import failed", actor="system")  # the same failure again: no event
    job.cancel(actor="system")
    with pytest.raises(Conflict, match="import job is cancelled"):
        job.claim("w3", now=3.0, lease_seconds=60, actor="system")


def test_an_analysis_claims_only_while_a_job_runs() -> None:
    analysis = ProjectAnalysis(project_id=uuid4(), project_num=1, actor="system")
    with pytest.raises(Conflict, match=r"no analysis is running \(status NONE\)"):
        analysis.claim("w1", now=0.0, lease_seconds=60, actor="system")
    analysis.start([], [["**", "INCLUDE"]], [], automatic=False, actor="system")
    analysis.claim("w1", now=0.0, lease_seconds=60, actor="system")
    assert analysis.held_by("w1") and analysis.todo is None
    with pytest.raises(Conflict, match=r"the analysis is not held by w2 \(status RUNNING, worker w1\)"):
        analysis.release("w2", actor="system")
    analysis.fail("", actor="system")
    assert (analysis.status, analysis.failure_reason, analysis.worker) == ("FAILED", "the analysis failed", None)
