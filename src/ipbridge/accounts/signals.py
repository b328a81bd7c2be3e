"""Logins, failed logins and logouts go to the audit log like every other state change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ipbridge.accounts import services
from ipbridge.accounts.models import User


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    services.login_record(user=user, succeeded=True)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "")[:200]
    services.login_record(user=None, succeeded=False, email=email)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        services.logout_record(user=user)
