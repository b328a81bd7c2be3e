"""Pages of product authentication guides (正品鉴别指南): the list (a right holder's own, those addressed to a
marketplace or an authority), the editor with its pictures and audience, a guide and its history as each reader
may see it. Who may do what is the services' say."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError, PermissionDenied
from ipbridge.sharing import selectors, services
from ipbridge.sharing.forms import GuideForm, ImageForm, lines_text, prices_text
from ipbridge.sharing.models import Guide, GuideStatus
from ipbridge.sharing.presenters import content_out
from ipbridge.sharing.views._common import (
    GUIDE_READERS,
    HOLDERS,
    PAGE_SIZE,
    marketplace_choices,
    read_only_reason,
    right_choices,
    subnav,
    writes,
)
from ipbridge.web.pages import ActingRequest, acting, posted

STATUS_BADGES = {
    GuideStatus.DRAFT: "text-bg-secondary",
    GuideStatus.PUBLISHED: "text-bg-success",
    GuideStatus.WITHDRAWN: "text-bg-warning",
}


def _page_url(guide_id: int, image_id: int) -> str:
    return reverse("sharing:guide_image", kwargs={"guide_id": guide_id, "image_id": image_id})


# The list ---------------------------------------------------------------------------------------------------------


@acting(*GUIDE_READERS)
@require_GET
def guides(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    is_holder = actor.organisation.kind == OrganisationKind.RIGHT_HOLDER
    scope = "mine" if is_holder else ("" if actor.is_operator else "addressed")
    rows = selectors.guides_visible(actor=actor, scope=scope)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/guides.html",
        {
            "subnav": subnav(actor, "sharing:guides"),
            "page": page,
            "rows": [
                {
                    "guide": guide,
                    "title": guide.title if is_holder else _published_title(guide),
                    "badge": STATUS_BADGES[GuideStatus(guide.status)],
                }
                for guide in page.object_list
            ],
            "is_holder": is_holder,
            "can_write": writes(actor),
            "read_only": read_only_reason(actor),
        },
    )


def _published_title(guide: Guide) -> str:
    current = selectors.guide_current(guide)
    return str(current.content["title"]) if current else guide.title


# The editor -------------------------------------------------------------------------------------------------------


def _guide_form(request: ActingRequest, data: Any = None, initial: dict[str, Any] | None = None) -> GuideForm:
    return GuideForm(
        data,
        initial=initial,
        rights=right_choices(request.actor),
        marketplaces=marketplace_choices(),
    )


def _initial(guide: Guide) -> dict[str, Any]:
    return {
        "title": guide.title,
        "summary": guide.summary,
        "rights": [f"{r.office} {r.number}" for r in selectors.guide_rights(guide=guide)],
        "products": lines_text(guide.products),
        "genuine_features": lines_text(guide.genuine_features),
        "counterfeit_features": lines_text(guide.counterfeit_features),
        "packaging": guide.packaging,
        "serial_schemes": lines_text(guide.serial_schemes),
        "reference_prices": prices_text(guide.reference_prices),
        "audience_all_marketplaces": guide.audience_all_marketplaces,
        "audience_marketplaces": [m.slug for m in selectors.guide_audience(guide=guide)],
        "audience_authorities": guide.audience_authorities,
    }


def _editor(
    request: ActingRequest,
    *,
    form: GuideForm,
    guide: Guide | None = None,
    image_form: ImageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    images = list(selectors.guide_images(guide=guide)) if guide is not None else []
    return render(
        request,
        "sharing/guide_form.html",
        {
            "subnav": subnav(actor, "sharing:guides"),
            "form": form,
            "guide": guide,
            "images": [{"image": image, "url": _page_url(guide.pk, image.pk)} for image in images] if guide else [],
            "image_form": image_form or ImageForm(),
            "can_write": writes(actor),
            "read_only": read_only_reason(actor),
            "has_rights": bool(form.fields["rights"].choices),  # type: ignore[attr-defined]
        },
        status=status,
    )


@acting(*HOLDERS)
@require_http_methods(["GET", "POST"])
def guide_new(request: ActingRequest) -> HttpResponse:
    if request.method != "POST":
        return _editor(request, form=_guide_form(request))
    form = _guide_form(request, request.POST)
    if form.is_valid():
        try:
            guide = services.guide_create(actor=request.actor, changes=services.GuideChanges(**form.changes()))
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Draft saved. Add pictures if you like, then publish it."))
            return redirect("sharing:guide_edit", guide_id=guide.pk)
    return _editor(request, form=form)


def _own_guide(request: ActingRequest, guide_id: int) -> Guide:
    """The actor's own guide; refused to others who see it, not found for the rest."""
    guide = selectors.access_guide(actor=request.actor, guide_id=guide_id)
    if not selectors.guide_owned(actor=request.actor, guide=guide):
        raise PermissionDenied(_("Only the right holder that wrote this guide may change it."), code="not_owner")
    return guide


@acting(*HOLDERS)
@require_http_methods(["GET", "POST"])
def guide_edit(request: ActingRequest, guide_id: int) -> HttpResponse:
    guide = _own_guide(request, guide_id)
    if request.method != "POST":
        return _editor(request, form=_guide_form(request, initial=_initial(guide)), guide=guide)
    form = _guide_form(request, request.POST)
    if form.is_valid():
        try:
            services.guide_update(
                actor=request.actor, guide_id=guide.pk, changes=services.GuideChanges(**form.changes())
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Saved. Your audience sees the changes once you publish them."))
            return redirect("sharing:guide", guide_id=guide.pk)
    return _editor(request, form=form, guide=guide)


@acting(*HOLDERS)
@posted("sharing:guide_edit")
def guide_image_add(request: ActingRequest, guide_id: int) -> HttpResponse:
    guide = _own_guide(request, guide_id)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.guide_image_add(
                actor=request.actor,
                guide_id=guide.pk,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Picture added. It reaches your audience with the next published version."))
            return redirect("sharing:guide_edit", guide_id=guide.pk)
    return _editor(request, form=_guide_form(request, initial=_initial(guide)), guide=guide, image_form=form)


@acting(*HOLDERS)
@require_POST
def guide_image_remove(request: ActingRequest, guide_id: int, image_id: int) -> HttpResponse:
    services.guide_image_remove(actor=request.actor, guide_id=guide_id, image_id=image_id)
    messages.success(request, _("Picture taken out. Published versions that show it keep it."))
    return redirect("sharing:guide_edit", guide_id=guide_id)


@acting(*GUIDE_READERS)
@require_GET
def guide_image(request: ActingRequest, guide_id: int, image_id: int) -> FileResponse:
    """A picture, shown in the page; each read by another organisation is recorded."""
    image, stream = services.guide_image_open(actor=request.actor, guide_id=guide_id, image_id=image_id)
    response = FileResponse(stream, content_type=image.content_type)
    # Kept by nobody in between, and asked for again on each showing: each read is recorded.
    response["Cache-Control"] = "private, no-cache"
    return response


# Publication ------------------------------------------------------------------------------------------------------


def _state_change(request: ActingRequest, guide_id: int, change: Any, done: str) -> HttpResponse:
    try:
        change(actor=request.actor, guide_id=guide_id)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("sharing:guide", guide_id=guide_id)


@acting(*HOLDERS)
@require_POST
def guide_publish(request: ActingRequest, guide_id: int) -> HttpResponse:
    return _state_change(
        request, guide_id, services.guide_publish, _("Published: your audience reads this version from now on.")
    )


@acting(*HOLDERS)
@require_POST
def guide_withdraw(request: ActingRequest, guide_id: int) -> HttpResponse:
    return _state_change(
        request, guide_id, services.guide_withdraw, _("Withdrawn: your audience no longer sees this guide.")
    )


@acting(*HOLDERS)
@require_POST
def guide_delete(request: ActingRequest, guide_id: int) -> HttpResponse:
    try:
        services.guide_delete(actor=request.actor, guide_id=guide_id)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("sharing:guide", guide_id=guide_id)
    messages.success(request, _("Draft deleted."))
    return redirect("sharing:guides")


# A guide ----------------------------------------------------------------------------------------------------------


def _guide_page(request: ActingRequest, guide_id: int, version: int | None) -> HttpResponse:
    actor = request.actor
    read = services.guide_read(actor=actor, guide_id=guide_id, version=version)
    guide = read.guide
    versions = list(selectors.guide_versions(guide=guide))
    return render(
        request,
        "sharing/guide.html",
        {
            "subnav": subnav(actor, "sharing:guides"),
            "guide": guide,
            "content": content_out(guide.pk, read.content, url=_page_url),
            "shown": read.version,
            "owned": read.owned,
            "badge": STATUS_BADGES[GuideStatus(guide.status)],
            "versions": versions,
            "audience": selectors.guide_audience(guide=guide) if read.owned or actor.is_operator else None,
            "can_write": read.owned and writes(actor),
            "reads_url": f"{reverse('sharing:reads')}?{urlencode({'guide': guide.pk})}",
        },
    )


@acting(*GUIDE_READERS)
@require_GET
def guide_detail(request: ActingRequest, guide_id: int) -> HttpResponse:
    return _guide_page(request, guide_id, None)


@acting(*GUIDE_READERS)
@require_GET
def guide_version(request: ActingRequest, guide_id: int, number: int) -> HttpResponse:
    return _guide_page(request, guide_id, number)
