"""HTTP API of the webhooks: register endpoints for case events, rotate their secrets, watch and resend deliveries.
Parse, call a service or a selector, serialise."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.schemas import ErrorOut
from ipbridge.core.api import Pagination, Rendered
from ipbridge.notices import webhooks
from ipbridge.notices.models import WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class WebhookEndpointIn(Schema):
    url: str = Field(max_length=2000, description="An https:// address of your system")
    events: list[str] = Field(
        max_length=20,
        description='Events to receive: "case.delivered", "case.acknowledged", "case.decided", "case.forwarded", '
        '"case.counter_noticed", "case.complaint_filed", "case.lifted", "case.closed", "case.withdrawn", '
        '"case.overdue", "sharing.updated" (marketplaces: shared information changed), or "*"',
    )


class WebhookEndpointOut(Schema):
    id: int
    organisation: str
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime
    previous_secret_until: dt.datetime | None = Field(
        description="Until when deliveries are signed with the previous secret too, after a rotation"
    )


class WebhookEndpointSecretOut(WebhookEndpointOut):
    secret: str = Field(description="The signing secret (whsec_…), shown only in this answer")


class WebhookCaseOut(Schema):
    id: int
    status: str = Field(description="The status the case reached")
    notice_id: int
    marketplace: str = Field(description="The marketplace's id on IPBridge")
    sender: str = Field(description="The id on IPBridge of the organisation that sent the notice")


class WebhookSharedOut(Schema):
    kind: str = Field(description="guide or authorised_seller")
    change: str = Field(description="published (a guide); added, changed, ended, removed or imported (sellers)")
    id: int | None = Field(description="The guide's or the entry's id; none for an import")
    version: int | None = Field(description="The guide's version published")
    holder: str = Field(description="The right holder's id on IPBridge")
    marketplace: str | None = Field(description="The marketplace the sellers are listed on")
    shop_id: str | None


class WebhookSharingEventOut(Schema):
    """What IPBridge posts when shared information changes for a marketplace: which guide or which list, never its
    content (read it with your API key)."""

    id: UUID = Field(description="The delivery's id, also sent as the IPBridge-Delivery header")
    event: str
    created_at: dt.datetime
    shared: WebhookSharedOut


class WebhookEventOut(Schema):
    """What IPBridge posts to an endpoint: the case only, never anything about people."""

    id: UUID = Field(description="The delivery's id, also sent as the IPBridge-Delivery header")
    event: str
    created_at: dt.datetime
    case: WebhookCaseOut


class WebhookDeliveryOut(Schema):
    id: int
    uuid: str = Field(description="Sent as the IPBridge-Delivery header and as the payload's id")
    endpoint_id: int
    event: str
    status: str = Field(description="pending, delivered or dead")
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    dead_at: dt.datetime | None
    last_status: int | None = Field(description="The HTTP status of the last answer, if there was one")
    last_error: str
    payload: dict[str, Any]


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` written in place: a reference inside a callback resolves against the whole
    document, where those definitions are not."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return dict(resolve(schema))


def _header(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": True, "description": description, "schema": schema}


def _callbacks() -> dict[str, Any]:
    """The POST that IPBridge sends to an endpoint's ``url``, one per event it subscribes to (OpenAPI 3.1)."""
    callbacks = {}
    for event in webhooks.EVENTS:
        if event == "*":
            continue
        sharing = event.startswith("sharing.")
        body = _inlined((WebhookSharingEventOut if sharing else WebhookEventOut).model_json_schema())
        body["properties"]["event"] = {"const": event, "title": "Event", "type": "string"}
        callbacks[event] = {
            "{$request.body#/url}": {
                "post": {
                    "summary": f"{event}, posted to the endpoint",
                    "description": (
                        (
                            "Sent to a marketplace's endpoints when a guide addressed to it is published or an "
                            "authorised seller listed on it changes"
                            if sharing
                            else "Sent when a case of the endpoint's organisation moves"
                        )
                        + ', to endpoints subscribed to this event or to "*". Check the IPBridge-Signature before '
                        "reading the body; a delivery whose answer was lost comes again with the same "
                        "IPBridge-Delivery."
                    ),
                    "operationId": f"webhook_event_{event.replace('.', '_')}",
                    "security": [],
                    "parameters": [
                        _header(
                            "IPBridge-Signature",
                            "t=<unix seconds>,v1=<hex>: <hex> is the lowercase hexadecimal HMAC-SHA256, keyed with "
                            'the endpoint\'s secret (whsec_…), of b"<unix seconds>." + the body as received. '
                            "During a secret rotation one v1= for each live secret, the current one first. Refuse "
                            "a timestamp more than five minutes from your clock.",
                            type="string",
                            pattern="^t=[0-9]+(,v1=[0-9a-f]{64})+$",
                            examples=[
                                "t=1764579600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
                            ],
                        ),
                        _header(
                            "IPBridge-Delivery",
                            "The delivery's id, equal to the body's id: ignore one you have handled before",
                            type="string",
                            format="uuid",
                        ),
                        _header("IPBridge-Event", "The event, equal to the body's event", const=event, type="string"),
                        _header("User-Agent", "IPBridge's webhook sender", const=webhooks.USER_AGENT, type="string"),
                    ],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                    "responses": {
                        "2XX": {"description": f"Received: answer within {webhooks.TIMEOUT_SECONDS} seconds"},
                        "default": {
                            "description": (
                                "Any other answer, a redirect (never followed) or none in time: the delivery is "
                                "tried again with backoff, then ends as dead"
                            )
                        },
                    },
                }
            }
        }
    return callbacks


def _actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def _endpoint_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "organisation": endpoint.organisation.slug,
        "url": endpoint.url,
        "events": endpoint.events,
        "active": endpoint.active,
        "created_at": endpoint.created_at,
        "previous_secret_until": endpoint.previous_secret_until,
    }


def _delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "uuid": str(delivery.uuid),
        "endpoint_id": delivery.endpoint_id,
        "event": delivery.event,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "dead_at": delivery.dead_at,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "payload": delivery.payload,
    }


@router.get(
    "/webhooks/endpoints", response={200: list[WebhookEndpointOut], **ERRORS}, operation_id="webhook_endpoints_list"
)
def webhook_endpoints_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Your organisation's webhook endpoints; operators see every organisation's."""
    return [_endpoint_out(e) for e in webhooks.webhook_endpoints_list(actor=_actor(request))]


@router.post(
    "/webhooks/endpoints",
    response={201: WebhookEndpointSecretOut, **ERRORS},
    operation_id="webhook_endpoint_create",
    openapi_extra={"callbacks": _callbacks()},
)
def webhook_endpoint_create(request: HttpRequest, payload: WebhookEndpointIn) -> Status[dict[str, Any]]:
    """Marketplaces and senders: receive case events at ``url``. The answer carries the signing secret, once. The
    callbacks describe what IPBridge then posts to ``url``: its headers, signature and body."""
    endpoint, secret = webhooks.webhook_endpoint_create(actor=_actor(request), url=payload.url, events=payload.events)
    return Status(201, {**_endpoint_out(endpoint), "secret": secret})


@router.delete(
    "/webhooks/endpoints/{int:endpoint_id}", response={204: None, **ERRORS}, operation_id="webhook_endpoint_remove"
)
def webhook_endpoint_remove(request: HttpRequest, endpoint_id: int) -> Status[None]:
    """Stop sending to the endpoint; its deliveries still pending end as dead."""
    webhooks.webhook_endpoint_remove(actor=_actor(request), endpoint_id=endpoint_id)
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{int:endpoint_id}/rotate-secret",
    response={200: WebhookEndpointSecretOut, **ERRORS},
    operation_id="webhook_endpoint_rotate_secret",
)
def webhook_endpoint_rotate_secret(request: HttpRequest, endpoint_id: int) -> dict[str, Any]:
    """A new signing secret, shown once. For 24 hours each delivery carries a signature with the old one too."""
    endpoint, secret = webhooks.webhook_endpoint_rotate_secret(actor=_actor(request), endpoint_id=endpoint_id)
    return {**_endpoint_out(endpoint), "secret": secret}


@router.get(
    "/webhooks/deliveries", response={200: list[WebhookDeliveryOut], **ERRORS}, operation_id="webhook_deliveries_list"
)
@paginate(Pagination)
def webhook_deliveries_list(request: HttpRequest, status: str = "") -> Any:
    """Deliveries to your endpoints, newest first; ``status``: pending, delivered or dead."""
    return Rendered(webhooks.webhook_deliveries_list(actor=_actor(request), status=status), _delivery_out)


@router.post(
    "/webhooks/deliveries/{int:delivery_id}/redeliver",
    response={200: WebhookDeliveryOut, **ERRORS},
    operation_id="webhook_redeliver",
)
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    """Send a delivered or dead delivery again, as a new series of attempts with the same id."""
    actor = _actor(request)
    webhooks.webhook_redeliver(actor=actor, delivery_id=delivery_id)
    return _delivery_out(webhooks.access_webhook_delivery(actor=actor, delivery_id=delivery_id))
