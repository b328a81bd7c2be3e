"""The menu each kind of organisation sees."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    scope: str | None = None
    operator_only: bool = False
    kinds: frozenset[str] | None = None  # the kinds of organisation that see it; None: every kind


HOLDERS = frozenset({OrganisationKind.RIGHT_HOLDER})
HOLDERS_AND_AGENTS = frozenset({OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT})
ALL_BUT_OPERATORS = frozenset(OrganisationKind.values) - {OrganisationKind.OPERATOR}
# Those who check a right holder before acting on its word.
CHECKERS = frozenset(
    {OrganisationKind.MARKETPLACE, OrganisationKind.AUTHORITY, OrganisationKind.MEDIATOR, OrganisationKind.OPERATOR}
)

# Who sends notices, and who handles or answers their cases. Senders follow their cases from their notices: the
# menu of right holders and agents is already the longest.
NOTICE_SENDERS = frozenset({*HOLDERS_AND_AGENTS, OrganisationKind.OPERATOR})
CASE_HANDLERS = frozenset({OrganisationKind.MARKETPLACE, OrganisationKind.MERCHANT, OrganisationKind.OPERATOR})
# Who keeps or is shown evidence: every kind of organisation.
EVIDENCE_KEEPERS = frozenset(OrganisationKind.values)
# Who may have case events posted to its own systems.
WEBHOOK_RECEIVERS = frozenset({*HOLDERS_AND_AGENTS, OrganisationKind.MARKETPLACE})

# Who reads or writes shared information: guides, authorised sellers, infringer intelligence.
SHARING_READERS = frozenset(
    {OrganisationKind.RIGHT_HOLDER, OrganisationKind.MARKETPLACE, OrganisationKind.AUTHORITY, OrganisationKind.OPERATOR}
)

# Who reads screening alerts: marketplaces screen, right holders and their agents see the alerts shared with them.
SCREENING_READERS = frozenset({OrganisationKind.MARKETPLACE, *HOLDERS_AND_AGENTS, OrganisationKind.OPERATOR})

ITEMS = (
    NavItem(_("Dashboard"), "web:dashboard"),
    NavItem(_("Notices"), "notices:list", scope="notices:read", kinds=NOTICE_SENDERS),
    NavItem(_("Cases"), "notices:inbox", scope="notices:read", kinds=CASE_HANDLERS),
    NavItem(_("Evidence"), "evidence:list", scope="evidence:read", kinds=EVIDENCE_KEEPERS),
    NavItem(_("Screening"), "screening:alerts", scope="screening:read", kinds=SCREENING_READERS),
    NavItem(_("Shared information"), "sharing:guides", scope="sharing:read", kinds=SHARING_READERS),
    NavItem(_("Identity"), "identity:overview", scope="identity:read", kinds=ALL_BUT_OPERATORS),
    NavItem(_("Rights held"), "identity:claims", scope="identity:read", kinds=HOLDERS),
    NavItem(_("Mandates"), "identity:mandates", scope="identity:read", kinds=HOLDERS_AND_AGENTS),
    NavItem(_("Credentials"), "identity:credentials", scope="identity:read", kinds=HOLDERS_AND_AGENTS),
    NavItem(_("Right holders"), "identity:holders", scope="identity:read", kinds=CHECKERS),
    NavItem(_("Organisations"), "accounts:organisations", operator_only=True),
    NavItem(_("Identity reviews"), "identity:reviews", scope="identity:read", operator_only=True),
    NavItem(_("Register imports"), "rights:imports", operator_only=True),
    NavItem(_("Evidence log"), "evidence:log", scope="evidence:read", operator_only=True),
    NavItem(_("Members"), "accounts:members", scope="accounts:read"),
    NavItem(_("API keys"), "accounts:api_keys", scope="accounts:read"),
    NavItem(_("Webhooks"), "notices:webhooks", scope="notices:read", kinds=WEBHOOK_RECEIVERS),
    NavItem(_("Audit log"), "accounts:audit_log", scope="audit:read"),
)


def items_for(actor: Actor) -> list[NavItem]:
    return [
        item
        for item in ITEMS
        if (not item.operator_only or actor.is_operator)
        and (item.kinds is None or actor.organisation.kind in item.kinds)
        and (item.scope is None or actor.can(item.scope))
    ]
