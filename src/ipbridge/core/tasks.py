from __future__ import annotations

import socket

from celery import shared_task


@shared_task(name="ipbridge.core.ping", time_limit=10, soft_time_limit=8)
def ping() -> dict[str, str]:
    """Proves a worker is consuming jobs: answers with the host it ran on."""
    return {"pong": socket.gethostname()}


@shared_task(name="ipbridge.core.idempotency_records_purge", time_limit=600, soft_time_limit=580)
def idempotency_records_purge() -> int:
    """Scheduled: delete the idempotency records past IDEMPOTENCY_KEY_HOURS."""
    from ipbridge.core.idempotency import idempotency_records_purge as purge

    return purge()
