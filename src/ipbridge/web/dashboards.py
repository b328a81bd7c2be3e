"""What each kind of organisation should do next, computed from its real state."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ipbridge.accounts import selectors
from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import OrganisationKind, VerificationStatus
from ipbridge.identity import selectors as identity_selectors
from ipbridge.notices import selectors as notice_selectors


@dataclass(frozen=True)
class Step:
    title: str | Promise
    text: str | Promise
    done: bool
    url_name: str | None = None


KIND_PURPOSES: dict[str, Promise] = {
    OrganisationKind.RIGHT_HOLDER: _("Prove once who you are and what you own, then act on every marketplace at once."),
    OrganisationKind.AGENT: _("Act for right holders under a written, scoped, revocable mandate."),
    OrganisationKind.MARKETPLACE: _(
        "Receive complete notices from verified right holders, and publish your IP policy."
    ),
    OrganisationKind.MERCHANT: _("Pass pre-entry checks, sign the IP compliance commitment, answer notices."),
    OrganisationKind.MEDIATOR: _("Mediate disputes between right holders and merchants."),
    OrganisationKind.AUTHORITY: _("Read the cases and evidence you are granted."),
}

WHY_VERIFY: dict[str, Promise] = {
    OrganisationKind.RIGHT_HOLDER: _("Marketplaces act first on notices from verified right holders."),
    OrganisationKind.AGENT: _("Right holders can only give mandates to verified agents."),
    OrganisationKind.MARKETPLACE: _("Right holders see that your notice channel is genuine."),
    OrganisationKind.MERCHANT: _("Verified merchants pass marketplaces' pre-entry checks faster."),
    OrganisationKind.MEDIATOR: _("Parties can choose you for mediation once you are verified."),
    OrganisationKind.AUTHORITY: _("Right holders and marketplaces grant evidence access only to verified authorities."),
}

WHY_API_KEY: dict[str, Promise] = {
    OrganisationKind.MARKETPLACE: _("Let your trust-and-safety systems receive cases and report decisions."),
    OrganisationKind.RIGHT_HOLDER: _("Let your brand-protection tools send notices and follow outcomes."),
    OrganisationKind.AGENT: _("Connect your enforcement tools to act for your clients."),
}


def _verification_step(actor: Actor) -> Step:
    """Verification goes through the identity page: the stated identity, its documents, the domain."""
    kind, status = actor.organisation.kind, actor.organisation.verification_status
    if status == VerificationStatus.PENDING:
        text: str | Promise = _("Your request is with the operators.")
    elif status in {VerificationStatus.REJECTED, VerificationStatus.MORE_INFORMATION}:
        note = identity_selectors.identity_profile(organisation=actor.organisation).review_note
        text = _("The operators answered: %(note)s") % {"note": note} if note else WHY_VERIFY.get(kind, "")
    else:
        text = WHY_VERIFY.get(kind, _("Verified organisations are trusted by everyone here."))
    return Step(_("Get your organisation verified"), text, status == VerificationStatus.VERIFIED, "identity:overview")


def _cases_step(actor: Actor) -> Step:
    waiting = notice_selectors.cases_visible(actor=actor).filter(status__in=notice_selectors.AWAITING_DECISION).count()
    text = (
        ngettext("%(n)d case awaits your decision.", "%(n)d cases await your decision.", waiting) % {"n": waiting}
        if waiting
        else _("No case awaits your decision.")
    )
    return Step(_("Answer your cases"), text, waiting == 0, "notices:inbox")


def next_steps(actor: Actor) -> list[Step]:
    figures = selectors.organisation_figures(actor=actor)
    kind = actor.organisation.kind
    steps = [
        Step(
            _("Protect every account with two-factor authentication"),
            _("%(done)d of %(total)d members have enrolled.")
            % {"done": figures.members_with_two_factor, "total": figures.members},
            figures.members_with_two_factor == figures.members,
            "accounts:members",
        ),
        Step(
            _("Invite your colleagues"),
            _("Share the work: administrators manage, members act, reviewers read."),
            figures.members > 1 or figures.pending_invitations > 0,
            "accounts:members",
        ),
    ]
    if kind != OrganisationKind.OPERATOR:
        steps.insert(0, _verification_step(actor))
    if kind == OrganisationKind.RIGHT_HOLDER:
        steps.insert(
            1,
            Step(
                _("Authenticate your rights"),
                _("Prove that the register's rights are yours: a code to the contact of record, or documents."),
                identity_selectors.rights_held(organisation=actor.organisation).exists(),
                "identity:claims",
            ),
        )
    if kind == OrganisationKind.RIGHT_HOLDER and actor.can("notices:read"):
        steps.insert(
            2,
            Step(
                _("Send your first notice"),
                _("One notice reaches every marketplace the items are on, checked for completeness first."),
                notice_selectors.notices_visible(actor=actor).exists(),
                "notices:compose",
            ),
        )
    if kind == OrganisationKind.MARKETPLACE and actor.can("notices:read"):
        steps.insert(1, _cases_step(actor))
    if kind == OrganisationKind.AGENT:
        steps.insert(
            1,
            Step(
                _("Receive a mandate"),
                _("A right holder authorises you in writing, for some of its rights, marketplaces and actions."),
                bool(identity_selectors.mandates_in_force(organisation=actor.organisation)),
                "identity:mandates",
            ),
        )
    if kind in WHY_API_KEY:
        steps.append(
            Step(
                _("Connect your systems with an API key"),
                WHY_API_KEY[kind],
                figures.active_api_keys > 0,
                "accounts:api_keys",
            )
        )
    return steps
