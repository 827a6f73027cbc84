"""Leased jobs: long work (an import, an analysis) one worker at a time holds under a lease.

A worker *claims* a job with a ``Claimed`` event carrying a lease expiry; its saves renew it. Two
workers claiming at once conflict on the aggregate's version, so one wins. When the holder dies its
lease runs out and another worker claims the job; the dead worker's next save conflicts. A worker that
stops half-way *releases* the job; one that cannot go on records why it *failed*.

``LeasedJob`` holds what every such job shares: the holder and its lease, the checks, and the events
``Claimed``, ``Released`` and ``Failed``. A job redeclares each event in its own class body
(``class Claimed(LeasedJob.Claimed): ...``), so every event keeps the topic of the job it belongs to,
and extends the event's ``apply`` with what the event means for its own state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from domain.shared.errors import Conflict

MAX_REASON_LENGTH = 2000


def failure_reason(reason: str, default: str) -> str:
    """A failure reason as a job records it: stripped, never empty, at most MAX_REASON_LENGTH long."""
    return (reason.strip() or default)[:MAX_REASON_LENGTH]


class LeasedJob(Aggregate):
    """The lease of a job (see the module doc). Subclasses say when claims are open
    (:meth:`_claims_open`), when the job is under a lease (:meth:`_under_lease`) and how they name
    themselves in conflicts (``noun``)."""

    noun = "the job"
    if TYPE_CHECKING:  # set by each job's __init__ (annotations here would make the class a dataclass)
        worker: str | None
        lease_until: float

    class Claimed(Aggregate.Event):
        worker: str
        lease_until: float
        actor: str

        def apply(self, aggregate: Any) -> None:
            aggregate.worker = self.worker
            aggregate.lease_until = self.lease_until

    class Released(Aggregate.Event):
        actor: str

        def apply(self, aggregate: Any) -> None:
            aggregate.worker = None
            aggregate.lease_until = 0.0

    class Failed(Aggregate.Event):
        reason: str
        actor: str

        def apply(self, aggregate: Any) -> None:
            aggregate.failure_reason = self.reason
            aggregate.worker = None
            aggregate.lease_until = 0.0

    # --- what a job says about itself ------------------------------------------------------------
    def _claims_open(self) -> bool:
        """Whether the job can be claimed at all (while its lease lasts, only by its holder)."""
        raise NotImplementedError

    def _under_lease(self) -> bool:
        """Whether a worker holds the job (until its lease runs out)."""
        raise NotImplementedError

    def _claim_refused(self) -> str | None:
        """Why the job cannot be claimed at all, for the conflict; None when claims are open."""
        return None if self._claims_open() else f"{self.noun} cannot be claimed"

    # --- queries ---------------------------------------------------------------------------------
    def held_by(self, worker: str) -> bool:
        return self._claims_open() and self._under_lease() and self.worker == worker

    def lease_expired(self, now: float) -> bool:
        return self._under_lease() and self.lease_until <= now

    def claimable(self, now: float) -> bool:
        return self._claims_open() and (not self._under_lease() or self.lease_until <= now)

    # --- commands --------------------------------------------------------------------------------
    def claim(self, worker: str, now: float, lease_seconds: float, actor: str) -> None:
        """Take the job for ``lease_seconds``: Conflict when it cannot be claimed, or another worker
        holds it under a lease that has not run out."""
        refused = self._claim_refused()
        if refused is not None:
            raise Conflict(refused)
        if not self.claimable(now):
            raise Conflict(f"{self.noun} is held by {self.worker} until {self.lease_until:.0f}")
        self.trigger_event(type(self).Claimed, worker=worker, lease_until=now + lease_seconds, actor=actor)

    def _check_holder(self, worker: str) -> None:
        if not self.held_by(worker):
            raise Conflict(f"{self.noun} is not held by {worker} ({self._holder_state()}, worker {self.worker})")

    def _holder_state(self) -> str:
        return f"status {getattr(self, 'status', '?')}"

    def release(self, worker: str, actor: str) -> None:
        """Give the job back half-way (the worker is stopping); the next worker resumes it."""
        self._check_holder(worker)
        self.trigger_event(type(self).Released, actor=actor)

    def _record_failure(self, reason: str, actor: str) -> None:
        self.trigger_event(type(self).Failed, reason=reason, actor=actor)
