from __future__ import annotations

from celery import shared_task


@shared_task(name="ipbridge.notices.notice_dispatch", time_limit=300, soft_time_limit=280)
def notice_dispatch(notice_id: int) -> None:
    """Deliver the cases of a notice still waiting for delivery (a notice's cases are delivered as it is sent;
    this is for a notice queued before they were)."""
    from ipbridge.notices.services import notice_deliver

    notice_deliver(notice_id=notice_id)


@shared_task(name="ipbridge.notices.cases_lift_due", time_limit=600, soft_time_limit=580)
def cases_lift_due() -> int:
    """Scheduled: lift the measures of cases whose counter-notice window closed without a complaint."""
    from ipbridge.notices.services import cases_lift_due as lift

    return lift()


@shared_task(name="ipbridge.notices.webhooks_deliver_due", time_limit=1500, soft_time_limit=1440)
def webhooks_deliver_due() -> int:
    """Scheduled, and queued after each event: send the webhook deliveries that are due."""
    from ipbridge.notices.webhooks import webhooks_deliver_due as deliver

    return deliver()


@shared_task(name="ipbridge.notices.case_email_send", time_limit=120, soft_time_limit=110)
def case_email_send(case_id: int) -> bool:
    """E-mail a new case to its marketplace's intake address."""
    from ipbridge.notices.intake import case_email_send as send

    return send(case_id=case_id)


@shared_task(name="ipbridge.notices.cases_overdue_alert", time_limit=600, soft_time_limit=580)
def cases_overdue_alert() -> int:
    """Scheduled: tell marketplaces which of their cases passed their response time."""
    from ipbridge.notices.intake import cases_overdue_alert as alert

    return alert()
