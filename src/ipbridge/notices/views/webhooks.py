"""Pages of the webhooks: marketplaces and senders register the endpoints their systems receive case events at,
see each secret once when it is made or rotated, remove endpoints, watch the deliveries and send one again.

Who may do what is the services' say: any member reads; a member who writes notices changes them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ipbridge.accounts.forms import add_application_error
from ipbridge.core.errors import ApplicationError
from ipbridge.notices import webhooks
from ipbridge.notices.models import CaseStatus, WebhookEndpoint
from ipbridge.notices.views._common import PAGE_SIZE, require_write
from ipbridge.web.pages import ActingRequest, acting, posted

RECEIVERS = webhooks.RECEIVING_KINDS
DELIVERY_STATUS_LABELS = {
    "pending": pgettext_lazy("webhook delivery status", "Pending"),
    "delivered": pgettext_lazy("webhook delivery status", "Delivered"),
    "dead": pgettext_lazy("webhook delivery status", "Dead"),
}


def event_label(event: str) -> str:
    """The event's name as receivers see it, with the case status it stands for."""
    if event == "*":
        return _("All events")
    if event == "case.overdue":
        return "case.overdue — " + _("Past its response time")
    if event == "sharing.updated":
        return "sharing.updated — " + _("Shared information changed (marketplaces)")
    status = event.removeprefix("case.")
    return f"{event} — {CaseStatus(status).label}" if status in CaseStatus.values else event


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Address (URL)"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
        help_text=gettext_lazy("An https:// address of your system. IPBridge posts the events you choose there."),
    )
    # The service says when none is chosen, in its words.
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("“All events” includes events added later."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(e, event_label(e)) for e in webhooks.EVENTS]  # type: ignore[attr-defined]


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    endpoint = forms.ChoiceField(label=gettext_lazy("Endpoint"), required=False)

    def __init__(self, *args: Any, endpoints: list[WebhookEndpoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *DELIVERY_STATUS_LABELS.items()]  # type: ignore[attr-defined]
        self.fields["endpoint"].choices = [  # type: ignore[attr-defined]
            ("", _("All endpoints")),
            *((str(e.pk), e.url if e.active else f"{e.url} ({_('deactivated')})") for e in endpoints),
        ]


def _filter_query(data: QueryDict) -> str:
    """The deliveries filter as a query string, keeping only values the filter could have given."""
    status, endpoint = str(data.get("status", "")), str(data.get("endpoint", ""))
    return urlencode(
        {
            k: v
            for k, v in (
                ("status", status if status in webhooks.DELIVERY_STATUSES else ""),
                ("endpoint", endpoint if endpoint.isdigit() else ""),
            )
            if v
        }
    )


def _endpoints_page(
    request: ActingRequest, *, form: EndpointForm | None = None, shown: dict[str, Any] | None = None
) -> HttpResponse:
    """The endpoints, the form to add one, and, right after one was added or rotated, its secret."""
    actor = request.actor
    now = timezone.now()
    endpoints = webhooks.webhook_endpoints_with_removed(actor=actor)
    rows = [
        {
            "endpoint": endpoint,
            "events": [event_label(event) for event in endpoint.events],
            "overlap_until": endpoint.previous_secret_until
            if endpoint.active and endpoint.previous_secret_until and endpoint.previous_secret_until > now
            else None,
        }
        for endpoint in endpoints
    ]
    response = render(
        request,
        "notices/webhooks.html",
        {
            "rows": rows,
            "form": form or EndpointForm(),
            "shown": shown,
            "can_manage": actor.can("notices:write"),
            "overlap_hours": int(webhooks.ROTATION_OVERLAP.total_seconds() // 3600),
        },
    )
    if shown:
        add_never_cache_headers(response)  # the secret is in the page: no cache may keep it
    return response


@acting(*RECEIVERS)
@require_GET
def webhooks_page(request: ActingRequest) -> HttpResponse:
    return _endpoints_page(request)


@acting(*RECEIVERS)
@posted("notices:webhooks")
def webhook_create(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    require_write(actor)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_endpoint_create(
                actor=actor, url=form.cleaned_data["url"], events=form.cleaned_data["events"]
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            return _endpoints_page(request, shown={"endpoint": endpoint, "secret": secret, "rotated": False})
    return _endpoints_page(request, form=form)


@acting(*RECEIVERS)
@require_POST
def webhook_rotate_secret(request: ActingRequest, endpoint_id: int) -> HttpResponse:
    actor = request.actor
    require_write(actor)
    endpoint, secret = webhooks.webhook_endpoint_rotate_secret(actor=actor, endpoint_id=endpoint_id)
    return _endpoints_page(request, shown={"endpoint": endpoint, "secret": secret, "rotated": True})


@acting(*RECEIVERS)
@require_POST
def webhook_deactivate(request: ActingRequest, endpoint_id: int) -> HttpResponse:
    actor = request.actor
    require_write(actor)
    webhooks.webhook_endpoint_remove(actor=actor, endpoint_id=endpoint_id)
    messages.success(
        request, _("Endpoint deactivated: nothing more is sent to it, and its pending deliveries end as dead.")
    )
    return redirect("notices:webhooks")


@acting(*RECEIVERS)
@require_GET
def webhook_deliveries(request: ActingRequest) -> HttpResponse:
    actor = request.actor
    endpoints = list(webhooks.webhook_endpoints_with_removed(actor=actor))
    form = DeliveryFilterForm(request.GET or None, endpoints=endpoints)
    status, endpoint_id = "", ""
    if form.is_valid():
        status, endpoint_id = form.cleaned_data["status"], form.cleaned_data["endpoint"]
    deliveries = (
        webhooks.webhook_endpoint_deliveries_list(actor=actor, endpoint_id=int(endpoint_id), status=status)
        if endpoint_id
        else webhooks.webhook_deliveries_list(actor=actor, status=status)
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = actor.can("notices:write")
    rows = [
        {
            "delivery": delivery,
            "status_label": DELIVERY_STATUS_LABELS[delivery.status],
            "can_redeliver": can_manage and delivery.endpoint.active and delivery.status != "pending",
        }
        for delivery in page.object_list
    ]
    chosen = next((e for e in endpoints if str(e.pk) == endpoint_id), None)
    return render(
        request,
        "notices/webhooks_deliveries.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "endpoint": chosen,
            "status": status,
            "query": urlencode({k: v for k, v in (("status", status), ("endpoint", endpoint_id)) if v}),
        },
    )


@acting(*RECEIVERS)
@require_POST
def webhook_redeliver(request: ActingRequest, delivery_id: int) -> HttpResponse:
    actor = request.actor
    require_write(actor)
    try:
        webhooks.webhook_redeliver(actor=actor, delivery_id=delivery_id)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent again: a new series of attempts, with the same delivery id."))
    query = _filter_query(request.POST)
    return redirect(reverse("notices:webhook_deliveries") + (f"?{query}" if query else ""))
