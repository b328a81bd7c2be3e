"""Sending notices: check, send (one case per marketplace, duplicates merged), withdraw."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_act_row
from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, ValidationFailed
from ipbridge.core.validation import text_field
from ipbridge.evidence.selectors import vault_reference
from ipbridge.evidence.services import evidence_attach_to_cases
from ipbridge.identity.credentials import credentials_current
from ipbridge.identity.services import mandate_authorise
from ipbridge.notices.accuracy import trusted_flagger_cached
from ipbridge.notices.completeness import Draft, EvidenceIn, Gap, ItemIn, draft_gaps, mandates_for
from ipbridge.notices.intake import response_hours_by_marketplace
from ipbridge.notices.locators import listing_locator
from ipbridge.notices.misuse import sender_suspension_check
from ipbridge.notices.models import (
    OPEN_CASE_STATUSES,
    OPEN_ITEM_STATUSES,
    Case,
    CaseStatus,
    ItemStatus,
    Notice,
    NoticeItem,
    NoticeStatus,
)
from ipbridge.notices.services.cases import case_move, cases_move
from ipbridge.rights.models import Right
from ipbridge.rights.selectors import right_find

_CHUNK = 500


def _rights(pairs: list[tuple[str, str]]) -> list[Right]:
    found: list[Right] = []
    for office, number in pairs:
        right = right_find(office=office, number=number)
        if right is None:
            raise ValidationFailed(
                "right_not_found",
                _("No right %(office)s %(number)s in the register.") % {"office": office.upper(), "number": number},
                field="rights",
            )
        if right not in found:
            found.append(right)
    return found


def _principal(actor: Actor, on_behalf_of: str, sender: Organisation) -> Organisation:
    actor.require_kind(OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)
    slug = (on_behalf_of or "").strip()
    if actor.organisation.kind == OrganisationKind.RIGHT_HOLDER:
        if slug and slug != actor.organisation.slug:
            raise ValidationFailed(
                "not_an_agent", _("A right holder notifies for itself; agents act for others."), field="on_behalf_of"
            )
        return sender
    principal = Organisation.objects.filter(slug=slug, kind=OrganisationKind.RIGHT_HOLDER).first()
    if principal is None:
        raise ValidationFailed("principal_required", _("Name the right holder you act for."), field="on_behalf_of")
    return principal


def _marketplaces(items: list[ItemIn]) -> dict[str, Organisation]:
    slugs = {item.marketplace.strip() for item in items}
    return {m.slug: m for m in Organisation.objects.filter(slug__in=slugs, kind=OrganisationKind.MARKETPLACE)}


def _draft(
    actor: Actor,
    *,
    rights: list[tuple[str, str]],
    items: list[ItemIn],
    explanation: str,
    good_faith: bool,
    notifier_name: str,
    notifier_email: str,
    evidence: list[EvidenceIn],
    on_behalf_of: str,
) -> tuple[Draft, dict[str, Organisation], list[Gap], Any]:
    # Read afresh: what the checklist relies on (verification) may have changed since the actor was loaded.
    sender = Organisation.objects.get(pk=actor.organisation.pk)
    draft = Draft(
        sender=sender,
        principal=_principal(actor, on_behalf_of, sender),
        rights=_rights(rights),
        items=[ItemIn(i.marketplace.strip(), i.url.strip(), i.listing_id.strip(), i.title.strip()) for i in items],
        explanation=explanation,
        good_faith=good_faith,
        notifier_name=notifier_name,
        notifier_email=notifier_email,
        evidence=evidence,
    )
    marketplaces = _marketplaces(draft.items)
    gaps = draft_gaps(draft, marketplaces=marketplaces)
    authority_gaps, mandate = mandates_for(draft, marketplaces=marketplaces)
    return draft, marketplaces, gaps + authority_gaps, mandate


def notice_check(
    *,
    actor: Actor,
    rights: list[tuple[str, str]],
    items: list[ItemIn],
    explanation: str = "",
    good_faith: bool = False,
    notifier_name: str = "",
    notifier_email: str = "",
    evidence: list[EvidenceIn] | None = None,
    on_behalf_of: str = "",
) -> list[Gap]:
    """What is missing before this notice can be sent (nothing is stored). A suspended sender is refused, as
    ``notice_submit`` would refuse it: no change to the draft could close that gap."""
    actor.require("notices:read")
    sender_suspension_check(sender=actor.organisation)
    _drafted, _markets, gaps, _mandate = _draft(
        actor,
        rights=rights,
        items=items,
        explanation=explanation,
        good_faith=good_faith,
        notifier_name=notifier_name,
        notifier_email=notifier_email,
        evidence=evidence or [],
        on_behalf_of=on_behalf_of,
    )
    return gaps


def _open_duplicates(
    principal: Organisation, rights: list[Right], marketplace_ids: set[int], locators: list[str]
) -> dict[tuple[int, str], NoticeItem]:
    """Open items of the right holder's earlier notices on the same listings under one of the same rights."""
    found: dict[tuple[int, str], NoticeItem] = {}
    for start in range(0, len(locators), _CHUNK):
        for item in NoticeItem.objects.filter(
            marketplace_id__in=marketplace_ids,
            locator__in=locators[start : start + _CHUNK],
            status__in=OPEN_ITEM_STATUSES,
            notice__principal=principal,
            notice__status=NoticeStatus.SUBMITTED,
            notice__rights__in=rights,
        ).distinct():
            found.setdefault((item.marketplace_id, item.locator), item)
    return found


def notice_submit(
    *,
    actor: Actor,
    rights: list[tuple[str, str]],
    items: list[ItemIn],
    explanation: str,
    good_faith: bool,
    notifier_name: str,
    notifier_email: str,
    evidence: list[EvidenceIn] | None = None,
    on_behalf_of: str = "",
    idempotency_key: str = "",
) -> Notice:
    """Send a notice: one case per marketplace, each listing once (a listing already open under the same right
    is merged into that notice instead of being sent twice). Refused, naming every gap, until complete. The same
    ``idempotency_key`` from the same sender gives back the notice it created the first time."""
    actor.require("notices:write")
    sender_suspension_check(sender=actor.organisation)
    key = text_field(idempotency_key, field="idempotency_key", max_length=200, required=False)
    if key:
        earlier = Notice.objects.filter(sender=actor.organisation, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    draft, marketplaces, gaps, mandate = _draft(
        actor,
        rights=rights,
        items=items,
        explanation=explanation,
        good_faith=good_faith,
        notifier_name=notifier_name,
        notifier_email=notifier_email,
        evidence=evidence or [],
        on_behalf_of=on_behalf_of,
    )
    if gaps:
        raise ValidationFailed(
            "incomplete",
            _("The notice is not complete: %(gaps)s") % {"gaps": " ".join(str(g.label) for g in gaps[:5])},
            field=gaps[0].field,
            details={"gaps": [{"code": g.code, "field": g.field, "message": str(g.label)} for g in gaps]},
        )
    try:
        with transaction.atomic():
            notice = _notice_store(actor, draft, marketplaces, mandate, key)
    except IntegrityError as exc:  # the same key sent twice at once: the first one won
        earlier = Notice.objects.filter(sender=actor.organisation, idempotency_key=key).first() if key else None
        if earlier is None:
            raise Conflict("conflict", _("The notice could not be stored; send it again.")) from exc
        return earlier
    return notice


def _notice_store(actor: Actor, draft: Draft, marketplaces: dict[str, Organisation], mandate: Any, key: str) -> Notice:
    credential = credentials_current(organisation=draft.sender)
    notice = Notice.objects.create(
        sender=draft.sender,
        principal=draft.principal,
        mandate=mandate,
        explanation=text_field(draft.explanation, field="explanation", max_length=20_000),
        good_faith=True,
        notifier_name=text_field(draft.notifier_name, field="notifier_name", max_length=200),
        notifier_email=draft.notifier_email.strip().lower(),
        evidence=[
            {"kind": e.kind.strip(), "reference": e.reference.strip(), "description": e.description.strip()}
            for e in draft.evidence
            if e.reference.strip()
        ],
        credential_jti=credential.jti if credential else None,
        credential_token=credential.token if credential else "",
        idempotency_key=key,
        item_count=len(draft.items),
        created_by=actor.user,
    )
    Notice.rights.through.objects.bulk_create(
        [Notice.rights.through(notice=notice, right=right) for right in draft.rights]
    )
    if mandate is not None:
        for right in draft.rights:
            for slug in sorted({i.marketplace for i in draft.items}):
                mandate_authorise(
                    actor=actor,
                    principal_slug=draft.principal.slug,
                    office=right.office,
                    number=right.number,
                    action="notify",
                    marketplace_slug=slug,
                )
    now = timezone.now()
    priority = 1 if trusted_flagger_cached(sender=draft.sender) else 0
    named = {i.marketplace for i in draft.items}
    # Each marketplace's own response time (its service level), the default for those that set none.
    hours = response_hours_by_marketplace({m.pk for slug, m in marketplaces.items() if slug in named})
    cases = {
        slug: Case(
            notice=notice,
            marketplace=marketplace,
            response_due_at=now + timedelta(hours=hours[marketplace.pk]),
            created_at=now,
            priority=priority,
        )
        for slug, marketplace in marketplaces.items()
        if slug in named
    }
    Case.objects.bulk_create(cases.values())
    located = [(i, listing_locator(url=i.url, listing_id=i.listing_id)) for i in draft.items]
    duplicates = _open_duplicates(
        draft.principal, draft.rights, {c.marketplace_id for c in cases.values()}, sorted({loc for _i, loc in located})
    )
    rows: list[NoticeItem] = []
    seen: set[tuple[int, str]] = set()
    for item, locator in located:
        case = cases[item.marketplace]
        key_ = (case.marketplace_id, locator)
        earlier = duplicates.get(key_)
        repeated = key_ in seen
        seen.add(key_)
        rows.append(
            NoticeItem(
                notice=notice,
                case=None if earlier or repeated else case,
                marketplace_id=case.marketplace_id,
                url=item.url[:2000],
                listing_id=item.listing_id[:200],
                title=item.title[:500],
                locator=locator[:2100],
                status=ItemStatus.MERGED if earlier or repeated else ItemStatus.PENDING,
                merged_into=earlier,
            )
        )
    NoticeItem.objects.bulk_create(rows, batch_size=_CHUNK)
    vault = [vault_reference(e.reference) for e in draft.evidence]
    evidence_attach_to_cases(actor=actor, evidence_ids=[i for i in vault if i], cases=list(cases.values()))
    # A case all of whose items were already open elsewhere has nothing to decide.
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.case_id is not None:
            counts[row.case_id] += 1
    cases_move(
        [case for case in cases.values() if counts[case.pk] == 0],
        CaseStatus.CLOSED,
        actor=actor,
        note="every item is already open in an earlier notice",
    )
    # The marketplaces' inbox on IPBridge is this database: a case is in it once the notice commits, so the cases
    # are delivered in the same transaction, as the dispatch job would deliver them after it.
    cases_move(
        [case for case in cases.values() if case.status == CaseStatus.SUBMITTED],
        CaseStatus.DELIVERED,
        actor=None,
        audit_before=[
            audit_act_row(
                actor,
                AuditAction.NOTICE_SUBMITTED,
                subject=notice,
                organisation=draft.sender,
                principal=draft.principal.slug,
                items=len(rows),
                merged=sum(1 for r in rows if r.status == ItemStatus.MERGED),
                marketplaces=sorted(cases),
            ),
            *(
                audit_act_row(
                    actor,
                    AuditAction.NOTICE_RECEIVED,
                    subject=case,
                    organisation=case.marketplace,
                    notice=str(notice.reference),
                    items=counts[case.pk],
                )
                for case in cases.values()
            ),
        ],
    )
    return notice


@transaction.atomic
def notice_withdraw(*, actor: Actor, notice_id: int, reason: str = "") -> Notice:
    """The sender withdraws its notice: open cases end, and measures taken on its items are lifted."""
    actor.require("notices:write")
    notice = Notice.objects.select_for_update().filter(pk=notice_id, sender=actor.organisation).first()
    if notice is None:
        raise NotFound()
    if notice.status == NoticeStatus.WITHDRAWN:
        raise Conflict("already_withdrawn", _("This notice is already withdrawn."))
    now = timezone.now()
    notice.status, notice.withdrawn_at = NoticeStatus.WITHDRAWN, now
    notice.save(update_fields=["status", "withdrawn_at"])
    for case in Case.objects.select_for_update().filter(notice=notice, status__in=OPEN_CASE_STATUSES):
        NoticeItem.objects.filter(case=case, status=ItemStatus.ACTED).update(status=ItemStatus.RESTORED)
        NoticeItem.objects.filter(case=case, status=ItemStatus.PENDING).update(status=ItemStatus.WITHDRAWN)
        case_move(case, CaseStatus.WITHDRAWN, actor=actor, note=reason.strip()[:2000])
    audit_act(actor, AuditAction.NOTICE_WITHDRAWN, subject=notice, reason=reason.strip()[:2000])
    return notice


@transaction.atomic
def notice_deliver(*, notice_id: int) -> None:
    """Deliver each case of the notice still waiting for it: its marketplace's inbox on IPBridge has it from now
    on. ``notice_submit`` delivers the cases itself; this is the dispatch job's, for a notice queued before."""
    cases = (
        Case.objects.select_for_update(of=("self",))
        .select_related("notice__sender", "marketplace")
        .filter(notice_id=notice_id, status=CaseStatus.SUBMITTED)
        .order_by("pk")
    )
    cases_move(list(cases), CaseStatus.DELIVERED, actor=None)
