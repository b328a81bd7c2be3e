"""HTTP API of the evidence vault: add (streamed), read, prove, share, attach, export and verify. Parse, call a
service or a selector, serialise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.throttling import AnonRateThrottle

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.core.errors import ValidationFailed
from ipbridge.evidence import log, selectors, services
from ipbridge.evidence.presenters import custody_out, evidence_out, leaf_proof_out, tree_head_out
from ipbridge.evidence.schemas import (
    AttachIn,
    CaseLinkOut,
    ConsistencyOut,
    CustodyOut,
    EvidenceOut,
    ExportIn,
    PackageReportOut,
    ProofOut,
    ShareIn,
    ShareOut,
    TreeHeadOut,
)

router = Router(tags=["evidence"])
public = Router(auth=None, throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)], tags=["evidence"])


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


@router.post("/evidence", response={201: EvidenceOut, **ERRORS}, operation_id="evidence_add")
def evidence_add(
    request: HttpRequest,
    name: Form[str] = "",
    text: Form[str] = "",
    captured_url: Form[str] = "",
    marketplace: Form[str] = "",
    listing_id: Form[str] = "",
    stream_id: Form[str] = "",
    time_code: Form[str] = "",
    observed_at: Form[dt.datetime | None] = None,
    notes: Form[str] = "",
    file: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    """Add an item of evidence (multipart): a ``file`` (streamed to storage under its SHA-256; a picture, PDF,
    recording, page capture, ZIP archive or text file) or a ``text``, with where it was captured (``captured_url``,
    ``marketplace`` slug, ``listing_id``, or ``stream_id`` and ``time_code`` HH:MM:SS in a live stream), when
    (``observed_at``, ISO 8601 with zone; IPBridge also records its own time of receipt) and ``notes``. The item
    and its custody events become leaves of the evidence log."""
    actor = _actor(request)
    item = services.evidence_add(
        actor=actor,
        name=name,
        upload=file,
        text=text or None,
        captured_url=captured_url,
        marketplace=marketplace,
        listing_id=listing_id,
        stream_id=stream_id,
        time_code=time_code,
        observed_at=observed_at,
        notes=notes,
    )
    return Status(201, evidence_out(item, actor=actor))


@router.get("/evidence", response={200: list[EvidenceOut], **ERRORS}, operation_id="evidence_list")
@paginate(Pagination)
def evidence_list(request: HttpRequest, case_id: int | None = None, q: str = "") -> Any:
    """Evidence you may see: your own, shared with you, or attached to your cases; newest first. ``case_id``: only
    what is attached to that case; ``q``: in the name, SHA-256 prefix, listing, stream or address."""
    actor = _actor(request)
    items = selectors.evidence_visible(actor=actor, case_id=case_id, query=q)
    return Rendered(items, lambda item: evidence_out(item, actor=actor))


@router.get("/evidence/{int:evidence_id}", response={200: EvidenceOut, **ERRORS}, operation_id="evidence_get")
def evidence_get(request: HttpRequest, evidence_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return evidence_out(selectors.access_evidence(actor=actor, evidence_id=evidence_id), actor=actor)


@router.get("/evidence/{int:evidence_id}/content", response={200: None, **ERRORS}, operation_id="evidence_content")
def evidence_content(request: HttpRequest, evidence_id: int) -> FileResponse:
    """The item's bytes, streamed. Each opening is a custody event (viewed) in the log."""
    item, stream = services.evidence_open(actor=_actor(request), evidence_id=evidence_id)
    return FileResponse(stream, content_type=item.content_type, filename=item.name, as_attachment=True)


@router.get(
    "/evidence/{int:evidence_id}/custody",
    response={200: list[CustodyOut], **ERRORS},
    operation_id="evidence_custody",
)
def evidence_custody(request: HttpRequest, evidence_id: int) -> list[dict[str, Any]]:
    """The item's chain of custody (证据链): added, viewed, shared, attached, exported — oldest first."""
    item = selectors.access_evidence(actor=_actor(request), evidence_id=evidence_id)
    return [custody_out(event) for event in selectors.evidence_custody(item=item)]


@router.get("/evidence/{int:evidence_id}/proof", response={200: ProofOut, **ERRORS}, operation_id="evidence_proof")
def evidence_proof(request: HttpRequest, evidence_id: int) -> dict[str, Any]:
    """The item's leaf and custody leaves with inclusion proofs in a signed tree head covering them (RFC 9162)."""
    proof = services.evidence_proof(actor=_actor(request), evidence_id=evidence_id)
    return {
        "evidence": proof.item.pk,
        "item": leaf_proof_out(proof.proof),
        "custody": [leaf_proof_out(p) for _, p in proof.custody],
        "tree_head": tree_head_out(proof.head),
    }


@router.post("/evidence/{int:evidence_id}/shares", response={201: ShareOut, **ERRORS}, operation_id="evidence_share")
def evidence_share(request: HttpRequest, evidence_id: int, payload: ShareIn) -> Status[dict[str, Any]]:
    """Show one of your items to an authority or a mediator (by its slug) until you end the sharing."""
    share = services.evidence_share(actor=_actor(request), evidence_id=evidence_id, organisation=payload.organisation)
    return Status(
        201,
        {
            "organisation": share.organisation.slug,
            "organisation_name": share.organisation.name,
            "granted_at": share.granted_at,
        },
    )


@router.delete(
    "/evidence/{int:evidence_id}/shares/{slug}", response={204: None, **ERRORS}, operation_id="evidence_unshare"
)
def evidence_unshare(request: HttpRequest, evidence_id: int, slug: str) -> Status[None]:
    services.evidence_unshare(actor=_actor(request), evidence_id=evidence_id, organisation=slug)
    return Status(204, None)


@router.post("/evidence/{int:evidence_id}/cases", response={201: CaseLinkOut, **ERRORS}, operation_id="evidence_attach")
def evidence_attach(request: HttpRequest, evidence_id: int, payload: AttachIn) -> Status[dict[str, Any]]:
    """Attach one of your items to a case you are a party of; every party of the case then sees it."""
    link = services.evidence_attach(actor=_actor(request), evidence_id=evidence_id, case_id=payload.case_id)
    return Status(
        201,
        {
            "evidence": link.evidence_id,
            "case": link.case_id,
            "marketplace": link.case.marketplace.slug,
            "attached_by": link.attached_by.slug,
            "attached_at": link.attached_at,
        },
    )


@router.post(
    "/evidence/export",
    response={200: None, **ERRORS},
    operation_id="evidence_export",
    openapi_extra={"responses": {200: {"description": "The package", "content": {"application/zip": {}}}}},
)
def evidence_export(request: HttpRequest, payload: ExportIn) -> FileResponse:
    """An evidence package (zip) of items you may see: their files, manifest, leaves, inclusion proofs, the signed
    tree head and the public keys. Check it offline with ``ipbridge evidence verify PACKAGE.zip``."""
    package = services.evidence_export_file(actor=_actor(request), evidence_ids=payload.ids)
    return FileResponse(package, content_type="application/zip", filename="evidence-package.zip", as_attachment=True)


@public.get("/evidence/log/tree-head", response={200: TreeHeadOut, **ERRORS}, operation_id="evidence_tree_head")
def evidence_tree_head(request: HttpRequest) -> dict[str, Any]:
    """The evidence log's newest signed tree head (public): anyone can keep it and later ask for consistency."""
    return tree_head_out(log.tree_head_current())


@public.get("/evidence/log/consistency", response={200: ConsistencyOut, **ERRORS}, operation_id="evidence_consistency")
def evidence_consistency(request: HttpRequest, old_size: int, new_size: int) -> dict[str, Any]:
    """A consistency proof (public) that the log of ``new_size`` leaves extends the one of ``old_size``: nothing
    signed before was changed or taken out."""
    size = log.log_size()
    if not 0 < old_size <= new_size <= size:
        raise ValidationFailed(
            "invalid_size",
            f"Give 0 < old_size <= new_size <= {size}, the log's size.",
            field="old_size" if not 0 < old_size <= new_size else "new_size",
        )
    proof = log.consistency(old_size, new_size)
    return {"old_size": old_size, "new_size": new_size, "proof": [h.hex() for h in proof]}


@public.post(
    "/evidence/packages/verify", response={200: PackageReportOut, **ERRORS}, operation_id="evidence_package_verify"
)
def evidence_package_verify(request: HttpRequest, package: File[UploadedFile]) -> dict[str, Any]:
    """Check an evidence package (multipart ``package``) against this instance's published keys, as the command
    line does offline: files, leaves, proofs, the signed tree head and its time-stamp."""
    report = services.package_check(package)
    head = report.tree_head
    return {
        "ok": report.ok,
        "items": report.items,
        "tree_size": head.size if head else None,
        "root_hash": head.root.hex() if head else None,
        "failures": report.failures,
        "checks": report.checks,
    }
