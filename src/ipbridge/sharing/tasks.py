from __future__ import annotations

from celery import shared_task


@shared_task(name="ipbridge.sharing.intelligence_purge", time_limit=600, soft_time_limit=580)
def intelligence_purge() -> int:
    """Scheduled: delete the infringer records past their retention."""
    from ipbridge.sharing.intelligence import intelligence_purge as purge

    return purge()
