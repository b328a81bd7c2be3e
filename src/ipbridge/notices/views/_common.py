"""What the notice and case pages share: who may see them, how refusals and re-posted forms are answered."""

from __future__ import annotations

from typing import Any

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind

SENDERS = (OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)
NOTICE_READERS = (*SENDERS, OrganisationKind.OPERATOR)
CASE_READERS = (*SENDERS, OrganisationKind.MARKETPLACE, OrganisationKind.MERCHANT, OrganisationKind.OPERATOR)
PAGE_SIZE = 50
ITEMS_PAGE_SIZE = 100


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
