"""How services start background jobs: after their transaction commits, never before, never inside it."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task[Any, Any], *args: Any) -> None:
    """Queue ``task`` once the current transaction has committed. A broker that cannot be reached is logged
    rather than raised: the change the person made is already saved and must not be reported as failed."""

    def send() -> None:
        try:
            task.apply_async(args=args)
        except Exception:
            logger.exception("could not enqueue %s", task.name)

    transaction.on_commit(send)
