"""The name index (domain/shared/name_index.py), in memory: one holder per name, case-insensitively;
and the username and team-name indexes stored before it keep loading."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.shared.ids import index_id
from domain.shared.name_index import TEAM_NAME, USERNAME, NameIndex, NameTaken, reserve


def test_a_name_is_reserved_for_one_holder_case_insensitively() -> None:
    alice, bob = uuid4(), uuid4()
    index = reserve(None, USERNAME, "Alice", alice, "system")
    assert (index.kind, index.name, index.holder) == (USERNAME, "Alice", alice)
    assert index.id == NameIndex.create_id(USERNAME, "alice") == index_id("username", "alice")
    assert NameIndex.create_id(TEAM_NAME, "alice") != index.id  # kinds do not share names
    with pytest.raises(NameTaken) as taken:
        index.claim(bob, actor="system")
    assert (taken.value.kind, taken.value.name) == (USERNAME, "Alice")
    index.claim(alice, actor="system")  # the holder again: nothing happens
    assert [type(e).__name__ for e in index.collect_events()] == ["Reserved"]


def test_a_released_name_can_be_claimed_by_another_holder() -> None:
    app: Application[Any] = Application()
    first, second = uuid4(), uuid4()
    index = reserve(None, TEAM_NAME, "reviewers", first, "system")
    app.save(index)
    loaded: NameIndex = app.repository.get(index.id)
    assert loaded.held_by(first)
    loaded.release(actor="system")
    loaded.release(actor="system")  # nobody holds it: nothing happens
    app.save(loaded)
    again = reserve(app.repository.get(index.id), TEAM_NAME, "reviewers", second, "system")
    app.save(again)
    final: NameIndex = app.repository.get(index.id)
    assert final.held_by(second) and not final.held_by(first) and final.version == 3


def _old_event(app: Application[Any], topic: str, version: int, **fields: Any) -> StoredEvent:
    state = {"timestamp": datetime.now(UTC), "originator_topic": topic.rsplit(".", 1)[0], **fields}
    return StoredEvent(originator_id=fields.pop("originator_id"), originator_version=version, topic=topic,
                       state=app.mapper.transcoder.encode(state))


@pytest.mark.parametrize(("old", "kind", "name_field", "holder_field"), [
    ("domain.identity.user:UsernameIndex", USERNAME, "username", "user_id"),
    ("domain.projects.team:TeamNameIndex", TEAM_NAME, "name", "team"),
])
def test_indexes_stored_by_the_old_classes_load_as_name_indexes(old: str, kind: str, name_field: str,
                                                                 holder_field: str) -> None:
    app: Application[Any] = Application()
    first, second = uuid4(), uuid4()
    index_uuid = NameIndex.create_id(kind, "Carol")
    app.recorder.insert_events([
        _old_event(app, f"{old}.Reserved", 1, originator_id=index_uuid, actor="user:1",
                   **{name_field: "Carol", holder_field: first}),
        _old_event(app, f"{old}.Released", 2, originator_id=index_uuid, actor="user:1"),
        _old_event(app, f"{old}.Claimed", 3, originator_id=index_uuid, actor="user:2", **{holder_field: second}),
    ])
    index = app.repository.get(index_uuid)
    assert isinstance(index, NameIndex)
    assert (index.kind, index.name, index.holder, index.version) == (kind, "Carol", second, 3)
    decoded = [type(e).__qualname__ for e in app.repository.event_store.get(index_uuid)]
    assert decoded == [f"{old.split(':')[1]}.{n}" for n in ("Reserved", "Released", "Claimed")]
    index.release(actor="system")  # new events follow the old ones
    app.save(index)
    assert app.repository.get(index_uuid).holder is None
