"""Personal data shown only as much as the reader needs."""

from __future__ import annotations


def email_masked(email: str) -> str:
    """``l****@aurora.demo``: enough to recognise an address of record without publishing it."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}{'*' * max(3, len(local) - 1)}@{domain}"
