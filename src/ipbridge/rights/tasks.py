from __future__ import annotations

from celery import shared_task


@shared_task(
    name="ipbridge.rights.import_batch_run",
    acks_late=True,
    time_limit=6 * 60 * 60,
    soft_time_limit=6 * 60 * 60 - 60,
)
def import_batch_run(batch_id: int) -> None:
    """Run a queued register import. Idempotent: a batch already done or failed is left alone."""
    from ipbridge.rights.services import import_batch_run as run

    run(batch_id=batch_id)
