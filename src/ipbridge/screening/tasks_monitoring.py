"""The daily early-warning job. Celery finds this module through ``CELERY_IMPORTS``."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ipbridge.screening.early_warnings_check", time_limit=1800, soft_time_limit=1780)
def early_warnings_check() -> int:
    """Scheduled, daily: write the early warnings of every marketplace with alerts today or yesterday."""
    from ipbridge.screening.trends import warnings_check_all

    return warnings_check_all()
