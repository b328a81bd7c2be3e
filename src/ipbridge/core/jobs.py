"""How services start background jobs: after their transaction commits, never before, never inside it.

With a broker, Celery workers run the jobs. Without one (the embedded default), a background thread of the web
process runs them one after another, so that a long job (a register import) never holds up the request that
started it and its progress can be watched while it runs.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipbridge-job")
        return _executor


def _run_here(task: Task[Any, Any], args: tuple[Any, ...]) -> None:
    try:
        task.apply(args=args)  # Celery's own in-process run: retries and time limits as configured
    except Exception:
        logger.exception("job %s failed", task.name)
    finally:
        connections.close_all()


def in_background_thread() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER and settings.JOBS_IN_BACKGROUND_THREAD)


def enqueue_after_commit(task: Task[Any, Any], *args: Any) -> None:
    """Queue ``task`` once the current transaction has committed. A broker that cannot be reached is logged
    rather than raised: the change the person made is already saved and must not be reported as failed."""

    def send() -> None:
        if in_background_thread():
            _background().submit(_run_here, task, args)
            return
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # No broker: run it here. (Celery's own eager path reaches for a broker connection it never uses.)
            task.apply(args=args)
            return
        try:
            task.apply_async(args=args)
        except Exception:
            logger.exception("could not enqueue %s", task.name)

    transaction.on_commit(send)
