"""HTTP API of shared information (信息共享): product authentication guides (正品鉴别指南) with their versions and
pictures, authorised sellers (授权经销商) with their import and the check of a shop, who read what, and the daily
export of a marketplace. Parse, call a service or a selector, serialise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.throttling import AnonRateThrottle

from ipbridge.accounts.actors import Actor
from ipbridge.core.api import ERRORS, Pagination, Rendered
from ipbridge.core.validation import choice_field
from ipbridge.sharing import exports, imports, selectors, sellers, services
from ipbridge.sharing.models import Guide, ReadSubject
from ipbridge.sharing.presenters import guide_out, guide_summary_out, organisation_out, read_out, seller_out
from ipbridge.sharing.schemas import (
    CheckOut,
    EndIn,
    ExportOut,
    GuideIn,
    GuideOut,
    GuideSummaryOut,
    ImageOut,
    ImportOut,
    ReaderCountOut,
    ReadOut,
    SellerIn,
    SellerOut,
    VersionOut,
)

router = Router(tags=["sharing"])
public = Router(auth=None, throttle=[AnonRateThrottle(settings.PUBLIC_RATE_LIMIT)], tags=["sharing"])

GUIDE_SCOPES = ("", "mine", "addressed")


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _guide(actor: Actor, guide_id: int, version: int | None = None) -> dict[str, Any]:
    read = services.guide_read(actor=actor, guide_id=guide_id, version=version)
    return guide_out(read.guide, read.content, version=read.version.number if read.version else None, actor=actor)


def _written(actor: Actor, guide: Guide) -> dict[str, Any]:
    """The working copy its right holder just wrote (a write needs no read permission to answer with it)."""
    return guide_out(guide, selectors.guide_working_content(guide=guide), version=None, actor=actor)


# Guides ------------------------------------------------------------------------------------------------------------


@router.get("/sharing/guides", response={200: list[GuideSummaryOut], **ERRORS}, operation_id="sharing_guides_list")
@paginate(Pagination)
def guides_list(request: HttpRequest, scope: str = "") -> Any:
    """The product authentication guides (正品鉴别指南) you may read, newest first: ``scope=mine`` your own,
    ``scope=addressed`` those shared with you."""
    actor = _actor(request)
    choice_field(scope, GUIDE_SCOPES, field="scope")
    guides = selectors.guides_visible(actor=actor, scope=scope)
    return Rendered(guides, lambda guide: guide_summary_out(guide, actor=actor))


@router.post("/sharing/guides", response={201: GuideOut, **ERRORS}, operation_id="sharing_guide_create")
def guide_create(request: HttpRequest, payload: GuideIn) -> Status[dict[str, Any]]:
    """Write a new guide (verified right holders): a draft that only your organisation reads until you publish it.
    ``title`` and ``rights`` are required."""
    actor = _actor(request)
    guide = services.guide_create(actor=actor, changes=services.GuideChanges(**payload.dict(exclude_unset=True)))
    return Status(201, _written(actor, guide))


@router.get("/sharing/guides/{int:guide_id}", response={200: GuideOut, **ERRORS}, operation_id="sharing_guide_get")
def guide_get(request: HttpRequest, guide_id: int, version: int | None = None) -> dict[str, Any]:
    """A guide: for its right holder the working copy, for its audience the newest published version (or
    ``version``, one of its history). Reads by other organisations are recorded for the right holder."""
    return _guide(_actor(request), guide_id, version)


@router.patch("/sharing/guides/{int:guide_id}", response={200: GuideOut, **ERRORS}, operation_id="sharing_guide_update")
def guide_update(request: HttpRequest, guide_id: int, payload: GuideIn) -> dict[str, Any]:
    """Change the working copy (the fields sent). The audience applies at once; the content reaches the audience
    when you publish again."""
    actor = _actor(request)
    changes = services.GuideChanges(**payload.dict(exclude_unset=True))
    return _written(actor, services.guide_update(actor=actor, guide_id=guide_id, changes=changes))


@router.delete("/sharing/guides/{int:guide_id}", response={204: None, **ERRORS}, operation_id="sharing_guide_delete")
def guide_delete(request: HttpRequest, guide_id: int) -> Status[None]:
    """Delete a guide never published (409 ``published_before`` for one that was: withdraw it)."""
    services.guide_delete(actor=_actor(request), guide_id=guide_id)
    return Status(204, None)


@router.post(
    "/sharing/guides/{int:guide_id}/publish", response={200: GuideOut, **ERRORS}, operation_id="sharing_guide_publish"
)
def guide_publish(request: HttpRequest, guide_id: int) -> dict[str, Any]:
    """Publish the working copy as the next version: its audience reads it from now on, the earlier versions stay
    in its history. Needs a right, a feature of genuine goods or of counterfeits, and an audience."""
    actor = _actor(request)
    return _written(actor, services.guide_publish(actor=actor, guide_id=guide_id))


@router.post(
    "/sharing/guides/{int:guide_id}/withdraw",
    response={200: GuideOut, **ERRORS},
    operation_id="sharing_guide_withdraw",
)
def guide_withdraw(request: HttpRequest, guide_id: int) -> dict[str, Any]:
    """Stop showing a published guide to its audience; publish it again to show it again."""
    actor = _actor(request)
    return _written(actor, services.guide_withdraw(actor=actor, guide_id=guide_id))


@router.get(
    "/sharing/guides/{int:guide_id}/versions",
    response={200: list[VersionOut], **ERRORS},
    operation_id="sharing_guide_versions",
)
def guide_versions(request: HttpRequest, guide_id: int) -> list[dict[str, Any]]:
    """The published versions of a guide, newest first; read one with ``GET /sharing/guides/{id}?version=N``."""
    guide = selectors.access_guide(actor=_actor(request), guide_id=guide_id)
    return [
        {
            "number": v.number,
            "published_at": v.published_at,
            "published_by": v.published_by_label,
            "title": v.content.get("title", ""),
        }
        for v in selectors.guide_versions(guide=guide)
    ]


@router.post(
    "/sharing/guides/{int:guide_id}/images",
    response={201: ImageOut, **ERRORS},
    operation_id="sharing_guide_image_add",
)
def guide_image_add(
    request: HttpRequest, guide_id: int, file: File[UploadedFile], caption: Form[str] = ""
) -> Status[dict[str, Any]]:
    """Add a picture to the working copy (multipart ``file``: PNG, JPEG or WebP as its bytes say, at most 5 MiB;
    ``caption``). It reaches the audience with the next published version."""
    image = services.guide_image_add(actor=_actor(request), guide_id=guide_id, upload=file, caption=caption)
    return Status(
        201,
        {
            "id": image.pk,
            "caption": image.caption,
            "sha256": image.sha256,
            "content_type": image.content_type,
            "size": image.size,
            "url": f"/api/v1/sharing/guides/{guide_id}/images/{image.pk}",
        },
    )


@router.get(
    "/sharing/guides/{int:guide_id}/images/{int:image_id}",
    response={200: None, **ERRORS},
    operation_id="sharing_guide_image_get",
    openapi_extra={
        "responses": {
            200: {"description": "The picture", "content": {t: {} for t in ("image/png", "image/jpeg", "image/webp")}}
        }
    },
)
def guide_image_get(request: HttpRequest, guide_id: int, image_id: int) -> FileResponse:
    """A picture's bytes, to whoever may read a version of the guide that shows it; each read by another
    organisation is recorded."""
    image, stream = services.guide_image_open(actor=_actor(request), guide_id=guide_id, image_id=image_id)
    response = FileResponse(stream, content_type=image.content_type)
    # Kept by nobody in between, and asked for again on each showing: each read is recorded.
    response["Cache-Control"] = "private, no-cache"
    return response


@router.delete(
    "/sharing/guides/{int:guide_id}/images/{int:image_id}",
    response={204: None, **ERRORS},
    operation_id="sharing_guide_image_remove",
)
def guide_image_remove(request: HttpRequest, guide_id: int, image_id: int) -> Status[None]:
    """Take a picture out of the working copy; the published versions showing it keep it."""
    services.guide_image_remove(actor=_actor(request), guide_id=guide_id, image_id=image_id)
    return Status(204, None)


# Who read what ---------------------------------------------------------------------------------------------------


def _subject(subject: str) -> str:
    return choice_field(subject, ["", *ReadSubject.values], field="subject") if subject else ""


@router.get("/sharing/reads", response={200: list[ReadOut], **ERRORS}, operation_id="sharing_reads_list")
@paginate(Pagination)
def reads_list(request: HttpRequest, guide_id: int | None = None, subject: str = "") -> Any:
    """Who read what your organisation shares (查阅记录), newest first: which organisation, person or API key,
    when, which guide and version, picture or list of authorised sellers."""
    reads = selectors.reads_visible(actor=_actor(request), guide_id=guide_id, subject=_subject(subject))
    return Rendered(reads, read_out)


@router.get(
    "/sharing/reads/by-organisation",
    response={200: list[ReaderCountOut], **ERRORS},
    operation_id="sharing_read_counts",
)
def read_counts(request: HttpRequest, guide_id: int | None = None, subject: str = "") -> list[dict[str, Any]]:
    """How often each organisation read what your organisation shares, most reads first."""
    counts = selectors.read_counts(actor=_actor(request), guide_id=guide_id, subject=_subject(subject))
    return [
        {
            "reader": {"slug": c.slug, "name": c.name},
            "reader_kind": c.kind,
            "reads": c.reads,
            "guide_reads": c.guide_reads,
            "image_reads": c.image_reads,
            "seller_reads": c.seller_reads,
            "last_read_at": c.last_read_at,
        }
        for c in counts
    ]


# Authorised sellers ---------------------------------------------------------------------------------------------


def _seller_in(payload: SellerIn) -> sellers.SellerIn:
    given: dict[str, Any] = {
        name: (value if value is not None or name in ("valid_from", "valid_until") else "")
        for name, value in payload.dict(exclude_unset=True).items()
    }
    return sellers.SellerIn(**given)


@router.get(
    "/sharing/authorised-sellers", response={200: list[SellerOut], **ERRORS}, operation_id="sharing_sellers_list"
)
@paginate(Pagination)
def sellers_list(
    request: HttpRequest,
    marketplace: str = "",
    brand: str = "",
    shop_id: str = "",
    state: str = "",
    holder: str = "",
) -> Any:
    """Authorised sellers (授权经销商): a right holder's own; a marketplace's, those listed on it (the read is
    recorded for their right holders); an operator's, all. Filters: ``marketplace`` (slug or name), ``brand``,
    ``shop_id``, ``holder`` (slug), ``state`` (current, upcoming, ended)."""
    if state:
        choice_field(state, selectors.SELLER_STATES, field="state")
    listed = sellers.sellers_read(
        actor=_actor(request), marketplace=marketplace, brand=brand, shop_id=shop_id, state=state, holder=holder
    )
    return Rendered(listed, seller_out)


@router.post("/sharing/authorised-sellers", response={201: SellerOut, **ERRORS}, operation_id="sharing_seller_create")
def seller_create(request: HttpRequest, payload: SellerIn) -> Status[dict[str, Any]]:
    """List a shop as authorised (verified right holders): the brand (a name of a right you hold) or the right,
    the marketplace (its slug, or the name and address of one not on IPBridge), the shop, the relation and the
    dates (``valid_until`` is the last day)."""
    seller = sellers.seller_create(actor=_actor(request), entry=_seller_in(payload))
    return Status(201, seller_out(seller))


@router.post(
    "/sharing/authorised-sellers/import", response={200: ImportOut, **ERRORS}, operation_id="sharing_sellers_import"
)
def sellers_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Import authorised sellers from a CSV file (multipart ``file``; header: brand, right, marketplace,
    marketplace_name, marketplace_url, shop_id, shop_name, relation, valid_from, valid_until). All rows or none:
    when a row is refused, the answer is 422 ``rows_refused`` with ``details.rows`` naming each refused row (its
    line), field and reason. A row for a shop already listed changes it."""
    outcome = imports.sellers_import(actor=_actor(request), upload=file)
    return {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged}


@router.get(
    "/sharing/authorised-sellers/check", response={200: CheckOut, **ERRORS}, operation_id="sharing_seller_check"
)
def seller_check(request: HttpRequest, brand: str, shop_id: str, marketplace: str = "") -> dict[str, Any]:
    """Is this shop authorised to sell this brand today? For marketplaces, about their own shops; operators name
    the ``marketplace``. When the authorisation ended, ``authorised`` is false and ``valid_until`` says when."""
    result = sellers.seller_check(actor=_actor(request), brand=brand, shop_id=shop_id, marketplace=marketplace)
    seller = result.seller
    return {
        "authorised": result.authorised,
        "brand": result.brand,
        "shop_id": result.shop_id,
        "marketplace": result.marketplace.slug,
        "holder": organisation_out(seller.holder) if seller else None,
        "relation": seller.relation if seller else None,
        "valid_from": seller.valid_from if seller else None,
        "valid_until": seller.valid_until if seller else None,
    }


@router.get(
    "/sharing/authorised-sellers/{int:seller_id}",
    response={200: SellerOut, **ERRORS},
    operation_id="sharing_seller_get",
)
def seller_get(request: HttpRequest, seller_id: int) -> dict[str, Any]:
    return seller_out(sellers.seller_read(actor=_actor(request), seller_id=seller_id))


@router.patch(
    "/sharing/authorised-sellers/{int:seller_id}",
    response={200: SellerOut, **ERRORS},
    operation_id="sharing_seller_update",
)
def seller_update(request: HttpRequest, seller_id: int, payload: SellerIn) -> dict[str, Any]:
    """Change an entry (the fields sent). Sending the brand or the right names both anew; so does the
    marketplace with its name and address."""
    seller = sellers.seller_update(actor=_actor(request), seller_id=seller_id, changes=payload.dict(exclude_unset=True))
    return seller_out(seller)


@router.post(
    "/sharing/authorised-sellers/{int:seller_id}/end",
    response={200: SellerOut, **ERRORS},
    operation_id="sharing_seller_end",
)
def seller_end(request: HttpRequest, seller_id: int, payload: EndIn) -> dict[str, Any]:
    """End the authorisation: ``on`` (today when not given) is its last day."""
    return seller_out(sellers.seller_end(actor=_actor(request), seller_id=seller_id, on=payload.on))


@router.delete(
    "/sharing/authorised-sellers/{int:seller_id}", response={204: None, **ERRORS}, operation_id="sharing_seller_delete"
)
def seller_delete(request: HttpRequest, seller_id: int) -> Status[None]:
    """Remove an entry written by mistake; an authorisation that ends is ended instead, so that it stays known."""
    sellers.seller_delete(actor=_actor(request), seller_id=seller_id)
    return Status(204, None)


# The daily export --------------------------------------------------------------------------------------------------


@router.get(
    "/sharing/export",
    response={200: ExportOut, **ERRORS},
    operation_id="sharing_export",
    openapi_extra={
        "responses": {
            200: {
                "description": "What your marketplace is entitled to see, as JSON (the schema) or CSV",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export(request: HttpRequest, format: str = "json") -> Any:
    """Everything your marketplace is entitled to see, for your systems to load each day: the newest version of
    each guide addressed to it and every authorised seller listed on it. ``format=csv``: one row per guide and per
    seller, lists joined by " | ". Recorded as read by each right holder."""
    choice_field(format, exports.FORMATS, field="format")
    built = exports.export_build(actor=_actor(request))
    if format == "csv":
        response = StreamingHttpResponse(exports.export_csv_lines(built), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{built.file_name("csv")}"'
        return response
    return exports.export_document(built)
