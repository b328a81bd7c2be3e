from __future__ import annotations

from celery import shared_task


@shared_task(name="ipbridge.marketplaces.figures_refresh", time_limit=3600, soft_time_limit=3540)
def figures_refresh() -> int:
    """Scheduled, daily: recompute the measured figures of every marketplace on IPBridge that has a profile."""
    from ipbridge.marketplaces.services import figures_refresh as refresh

    return refresh()
