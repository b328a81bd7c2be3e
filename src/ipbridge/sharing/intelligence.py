"""Infringer intelligence without exposing personal data (EUIPO pillar 4; Shenzhen guideline 3.1.3.2, associated
shops): a marketplace that took measures against a seller in a case records the seller's identifiers, which are
kept only as keyed hashes; any marketplace then learns which of its own sellers match, and nothing else.

The keyed hash is an oblivious PRF (``ipbridge.engine.oprf``) under a key only the instance holds. A marketplace
that wants its sellers' identifiers never to leave its systems blinds them itself (``ipbridge intelligence
match``), has them evaluated here, and sends the finished hashes to be matched; the web page does the same steps
on the server for those who paste identifiers instead, keeping nothing of them. Records expire after
``INTELLIGENCE_RETENTION_DAYS`` and are removed at once when the merchant's appeal against the measures
succeeds."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_system
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from ipbridge.engine import oprf
from ipbridge.engine.identifiers import KINDS, identifier_input
from ipbridge.notices.models import Case, ItemStatus
from ipbridge.notices.selectors import access_case
from ipbridge.sharing.models import InfringerRecord, IntelligenceKey, IntelligenceUsage

# Who matches and records: marketplaces (operators look, for oversight).
MARKETPLACES = (OrganisationKind.MARKETPLACE,)
MAX_BATCH = 1000


def _fernet() -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipbridge intelligence key").derive(
        settings.CREDENTIAL_KEY_SECRET.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _key() -> bytes:
    """The instance's OPRF key, made on first use."""
    stored = IntelligenceKey.objects.order_by("pk").first()
    if stored is None:
        IntelligenceKey.objects.bulk_create(
            [IntelligenceKey(pk=1, key_encrypted=_fernet().encrypt(oprf.key_generate()).decode())],
            ignore_conflicts=True,
        )
        stored = IntelligenceKey.objects.get(pk=1)
    return _fernet().decrypt(stored.key_encrypted.encode())


def _marketplace(actor: Actor, scope: str) -> None:
    actor.require(scope)
    actor.require_kind(*MARKETPLACES)


def _inputs(identifiers: Sequence[tuple[str, str]], *, field: str = "identifiers") -> list[tuple[str, bytes]]:
    if not identifiers:
        raise ValidationFailed("required", _("Give at least one identifier."), field=field)
    if len(identifiers) > MAX_BATCH:
        raise ValidationFailed("too_many", _("At most %(n)d identifiers at a time.") % {"n": MAX_BATCH}, field=field)
    inputs = []
    for position, (kind, value) in enumerate(identifiers):
        if kind not in KINDS:
            raise ValidationFailed(
                "invalid_choice",
                _("Line %(n)d: the kind is one of %(kinds)s.") % {"n": position + 1, "kinds": ", ".join(KINDS)},
                field=f"{field}[{position}].kind",
            )
        try:
            inputs.append((kind, identifier_input(kind, value)))
        except ValueError as exc:
            raise ValidationFailed(
                "not_identifying",
                _("Line %(n)d: nothing identifying is left of this %(kind)s.") % {"n": position + 1, "kind": kind},
                field=f"{field}[{position}].value",
            ) from exc
    return inputs


def _confirmed(case: Case) -> bool:
    """Measures were taken on at least one of the case's items and stand."""
    return case.items.filter(status=ItemStatus.ACTED).exists()


@transaction.atomic
def intelligence_record(*, actor: Actor, case_id: int, identifiers: Sequence[tuple[str, str]]) -> int:
    """Record identifiers of the seller of one of the marketplace's own cases with measures taken; returns how many
    new records were made (one already recorded for this case is not made twice)."""
    _marketplace(actor, "sharing:write")
    case = access_case(actor=actor, case_id=case_id, for_update=True)
    if case.marketplace_id != actor.organisation.pk:
        raise PermissionDenied(
            _("Only the marketplace handling the case may record its seller."), code="not_marketplace"
        )
    if not _confirmed(case):
        raise Conflict(
            "no_measures", _("Record a seller only once measures were taken on at least one item of the case.")
        )
    key = _key()
    expires = timezone.now() + timedelta(days=settings.INTELLIGENCE_RETENTION_DAYS)
    records = [
        InfringerRecord(
            hash=oprf.evaluate_direct(key, data),
            kind=kind,
            contributed_by=actor.organisation,
            case=case,
            expires_at=expires,
        )
        for kind, data in _inputs(identifiers)
    ]
    existing = {bytes(h) for h in InfringerRecord.objects.filter(case=case).values_list("hash", flat=True)}
    new = {bytes(r.hash): r for r in records if bytes(r.hash) not in existing}
    InfringerRecord.objects.bulk_create(new.values())
    audit_act(
        actor,
        AuditAction.INTELLIGENCE_RECORDED,
        subject=case,
        recorded=len(new),
        kinds=sorted({r.kind for r in new.values()}),
    )
    return len(new)


def intelligence_records(*, actor: Actor) -> QuerySet[InfringerRecord]:
    """What the marketplace recorded (operators: every record), newest first — kinds and cases, never values."""
    actor.require("sharing:read")
    records = InfringerRecord.objects.select_related("case", "contributed_by").order_by("-created_at", "-id")
    if actor.is_operator:
        return records
    actor.require_kind(*MARKETPLACES)
    return records.filter(contributed_by=actor.organisation)


@transaction.atomic
def intelligence_withdraw(*, actor: Actor, record_id: int) -> None:
    """The marketplace takes back one of its records."""
    _marketplace(actor, "sharing:write")
    record = InfringerRecord.objects.filter(pk=record_id, contributed_by=actor.organisation).first()
    if record is None:
        raise NotFound()
    audit_act(actor, AuditAction.INTELLIGENCE_WITHDRAWN, subject=record.case, kind=record.kind)
    record.delete()


def intelligence_withdraw_for_case(*, case: Case, reason: str) -> int:
    """Remove every record of a case whose measures were overturned (the merchant's appeal succeeded)."""
    removed, _detail = InfringerRecord.objects.filter(case=case).delete()
    if removed:
        audit_system(
            AuditAction.INTELLIGENCE_WITHDRAWN,
            organisations=[case.marketplace],
            subject=case,
            removed=removed,
            reason=reason,
        )
    return removed


def _allowance(actor: Actor, count: int) -> None:
    """Count ``count`` evaluations against the organisation's daily allowance, refusing past it: matching one
    identifier at a time must not become a way to read the whole list."""
    today = timezone.localdate()
    try:
        with transaction.atomic():
            IntelligenceUsage.objects.get_or_create(organisation=actor.organisation, day=today)
    except IntegrityError:
        pass  # made by a request at the same time
    with transaction.atomic():
        usage = IntelligenceUsage.objects.select_for_update().get(organisation=actor.organisation, day=today)
        if usage.evaluations + count > settings.INTELLIGENCE_EVALUATIONS_PER_DAY:
            raise TooManyRequests(
                "daily_allowance_used",
                _("Your organisation may check %(n)d identifiers a day; try again tomorrow.")
                % {"n": settings.INTELLIGENCE_EVALUATIONS_PER_DAY},
            )
        usage.evaluations += count
        usage.save(update_fields=["evaluations"])


def intelligence_evaluate(*, actor: Actor, blinded: Sequence[bytes]) -> list[bytes]:
    """The instance's step of the oblivious PRF: k·(each blinded element). It learns nothing of the identifiers."""
    _marketplace(actor, "sharing:read")
    if not blinded:
        raise ValidationFailed("required", _("Send at least one blinded element."), field="blinded")
    if len(blinded) > MAX_BATCH:
        raise ValidationFailed("too_many", _("At most %(n)d at a time.") % {"n": MAX_BATCH}, field="blinded")
    key = _key()
    evaluated = []
    for position, element in enumerate(blinded):
        try:
            evaluated.append(oprf.evaluate(key, element))
        except oprf.InvalidElement as exc:
            raise ValidationFailed(
                "invalid_element",
                _("Element %(n)d is not a point of the group.") % {"n": position + 1},
                field=f"blinded[{position}]",
            ) from exc
    _allowance(actor, len(blinded))
    return evaluated


@dataclass(frozen=True)
class Match:
    hash: bytes
    kind: str
    marketplaces: int  # how many marketplaces confirmed it
    cases: int
    last_confirmed: str  # ISO date


def intelligence_match(*, actor: Actor, hashes_: Sequence[bytes]) -> list[Match]:
    """Which of the keyed hashes the marketplace sends are recorded infringers; nothing is told of the others,
    nor who recorded them."""
    _marketplace(actor, "sharing:read")
    if not hashes_:
        raise ValidationFailed("required", _("Send at least one hash."), field="hashes")
    if len(hashes_) > MAX_BATCH:
        raise ValidationFailed("too_many", _("At most %(n)d at a time.") % {"n": MAX_BATCH}, field="hashes")
    for position, value in enumerate(hashes_):
        if len(value) != oprf.OUTPUT_BYTES:
            raise ValidationFailed(
                "invalid_hash", _("Hash %(n)d is not 32 bytes.") % {"n": position + 1}, field=f"hashes[{position}]"
            )
    rows = (
        InfringerRecord.objects.filter(hash__in=list(set(hashes_)), expires_at__gt=timezone.now())
        .values("hash", "kind")
        .annotate(
            marketplaces=Count("contributed_by", distinct=True),
            cases=Count("case", distinct=True),
            last=Max("created_at"),
        )
    )
    found = {bytes(row["hash"]): row for row in rows}
    audit_act(actor, AuditAction.INTELLIGENCE_MATCHED, subject=None, checked=len(hashes_), matched=len(found))
    return [
        Match(
            h,
            found[h]["kind"],
            found[h]["marketplaces"],
            found[h]["cases"],
            found[h]["last"].date().isoformat(),
        )
        for h in dict.fromkeys(hashes_)
        if h in found
    ]


@dataclass(frozen=True)
class IdentifierMatch:
    position: int
    kind: str
    value: str
    match: Match


def intelligence_match_identifiers(*, actor: Actor, identifiers: Sequence[tuple[str, str]]) -> list[IdentifierMatch]:
    """The page's way: the identifiers pasted are blinded, evaluated, finished and matched here in one go, the
    same steps as the command line's, and kept nowhere."""
    _marketplace(actor, "sharing:read")
    inputs = _inputs(identifiers)
    blinds = [oprf.blind(data) for _kind, data in inputs]
    evaluated = intelligence_evaluate(actor=actor, blinded=[element for _r, element in blinds])
    finished = [
        oprf.finalize(data, blind, element)
        for (_kind, data), (blind, _e), element in zip(inputs, blinds, evaluated, strict=True)
    ]
    matches = {m.hash: m for m in intelligence_match(actor=actor, hashes_=finished)}
    return [
        IdentifierMatch(position, identifiers[position][0], identifiers[position][1], matches[h])
        for position, h in enumerate(finished)
        if h in matches
    ]


def intelligence_purge() -> int:
    """Scheduled: delete the records past their retention."""
    removed, _detail = InfringerRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return removed
