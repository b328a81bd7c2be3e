"""Background jobs of screening: preparing a scan's file and screening its chunks. Thin and idempotent: the services
leave a scan done, failed or a chunk done alone when a job is delivered twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="ipbridge.screening.scan_prepare", acks_late=True, time_limit=2 * 60 * 60, soft_time_limit=2 * 60 * 60 - 60
)
def scan_prepare(scan_id: int) -> None:
    """Read a queued scan's file into chunks and queue them."""
    from ipbridge.screening.scans import scan_prepare as prepare

    prepare(scan_id=scan_id)


@shared_task(name="ipbridge.screening.scan_chunk_run", acks_late=True, time_limit=30 * 60, soft_time_limit=30 * 60 - 60)
def scan_chunk_run(scan_id: int, number: int) -> None:
    """Screen one chunk of a running scan."""
    from ipbridge.screening.scans import scan_chunk_run as run

    run(scan_id=scan_id, number=number)
