"""What every app's pages share: who may open them, how a refusal is shown, where a re-posted form goes back to.

Views call services and selectors only; a service's ``ApplicationError`` that the view does not show on a form
becomes the refused page, with its status."""

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


class ActingRequest(HttpRequest):
    """A request past ``acting``: signed in, with the organisation it acts for."""

    user: User
    actor: Actor


def refused(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "accounts/refused.html", {"error": exc}, status=exc.status)


def acting(*kinds: str) -> Callable[[View], View]:
    """Signed in, second factor passed (the middleware sees to it), acting for an organisation of one of
    ``kinds`` (any, when none are named): the actor is ``request.actor``."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: ActingRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
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
