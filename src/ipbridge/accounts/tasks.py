from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task


@shared_task(
    name="ipbridge.accounts.invitation_email_send",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def invitation_email_send(invitation_id: int, token: str, language: str) -> None:
    from ipbridge.accounts.services import invitation_email_deliver

    invitation_email_deliver(invitation_id=invitation_id, token=token, language=language)
