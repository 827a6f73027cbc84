"""A production WSGI server (gunicorn, threaded workers) for the app factory."""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own errors (a request line or header it cannot take) as JSON, not an HTML page.

    Such a request never reached the application, so the body carries the message under the key of
    every API family (coderadar ``errorMessage``, Copr and Testery ``message``, Projektor
    ``error_message``)."""
    body = json.dumps({"errorMessage": mesg, "message": mesg, "error_message": mesg}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin1")
    gunicorn_util.write_nonblock(sock, head + body)


gunicorn_util.write_error = write_json_error


class CodeAnnalsServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        # Called in every worker after the fork: each worker builds its own container.
        from interfaces.http.app import create_app

        return create_app()


def _worker_exit(server: Any, worker: Any) -> None:
    app = getattr(worker, "wsgi", None)
    if app is not None and "codeannals" in getattr(app, "extensions", {}):
        from interfaces.http.app import shutdown

        shutdown(app)


def serve(host: str, port: int, workers: int, threads: int, timeout: int,
          server_class: type[CodeAnnalsServer] = CodeAnnalsServer) -> None:
    server_class(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": timeout,
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
            "worker_exit": _worker_exit,
            "proc_name": "codeannals",
            "limit_request_line": 8190,
        }
    ).run()
