"""The ``codeannals`` command."""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import Any

import click

from interfaces.cli.analyze import analyze
from interfaces.cli.chroots import chroots
from interfaces.cli.cleanup import cleanup
from interfaces.cli.common import existing_settings
from interfaces.container import Container
from interfaces.settings import Settings


def _container() -> Container:
    return Container(existing_settings())


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """Code Annals: git history, code metrics, test runs, coverage and builds in one server."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker.")
@click.option("--timeout", default=120, show_default=True, type=int, help="Worker timeout in seconds.")
def serve(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Run the HTTP server (gunicorn, threaded workers)."""
    from interfaces.cli.serve import serve as run

    settings = Settings.from_env()
    # Prepare the read models once before the workers fork, so they do not race to create them.
    container = Container(settings)
    container.runner.setup()
    container.close()
    click.echo(where_line(host, port))
    run(host, port, workers, threads, timeout)


def where_line(host: str, port: int) -> str:
    """The line ``serve`` prints at start: where the API, its documents and the web interface are."""
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    web = f", web interface {base}/" if importlib.util.find_spec("interfaces.web") is not None else ""
    return (f"Code Annals serving {base}: API {base}/api (Copr {base}/api_2, Projektor {base}/api/v1), "
            f"docs {base}/docs, OpenAPI {base}/openapi.json{web}")


def _wait_for_signal() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


@main.command()
def worker() -> None:
    """Run the background workers (imports, analyses) without the HTTP server."""
    container = _container()
    container.hold_storage()
    container.start(projections=False, workers=True)
    click.echo(f"workers running: {', '.join(w.name for w in container.workers) or 'none'}")
    _wait_for_signal().wait()
    container.close()


@main.group()
def projections() -> None:
    """Run, rebuild and inspect the read models."""


@projections.command("run")
def projections_run() -> None:
    """Follow the event logs and keep every read model up to date (standalone)."""
    container = _container()
    container.hold_storage()
    container.runner.setup()
    stop = _wait_for_signal()
    container.runner.start()
    click.echo(f"projection runner following {', '.join(container.applications)}")
    stop.wait()
    container.close()


@projections.command("status")
def projections_status() -> None:
    """Each projection's position and lag behind the event log."""
    container = _container()
    container.runner.setup()
    click.echo(f"{'projection':<24} {'application':<12} {'position':>10} {'head':>10} {'lag':>8}")
    for s in container.runner.status():
        click.echo(f"{s.projection:<24} {s.application:<12} {s.position:>10} {s.head:>10} {s.lag:>8}")
    container.close()


@projections.command("rebuild")
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Rebuild although a server, runner or worker uses the storage.")
def projections_rebuild(names: tuple[str, ...], force: bool) -> None:
    """Drop and replay read models (all, or the NAMES given) offline: refused while a server, projection
    runner or worker uses the same storage, unless --force."""
    container = _container()
    if not container.storage_lock.try_exclusive():
        if not force:
            where = container.storage_lock.describe()
            container.close()
            raise click.ClickException(
                f"{where} is in use by a running server, projection runner or worker; a rebuild drops the read "
                f"models under it. Stop it first, or pass --force.")
        click.echo(f"warning: {container.storage_lock.describe()} is in use; rebuilding anyway (--force)", err=True)
    container.runner.setup()
    selected = list(names) or container.runner.projection_names()
    unknown = set(selected) - set(container.runner.projection_names())
    if unknown:
        container.close()
        raise click.BadParameter(f"unknown projections: {', '.join(sorted(unknown))}; "
                                 f"known: {', '.join(container.runner.projection_names())}")
    total = sum(
        container.applications[a].max_position()
        for p in container.runner.projections if p.name in selected for a in p.follows
    )
    with click.progressbar(length=max(total, 1), label="rebuilding", file=sys.stderr) as bar:
        applied, seconds = container.runner.rebuild(selected, progress=bar.update)
    rate = applied / seconds if seconds > 0 else 0.0
    click.echo(f"rebuilt {', '.join(selected)}: {applied} events in {seconds:.2f}s ({rate:,.0f} events/s)")
    container.close()


@main.command()
@click.option("--aggregate", help="Only events of this aggregate id.")
@click.option("--type", "type_name", help="Only events of this type (e.g. User.Registered or Registered).")
@click.option("--since", help="Only events at or after this ISO time.")
@click.option("--application", help="Only events of this application.")
@click.option("--limit", type=int, default=None, help="At most this many events.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def events(aggregate: str | None, type_name: str | None, since: str | None, application: str | None,
           limit: int | None, as_json: bool) -> None:
    """Print the event log (the audit trail): time, actor, type and aggregate."""
    from interfaces.cli.events import iter_events

    since_iso = None
    if since:
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"not an ISO time: {since}", param_hint="--since") from None
        since_iso = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat(
            timespec="microseconds")
    container = _container()
    rows = iter_events(container.applications, aggregate, type_name, since_iso, application)
    for row in itertools.islice(rows, limit):
        if as_json:
            click.echo(json.dumps(row, default=str, sort_keys=True))
        else:
            click.echo(f"{row['occurred_at']}  {row['actor']:<14} {row['event_type']:<32} "
                       f"{row['application']}/{row['aggregate_id']} v{row['aggregate_version']}")
    container.close()


main.add_command(chroots)

main.add_command(analyze)
main.add_command(cleanup)

if __name__ == "__main__":
    main()
