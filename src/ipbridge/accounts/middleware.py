from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from ipbridge.accounts import selectors

# Pages a signed-in person who still owes the second factor may reach.
TWO_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/two-factor/",
    "/accounts/logout/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/api/",
    "/invitations/",
)


class UserLanguageMiddleware:
    """A signed-in person sees the language they chose last, on every device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Members of any organisation must pass two-factor authentication before they can act."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not selectors.two_factor_passed(user=user)
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
            and not request.path.startswith(settings.STATIC_URL)
            and selectors.user_has_memberships(user=user)
        ):
            if selectors.user_has_two_factor(user=user):
                return redirect("accounts:two_factor_verify")
            return redirect("accounts:two_factor_enrol")
        return self.get_response(request)
