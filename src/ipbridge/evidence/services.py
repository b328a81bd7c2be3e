"""Every write to the evidence vault. Each appends its leaves to the evidence log in the same transaction as the
rows they stand for, and writes an audit row: an item and its custody events can only be added, never changed."""

from __future__ import annotations

import base64
import functools
import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_act_row, audit_rows_write, audit_system
from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.core.errors import Conflict, NotFound, PayloadTooLarge, PermissionDenied, ValidationFailed
from ipbridge.core.validation import text_field, url_field
from ipbridge.engine import evidence_package, timestamps
from ipbridge.evidence import log
from ipbridge.evidence.blobs import Blob, blob_discard, blob_open, blob_store
from ipbridge.evidence.models import (
    CaseEvidence,
    CustodyAction,
    CustodyEvent,
    Evidence,
    EvidenceKind,
    EvidenceShare,
    LogCheckRun,
    TreeHead,
)
from ipbridge.evidence.selectors import access_evidence, evidence_custody, evidence_owned, tree_head_latest
from ipbridge.identity.signing import published_jwks
from ipbridge.notices.models import Case
from ipbridge.notices.selectors import access_case

logger = logging.getLogger(__name__)

# Who adds evidence: everyone who sends, answers or handles notices, and mediators; authorities only read what
# they are shown.
ADDERS = (
    OrganisationKind.RIGHT_HOLDER,
    OrganisationKind.AGENT,
    OrganisationKind.MARKETPLACE,
    OrganisationKind.MERCHANT,
    OrganisationKind.MEDIATOR,
)
# Whom an owner shows an item to outside a case: enforcement authorities and mediators.
SHARE_KINDS = (OrganisationKind.AUTHORITY, OrganisationKind.MEDIATOR)
MAX_TEXT_BYTES = 1024 * 1024
MAX_NOTES = 5000
MAX_EXPORT_ITEMS = 500
_TIME_CODE = re.compile(r"(?P<h>\d{1,3}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)(?:\.\d{1,3})?")
# A capturer's clock may run a little ahead of the server's.
_CLOCK_SKEW = timedelta(minutes=5)


def _custody(
    appender: log.Appender, actor: Actor, item: Evidence, action: CustodyAction, **details: Any
) -> CustodyEvent:
    event = CustodyEvent.objects.create(
        evidence=item,
        action=action,
        organisation=actor.organisation,
        actor=actor.user,
        actor_label=actor.label,
        details=details,
        leaf_index=appender.reserve(),
    )
    appender.add_custody(event)
    return event


def _marketplace(slug: str) -> Organisation | None:
    slug = slug.strip()
    if not slug:
        return None
    marketplace = Organisation.objects.filter(slug=slug, kind=OrganisationKind.MARKETPLACE).first()
    if marketplace is None:
        raise ValidationFailed(
            "unknown_marketplace", _("No marketplace on IPBridge has this name."), field="marketplace"
        )
    return marketplace


def _time_code(value: str, *, stream_id: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if _TIME_CODE.fullmatch(value) is None:
        raise ValidationFailed(
            "invalid_time_code", _("Write the time code as HH:MM:SS, e.g. 01:02:03."), field="time_code"
        )
    if not stream_id:
        raise ValidationFailed(
            "time_code_without_stream", _("Name the live stream this time code is in."), field="stream_id"
        )
    return value


def _observed_at(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        raise ValidationFailed("naive_time", _("Give the time with its time zone."), field="observed_at")
    if value > timezone.now() + _CLOCK_SKEW:
        raise ValidationFailed("in_the_future", _("The capture cannot be later than now."), field="observed_at")
    return value


def _refuse_nul(**fields: str) -> None:
    """The fields of a multipart body reach here unchecked for NUL characters (its file may hold them), and
    PostgreSQL stores no text with one."""
    for field, value in fields.items():
        if "\x00" in value:
            raise ValidationFailed(
                "invalid_characters", _("The request contains a NUL character, which no field accepts."), field=field
            )


def _content(upload: Any, text: str | None) -> tuple[Any, EvidenceKind, str]:
    """What is stored, its kind, and the field a refusal names."""
    if upload is not None and text:
        raise ValidationFailed("file_and_text", _("Send a file or a text, not both."), field="text")
    if upload is not None:
        return upload, EvidenceKind.FILE, "file"
    if not (text or "").strip():
        raise ValidationFailed("required", _("Send a file or write the text of the evidence."), field="file")
    data = (text or "").replace("\r\n", "\n").encode("utf-8")
    if len(data) > MAX_TEXT_BYTES:
        raise ValidationFailed(
            "too_long",
            _("A text is at most %(n)d KiB; send it as a file.") % {"n": MAX_TEXT_BYTES // 1024},
            field="text",
        )
    return data, EvidenceKind.TEXT, "text"


def evidence_add(
    *,
    actor: Actor,
    name: str = "",
    upload: Any = None,
    text: str | None = None,
    captured_url: str = "",
    marketplace: str = "",
    listing_id: str = "",
    stream_id: str = "",
    time_code: str = "",
    observed_at: datetime | None = None,
    notes: str = "",
) -> Evidence:
    """Store a file (streamed, under its SHA-256) or a text as an evidence item of the actor's organisation, with
    where and when it was captured; the item and its "added" custody event become leaves of the evidence log."""
    actor.require("evidence:write")
    actor.require_kind(*ADDERS)
    content, kind, content_field = _content(upload, text)
    default_name = getattr(upload, "name", "") if kind == EvidenceKind.FILE else ""
    _refuse_nul(
        name=name or default_name or "",
        captured_url=captured_url,
        marketplace=marketplace,
        listing_id=listing_id,
        stream_id=stream_id,
        time_code=time_code,
        notes=notes,
    )
    name = text_field(name or default_name or "", field="name", max_length=255)
    captured_url = url_field(captured_url, field="captured_url", required=False)
    market = _marketplace(marketplace)
    listing_id = text_field(listing_id, field="listing_id", max_length=200, required=False)
    stream_id = text_field(stream_id, field="stream_id", max_length=200, required=False)
    time_code = _time_code(time_code, stream_id=stream_id)
    observed = _observed_at(observed_at)
    notes = text_field(notes, field="notes", max_length=MAX_NOTES, required=False)
    blob = blob_store(content, field=content_field)
    if kind == EvidenceKind.TEXT:
        blob = Blob(blob.storage_name, blob.sha256, blob.size, "text/plain", blob.new)
    try:
        return _evidence_write(
            actor,
            blob=blob,
            kind=kind,
            name=name,
            captured_url=captured_url,
            marketplace=market,
            listing_id=listing_id,
            stream_id=stream_id,
            time_code=time_code,
            observed_at=observed,
            notes=notes,
        )
    except BaseException:
        if blob.new and not Evidence.objects.filter(sha256=blob.sha256).exists():
            blob_discard(blob)
        raise


@transaction.atomic
def _evidence_write(actor: Actor, *, blob: Blob, kind: str, **fields: Any) -> Evidence:
    appender = log.Appender()
    item = Evidence.objects.create(
        organisation=actor.organisation,
        kind=kind,
        sha256=blob.sha256,
        size=blob.size,
        content_type=blob.content_type,
        storage_name=blob.storage_name,
        captured_by=actor.user,
        captured_by_label=actor.label,
        leaf_index=appender.reserve(),
        **fields,
    )
    appender.add_evidence(item)
    _custody(appender, actor, item, CustodyAction.ADDED)
    appender.write()
    audit_act(actor, AuditAction.EVIDENCE_ADDED, subject=item, sha256=item.sha256, size=item.size)
    return item


@transaction.atomic
def evidence_open(*, actor: Actor, evidence_id: int) -> tuple[Evidence, IO[bytes]]:
    """The item's bytes, for anyone who may see it; the opening is a custody event."""
    item = access_evidence(actor=actor, evidence_id=evidence_id)
    appender = log.Appender()
    _custody(appender, actor, item, CustodyAction.VIEWED)
    appender.write()
    return item, blob_open(item.storage_name)


def _owned(actor: Actor, evidence_id: int) -> Evidence:
    actor.require("evidence:write")
    item = access_evidence(actor=actor, evidence_id=evidence_id, for_update=True)
    if not evidence_owned(actor=actor, item=item):
        raise PermissionDenied(_("Only the organisation that added this evidence may do this."), code="not_owner")
    return item


@transaction.atomic
def evidence_share(*, actor: Actor, evidence_id: int, organisation: str) -> EvidenceShare:
    """Show an item to an authority or a mediator, until the sharing is ended."""
    item = _owned(actor, evidence_id)
    target = Organisation.objects.filter(slug=organisation.strip()).first() if organisation.strip() else None
    if target is None:
        raise ValidationFailed(
            "unknown_organisation", _("No organisation on IPBridge has this name."), field="organisation"
        )
    if target == actor.organisation:
        raise ValidationFailed(
            "own_organisation", _("Your organisation sees its own evidence already."), field="organisation"
        )
    if target.kind not in SHARE_KINDS:
        raise ValidationFailed(
            "not_shareable",
            _("Evidence is shared with authorities and mediators; a case's parties see what is attached to it."),
            field="organisation",
        )
    if EvidenceShare.objects.filter(evidence=item, organisation=target, revoked_at=None).exists():
        raise Conflict("already_shared", _("This evidence is already shared with %(org)s.") % {"org": target.name})
    share = EvidenceShare.objects.create(evidence=item, organisation=target, granted_by=actor.user)
    appender = log.Appender()
    _custody(appender, actor, item, CustodyAction.SHARED, organisation=target.slug)
    appender.write()
    audit_act(actor, AuditAction.EVIDENCE_SHARED, subject=item, organisation_shared=target.slug)
    audit_act(actor, AuditAction.EVIDENCE_SHARED, subject=item, organisation=target, shared_by=actor.organisation.slug)
    return share


@transaction.atomic
def evidence_unshare(*, actor: Actor, evidence_id: int, organisation: str) -> None:
    item = _owned(actor, evidence_id)
    share = (
        EvidenceShare.objects.select_for_update()
        .select_related("organisation")
        .filter(evidence=item, organisation__slug=organisation.strip(), revoked_at=None)
        .first()
    )
    if share is None:
        raise NotFound()
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    appender = log.Appender()
    _custody(appender, actor, item, CustodyAction.UNSHARED, organisation=share.organisation.slug)
    appender.write()
    audit_act(actor, AuditAction.EVIDENCE_UNSHARED, subject=item, organisation_shared=share.organisation.slug)


@transaction.atomic
def evidence_attach(*, actor: Actor, evidence_id: int, case_id: int) -> CaseEvidence:
    """Attach one of the organisation's items to a case it is a party of: every party of the case sees it."""
    item = _owned(actor, evidence_id)
    case = access_case(actor=actor, case_id=case_id)
    if CaseEvidence.objects.filter(evidence=item, case=case).exists():
        raise Conflict("already_attached", _("This evidence is already attached to this case."))
    link = CaseEvidence.objects.create(evidence=item, case=case, attached_by=actor.organisation)
    appender = log.Appender()
    _custody(appender, actor, item, CustodyAction.ATTACHED, case=case.pk)
    appender.write()
    parties = {case.marketplace, case.notice.sender, case.notice.principal or case.notice.sender}
    if case.merchant is not None:
        parties.add(case.merchant)
    for party in sorted(parties, key=lambda o: o.pk):
        audit_act(actor, AuditAction.EVIDENCE_ATTACHED, subject=item, organisation=party, case=case.pk)
    return link


def evidence_attach_to_cases(*, actor: Actor, evidence_ids: Sequence[int], cases: Sequence[Case]) -> None:
    """Attach the sender's own vault items named by a notice to each of its cases, in the notice's transaction:
    one link, custody event and audit row per item and case."""
    ids = sorted(set(evidence_ids))
    if not ids or not cases:
        return
    items = list(Evidence.objects.filter(pk__in=ids, organisation=actor.organisation).order_by("pk"))
    if len(items) != len(ids):
        raise ValidationFailed("unknown_evidence", _("Name evidence of your own vault."), field="evidence")
    CaseEvidence.objects.bulk_create(
        [CaseEvidence(evidence=item, case=case, attached_by=actor.organisation) for item in items for case in cases]
    )
    appender = log.Appender()
    for item in items:
        for case in cases:
            _custody(appender, actor, item, CustodyAction.ATTACHED, case=case.pk)
    appender.write()
    audit_rows_write(
        [
            audit_act_row(actor, AuditAction.EVIDENCE_ATTACHED, subject=item, case=case.pk)
            for item in items
            for case in cases
        ]
    )


def evidence_export(*, actor: Actor, evidence_ids: Sequence[int], out: BinaryIO) -> list[Evidence]:
    """Write an evidence package to ``out``: the items' files, their leaves and custody leaves with inclusion
    proofs in a tree head signed after the export was logged, and the public keys — checkable offline with
    ``ipbridge evidence verify``."""
    actor.require("evidence:read")
    ids = list(dict.fromkeys(evidence_ids))
    if not ids:
        raise ValidationFailed("required", _("Choose the evidence to export."), field="ids")
    if len(ids) > MAX_EXPORT_ITEMS:
        raise ValidationFailed(
            "too_many", _("At most %(n)d items in one package.") % {"n": MAX_EXPORT_ITEMS}, field="ids"
        )
    with transaction.atomic():
        items = [access_evidence(actor=actor, evidence_id=i) for i in ids]
        appender = log.Appender()
        for item in items:
            _custody(appender, actor, item, CustodyAction.EXPORTED, package=ids)
        appender.write()
        audit_act(actor, AuditAction.EVIDENCE_EXPORTED, subject=None, evidence=ids)
    head = log.tree_head_current()
    events: dict[int, list[CustodyEvent]] = {}
    for event in CustodyEvent.objects.filter(evidence_id__in=ids, leaf_index__lt=head.size).order_by("leaf_index"):
        events.setdefault(event.evidence_id, []).append(event)
    indices = [item.leaf_index for item in items] + [e.leaf_index for es in events.values() for e in es]
    proofs = {p.leaf_index: p for p in log.leaf_proofs(indices, head)}

    def leaf_entry(index: int) -> dict[str, Any]:
        proof = proofs[index]
        return {
            "leaf_index": index,
            "leaf": base64.b64encode(proof.leaf).decode(),
            "proof": [h.hex() for h in proof.path],
        }

    manifest = {
        "format": evidence_package.PACKAGE_FORMAT,
        "exported_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "issuer": log.issuer(),
        "tree_head": head.token,
        "timestamp": (
            {"token": base64.b64encode(bytes(head.tsa_token)).decode(), "tsa": head.tsa_url} if head.tsa_token else None
        ),
        "items": [
            {
                "id": item.pk,
                **leaf_entry(item.leaf_index),
                "file": f"files/{item.sha256}",
                "custody": [leaf_entry(e.leaf_index) for e in events.get(item.pk, [])],
            }
            for item in items
        ],
    }
    files = {item.sha256: item.storage_name for item in items}
    evidence_package.package_write(
        out,
        manifest=manifest,
        files=[(f"files/{sha}", functools.partial(blob_open, name)) for sha, name in files.items()],
        keys=published_jwks(),
    )
    return items


def log_check_now(*, actor: Actor) -> LogCheckRun:
    """An operator's check of the whole log, now (the files are left to the scheduled check)."""
    actor.require_operator()
    actor.require("evidence:write")
    return log_check_run(files=False)


def log_check_run(*, files: bool = False) -> LogCheckRun:
    """Check the whole evidence log (and, with ``files``, every stored file) and keep the outcome; when anything
    was altered, the operators' audit logs say so and their administrators are e-mailed."""
    run = LogCheckRun.objects.create()
    report = log.log_check(files=files)
    run.finished_at = timezone.now()
    run.size, run.items, run.custody_events = report.size, report.items, report.custody_events
    run.heads, run.files, run.problems = report.heads, report.files, report.problems
    run.save()
    if not report.ok:
        operators = list(Organisation.objects.filter(kind=OrganisationKind.OPERATOR))
        audit_system(
            AuditAction.EVIDENCE_LOG_CHECK_FAILED, organisations=operators, subject=run, problems=report.problems[:50]
        )
        recipients = list(
            Membership.objects.filter(organisation__in=operators, role=Role.ADMIN).values_list("user__email", flat=True)
        )
        if recipients:
            lines = "\n".join(f"- {p}" for p in report.problems[:200])
            send_mail(
                "IPBridge: the evidence log check found tampering",
                f"The check of {run.started_at:%Y-%m-%d %H:%M} UTC found {len(report.problems)} problem(s):"
                f"\n\n{lines}\n",
                None,
                recipients,
            )
        logger.error("evidence log check found %d problem(s)", len(report.problems))
    return run


def evidence_export_file(*, actor: Actor, evidence_ids: Sequence[int]) -> BinaryIO:
    """``evidence_export`` into a temporary file, returned open at its start (closing it deletes it)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        evidence_export(actor=actor, evidence_ids=evidence_ids, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


@dataclass(frozen=True)
class ItemProof:
    item: Evidence
    proof: log.Proof
    custody: list[tuple[CustodyEvent, log.Proof]]
    head: TreeHead


def evidence_proof(*, actor: Actor, evidence_id: int) -> ItemProof:
    """The item's leaf and custody leaves with their inclusion proofs in a signed tree head that covers them all
    (signed now when the newest one does not yet), each proof checked before it is given."""
    item = access_evidence(actor=actor, evidence_id=evidence_id)
    events = list(evidence_custody(item=item))
    head = tree_head_latest()
    last = max([item.leaf_index, *(e.leaf_index for e in events)])
    if head is None or head.size <= last:
        head = log.tree_head_current()
    proofs = log.leaf_proofs([item.leaf_index, *(e.leaf_index for e in events)], head)
    return ItemProof(item, proofs[0], list(zip(events, proofs[1:], strict=True)), head)


def _timestamp_check(token: bytes, data: bytes) -> str:
    check = timestamps.timestamp_verify(token, data)
    return "" if check.valid else check.detail


def package_check(upload: Any) -> evidence_package.PackageReport:
    """Check an evidence package as ``ipbridge evidence verify`` does, with this instance's published keys as the
    trusted ones (a package signed by anyone else fails)."""
    with tempfile.TemporaryFile() as spool:
        size = 0
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
            size += len(chunk)
            if size > settings.EVIDENCE_MAX_BYTES:
                raise PayloadTooLarge(
                    "file_too_large",
                    _("The package is larger than %(mib)d MiB.") % {"mib": settings.EVIDENCE_MAX_BYTES // 2**20},
                    field="package",
                )
            spool.write(chunk)
        if size == 0:
            raise ValidationFailed("empty_file", _("The file is empty."), field="package")
        spool.seek(0)
        return evidence_package.package_verify(
            spool,
            keys=published_jwks(),
            max_total_bytes=settings.EVIDENCE_ZIP_MAX_BYTES,
            timestamp_check=_timestamp_check,
        )
