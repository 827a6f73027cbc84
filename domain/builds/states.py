"""Build and build-task states (Copr API 2), the task state machine and a build's state from its tasks.

Pure rules, no I/O. A build has one task per chroot; agents move each task forward:

    queued (importing, waiting, pending) -> starting -> running -> finished

Finished states (succeeded, failed, canceled, skipped, forked) are final: a finished task never starts
again. A build's state follows from its tasks as Copr derives it: the most "active" task state wins
(running before starting before importing before pending before waiting), then failed (so a build
fails when a task failed and none is still queued or running), then succeeded, skipped, forked.
A canceled build is canceled whatever its tasks say.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.shared.errors import Invalid

FAILED, SUCCEEDED, CANCELED, RUNNING, PENDING = "failed", "succeeded", "canceled", "running", "pending"
SKIPPED, STARTING, IMPORTING, FORKED, WAITING, UNKNOWN = (
    "skipped", "starting", "importing", "forked", "waiting", "unknown",
)

#: Every state Copr API 2 knows (the client refuses any other).
STATES = (FAILED, SUCCEEDED, CANCELED, RUNNING, PENDING, SKIPPED, STARTING, IMPORTING, FORKED, WAITING, UNKNOWN)
FINISHED = frozenset({FAILED, SUCCEEDED, CANCELED, SKIPPED, FORKED})
QUEUED = frozenset({IMPORTING, WAITING, PENDING})
#: States an agent may report (``unknown`` is what the server says when it cannot tell).
REPORTABLE = tuple(s for s in STATES if s != UNKNOWN)

_STAGE = {IMPORTING: 0, WAITING: 0, PENDING: 0, STARTING: 1, RUNNING: 2, **{s: 3 for s in FINISHED}}

#: Build state precedence: the first of these any task is in is the build's state.
_BUILD_PRECEDENCE = (RUNNING, STARTING, IMPORTING, PENDING, WAITING, FAILED, SUCCEEDED, SKIPPED, FORKED, CANCELED)


def check_state(value: object, allowed: Iterable[str] = STATES) -> str:
    """A state name (as Copr spells it), else ``Invalid``."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise Invalid(f"state must be one of {', '.join(allowed)}; got {value!r}", state=value)
    return value


def is_finished(state: str) -> bool:
    return state in FINISHED


def check_transition(current: str, new: str) -> None:
    """Whether a task in ``current`` may move to ``new``; ``Invalid`` (with the reason) when not.

    Staying in the same unfinished state is allowed (an agent reports details, e.g. a result URL)."""
    check_state(new, REPORTABLE)
    if current in FINISHED:
        if new == current:
            return
        raise Invalid(f"the task is {current}: a finished task cannot become {new}", state=current)
    if _STAGE.get(new, 0) < _STAGE.get(current, 0):
        raise Invalid(f"the task is {current}: it cannot go back to {new}", state=current)


def build_state(task_states: Iterable[str], canceled: bool = False) -> str:
    """The state of a build with these task states (Copr's rule); ``unknown`` for a build without tasks."""
    if canceled:
        return CANCELED
    present = set(task_states)
    for state in _BUILD_PRECEDENCE:
        if state in present:
            return state
    return UNKNOWN
