"""The codeannals command: events, projections status and rebuild."""

from __future__ import annotations

import json

from click.testing import CliRunner

from interfaces.cli.main import main
from interfaces.container import Container


def _run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_events_prints_the_audit_trail_with_filters(container: Container, env: dict[str, str]) -> None:
    first = container.identity.register("alice", "password1", actor="system")
    container.identity.register("bob", "password1", actor=f"user:{first.user_id}")
    lines = [json.loads(line) for line in _run(env, "events", "--json").splitlines()]
    assert [r["event_type"] for r in lines].count("User.Registered") == 2
    assert lines[0]["occurred_at"] <= lines[-1]["occurred_at"]
    assert all(r["payload"].get("password_hash") in (None, "***") for r in lines)
    only = [json.loads(x) for x in _run(env, "events", "--json", "--type", "Registered").splitlines()]
    assert [r["payload"]["username"] for r in only] == ["alice", "bob"]
    assert only[1]["actor"] == f"user:{first.user_id}"
    by_aggregate = _run(env, "events", "--aggregate", str(first.user_uuid))
    assert len(by_aggregate.splitlines()) == 1 and "User.Registered" in by_aggregate
    assert len(_run(env, "events", "--limit", "2").splitlines()) == 2
    assert _run(env, "events", "--since", "2999-01-01T00:00:00") == ""
    bad = CliRunner().invoke(main, ["events", "--since", "soon"], env=env)
    assert bad.exit_code != 0 and "ISO" in bad.output


def test_projection_status_and_rebuild(container: Container, env: dict[str, str]) -> None:
    container.identity.register("carol", "password1", actor="system")
    container.runner.wait_for({"identity": container.identity.max_position()}, 10)
    status = _run(env, "projections", "status")
    assert "users" in status and "audit" in status
    container.runner.stop()
    out = _run(env, "projections", "rebuild", "users")
    assert "rebuilt users" in out and "events/s" in out
    assert container.store.scalar("SELECT username FROM users") == "carol"
    bad = CliRunner().invoke(main, ["projections", "rebuild", "nonsense"], env=env)
    assert bad.exit_code != 0 and "unknown projections" in bad.output
