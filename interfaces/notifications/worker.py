"""The notification worker: :class:`~application.notifications.notifier.Notifier` in a thread of the
server (or of ``codeannals worker``), woken at once by saves in this process.

Settings: ``CODEANNALS_WEBHOOK_ALLOWED_HOSTS`` (see ``interfaces/notifications/destinations.py``),
``CODEANNALS_WEBHOOK_RETRY_BASE_SECONDS`` (first retry after this, doubling up to 2 hours; default 10),
``CODEANNALS_WEBHOOK_GIVE_UP_HOURS`` (retried for this long; default 26),
``CODEANNALS_WEBHOOK_TIMEOUT_SECONDS`` (per request; default 10),
``CODEANNALS_WEBHOOK_LEASE_SECONDS`` (a delivery being sent is left to its worker this long; one whose
worker died is sent again after it; default twice the timeout plus 5),
``CODEANNALS_WEBHOOK_POLL_SECONDS`` (how often due retries are looked for; default 1).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from application.notifications.notifier import Notifier, NotifierSettings
from application.notifications.service import NotificationsApplication
from interfaces.notifications.destinations import parse_allowed
from interfaces.notifications.environment import FOLLOWED, ServerEnvironment
from interfaces.notifications.sender import GuardedSender

if TYPE_CHECKING:
    from interfaces.container import Container

log = logging.getLogger("codeannals.notifications")


def _number(extra: Mapping[str, str], key: str, default: float) -> float:
    raw = extra.get(key)
    return float(raw) if raw not in (None, "") else default


class NotificationWorker:
    name = "notifications"

    def __init__(self, notifier: Notifier, poll_seconds: float = 1.0) -> None:
        self.notifier = notifier
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="notifications", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None

    def wake(self, application: str, position: int) -> None:
        if application in FOLLOWED or application == "notifications":
            self._wake.set()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.notifier.tick(self._stop.is_set)
                failures = 0
            except Exception:
                if self._stop.is_set():
                    return
                failures += 1
                log.exception("notification round failed (attempt %d); retrying", failures)
                self._wake.wait(min(30.0, 0.5 * 2 ** min(failures, 6)))
                continue
            self._wake.wait(self.poll_seconds)


def build_notification_worker(container: Container) -> NotificationWorker:
    extra = container.settings.extra
    notifications = container.app(NotificationsApplication)
    timeout = _number(extra, "CODEANNALS_WEBHOOK_TIMEOUT_SECONDS", 10.0)
    sender = GuardedSender(parse_allowed(extra.get("CODEANNALS_WEBHOOK_ALLOWED_HOSTS")), timeout=timeout)
    settings = NotifierSettings(
        retry_base_seconds=_number(extra, "CODEANNALS_WEBHOOK_RETRY_BASE_SECONDS", 10.0),
        give_up_after_seconds=_number(extra, "CODEANNALS_WEBHOOK_GIVE_UP_HOURS", 26.0) * 3600.0,
        lease_seconds=_number(extra, "CODEANNALS_WEBHOOK_LEASE_SECONDS", 2 * timeout + 5),
    )
    logs = {name: container.applications[name] for name in FOLLOWED if name in container.applications}
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    notifier = Notifier(notifications, logs, ServerEnvironment(container, sender), worker_id, settings)
    worker = NotificationWorker(notifier, poll_seconds=_number(extra, "CODEANNALS_WEBHOOK_POLL_SECONDS", 1.0))
    for app in container.applications.values():
        app.add_listener(worker.wake)
    return worker
