from __future__ import annotations

from celery import shared_task


@shared_task(name="ipbridge.evidence.tree_head_sign", time_limit=120, soft_time_limit=110)
def tree_head_sign() -> int:
    """Scheduled: sign (and time-stamp, when configured) a tree head of the evidence log if it grew."""
    from ipbridge.evidence.log import tree_head_current

    return tree_head_current().size


@shared_task(name="ipbridge.evidence.log_check", time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60)
def log_check() -> bool:
    """Scheduled: check the whole evidence log and its files; tampering is recorded and the operators told."""
    from ipbridge.evidence.services import log_check_run

    return log_check_run(files=True).ok
