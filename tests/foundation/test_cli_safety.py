"""The codeannals command is safe to run by hand: commands other than ``serve`` refuse a data directory
that does not exist (instead of creating an empty one where they were run), ``projections rebuild``
refuses while a server or projection runner uses the same storage unless ``--force``, and ``serve``
says where the API and the docs are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from interfaces.cli.main import main
from interfaces.persistence.storage_lock import StorageLock
from interfaces.settings import Settings
from tests.support.server import ROOT, ServerProcess

COMMANDS = [
    ["events"],
    ["projections", "status"],
    ["projections", "rebuild"],
    ["projections", "run"],
    ["worker"],
    ["chroots", "list"],
    ["chroots", "seed"],
    ["analyze", "1"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_refuses_a_data_directory_that_does_not_exist(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "nowhere" / "data"
    result = CliRunner().invoke(main, args, env={"CODEANNALS_DATA_DIR": str(missing)})
    assert result.exit_code == 1, result.output
    assert f"the data directory {missing} does not exist" in result.output
    assert not missing.exists() and not missing.parent.exists()


def test_run_from_another_directory_it_names_the_default_data_directory_and_creates_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEANNALS_")}
    done = subprocess.run([sys.executable, "-m", "interfaces.cli.main", "events"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done
    assert f"the data directory {tmp_path / 'data'} does not exist" in done.stderr
    assert "CODEANNALS_DATA_DIR is not set" in done.stderr and done.stdout == ""
    assert not (tmp_path / "data").exists()


def _in_use(settings: Settings) -> bool:
    lock = StorageLock(settings)
    free = lock.try_exclusive()
    lock.release()
    return not free


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _rebuild(env: dict[str, str], *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["projections", "rebuild", "users", *extra], env=env)
    return result.exit_code, result.output


@pytest.mark.e2e
def test_rebuild_refuses_while_a_server_uses_the_storage_unless_forced(env: dict[str, str], tmp_path: Path) -> None:
    settings = Settings.from_env(env)
    log = tmp_path / "server.log"
    with ServerProcess(env, log_path=log) as server:
        assert _in_use(settings)
        code, output = _rebuild(env)
        assert code == 1, output
        assert StorageLock(settings).describe() in output and "in use by a running server" in output
        assert "--force" in output and "rebuilt" not in output
        code, output = _rebuild(env, "--force")
        assert code == 0 and "rebuilt users" in output and "rebuilding anyway (--force)" in output, output
        # The line serve prints at start says where the API and the docs are.
        text = log.read_text()
        assert f"API {server.url}/api " in text and f"docs {server.url}/docs" in text, text
    _wait(lambda: not _in_use(settings), "the stopped server to let go of the storage")
    code, output = _rebuild(env)
    assert code == 0 and "rebuilt users" in output, output


@pytest.mark.e2e
def test_rebuild_refuses_while_a_projection_runner_uses_the_storage(env: dict[str, str]) -> None:
    settings = Settings.from_env(env)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    runner = subprocess.Popen([sys.executable, "-m", "interfaces.cli.main", "projections", "run"], cwd=ROOT,
                              env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        _wait(lambda: _in_use(settings) or runner.poll() is not None, "the projection runner to hold the storage")
        assert runner.poll() is None
        code, output = _rebuild(env)
        assert code == 1 and "in use by a running server, projection runner or worker" in output, output
    finally:
        runner.terminate()
        runner.wait(30)
    _wait(lambda: not _in_use(settings), "the stopped runner to let go of the storage")
    code, output = _rebuild(env)
    assert code == 0, output


def _command_paths(group: click.Group, prefix: str = "codeannals") -> list[str]:
    out = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        out.extend(_command_paths(command, path) if isinstance(command, click.Group) else [path])
    return out


def test_every_command_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### The command line"):readme.index("\n## ", readme.index("### The command line"))]
    paths = _command_paths(main)
    assert len(paths) >= 12
    for path in paths:
        *group, name = path.split(" ")
        # a row names the command itself, or lists it beside its group's first command ("add NAME` / `disable")
        assert f"`{path}" in table or (f"`{' '.join(group)} " in table and re.search(rf"`{name}[` ]", table)), path
