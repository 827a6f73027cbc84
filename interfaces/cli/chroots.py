"""``codeannals chroots``: the catalogue of build environments (Copr mock chroots), for platform admins.

Changes are recorded as events with the actor ``system`` (the person at the server's console)."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from application.builds.service import BuildsApplication
from domain.builds.chroots import DEFAULT_CATALOGUE
from domain.shared.actor import SYSTEM
from domain.shared.errors import DomainError
from interfaces.cli.common import existing_settings
from interfaces.container import Container
from projections.builds import queries


def _run(action: str, work: Callable[[Container, BuildsApplication], None]) -> None:
    """Run ``work(container, builds)`` with a container, turning domain refusals into a clean exit 1."""
    container = Container(existing_settings())
    try:
        work(container, container.app(BuildsApplication))
    except DomainError as exc:
        raise click.ClickException(f"{action}: {exc.message}") from None
    finally:
        container.close()


@click.group()
def chroots() -> None:
    """List, add, disable and enable build environments (Copr mock chroots)."""


@chroots.command("list")
@click.option("--active-only", is_flag=True, help="Only those that take new builds.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_chroots(active_only: bool, as_json: bool) -> None:
    """Print the catalogue: name, whether it is active, release, version, arch."""

    def work(container: Container, builds: BuildsApplication) -> None:
        container.runner.setup()
        container.runner.catch_up(["builds"])
        for row in queries.mock_chroots(container.store, active_only=active_only):
            if as_json:
                click.echo(json.dumps(row, sort_keys=True))
            else:
                state = "active" if row["is_active"] else "disabled"
                click.echo(f"{row['name']:<32} {state:<9} {row['os_release']} {row['os_version']} {row['arch']}")

    _run("list", work)


@chroots.command("add")
@click.argument("name", required=False)
@click.option("--os-release", help="e.g. fedora (instead of NAME)")
@click.option("--os-version", help="e.g. 42 (instead of NAME)")
@click.option("--arch", help="e.g. x86_64 (instead of NAME)")
def add_chroot(name: str | None, os_release: str | None, os_version: str | None, arch: str | None) -> None:
    """Add a build environment NAME (<os_release>-<os_version>-<arch>, e.g. fedora-42-x86_64)."""

    def work(container: Container, builds: BuildsApplication) -> None:
        added = builds.add_mock_chroot(name, actor=SYSTEM, os_release=os_release, os_version=os_version, arch=arch)
        click.echo(f"added {added}")

    _run("add", work)


def _switch(name: str, active: bool) -> None:
    def work(container: Container, builds: BuildsApplication) -> None:
        changed = builds.set_mock_chroot_active(name, active, actor=SYSTEM)
        word = "enabled" if active else "disabled"
        click.echo(f"{word} {name}" if changed else f"{name} was {word} already")

    _run("enable" if active else "disable", work)


@chroots.command("disable")
@click.argument("name")
def disable_chroot(name: str) -> None:
    """Stop NAME taking new builds (it stays known; existing builds keep it)."""
    _switch(name, False)


@chroots.command("enable")
@click.argument("name")
def enable_chroot(name: str) -> None:
    """Let NAME take new builds again."""
    _switch(name, True)


@chroots.command("seed")
def seed_chroots() -> None:
    """Add the default catalogue unless it was seeded before (idempotent; the server also does this on
    its first Copr request): fedora-39/40/41/rawhide and epel-8/9 for x86_64 and aarch64."""

    def work(container: Container, builds: BuildsApplication) -> None:
        added = builds.seed_catalogue(actor=SYSTEM, names=DEFAULT_CATALOGUE)
        click.echo(f"seeded {len(added)} build environments" if added else "the catalogue was seeded before")

    _run("seed", work)
