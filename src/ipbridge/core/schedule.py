"""Jobs that run on a schedule (the statutory deadlines): with a broker, Celery beat sends them
(``CELERY_BEAT_SCHEDULE`` in the settings; run one ``ipbridge scheduler``); in the embedded default, the web
process started by ``ipbridge serve`` runs them itself from a background thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_started = threading.Event()


def _scheduled() -> list[tuple[str, float, Callable[[], object]]]:
    """The scheduled jobs with their intervals. The apps' task modules are imported first: in a web process
    nothing may have imported them yet when the schedule starts."""
    from ipbridge.config.celery import app

    app.loader.import_default_modules()
    return [
        (name, float(entry["schedule"]), app.tasks[entry["task"]])
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    ]


def _run_forever(stop: threading.Event) -> None:
    jobs = _scheduled()
    next_run = {name: 0.0 for name, _every, _task in jobs}
    while jobs and not stop.is_set():
        for name, every, task in jobs:
            if time.monotonic() < next_run[name]:
                continue
            next_run[name] = time.monotonic() + every
            try:
                task()
            except Exception:
                logger.exception("scheduled job %s failed", name)
            finally:
                connections.close_all()
        stop.wait(timeout=max(0.0, min(next_run.values()) - time.monotonic()))


def embedded_scheduler_start() -> threading.Event | None:
    """Start the in-process scheduler once, when no broker carries the schedule; returns its stop switch."""
    if settings.CELERY_BROKER_URL or _started.is_set():
        return None
    _started.set()
    stop = threading.Event()
    threading.Thread(target=_run_forever, args=(stop,), name="ipbridge-schedule", daemon=True).start()
    return stop
