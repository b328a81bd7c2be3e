"""Who may use focused monitoring and early warning, and the input checks they share."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ValidationFailed

MARKETPLACES = (OrganisationKind.MARKETPLACE,)


def require_marketplace(actor: Actor, scope: str) -> None:
    """Refuse unless the actor is a marketplace's person or key with ``scope``: each marketplace monitors its own
    shops and listings."""
    actor.require(scope)
    actor.require_kind(*MARKETPLACES)


def refuse_nul(values: Iterable[tuple[str, str]]) -> None:
    """PostgreSQL stores no text with a NUL character; a JSON body may carry one. ``values``: (field, text)."""
    for field, text in values:
        if "\x00" in text:
            raise ValidationFailed(
                "invalid_characters", _("The request contains a NUL character, which no field accepts."), field=field
            )
