"""Webhooks of case events, sent to a real HTTP receiver on this machine: signatures, backoff, a receiver that is
down, a worker that died mid-send, the dead letter and redelivery, secret rotation; and every endpoint of the API
against every organisation kind and role."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from ipbridge.accounts.scopes import ROLE_SCOPES
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core.errors import ApplicationError, ValidationFailed
from ipbridge.engine.webhooks import retry_delays, signature_verify
from ipbridge.notices import services, webhooks
from ipbridge.notices.models import Case, WebhookDelivery, WebhookEndpoint
from tests.factories import OrganisationFactory, api_key, member, verified_client
from tests.notices.factories import World, send, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def t0() -> datetime:
    """A minute from now, when the deliveries queued by the test are due."""
    return timezone.now().replace(microsecond=0) + timedelta(minutes=1)


@dataclass
class Received:
    path: str
    headers: Message  # names compare case-insensitively, as in HTTP
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers the statuses queued in ``answers``
    (the last one again once they run out). Stopped, its port refuses connections."""

    port: int
    answers: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    delay_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay_seconds)
                receiver.received.append(Received(self.path, self.headers, body))
                status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def deliveries(self) -> list[str]:
        return [r.headers["IPBridge-Delivery"] for r in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    running = Receiver(free_port())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def closed_receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    stopped = Receiver(free_port())
    yield stopped
    stopped.stop()


def endpoint_for(organisation: Organisation, url: str, events: list[str] | None = None) -> tuple[WebhookEndpoint, str]:
    return webhooks.webhook_endpoint_create(actor=actor_for_system(organisation), url=url, events=events or ["*"])


def delivered_case(w: World) -> Case:
    """A notice sent by the right holder, its MegaMart case delivered (which queues ``case.delivered``)."""
    notice = send(w.organisation)
    case = Case.objects.get(notice=notice, marketplace=w.megamart)
    services.case_deliver(case_id=case.pk)
    return case


def only_delivery() -> WebhookDelivery:
    [delivery] = WebhookDelivery.objects.all()
    return delivery


def test_a_case_event_reaches_the_marketplace_signed_with_its_secret(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    w = world()
    endpoint, secret = endpoint_for(w.megamart, receiver.url, ["case.delivered"])

    with django_capture_on_commit_callbacks(execute=True):
        notice = send(w.organisation)

    case = Case.objects.get(notice=notice, marketplace=w.megamart)
    delivery = only_delivery()
    [request] = receiver.received
    timestamp = int(request.headers["IPBridge-Signature"].split(",")[0].removeprefix("t="))
    assert signature_verify(
        secret=secret.encode(), body=request.body, header=request.headers["IPBridge-Signature"], now=timestamp
    )
    assert not signature_verify(
        secret=b"whsec_other", body=request.body, header=request.headers["IPBridge-Signature"], now=timestamp
    )
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["IPBridge-Event"] == "case.delivered"
    assert request.headers["IPBridge-Delivery"] == str(delivery.uuid)
    assert json.loads(request.body) == {
        "id": str(delivery.uuid),
        "event": "case.delivered",
        "created_at": delivery.created_at.isoformat(),
        "case": {
            "id": case.pk,
            "status": "delivered",
            "notice_id": notice.pk,
            "marketplace": "megamart",
            "sender": w.organisation.slug,
        },
    }
    assert (delivery.endpoint_id, delivery.status, delivery.attempts, delivery.last_status) == (
        endpoint.pk,
        "delivered",
        1,
        200,
    )
    assert secret.startswith("whsec_")
    assert secret not in endpoint.secret_encrypted


def test_each_move_of_a_case_is_an_event_for_the_subscribed_endpoints_of_its_marketplace_and_sender() -> None:
    w = world()
    everything, _ = endpoint_for(w.megamart, "https://hooks.megamart.example/all")
    decisions, _ = endpoint_for(w.megamart, "https://hooks.megamart.example/decided", ["case.decided"])
    sender, _ = endpoint_for(w.organisation, "https://hooks.aurora.example/in", ["case.delivered", "case.forwarded"])
    bazaar, _ = endpoint_for(w.bazaar, "https://hooks.bazaar.example/all")
    removed, _ = endpoint_for(w.megamart, "https://hooks.megamart.example/old")
    webhooks.webhook_endpoint_remove(actor=actor_for_system(w.megamart), endpoint_id=removed.pk)

    case = delivered_case(w)
    services.case_decide(
        actor=actor_for_system(w.megamart),
        case_id=case.pk,
        decisions=[services.ItemDecision(i.pk, "delete") for i in case.items.all()],
        facts="The AURORA mark on lipsticks not made by the right holder.",
        legal_ground="Regulation (EU) 2017/1001 art. 9",
        merchant_slug=w.merchant.organisation.slug,
    )

    sent = sorted(WebhookDelivery.objects.values_list("endpoint_id", "event", "payload__case__status"))
    assert sent == sorted(
        [
            (everything.pk, "case.delivered", "delivered"),
            (everything.pk, "case.decided", "decided"),
            (everything.pk, "case.forwarded", "forwarded"),
            (decisions.pk, "case.decided", "decided"),
            (sender.pk, "case.delivered", "delivered"),
            (sender.pk, "case.forwarded", "forwarded"),
            # The notice's other case, at Little Bazaar, is delivered as it is sent, and its sender hears of it.
            (bazaar.pk, "case.delivered", "delivered"),
            (sender.pk, "case.delivered", "delivered"),
        ]
    )


def test_a_receiver_answering_500_three_times_gets_the_delivery_on_the_fourth_attempt_after_the_backoff(
    t0: datetime,
    receiver: Receiver,
) -> None:
    w = world()
    endpoint_for(w.megamart, receiver.url)
    receiver.answers = [500, 500, 500, 200]
    delivered_case(w)
    delivery = only_delivery()
    waits = retry_delays(attempts=3, base_seconds=webhooks.RETRY_BASE_SECONDS, rng=random.Random(delivery.uuid.int))

    now, attempts_at = t0, []
    for _ in range(4):
        assert webhooks.webhooks_deliver_due(now=now) == 1
        attempts_at.append(now)
        delivery.refresh_from_db()
        if delivery.next_attempt_at is None:
            break
        assert webhooks.webhooks_deliver_due(now=delivery.next_attempt_at - timedelta(microseconds=1)) == 0
        now = delivery.next_attempt_at

    assert attempts_at == [
        t0,
        t0 + timedelta(seconds=waits[0]),
        t0 + timedelta(seconds=waits[0]) + timedelta(seconds=waits[1]),
        t0 + timedelta(seconds=waits[0]) + timedelta(seconds=waits[1]) + timedelta(seconds=waits[2]),
    ]
    assert [108 <= waits[0] <= 132, 216 <= waits[1] <= 264, 432 <= waits[2] <= 528] == [True, True, True]
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.last_error) == ("delivered", 4, 200, "")
    assert delivery.delivered_at == attempts_at[3]
    assert receiver.deliveries() == [str(delivery.uuid)] * 4
    assert webhooks.webhooks_deliver_due(now=t0 + timedelta(days=1)) == 0


def run_due_until(end: datetime) -> None:
    """The scheduled job, run at each moment a delivery falls due before ``end``."""
    while True:
        due = WebhookDelivery.objects.filter(delivered_at=None, dead_at=None).order_by("next_attempt_at").first()
        if due is None or due.next_attempt_at is None or due.next_attempt_at >= end:
            return
        webhooks.webhooks_deliver_due(now=due.next_attempt_at)


def attempts_before(delivery: WebhookDelivery, start: datetime, end: datetime) -> int:
    """How many attempts the delivery's backoff schedule makes from ``start`` until ``end``."""
    waits = retry_delays(attempts=7, base_seconds=webhooks.RETRY_BASE_SECONDS, rng=random.Random(delivery.uuid.int))
    at, attempts = start, 1
    for wait in waits:
        at += timedelta(seconds=wait)
        if at >= end:
            break
        attempts += 1
    return attempts


def test_a_receiver_down_for_an_hour_loses_nothing_and_gets_every_delivery_once(
    t0: datetime, closed_receiver: Receiver
) -> None:
    w = world()
    endpoint_for(w.megamart, closed_receiver.url)
    for _ in range(3):
        delivered_case(w)
    uuids = sorted(str(u) for u in WebhookDelivery.objects.values_list("uuid", flat=True))
    back_up = t0 + timedelta(hours=1)

    webhooks.webhooks_deliver_due(now=t0)
    run_due_until(back_up)
    down = list(WebhookDelivery.objects.order_by("id"))
    closed_receiver.start()
    run_due_until(t0 + timedelta(days=1))

    expected = [attempts_before(d, t0, back_up) for d in down]
    assert [(d.status, d.attempts, d.last_error.split(":")[0]) for d in down] == [
        ("pending", n, "ConnectionRefusedError") for n in expected
    ]
    assert min(expected) >= 5
    assert sorted(closed_receiver.deliveries()) == uuids
    assert list(WebhookDelivery.objects.order_by("id").values_list("attempts", "last_status", "dead_at")) == [
        (n + 1, 200, None) for n in expected
    ]


def test_a_delivery_whose_worker_died_is_sent_again_after_its_lease_and_a_delivered_one_never(
    t0: datetime,
    receiver: Receiver,
) -> None:
    w = world()
    endpoint_for(w.megamart, receiver.url)
    delivered_case(w)
    delivered_case(w)
    crashed, finished = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=crashed.pk).update(locked_until=t0 + webhooks.LEASE)
    WebhookDelivery.objects.filter(pk=finished.pk).update(
        delivered_at=t0 - timedelta(minutes=5), next_attempt_at=None, locked_until=t0 - timedelta(minutes=4)
    )

    while_leased = webhooks.webhooks_deliver_due(now=t0 + webhooks.LEASE - timedelta(seconds=1))
    after_lease = webhooks.webhooks_deliver_due(now=t0 + webhooks.LEASE)
    later = webhooks.webhooks_deliver_due(now=t0 + timedelta(days=1))

    assert (while_leased, after_lease, later) == (0, 1, 0)
    assert receiver.deliveries() == [str(crashed.uuid)]
    crashed.refresh_from_db()
    assert (crashed.status, crashed.attempts, crashed.locked_until) == ("delivered", 1, None)


def test_a_claimed_delivery_is_not_claimed_again_while_its_lease_lasts(t0: datetime) -> None:
    w = world()
    endpoint_for(w.megamart, "https://hooks.megamart.example/in")
    delivered_case(w)

    first = webhooks._claim(t0)
    second = webhooks._claim(t0 + webhooks.LEASE - timedelta(seconds=1))
    after_lease = webhooks._claim(t0 + webhooks.LEASE)

    assert first is not None
    assert second is None
    assert after_lease is not None
    assert after_lease.pk == first.pk


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_exactly_once(t0: datetime, receiver: Receiver) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one worker process; the row locks under test are PostgreSQL's")
    w = world()
    endpoint, _ = endpoint_for(w.megamart, receiver.url)
    receiver.delay_seconds = 0.01  # each send takes a while, so the two workers overlap
    uuids = sorted(
        str(
            WebhookDelivery.objects.create(
                endpoint=endpoint, event="case.delivered", payload={}, next_attempt_at=t0
            ).uuid
        )
        for _ in range(30)
    )
    tried: list[int] = []

    def worker() -> None:
        try:
            tried.append(webhooks.webhooks_deliver_due(now=t0))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert sum(tried) == 30
    assert sorted(receiver.deliveries()) == uuids
    assert WebhookDelivery.objects.filter(delivered_at=None).count() == 0


def test_after_eight_failures_a_delivery_is_dead_until_it_is_redelivered(t0: datetime, receiver: Receiver) -> None:
    w = world()
    endpoint_for(w.megamart, receiver.url)
    receiver.answers = [503] * 8 + [200]
    delivered_case(w)
    delivery = only_delivery()

    now = t0
    for _ in range(8):
        assert webhooks.webhooks_deliver_due(now=now) == 1
        delivery.refresh_from_db()
        now = delivery.next_attempt_at or now
    after_death = webhooks.webhooks_deliver_due(now=now + timedelta(days=7))
    dead = (delivery.status, delivery.attempts, delivery.last_status, delivery.last_error, delivery.next_attempt_at)
    webhooks.webhook_redeliver(actor=actor_for_system(w.megamart), delivery_id=delivery.pk)
    queued_again = WebhookDelivery.objects.get(pk=delivery.pk)
    webhooks.webhooks_deliver_due()
    delivery.refresh_from_db()

    assert dead == ("dead", 8, 503, "HTTP 503", None)
    assert after_death == 0
    assert (queued_again.status, queued_again.attempts, queued_again.dead_at) == ("pending", 0, None)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert receiver.deliveries() == [str(delivery.uuid)] * 9
    assert list(
        AuditEvent.objects.filter(action="webhook.delivery_redelivered").values_list("organisation", "details")
    ) == [(w.megamart.pk, {"previous": "dead"})]


def test_a_delivered_delivery_may_be_sent_again_but_not_while_pending() -> None:
    w = world()
    endpoint_for(w.megamart, "https://hooks.megamart.example/in")
    delivered_case(w)
    delivery = only_delivery()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now(), next_attempt_at=None)
    shop = actor_for_system(w.megamart)

    again = webhooks.webhook_redeliver(actor=shop, delivery_id=delivery.pk)
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_redeliver(actor=shop, delivery_id=delivery.pk)

    assert (again.status, again.attempts, again.delivered_at) == ("pending", 0, None)
    assert refused.value.code == "already_pending"


def test_after_a_rotation_deliveries_carry_both_signatures_for_a_day(receiver: Receiver) -> None:
    w = world()
    endpoint, old = endpoint_for(w.megamart, receiver.url)
    rotated, new = webhooks.webhook_endpoint_rotate_secret(actor=actor_for_system(w.megamart), endpoint_id=endpoint.pk)
    assert rotated.previous_secret_until is not None
    delivered_case(w)
    within = rotated.previous_secret_until - timedelta(hours=1)
    webhooks.webhooks_deliver_due(now=within)
    delivered_case(w)
    after = rotated.previous_secret_until + timedelta(seconds=1)
    webhooks.webhooks_deliver_due(now=after)

    first, second = receiver.received
    assert first.headers["IPBridge-Signature"].count("v1=") == 2
    assert second.headers["IPBridge-Signature"].count("v1=") == 1

    def verifies(secret: str, request: Received, at: datetime) -> bool:
        header = request.headers["IPBridge-Signature"]
        return signature_verify(secret=secret.encode(), body=request.body, header=header, now=int(at.timestamp()))

    assert [verifies(new, first, within), verifies(old, first, within)] == [True, True]
    assert [verifies(new, second, after), verifies(old, second, after)] == [True, False]
    assert new != old
    assert AuditEvent.objects.filter(action="webhook.endpoint_secret_rotated", organisation=w.megamart).count() == 1


def test_network_failures_and_redirects_are_recorded_never_raised(
    t0: datetime, receiver: Receiver, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world()
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(1)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
    endpoint_for(w.megamart, receiver.url)
    endpoint_for(w.megamart, f"http://127.0.0.1:{hanging.getsockname()[1]}/slow")
    receiver.answers = [302]
    delivered_case(w)

    try:
        tried = webhooks.webhooks_deliver_due(now=t0)
    finally:
        hanging.close()

    outcomes = list(
        WebhookDelivery.objects.order_by("endpoint_id").values_list("attempts", "last_status", "last_error")
    )
    assert tried == 2
    assert outcomes == [(1, 302, "HTTP 302"), (1, None, "TimeoutError: timed out")]
    assert len(receiver.received) == 1


def test_removing_an_endpoint_ends_its_pending_deliveries(t0: datetime, receiver: Receiver) -> None:
    w = world()
    endpoint, _ = endpoint_for(w.megamart, receiver.url)
    delivered_case(w)
    delivery = only_delivery()

    webhooks.webhook_endpoint_remove(actor=actor_for_system(w.megamart), endpoint_id=endpoint.pk)
    tried = webhooks.webhooks_deliver_due(now=t0 + timedelta(days=1))

    delivery.refresh_from_db()
    assert tried == 0
    assert receiver.received == []
    assert (delivery.status, delivery.last_error, delivery.next_attempt_at) == ("dead", "endpoint removed", None)
    assert list(webhooks.webhook_endpoints_list(actor=actor_for_system(w.megamart))) == []
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_redeliver(actor=actor_for_system(w.megamart), delivery_id=delivery.pk)
    assert refused.value.code == "endpoint_removed"


@pytest.mark.parametrize(
    ("url", "events", "code", "field"),
    [
        ("http://hooks.megamart.example/in", ["*"], "https_required", "url"),
        ("http://127.0.0.1:8080/in", ["*"], "https_required", "url"),
        ("ftp://hooks.megamart.example/in", ["*"], "invalid_url", "url"),
        ("https:///in", ["*"], "invalid_url", "url"),
        ("https://hooks.megamart.example:port/in", ["*"], "invalid_url", "url"),
        ("https://me:pw@hooks.megamart.example/in", ["*"], "credentials_in_url", "url"),
        ("", ["*"], "required", "url"),
        ("https://hooks.megamart.example/in", [], "required", "events"),
        ("https://hooks.megamart.example/in", ["case.decided", "case.submitted"], "invalid_choice", "events"),
    ],
)
def test_an_endpoint_is_refused_naming_the_field_at_fault(url: str, events: list[str], code: str, field: str) -> None:
    w = world()

    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_endpoint_create(actor=actor_for_system(w.megamart), url=url, events=events)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert WebhookEndpoint.objects.count() == 0


def test_an_endpoint_keeps_its_events_and_is_audited() -> None:
    w = world()

    everything, _ = endpoint_for(w.megamart, "https://hooks.megamart.example/a", ["case.closed", "*"])
    some, _ = endpoint_for(w.organisation, "https://hooks.aurora.example/b", ["case.lifted", "case.decided"])

    assert (everything.events, some.events) == (["*"], ["case.decided", "case.lifted"])
    assert list(
        AuditEvent.objects.filter(action="webhook.endpoint_created")
        .order_by("id")
        .values_list("organisation", "details")
    ) == [
        (w.megamart.pk, {"url": "https://hooks.megamart.example/a", "events": ["*"]}),
        (w.organisation.pk, {"url": "https://hooks.aurora.example/b", "events": ["case.decided", "case.lifted"]}),
    ]


def test_the_deliveries_list_filters_by_status_in_a_fixed_number_of_queries(
    t0: datetime,
    django_assert_num_queries: Any,
) -> None:
    w = world()
    endpoint_for(w.megamart, "https://hooks.megamart.example/in")
    for _ in range(3):
        delivered_case(w)
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("id")[0].pk).update(dead_at=t0)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(w.megamart, ['notices:read'])}")
    client.get("/api/v1/webhooks/deliveries")  # the key's first use is recorded; count the calls after it

    with django_assert_num_queries(3):
        pending = client.get("/api/v1/webhooks/deliveries?status=pending").json()
    dead = client.get("/api/v1/webhooks/deliveries?status=dead").json()
    refused = client.get("/api/v1/webhooks/deliveries?status=lost")

    assert (pending["count"], [d["status"] for d in pending["items"]]) == (2, ["pending", "pending"])
    assert (dead["count"], dead["items"][0]["attempts"], dead["items"][0]["event"]) == (1, 0, "case.delivered")
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "status")


# --- every endpoint against every organisation kind and role ------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    kind: str = ""
    role: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}-{self.role}" if self.kind else "anonymous"


PRINCIPALS = [
    Principal(kind, role)
    for kind in (
        OrganisationKind.RIGHT_HOLDER,
        OrganisationKind.MARKETPLACE,
        OrganisationKind.MERCHANT,
        OrganisationKind.OPERATOR,
    )
    for role in (Role.ADMIN, Role.REVIEWER)
] + [Principal()]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    scope: str
    success: int
    allowed: frozenset[str]  # kinds that succeed (the marketplace acts on its own endpoint)
    sees: frozenset[str] = frozenset()  # kinds that see the endpoint but may not change it: 403
    refused_kinds: frozenset[str] = frozenset()  # kinds that may never do this: 403

    def expect(self, p: Principal) -> int:
        if not p.kind:
            return 401
        if self.scope not in ROLE_SCOPES[p.role]:
            return 403
        if p.kind in self.allowed:
            return self.success
        return 403 if p.kind in self.sees | self.refused_kinds else 404


EVERY_KIND = frozenset({"right_holder", "marketplace", "merchant", "operator"})
OWNER = frozenset({"marketplace"})
OPERATOR = frozenset({"operator"})
CALLS = [
    Call("get", "/api/v1/webhooks/endpoints", "notices:read", 200, EVERY_KIND),
    Call(
        "post",
        "/api/v1/webhooks/endpoints",
        "notices:write",
        201,
        frozenset({"right_holder", "marketplace"}),
        refused_kinds=frozenset({"merchant", "operator"}),
    ),
    Call("delete", "/api/v1/webhooks/endpoints/{endpoint}", "notices:write", 204, OWNER, OPERATOR),
    Call("post", "/api/v1/webhooks/endpoints/{endpoint}/rotate-secret", "notices:write", 200, OWNER, OPERATOR),
    Call("get", "/api/v1/webhooks/deliveries?status=dead", "notices:read", 200, EVERY_KIND),
    Call("post", "/api/v1/webhooks/deliveries/{delivery}/redeliver", "notices:write", 200, OWNER, OPERATOR),
]


def webhooks_state() -> dict[str, Any]:
    return {
        "endpoints": sorted(
            WebhookEndpoint.objects.values_list("id", "active", "secret_encrypted", "previous_secret_encrypted")
        ),
        "deliveries": sorted(WebhookDelivery.objects.values_list("id", "attempts", "next_attempt_at", "dead_at")),
        "audit": AuditEvent.objects.filter(action__startswith="webhook.").count(),
    }


def build(principal: Principal) -> tuple[Client, dict[str, int]]:
    acting = member(kind=principal.kind or OrganisationKind.RIGHT_HOLDER, role=principal.role or Role.ADMIN)
    marketplace = (
        acting.organisation
        if principal.kind == OrganisationKind.MARKETPLACE
        else OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    )
    endpoint, _ = endpoint_for(marketplace, "https://hooks.shop.example/in")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="case.delivered",
        payload={"event": "case.delivered"},
        attempts=8,
        dead_at=timezone.now(),
    )
    ids = {"endpoint": endpoint.pk, "delivery": delivery.pk}
    return (verified_client(acting.user) if principal.kind else Client()), ids


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.path}")
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_webhook_endpoint_answers_each_principal_as_designed(principal: Principal, call: Call) -> None:
    client, ids = build(principal)
    before = webhooks_state()
    send_to = getattr(client, call.method)
    body = {"url": "https://hooks.example/new", "events": ["case.decided"]} if call.method == "post" else None

    response = send_to(call.path.format(**ids), body, content_type="application/json")

    expected = call.expect(principal)
    assert response.status_code == expected, response.content[:400]
    if expected >= 400:
        assert response.json()["error"]["code"]
        assert webhooks_state() == before
    elif call.method == "get":
        assert webhooks_state() == before
        listed = response.json()
        rows = listed if isinstance(listed, list) else listed["items"]
        assert len(rows) == (1 if principal.kind in {"marketplace", "operator"} else 0)
    else:
        assert webhooks_state() != before


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hooks",
        "https://192.168.1.20/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://intranet.internal/hooks",
        "https://printer.local/hooks",
    ],
)
def test_an_endpoint_on_a_private_network_is_refused(url: str, settings: Any) -> None:
    """Regression: any https address was accepted, so a webhook could reach what sits behind IPBridge."""
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = False
    holder = member(kind=OrganisationKind.RIGHT_HOLDER).organisation

    with pytest.raises(ValidationFailed) as refused:
        webhooks.webhook_endpoint_create(actor=actor_for_system(holder), url=url, events=["*"])

    assert (refused.value.code, refused.value.field) == ("internal_address", "url")


def test_a_name_that_resolves_to_a_private_address_is_not_delivered_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "_locals_allowed", lambda: False)
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda host, port: [(2, 1, 6, "", ("10.1.2.3", 0))])

    assert webhooks._resolves_internal("https://hooks.example.com/in") is True
