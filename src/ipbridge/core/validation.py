"""Input checks every service shares, each refusing with the field at fault and the reason."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from ipbridge.core.errors import ValidationFailed


def text_field(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """``value`` stripped, or the refusal: empty when required, or too long."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed("required", _("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def email_field(value: str, *, field: str, required: bool = True) -> str:
    """``value`` stripped and lower-cased if it is an e-mail address (or empty, when not required); else the
    refusal."""
    email = (value or "").strip().lower()
    if not email and not required:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed("invalid_email", _("Enter a valid e-mail address."), field=field) from exc
    return email


_web_url = URLValidator(schemes=["http", "https"])


def url_field(value: str, *, field: str, max_length: int = 2000, required: bool = True) -> str:
    """``value`` stripped if it is an http(s) address (or empty, when not required); else the refusal."""
    url = text_field(value, field=field, max_length=max_length, required=required)
    if not url:
        return ""
    try:
        _web_url(url)
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid_url", _("Enter a web address starting with http:// or https://."), field=field
        ) from exc
    return url


def choice_field(value: str, choices: Iterable[str], *, field: str) -> str:
    """``value`` if it is one of ``choices``; else the refusal naming the field and the choices."""
    allowed = list(choices)
    if value not in allowed:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}, field=field
        )
    return value


def right_references(texts: Iterable[str], *, field: str = "rights") -> list[tuple[str, str]]:
    """Rights written as "OFFICE NUMBER" (``EM 018234567``) as (office, number) pairs, or the refusal naming the
    one that is not written so."""
    pairs = []
    for text in texts:
        office, _space, number = text.strip().partition(" ")
        if not office or not number.strip():
            raise ValidationFailed(
                "invalid_right",
                _("“%(text)s”: write a right as OFFICE NUMBER, e.g. EM 018234567.") % {"text": text},
                field=field,
            )
        pairs.append((office, number.strip()))
    return pairs
