"""What the screening pages share: who may open which, the sub-menu, and a form handed to a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError

Form = TypeVar("Form", bound=forms.Form)
Done = TypeVar("Done")

MARKETPLACES = (OrganisationKind.MARKETPLACE,)
# Marketplaces screen their own listings and streams; operators read everyone's.
SCREENERS = (OrganisationKind.MARKETPLACE, OrganisationKind.OPERATOR)
# Right holders, and agents for them, also see the alerts that marketplaces share with them, and their trends.
ALERT_READERS = (
    OrganisationKind.MARKETPLACE,
    OrganisationKind.RIGHT_HOLDER,
    OrganisationKind.AGENT,
    OrganisationKind.OPERATOR,
)
PAGE_SIZE = 50

# The sub-menu of the screening pages: (URL name, label, kinds that see it).
SUBNAV = (
    ("screening:scans", gettext_lazy("Scans"), SCREENERS),
    ("screening:alerts", gettext_lazy("Alerts"), ALERT_READERS),
    ("screening:streams", gettext_lazy("Live streams"), SCREENERS),
    ("screening:monitoring", gettext_lazy("Focused monitoring"), MARKETPLACES),
    ("screening:trends", gettext_lazy("Early warning"), ALERT_READERS),
    ("screening:settings", gettext_lazy("Settings"), MARKETPLACES),
)


def subnav(actor: Actor, current: str) -> list[dict[str, Any]]:
    """The tabs the actor's organisation sees, ``current`` marked active."""
    tabs = []
    for name, label, kinds in SUBNAV:
        if actor.organisation.kind not in kinds:
            continue
        tabs.append({"url": reverse(name), "label": label, "active": name == current, "id": name.split(":")[1]})
    return tabs


def form_applied(
    form: Form,
    apply: Callable[[dict[str, Any]], Done],
    *,
    refused: Callable[[Form, ApplicationError], None] = add_application_error,
) -> Done | None:
    """What ``apply`` made of the valid form's data; None when the form is unbound or not valid, or when the service
    refused it, the refusal then shown on the form (``refused`` says on which field). Not found and not allowed are
    raised, to be answered as on every page."""
    if not form.is_valid():
        return None
    try:
        return apply(form.cleaned_data)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        refused(form, exc)
        return None
