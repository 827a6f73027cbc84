"""Event-store and projection figures, on SQLite and PostgreSQL.

Prints, per backend:
- raw eventsourcing append rate (batched saves and one event per save) and read+decode rate;
- commands per second through real HTTP against a running server: registrations (scrypt-bound) and
  API-token issues (no password hashing), with 8 concurrent clients, and API-token issues with 1 and
  16 clients, each beside the raw one-event append rate (ratio);
- projection rebuild events per second over every read model, beside the raw read rate (ratio).

Usage: python bench/events.py [--events N] [--seconds S] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.identity.passwords import hash_password
from domain.identity.user import User
from interfaces.container import Container
from interfaces.settings import Settings
from tests.support.databases import postgres_database, postgres_unavailable_reason, server_env
from tests.support.server import ServerProcess


def raw_rates(container: Container, n: int) -> dict[str, float]:
    app = container.identity
    pw = hash_password("password1", cost=4)
    users = [User(username=f"raw{i}", password_hash=pw, platform_admin=False, actor="system") for i in range(n)]
    started = time.perf_counter()
    for i in range(0, n, 100):
        app.save(*users[i:i + 100])
    batched = n / (time.perf_counter() - started)
    single_n = min(2000, n // 5)
    extra = [User(username=f"one{i}", password_hash=pw, platform_admin=False, actor="system") for i in range(single_n)]
    started = time.perf_counter()
    for u in extra:
        app.save(u)
    single = single_n / (time.perf_counter() - started)
    # Token issues: events on existing aggregates, as a busy server writes them.
    for i, u in enumerate(users):
        u.issue_token(f"k{i}", "ci", f"h{i}", actor="system")
    for i in range(0, n, 100):
        app.save(*users[i:i + 100])
    started = time.perf_counter()
    total, position = 0, 0
    while True:
        batch = app.recorder.select_notifications(start=position + 1, limit=1000)
        if not batch:
            break
        for notification in batch:
            app.mapper.to_domain_event(notification)
        total += len(batch)
        position = batch[-1].id
    read = total / (time.perf_counter() - started)
    return {"append_batched": batched, "append_single": single, "read_decode": read, "events": float(total)}


def http_rates(env: dict[str, str], seconds: float, clients: int = 8,
               token_clients: tuple[int, ...] = (1, 16)) -> dict[str, float]:
    with ServerProcess({**env, "CODEANNALS_PASSWORD_COST": env.get("BENCH_PASSWORD_COST", "14")},
                       workers=2) as server:
        base = server.url
        requests.post(f"{base}/api/user/registration", json={"username": "benchadmin", "password": "password1"})
        token = requests.post(f"{base}/api/user/auth",
                              json={"username": "benchadmin", "password": "password1"}).json()["accessToken"]

        def run(kind: str, clients: int = clients) -> float:
            count = [0] * clients
            deadline = time.monotonic() + seconds

            def worker(n: int) -> None:
                s = requests.Session()
                i = 0
                while time.monotonic() < deadline:
                    i += 1
                    if kind == "register":
                        r = s.post(f"{base}/api/user/registration",
                                   json={"username": f"{kind}{n}x{i}", "password": "password1"})
                    else:
                        r = s.post(f"{base}/api/user/tokens", json={"name": f"t{n}x{i}"},
                                   headers={"Authorization": token})
                    if r.status_code == 201:
                        count[n] += 1

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return sum(count) / (time.perf_counter() - started)

        figures = {"http_register": run("register"), "http_token_issue": run("token")}
        for n in token_clients:
            figures[f"http_token_issue_{n}"] = run("token", n)
        return figures


def rebuild_rate(container: Container) -> tuple[float, int]:
    container.runner.stop()
    applied, seconds = container.runner.rebuild()
    return applied / seconds, applied


def bench_backend(name: str, events: int, seconds: float) -> dict[str, float]:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(postgres_database()) if name == "postgres" else None
        env = server_env(tmp / "data", url)
        figures = http_rates(env, seconds)
        container = Container(Settings.from_env(env))
        container.start(workers=False)
        stack.callback(container.close)
        figures.update(raw_rates(container, events))
        figures["rebuild"], figures["rebuild_events"] = rebuild_rate(container)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20000, help="users to create for the raw and rebuild figures")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each HTTP load")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        if backend == "postgres" and postgres_unavailable_reason():
            print(f"postgres: skipped ({postgres_unavailable_reason()})")
            continue
        f = bench_backend(backend, args.events, args.seconds)
        print(f"== {backend} ==")
        print(f"  raw append, 100 events per save  {f['append_batched']:>10,.0f} events/s")
        print(f"  raw append, 1 event per save     {f['append_single']:>10,.0f} events/s")
        print(f"  raw read + decode                {f['read_decode']:>10,.0f} events/s")
        print(f"  HTTP registrations (scrypt n=2^14) {f['http_register']:>8,.1f} commands/s")
        print(f"  HTTP API-token issues, 8 clients {f['http_token_issue']:>10,.1f} commands/s "
              f"({f['http_token_issue'] / f['append_single']:.2f} x raw 1-event append)")
        for n in (1, 16):
            rate = f[f"http_token_issue_{n}"]
            print(f"  HTTP API-token issues, {n:>2} client{'s' if n > 1 else ' '} {rate:>8,.1f} commands/s "
                  f"({rate / f['append_single']:.2f} x raw 1-event append)")
        print(f"  projection rebuild (all models)  {f['rebuild']:>10,.0f} events/s "
              f"({f['rebuild_events']:,.0f} events applied; {f['rebuild'] / f['read_decode']:.2f} x raw read)")


if __name__ == "__main__":
    main()
