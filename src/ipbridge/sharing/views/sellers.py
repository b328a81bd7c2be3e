"""Pages of authorised sellers (授权经销商): the list (a right holder's own, those listed on a marketplace), adding,
changing, ending and removing an entry, importing a CSV file, and the check of a shop by a marketplace."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ipbridge.accounts.forms import add_application_error
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import ApplicationError, PermissionDenied
from ipbridge.sharing import imports, selectors, sellers
from ipbridge.sharing.forms import CheckForm, EndForm, ImportForm, SellerFilterForm, SellerForm
from ipbridge.sharing.models import AuthorisedSeller
from ipbridge.sharing.views._common import (
    CHECKERS,
    HOLDERS,
    PAGE_SIZE,
    SELLER_READERS,
    marketplace_choices,
    read_only_reason,
    right_choices,
    subnav,
    writes,
)
from ipbridge.web.pages import ActingRequest, acting, posted

STATE_BADGES = {"current": "text-bg-success", "upcoming": "text-bg-info", "ended": "text-bg-secondary"}


@acting(*SELLER_READERS)
@require_GET
def sellers_list(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    form = SellerFilterForm(request.GET or None)
    filters = {"brand": "", "shop_id": "", "state": ""}
    if form.is_valid():
        filters = {name: form.cleaned_data[name] or "" for name in filters}
    listed = sellers.sellers_read(actor=actor, **filters)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "sharing/sellers.html",
        {
            "subnav": subnav(actor, "sharing:sellers"),
            "form": form,
            "page": page,
            "rows": [
                {
                    "seller": seller,
                    "state": (state := selectors.seller_state(seller, today=today)),
                    "badge": STATE_BADGES[state],
                    "owned": selectors.seller_owned(actor=actor, seller=seller),
                }
                for seller in page.object_list
            ],
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "filtered": any(filters.values()),
            "is_holder": actor.organisation.kind == OrganisationKind.RIGHT_HOLDER,
            "is_marketplace": actor.organisation.kind == OrganisationKind.MARKETPLACE,
            "can_write": writes(actor),
            "read_only": read_only_reason(actor),
        },
    )


def _seller_form(request: ActingRequest, data: Any = None, initial: dict[str, Any] | None = None) -> SellerForm:
    return SellerForm(data, initial=initial, rights=right_choices(request.actor), marketplaces=marketplace_choices())


def _editor(
    request: ActingRequest, form: SellerForm, seller: AuthorisedSeller | None = None, end_form: EndForm | None = None
) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "sharing/seller_form.html",
        {
            "subnav": subnav(actor, "sharing:sellers"),
            "form": form,
            "seller": seller,
            "state": selectors.seller_state(seller) if seller else "",
            "end_form": end_form or EndForm(initial={"on": timezone.localdate()}),
            "can_write": writes(actor),
            "read_only": read_only_reason(actor),
            "has_rights": len(form.fields["right"].choices) > 1,  # type: ignore[attr-defined]
        },
    )


def _entry(form: SellerForm) -> sellers.SellerIn:
    data = form.cleaned_data
    return sellers.SellerIn(
        brand=data["brand"],
        right=data["right"],
        marketplace=data["marketplace"],
        marketplace_name=data["marketplace_name"],
        marketplace_url=data["marketplace_url"],
        shop_id=data["shop_id"],
        shop_name=data["shop_name"],
        relation=data["relation"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    )


@acting(*HOLDERS)
@require_http_methods(["GET", "POST"])
def seller_new(request: ActingRequest) -> HttpResponse:
    if request.method != "POST":
        return _editor(request, _seller_form(request))
    form = _seller_form(request, request.POST)
    if form.is_valid():
        try:
            seller = sellers.seller_create(actor=request.actor, entry=_entry(form))
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("Shop %(shop)s listed as authorised for %(brand)s.")
                % {"shop": seller.shop_id, "brand": seller.brand},
            )
            return redirect("sharing:sellers")
    return _editor(request, form)


def _own_seller(request: ActingRequest, seller_id: int) -> AuthorisedSeller:
    seller = selectors.access_seller(actor=request.actor, seller_id=seller_id)
    if not selectors.seller_owned(actor=request.actor, seller=seller):
        raise PermissionDenied(_("Only the right holder that listed this seller may change it."), code="not_owner")
    return seller


def _seller_initial(seller: AuthorisedSeller) -> dict[str, Any]:
    entry = sellers.entry_of(seller)
    return {**entry.__dict__}


@acting(*HOLDERS)
@require_http_methods(["GET", "POST"])
def seller_edit(request: ActingRequest, seller_id: int) -> HttpResponse:
    seller = _own_seller(request, seller_id)
    if request.method != "POST":
        return _editor(request, _seller_form(request, initial=_seller_initial(seller)), seller)
    form = _seller_form(request, request.POST)
    if form.is_valid():
        try:
            sellers.seller_update(actor=request.actor, seller_id=seller.pk, changes=_entry(form).__dict__)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("sharing:sellers")
    return _editor(request, form, seller)


@acting(*HOLDERS)
@posted("sharing:seller_edit")
def seller_end(request: ActingRequest, seller_id: int) -> HttpResponse:
    seller = _own_seller(request, seller_id)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            ended = sellers.seller_end(actor=request.actor, seller_id=seller.pk, on=form.cleaned_data["on"])
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
        else:
            messages.success(
                request,
                _("The authorisation of shop %(shop)s ends on %(date)s.")
                % {"shop": ended.shop_id, "date": ended.valid_until.isoformat() if ended.valid_until else ""},
            )
            return redirect("sharing:sellers")
    return _editor(request, _seller_form(request, initial=_seller_initial(seller)), seller, end_form=form)


@acting(*HOLDERS)
@require_POST
def seller_delete(request: ActingRequest, seller_id: int) -> HttpResponse:
    sellers.seller_delete(actor=request.actor, seller_id=seller_id)
    messages.success(request, _("Entry removed."))
    return redirect("sharing:sellers")


@acting(*HOLDERS)
@require_http_methods(["GET", "POST"])
def sellers_import(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    form = ImportForm(request.POST or None, request.FILES or None)
    refused: list[dict[str, Any]] = []
    refused_count = 0
    if request.method == "POST" and form.is_valid():
        try:
            outcome = imports.sellers_import(actor=actor, upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            add_application_error(form, exc)
            refused = exc.details.get("rows", []) if exc.code == "rows_refused" else []
            refused_count = exc.details.get("refused", 0) if exc.code == "rows_refused" else 0
        else:
            messages.success(
                request,
                _("Imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.")
                % {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged},
            )
            return redirect("sharing:sellers")
    return render(
        request,
        "sharing/sellers_import.html",
        {
            "subnav": subnav(actor, "sharing:sellers"),
            "form": form,
            "refused": refused,
            "more_refused": refused_count - len(refused),
            "columns": imports.COLUMNS,
            "can_write": writes(actor),
            "read_only": read_only_reason(actor),
        },
        status=422 if refused else 200,
    )


@acting(*CHECKERS)
@require_GET
def check(request: ActingRequest) -> HttpResponse:
    """Is this shop authorised to sell this brand? A marketplace asks about its own shops, an operator names the
    marketplace."""
    actor = request.actor
    choices = marketplace_choices() if actor.is_operator else None
    form = CheckForm(request.GET or None, marketplaces=choices)
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = sellers.seller_check(
                actor=actor,
                brand=form.cleaned_data["brand"],
                shop_id=form.cleaned_data["shop_id"],
                marketplace=form.cleaned_data.get("marketplace", ""),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            add_application_error(form, exc)
    return render(
        request,
        "sharing/check.html",
        {"subnav": subnav(actor, "sharing:check"), "form": form, "result": result},
    )
