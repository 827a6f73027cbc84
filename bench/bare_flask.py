"""The ceiling for bench/http.py: a bare Flask app returning a small JSON object, served by the very
gunicorn configuration ``codeannals serve`` uses (same worker class, workers, threads, access log).

Usage: python bench/bare_flask.py PORT WORKERS THREADS
"""

# ruff: noqa: E402  (the path is set before the project imports)
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Run as a script, this directory comes first on the path, where this file would hide the standard
# library's ``http``: the repository root takes its place.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from flask import Flask

from interfaces.cli import serve


def bare_app() -> Flask:
    app = Flask("bare")

    @app.get("/json")
    def small_json() -> dict[str, Any]:
        return {"id": 1, "name": "bare", "ok": True}

    return app


class BareServer(serve.CodeAnnalsServer):
    def load(self) -> Any:
        return bare_app()


def main() -> None:
    port, workers, threads = (int(a) for a in sys.argv[1:4])
    serve.serve("127.0.0.1", port, workers, threads, 60, server_class=BareServer)


if __name__ == "__main__":
    main()
