"""A production WSGI server (gunicorn, threaded workers) for the app factory."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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


def serve(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    CodeAnnalsServer(
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
        }
    ).run()
