"""``codeannals cleanup``: remove unpinned test runs older than the retention limit (platform admin
command, at the server's console; recorded with the actor ``system``)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from domain.shared.actor import SYSTEM
from domain.shared.errors import DomainError
from interfaces.container import Container
from interfaces.settings import Settings


@click.command()
@click.option("--days", type=int, default=None,
              help="Retention in days (default: CODEANNALS_TEST_RUN_RETENTION_DAYS).")
@click.option("--as-of", "as_of", default=None, help="Judge ages as of this ISO time (default: now).")
@click.option("--dry-run", is_flag=True, help="Only list the runs that would be removed.")
def cleanup(days: int | None, as_of: str | None, dry_run: bool) -> None:
    """Remove unpinned test runs older than the retention limit: their read-model rows, attachments
    and stored events (a RunCleanedUp fact stays in the log). Prints the bytes freed."""
    from interfaces.testing.retention import clean_up

    settings = Settings.from_env()
    retention = days if days is not None else settings.test_run_retention_days
    if not retention:
        raise click.UsageError("no retention: set CODEANNALS_TEST_RUN_RETENTION_DAYS or pass --days")
    now = None
    if as_of:
        try:
            now = datetime.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(f"not an ISO time: {as_of}", param_hint="--as-of") from None
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    container = Container(settings)
    try:
        container.start(workers=False)
        report = clean_up(container, retention, SYSTEM, now=now, dry_run=dry_run)
        container.runner.catch_up()
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        container.close()
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(report.runs)} test runs created before {report.cutoff}"
               + ("" if dry_run else f"; {report.bytes_freed} bytes freed ({report.attachment_bytes} of attachments, "
                                     f"{report.event_bytes} of stored events)"))
    for public_id in report.runs:
        click.echo(public_id)
