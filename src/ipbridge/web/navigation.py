"""The menu each kind of organisation sees."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ipbridge.accounts.actors import Actor


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    scope: str | None = None
    operator_only: bool = False


ITEMS = (
    NavItem(_("Dashboard"), "web:dashboard"),
    NavItem(_("Organisations"), "accounts:organisations", operator_only=True),
    NavItem(_("Register imports"), "rights:imports", operator_only=True),
    NavItem(_("Members"), "accounts:members", scope="accounts:read"),
    NavItem(_("API keys"), "accounts:api_keys", scope="accounts:read"),
    NavItem(_("Audit log"), "accounts:audit_log", scope="audit:read"),
)


def items_for(actor: Actor) -> list[NavItem]:
    return [
        item
        for item in ITEMS
        if (not item.operator_only or actor.is_operator) and (item.scope is None or actor.can(item.scope))
    ]
