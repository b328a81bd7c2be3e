"""Case events posted to the organisations' own systems: the endpoints they register, one delivery row per event
and endpoint, and the job that sends what is due.

Each delivery is signed (``ipbridge.engine.webhooks``: HMAC-SHA256 over timestamp and body) and tried until the
endpoint answers 2xx, with exponential backoff, for ``WEBHOOK_MAX_ATTEMPTS`` attempts (8 by default, about four
hours from the first to the last); then it is dead, until someone asks for it again. A worker claims one delivery
at a time with a lease (``locked_until``): a worker that dies mid-send leaves a lease that lapses, and the
delivery is sent again; a delivered one is never claimed again. On PostgreSQL the claim skips rows another worker
has locked, so two workers never send the same delivery at once. Receivers dedupe on the ``IPBridge-Delivery``
header, since a delivery whose answer was lost is sent again."""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import random
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act
from ipbridge.accounts.models import OrganisationKind
from ipbridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.engine import webhooks as signing
from ipbridge.notices.models import Case, CaseStatus, WebhookDelivery, WebhookEndpoint

# Each status a case reaches, and "case.overdue" when it passes its response time without a decision.
EVENTS = (
    "*",
    *(f"case.{status}" for status in CaseStatus.values if status != CaseStatus.SUBMITTED),
    "case.overdue",
    # Shared information changed for a marketplace: a guide addressed to it published, a seller on it listed.
    "sharing.updated",
)
DELIVERY_STATUSES = ("pending", "delivered", "dead")
# Marketplaces hear about their cases, senders about their notices' cases; other kinds receive no events.
RECEIVING_KINDS = (OrganisationKind.MARKETPLACE, OrganisationKind.RIGHT_HOLDER, OrganisationKind.AGENT)
MAX_ENDPOINTS = 20
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix that marks a webhook secret, not a secret
ROTATION_OVERLAP = timedelta(hours=24)
TIMEOUT_SECONDS = 10
# Longer than one attempt can take (connect, send, headers: each within the timeout), so that a live worker's
# claim never lapses under it.
LEASE = timedelta(minutes=2)
# 2, 4, 8, … 128 minutes (±10 %): eight attempts span about four hours, so a receiver down for an hour or two
# loses nothing.
RETRY_BASE_SECONDS = 120.0
USER_AGENT = "IPBridge-Webhooks/1"


# --- secrets ------------------------------------------------------------------------------------------------------


def _fernet() -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipbridge webhook secrets").derive(
        settings.CREDENTIAL_KEY_SECRET.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _secret_new() -> tuple[str, str]:
    """A new secret and its encrypted form."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    return secret, _fernet().encrypt(secret.encode()).decode()


def _signing_keys(endpoint: WebhookEndpoint, *, now: datetime) -> tuple[bytes, list[bytes]]:
    """The current secret, and the previous one while its rotation overlap lasts."""
    fernet = _fernet()
    current = fernet.decrypt(endpoint.secret_encrypted.encode())
    previous = []
    if endpoint.previous_secret_encrypted and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        previous.append(fernet.decrypt(endpoint.previous_secret_encrypted.encode()))
    return current, previous


# --- reads --------------------------------------------------------------------------------------------------------


def _visible_endpoints(actor: Actor) -> QuerySet[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.filter(active=True).select_related("organisation")
    return endpoints if actor.is_operator else endpoints.filter(organisation=actor.organisation)


def webhook_endpoints_list(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    """The organisation's endpoints; operators see every organisation's."""
    actor.require("notices:read")
    return _visible_endpoints(actor).order_by("id")


def webhook_endpoints_with_removed(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    """The organisation's endpoints, removed ones too (their deliveries stay listed), active ones first;
    operators see every organisation's."""
    actor.require("notices:read")
    endpoints = WebhookEndpoint.objects.select_related("organisation")
    if not actor.is_operator:
        endpoints = endpoints.filter(organisation=actor.organisation)
    return endpoints.order_by("-active", "id")


def access_webhook_endpoint(*, actor: Actor, endpoint_id: int, for_update: bool = False) -> WebhookEndpoint:
    actor.require("notices:read")
    endpoints = _visible_endpoints(actor)
    if for_update:
        endpoints = endpoints.select_for_update(of=("self",))
    endpoint = endpoints.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def _visible_deliveries(actor: Actor) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.select_related("endpoint")
    return deliveries if actor.is_operator else deliveries.filter(endpoint__organisation=actor.organisation)


def webhook_deliveries_list(*, actor: Actor, status: str = "") -> QuerySet[WebhookDelivery]:
    """The deliveries to the organisation's endpoints (removed ones too), newest first; operators see all."""
    actor.require("notices:read")
    deliveries = _visible_deliveries(actor)
    if status:
        if status not in DELIVERY_STATUSES:
            raise ValidationFailed(
                "invalid_choice",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(DELIVERY_STATUSES)},
                field="status",
            )
        deliveries = deliveries.filter(
            {
                "pending": Q(delivered_at=None, dead_at=None),
                "delivered": Q(delivered_at__isnull=False),
                "dead": Q(dead_at__isnull=False, delivered_at=None),
            }[status]
        )
    return deliveries.order_by("-created_at", "-id")


def webhook_endpoint_deliveries_list(*, actor: Actor, endpoint_id: int, status: str = "") -> QuerySet[WebhookDelivery]:
    """The deliveries to one of the organisation's endpoints (a removed one too), newest first; none for an
    endpoint the actor may not see."""
    return webhook_deliveries_list(actor=actor, status=status).filter(endpoint_id=endpoint_id)


def access_webhook_delivery(*, actor: Actor, delivery_id: int, for_update: bool = False) -> WebhookDelivery:
    actor.require("notices:read")
    deliveries = _visible_deliveries(actor)
    if for_update:
        deliveries = deliveries.select_for_update(of=("self",))
    delivery = deliveries.filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    return delivery


def _require_own(actor: Actor, organisation_id: int) -> None:
    """Operators see every organisation's endpoints, but only the organisation itself changes them."""
    if organisation_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the organisation that owns this endpoint may do this."), code="not_owner")


# --- endpoints ----------------------------------------------------------------------------------------------------


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _locals_allowed() -> bool:
    return bool(settings.DEBUG or settings.WEBHOOK_ALLOW_HTTP_LOCALHOST)


def _internal(host: str) -> bool:
    """Whether ``host`` names this machine or a private network: a webhook must not turn IPBridge into a way to
    reach what sits behind it (loopback, private, link-local and reserved addresses)."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def _resolves_internal(url: str) -> bool:
    """Whether the URL's host resolves, now, to an internal address (a name can point anywhere after it was
    checked, so this is asked again before each delivery)."""
    host = urlsplit(url).hostname or ""
    if _internal(host):
        return True
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False  # unresolvable: the delivery fails on its own and is retried
    return any(_internal(str(address)) for address in addresses)


def _url_checked(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationFailed("required", _("This field is required."), field="url")
    if len(url) > 2000:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": 2000}, field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        host = ""
    if not host or parts.scheme not in ("https", "http"):
        raise ValidationFailed("invalid_url", _("Enter an https:// address."), field="url")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(
            "credentials_in_url", _("Leave credentials out of the address; deliveries are signed."), field="url"
        )
    if parts.scheme == "http" and not (_is_local(host) and _locals_allowed()):
        raise ValidationFailed("https_required", _("Webhooks are sent over https:// only."), field="url")
    if _internal(host) and not (_is_local(host) and _locals_allowed()):
        raise ValidationFailed(
            "internal_address", _("Give an address on the internet, not one of a private network."), field="url"
        )
    return url


def _events_checked(events: Sequence[str]) -> list[str]:
    chosen = sorted({event.strip() for event in events if event.strip()})
    if not chosen:
        raise ValidationFailed("required", _("Choose at least one event."), field="events")
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown:
        raise ValidationFailed(
            "invalid_choice",
            _("Unknown events: %(unknown)s. Choose from: %(choices)s.")
            % {"unknown": ", ".join(unknown[:10]), "choices": ", ".join(EVENTS)},
            field="events",
        )
    return ["*"] if "*" in chosen else chosen


@transaction.atomic
def webhook_endpoint_create(*, actor: Actor, url: str, events: Sequence[str]) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the actor's organisation. Returns it and its secret, which is shown only now."""
    actor.require("notices:write")
    actor.require_kind(*RECEIVING_KINDS)
    url = _url_checked(url)
    chosen = _events_checked(events)
    if WebhookEndpoint.objects.filter(organisation=actor.organisation, active=True).count() >= MAX_ENDPOINTS:
        raise Conflict(
            "too_many_endpoints",
            _("An organisation has at most %(n)d webhook endpoints; remove one first.") % {"n": MAX_ENDPOINTS},
        )
    secret, encrypted = _secret_new()
    endpoint = WebhookEndpoint.objects.create(
        organisation=actor.organisation, url=url, secret_encrypted=encrypted, events=chosen, created_by=actor.user
    )
    audit_act(actor, AuditAction.WEBHOOK_ENDPOINT_CREATED, subject=endpoint, url=url, events=chosen)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_remove(*, actor: Actor, endpoint_id: int) -> None:
    """Stop sending to the endpoint. Its deliveries stay listed; those still pending end as dead."""
    actor.require("notices:write")
    endpoint = access_webhook_endpoint(actor=actor, endpoint_id=endpoint_id, for_update=True)
    _require_own(actor, endpoint.organisation_id)
    now = timezone.now()
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    abandoned = WebhookDelivery.objects.filter(endpoint=endpoint, delivered_at=None, dead_at=None).update(
        dead_at=now, next_attempt_at=None, locked_until=None, last_error="endpoint removed"
    )
    audit_act(actor, AuditAction.WEBHOOK_ENDPOINT_REMOVED, subject=endpoint, url=endpoint.url, abandoned=abandoned)


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: Actor, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown only now. For 24 hours deliveries carry a signature with the previous secret too, so
    that the receiver can switch without losing any; a second rotation within them ends the oldest secret."""
    actor.require("notices:write")
    endpoint = access_webhook_endpoint(actor=actor, endpoint_id=endpoint_id, for_update=True)
    _require_own(actor, endpoint.organisation_id)
    secret, encrypted = _secret_new()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_encrypted = encrypted
    endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_until"])
    audit_act(
        actor,
        AuditAction.WEBHOOK_SECRET_ROTATED,
        subject=endpoint,
        previous_valid_until=endpoint.previous_secret_until.isoformat(),
    )
    return endpoint, secret


# --- events and deliveries ----------------------------------------------------------------------------------------


def _deliver_soon() -> None:
    from ipbridge.notices.tasks import webhooks_deliver_due

    enqueue_after_commit(webhooks_deliver_due)


def webhook_event_queue(*, case: Case, event: str) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint of the case's marketplace and of its notice's sender that
    subscribes to it. The payload names the case only; receivers fetch it with their API key, so no personal data
    travels in a webhook. Call it inside the transaction that changed the case: sending starts once it commits."""
    notice = case.notice
    subject = {
        "id": case.pk,
        "status": case.status,
        "notice_id": notice.pk,
        "marketplace": case.marketplace.slug,
        "sender": notice.sender.slug,
    }
    return webhook_event_queue_to(
        organisation_ids={case.marketplace_id, notice.sender_id}, event=event, subject={"case": subject}
    )


def webhook_event_queue_to(
    *, organisation_ids: Collection[int], event: str, subject: dict[str, Any]
) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint of these organisations that subscribes to it, with ``subject``
    (what the event is about, by reference) in its payload; sending starts once the transaction commits."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True, organisation_id__in=set(organisation_ids)).order_by(
            "id"
        )
        if "*" in endpoint.events or event in endpoint.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event=event, created_at=now, next_attempt_at=now)
        delivery.payload = {"id": str(delivery.uuid), "event": event, "created_at": now.isoformat(), **subject}
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    _deliver_soon()
    return deliveries


@transaction.atomic
def webhook_redeliver(*, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """Send a delivered or dead delivery again, as a new series of attempts (same id, so receivers can dedupe)."""
    actor.require("notices:write")
    delivery = access_webhook_delivery(actor=actor, delivery_id=delivery_id, for_update=True)
    endpoint = delivery.endpoint
    _require_own(actor, endpoint.organisation_id)
    if not endpoint.active:
        raise Conflict("endpoint_removed", _("The endpoint of this delivery was removed."))
    if delivery.status == "pending":
        raise Conflict("already_pending", _("This delivery is still being tried."))
    previous = delivery.status
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.locked_until = None
    delivery.delivered_at = None
    delivery.dead_at = None
    delivery.save(update_fields=["attempts", "next_attempt_at", "locked_until", "delivered_at", "dead_at"])
    audit_act(actor, AuditAction.WEBHOOK_DELIVERY_REDELIVERED, subject=delivery, previous=previous)
    _deliver_soon()
    return delivery


# --- sending ------------------------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: following it would resend the body elsewhere (or drop it)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str


def _post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST once; every failure becomes an outcome, never an exception."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as refused:
        refused.close()
        return Outcome(refused.code, f"HTTP {refused.code}")
    except (OSError, http.client.HTTPException, ValueError) as failed:
        reason = failed.reason if isinstance(failed, urllib.error.URLError) else failed
        return Outcome(None, f"{type(reason).__name__}: {reason}"[:300])
    return Outcome(status, "" if 200 <= status < 300 else f"HTTP {status}")


def _claim(now: datetime) -> WebhookDelivery | None:
    """The next due delivery, leased to this worker, or None."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(
                Q(locked_until=None) | Q(locked_until__lte=now),
                delivered_at=None,
                dead_at=None,
                next_attempt_at__lte=now,
                endpoint__active=True,
            )
            .order_by("next_attempt_at", "id")
            .first()
        )
        if delivery is None:
            return None
        delivery.locked_until = now + LEASE
        delivery.save(update_fields=["locked_until"])
        return delivery


def _send(delivery: WebhookDelivery, *, now: datetime) -> Outcome:
    url = delivery.endpoint.url
    if not (_is_local(urlsplit(url).hostname or "") and _locals_allowed()) and _resolves_internal(url):
        return Outcome(None, "refused: the address resolves to a private network")
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    secret, previous = _signing_keys(delivery.endpoint, now=now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "IPBridge-Signature": signing.signature_header(
            secret=secret, body=body, timestamp=int(now.timestamp()), secrets=previous
        ),
        "IPBridge-Event": delivery.event,
        "IPBridge-Delivery": str(delivery.uuid),
    }
    return _post(delivery.endpoint.url, body, headers)


def _record(delivery: WebhookDelivery, outcome: Outcome, *, now: datetime) -> None:
    """Write what the attempt gave, unless the lease lapsed and another worker has taken the delivery since."""
    attempts = delivery.attempts + 1
    changes: dict[str, Any] = {
        "attempts": attempts,
        "locked_until": None,
        "last_status": outcome.status,
        "last_error": outcome.error,
    }
    if outcome.status is not None and 200 <= outcome.status < 300:
        changes.update(delivered_at=now, next_attempt_at=None)
    elif attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        changes.update(dead_at=now, next_attempt_at=None)
    else:
        # Seeded by the delivery, so its waits are exactly ``retry_delays`` with that seed, and deliveries that
        # failed together spread apart.
        wait = signing.next_attempt_delay(
            attempts,
            base_seconds=RETRY_BASE_SECONDS,
            rng=random.Random(delivery.uuid.int),  # noqa: S311
        )
        changes["next_attempt_at"] = now + timedelta(seconds=wait)
    WebhookDelivery.objects.filter(pk=delivery.pk, locked_until=delivery.locked_until, delivered_at=None).update(
        **changes
    )


def webhooks_deliver_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send up to ``limit`` due deliveries, one claim at a time (a scheduled job). Returns how many were tried."""
    now = now or timezone.now()
    tried = 0
    while tried < limit:
        delivery = _claim(now)
        if delivery is None:
            break
        _record(delivery, _send(delivery, now=now), now=now)
        tried += 1
    return tried
