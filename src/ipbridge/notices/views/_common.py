"""What the notice and case pages share: who may see them, how refusals and re-posted forms are answered."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind, User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.core.errors import ApplicationError, PermissionDenied

View = Callable[..., HttpResponseBase]

SENDERS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)
NOTICE_READERS = (*SENDERS, OrganisationKind.OPERATOR)
CASE_READERS = (*SENDERS, OrganisationKind.MARKETPLACE, OrganisationKind.MERCHANT, OrganisationKind.OPERATOR)
PAGE_SIZE = 50
ITEMS_PAGE_SIZE = 100


class NoticesRequest(HttpRequest):
    user: User
    actor: Actor


def refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "accounts/refused.html", {"error": exc}, status=exc.status)


def acting(*kinds: str) -> Callable[[View], View]:
    """Signed in, second factor passed (the middleware sees to it), acting for an organisation of one of
    ``kinds``: the actor is ``request.actor``. A refusal the view does not handle itself becomes the refused
    page, with its status."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: NoticesRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor = actor_for_user(request.user)
            if actor is None:
                return render(request, "accounts/no_organisation.html", status=403)
            request.actor = actor
            if kinds and actor.organisation.kind not in kinds:
                labels = ", ".join(str(OrganisationKind(k).label) for k in kinds)
                return refused(
                    request,
                    PermissionDenied(
                        _("This page is for these organisations: %(kinds)s.") % {"kinds": labels},
                        code="wrong_organisation_kind",
                    ),
                )
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as exc:
                return refused(request, exc)

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


def require_write(actor: Actor) -> None:
    """Refuse a write before any form is read, so that a refused post changes nothing and says why."""
    actor.require("notices:write")


class FieldGroup:
    """Some fields of a form, for the shared field renderer: a page lays a long form out in parts, and draws the
    fields the renderer does not (single checkboxes, per-item rows) itself."""

    def __init__(self, form: Any, *names: str) -> None:
        self.form = form
        self.names = names

    def __iter__(self) -> Any:
        return (self.form[name] for name in self.names)

    def non_field_errors(self) -> list[str]:
        return []
