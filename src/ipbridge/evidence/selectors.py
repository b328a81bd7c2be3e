"""Every read of evidence. An organisation sees the items it added, the items shared with it, and the items attached
to the cases it is a party of; operators see every item. ``access_evidence`` answers "not found" alike for missing
and forbidden items."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import Organisation
from ipbridge.core.errors import NotFound
from ipbridge.evidence.models import CaseEvidence, CustodyEvent, Evidence, EvidenceShare, LogCheckRun, TreeHead
from ipbridge.notices.models import Case

VAULT_PREFIX = "evidence:"


def vault_reference(reference: str) -> int | None:
    """The id of a vault item a notice's or counter-notice's evidence names as ``evidence:<id>``; None for any
    other reference (a URL, a description)."""
    text = reference.strip().lower()
    if not text.startswith(VAULT_PREFIX):
        return None
    number = text.removeprefix(VAULT_PREFIX).strip()
    return int(number) if number.isdigit() and len(number) <= 18 else 0


def vault_items_owned(*, organisation_id: int, evidence_ids: set[int]) -> set[int]:
    """Which of ``evidence_ids`` are the organisation's own items."""
    if not evidence_ids:
        return set()
    return set(
        Evidence.objects.filter(pk__in=evidence_ids, organisation_id=organisation_id).values_list("pk", flat=True)
    )


def _case_parties(organisation_id: int) -> Q:
    return (
        Q(case__marketplace_id=organisation_id)
        | Q(case__notice__sender_id=organisation_id)
        | Q(case__notice__principal_id=organisation_id)
        | Q(case__merchant_id=organisation_id)
    )


def _visible(actor: Actor) -> QuerySet[Evidence]:
    items = Evidence.objects.select_related("organisation", "marketplace")
    if actor.is_operator:
        return items
    me = actor.organisation.pk
    shared = EvidenceShare.objects.filter(evidence=OuterRef("pk"), organisation_id=me, revoked_at=None)
    on_my_cases = CaseEvidence.objects.filter(_case_parties(me), evidence=OuterRef("pk"))
    return items.filter(Q(organisation_id=me) | Exists(shared) | Exists(on_my_cases))


def access_evidence(*, actor: Actor, evidence_id: int, for_update: bool = False) -> Evidence:
    actor.require("evidence:read")
    items = _visible(actor)
    if for_update:
        items = items.select_for_update(of=("self",))
    item = items.filter(pk=evidence_id).first()
    if item is None:
        raise NotFound()
    return item


def evidence_visible(*, actor: Actor, case_id: int | None = None, query: str = "") -> QuerySet[Evidence]:
    """The items the actor may see, newest first; only those attached to ``case_id``, or matching ``query`` (in
    the name, the SHA-256, the listing, the stream or the address)."""
    actor.require("evidence:read")
    items = _visible(actor)
    if case_id is not None:
        # Only a case the actor is a party of: which other cases an item is attached to is not told.
        links = CaseEvidence.objects.filter(evidence=OuterRef("pk"), case__pk=case_id)
        if not actor.is_operator:
            links = links.filter(_case_parties(actor.organisation.pk))
        items = items.filter(Exists(links))
    query = query.strip()
    if query:
        items = items.filter(
            Q(name__icontains=query)
            | Q(sha256__startswith=query.lower())
            | Q(listing_id__icontains=query)
            | Q(stream_id__icontains=query)
            | Q(captured_url__icontains=query)
        )
    # What each row shows of its cases and shares, read for the whole page at once.
    return items.order_by("-created_at", "-id").prefetch_related(
        Prefetch("case_links", queryset=_links_seen(actor), to_attr="links_seen"),
        Prefetch("shares", queryset=_open_shares(), to_attr="open_shares"),
    )


def evidence_of_case(*, case: Case) -> QuerySet[CaseEvidence]:
    """The items attached to a case the caller already may see (every party of the case sees them all)."""
    return CaseEvidence.objects.filter(case=case).select_related("evidence__organisation", "attached_by")


def evidence_custody(*, item: Evidence) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(evidence=item).select_related("organisation").order_by("leaf_index")


def evidence_owned(*, actor: Actor, item: Evidence) -> bool:
    """Whether the actor's organisation added the item (and so manages its sharing)."""
    return item.organisation_id == actor.organisation.pk


def _open_shares() -> QuerySet[EvidenceShare]:
    return EvidenceShare.objects.filter(revoked_at=None).select_related("organisation").order_by("granted_at", "id")


def _links_seen(actor: Actor) -> QuerySet[CaseEvidence]:
    links = CaseEvidence.objects.select_related("case__marketplace", "attached_by").order_by("attached_at", "id")
    return links if actor.is_operator else links.filter(_case_parties(actor.organisation.pk))


def evidence_shares(*, actor: Actor, item: Evidence) -> Sequence[EvidenceShare]:
    """Whom the item is shared with, for its owner and operators; nobody else is told."""
    if not (actor.is_operator or evidence_owned(actor=actor, item=item)):
        return []
    prefetched = getattr(item, "open_shares", None)
    return prefetched if prefetched is not None else list(_open_shares().filter(evidence=item))


def evidence_cases(*, actor: Actor, item: Evidence) -> Sequence[CaseEvidence]:
    """The cases the item is attached to, of those the actor may see."""
    prefetched = getattr(item, "links_seen", None)
    return prefetched if prefetched is not None else list(_links_seen(actor).filter(evidence=item))


def tree_head_latest() -> TreeHead | None:
    return TreeHead.objects.first()


def share_targets(*, actor: Actor, item: Evidence, kinds: tuple[str, ...]) -> QuerySet[Organisation]:
    """The organisations of ``kinds`` the item could be shared with: not already, and not the owner."""
    shared = EvidenceShare.objects.filter(evidence=item, revoked_at=None).values("organisation_id")
    return (
        Organisation.objects.filter(kind__in=kinds)
        .exclude(pk__in=shared)
        .exclude(pk=actor.organisation.pk)
        .order_by("name")
    )


def organisation_names(slugs: set[str]) -> dict[str, str]:
    """Names of the organisations custody events name by slug."""
    if not slugs:
        return {}
    return dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "name"))


def log_check_runs(*, actor: Actor, limit: int) -> list[LogCheckRun]:
    """The newest checks of the whole log, for operators."""
    actor.require_operator()
    actor.require("evidence:read")
    return list(LogCheckRun.objects.all()[:limit])
