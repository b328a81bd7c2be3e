from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task


@shared_task(
    name="ipbridge.identity.code_email_send",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def code_email_send(code_id: int, code: str, language: str) -> None:
    from ipbridge.identity.services import code_email_deliver

    code_email_deliver(code_id=code_id, code=code, language=language)
