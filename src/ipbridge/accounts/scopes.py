"""What an API key may do: read or write, per area of the product."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AREAS = {
    "accounts": _("Organisation, members and invitations"),
    "audit": _("Audit log"),
    "identity": _("Identity and mandates"),
    "rights": _("Rights register"),
    "marketplaces": _("Marketplace directory"),
    "notices": _("Notices and cases"),
    "screening": _("Screening"),
    "evidence": _("Evidence"),
    "sharing": _("Shared information"),
    "merchants": _("Merchants"),
    "disputes": _("Disputes"),
    "transparency": _("Transparency"),
}

ALL_SCOPES: tuple[str, ...] = tuple(f"{area}:{mode}" for area in AREAS for mode in ("read", "write"))
READ_SCOPES: frozenset[str] = frozenset(s for s in ALL_SCOPES if s.endswith(":read"))

# What a signed-in person may do follows from their role in the organisation they act for.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "admin": frozenset(ALL_SCOPES),
    "member": frozenset(s for s in ALL_SCOPES if s not in {"accounts:write", "audit:read", "audit:write"}),
    "reviewer": READ_SCOPES - {"audit:read"},
}


MODES = {"read": _("read"), "write": _("write")}


def scope_choices() -> list[tuple[str, str]]:
    return [
        (f"{area}:{mode}", f"{label} — {mode_label}")
        for area, label in AREAS.items()
        for mode, mode_label in MODES.items()
    ]
