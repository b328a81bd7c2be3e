"""A real strength check: zxcvbn estimates how many guesses a password takes, not just its length."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn


class StrengthValidator:
    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        hints = [str(getattr(user, attr, "") or "") for attr in ("email", "full_name")] if user else []
        result = zxcvbn(password[:100], user_inputs=[h for h in hints if h])
        if result["score"] < self.min_score:
            raise ValidationError(
                _("This password is too easy to guess. Use a longer phrase of unrelated words."),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _("Your password must be hard to guess: a phrase of several unrelated words works well.")
