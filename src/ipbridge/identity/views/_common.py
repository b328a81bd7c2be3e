"""What the authentication pages share: who may see them, how refusals and re-posted forms are answered."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind, User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.core.errors import ApplicationError, PermissionDenied
from ipbridge.identity.files import document_open

View = Callable[..., HttpResponseBase]

HOLDERS = (OrganisationKind.RIGHT_HOLDER,)
HOLDERS_AND_AGENTS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)

# The engine's sentences are in English; these say the same in the reader's language.
CHECK_REASONS = {
    "malformed": gettext_lazy("This is not a well-formed credential."),
    "wrong_type": gettext_lazy("This token is not an IPBridge credential."),
    "unknown_key": gettext_lazy("The credential was not signed with a key this instance publishes."),
    "bad_signature": gettext_lazy("The signature does not match the contents: the credential was altered."),
    "expired": gettext_lazy("The credential has expired."),
    "not_yet_valid": gettext_lazy("The credential is not valid yet."),
    "revoked": gettext_lazy("The credential was revoked."),
    "unsupported_algorithm": gettext_lazy("The credential uses an algorithm that is not accepted."),
}


class IdentityRequest(HttpRequest):
    user: User
    actor: Actor


def _refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "accounts/refused.html", {"error": exc}, status=exc.status)


def acting(*kinds: str) -> Callable[[View], View]:
    """Signed in, second factor passed (the middleware sees to it), acting for an organisation of one of
    ``kinds`` (any, when none are named): the actor is ``request.actor``. A refusal the view does not handle
    itself becomes the refused page, with its status."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: IdentityRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor = actor_for_user(request.user)
            if actor is None:
                return render(request, "accounts/no_organisation.html", status=403)
            request.actor = actor
            if kinds and actor.organisation.kind not in kinds:
                labels = ", ".join(str(OrganisationKind(k).label) for k in kinds)
                return _refused(
                    request,
                    PermissionDenied(
                        _("This page is for these organisations: %(kinds)s.") % {"kinds": labels},
                        code="wrong_organisation_kind",
                    ),
                )
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as exc:
                return _refused(request, exc)

        return wrapper

    return decorate


def posted(page: str) -> Callable[[View], View]:
    """The target of a form that is shown again with its errors: a GET there (a reload, or the language switch
    on that page) goes back to the form's own ``page``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method != "POST":
                return redirect(page, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _document_response(storage_name: str, *, content_type: str, file_name: str) -> FileResponse:
    return FileResponse(document_open(storage_name), content_type=content_type, as_attachment=True, filename=file_name)
