"""The application base (application/shared/base.py), in memory: ``retry_on_race`` runs a command
again only after a lost race, and ``get_aggregate`` answers the class it is asked for."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate, event

from application.shared.base import ContextApplication, is_race
from domain.shared.errors import Conflict, NotFound


class Counter(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class Other(Aggregate):
    pass


def test_a_command_that_lost_a_race_runs_again_on_the_newest_state() -> None:
    app = ContextApplication()
    counter = Counter()
    app.save(counter)
    attempts = []

    def command() -> int:
        mine: Counter = app.repository.get(counter.id)
        if not attempts:  # another process saves first
            theirs: Counter = app.repository.get(counter.id)
            theirs.increment()
            app.save(theirs)
        attempts.append(1)
        mine.increment()
        app.save(mine)
        return mine.count

    assert app.retry_on_race(command) == 2
    assert len(attempts) == 2 and app.repository.get(counter.id).count == 2


def test_a_rule_of_the_domain_is_not_retried_and_the_last_lost_race_is_raised() -> None:
    app = ContextApplication()
    calls = []

    def refused() -> None:
        calls.append(1)
        raise Conflict("already there")

    with pytest.raises(Conflict, match="already there") as raised:
        app.retry_on_race(refused)
    assert len(calls) == 1 and not is_race(raised.value)

    counter = Counter()
    app.save(counter)

    def always_late() -> None:
        calls.append(1)
        mine: Counter = app.repository.get(counter.id)
        theirs: Counter = app.repository.get(counter.id)
        theirs.increment()
        app.save(theirs)
        mine.increment()
        app.save(mine)

    calls.clear()
    with pytest.raises(Conflict) as lost:
        app.retry_on_race(always_late, attempts=3)
    assert len(calls) == 3 and is_race(lost.value)


def test_get_aggregate_answers_the_class_asked_for_or_not_found() -> None:
    app = ContextApplication()
    counter = Counter()
    app.save(counter)
    found = app.get_aggregate(counter.id, Counter, "counter")
    assert isinstance(found, Counter) and found.count == 0
    with pytest.raises(NotFound, match=r"^counter not found$"):
        app.get_aggregate(uuid4(), Counter, "counter")
    with pytest.raises(NotFound, match=r"^other not found$"):
        app.get_aggregate(counter.id, Other, "other")
    assert app.find_aggregate(counter.id, Other) is None
    assert app.find_aggregate(counter.id, Counter) is not None and app.find_aggregate(uuid4()) is None
