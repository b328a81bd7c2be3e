"""The typed error every service raises; one handler turns it into an HTTP answer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


class ApplicationError(Exception):
    """A use case refused: ``code`` is stable for machines, ``message`` is for people, ``field`` names the input."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(ApplicationError):
    status = 422


class NotFound(ApplicationError):
    """Missing and forbidden look the same from outside, so that ids cannot be probed."""

    status = 404

    def __init__(self, message: str | None = None, *, code: str = "not_found"):
        super().__init__(code, message or gettext("Not found."))


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str, *, code: str = "permission_denied"):
        super().__init__(code, message)


class Conflict(ApplicationError):
    status = 409


class TooManyRequests(ApplicationError):
    status = 429


class PayloadTooLarge(ApplicationError):
    status = 413
