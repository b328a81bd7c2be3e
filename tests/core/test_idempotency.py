"""An Idempotency-Key makes every create of the API safe to retry: the retry gets the first answer, byte for byte,
and nothing is done twice; the same key for another request, or while the first still runs, is refused."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.utils import timezone

from ipbridge.accounts import services as accounts_services
from ipbridge.accounts.models import ApiKey, AuditEvent, Invitation, OrganisationKind
from ipbridge.config.celery import app as celery_app
from ipbridge.config.urls import api
from ipbridge.core import tasks
from ipbridge.core.idempotency import ABANDONED_AFTER, request_fingerprint
from ipbridge.core.models import IdempotencyRecord, IdempotencyState
from ipbridge.identity.models import IdentityDocument, RightClaim
from ipbridge.notices import webhooks
from ipbridge.notices.models import Case, Notice, StatementOfReasons, WebhookEndpoint
from tests.factories import api_key, member, verified_client
from tests.identity.factories import PDF, pdf, right_holder, right_with_contacts
from tests.notices.factories import send, world

pytestmark = pytest.mark.django_db

NOTICES = ["notices:read", "notices:write"]
HOOK = {"url": "https://hooks.example/in", "events": ["case.decided"]}


def post(client: Client, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def keyed(organisation: Any, scopes: list[str]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


@dataclass
class Create:
    """A create of some app: who sends it, where, with what, and how many of what it creates exist."""

    client: Client
    path: str
    body: dict[str, Any]
    count: Callable[[], int]


def case_decision() -> Create:
    w = world()
    case = Case.objects.get(notice=send(w.organisation), marketplace=w.megamart)
    item = case.items.first()
    assert item is not None
    return Create(
        keyed(w.megamart, NOTICES),
        f"/api/v1/cases/{case.pk}/decisions",
        {"decisions": [{"item_id": item.pk, "measure": "delete"}], "facts": "Counterfeit.", "legal_ground": "art. 9"},
        StatementOfReasons.objects.count,
    )


def api_key_creation() -> Create:
    administrator = member()
    return Create(
        verified_client(administrator.user),
        "/api/v1/api-keys",
        {"name": "warehouse", "scopes": ["notices:read"]},
        ApiKey.objects.count,
    )


def webhook_endpoint_creation() -> Create:
    marketplace = member(kind=OrganisationKind.MARKETPLACE).organisation
    return Create(keyed(marketplace, NOTICES), "/api/v1/webhooks/endpoints", HOOK, WebhookEndpoint.objects.count)


def identity_claim() -> Create:
    right_with_contacts()
    holder = right_holder(name="Aurora Trading").organisation
    return Create(
        keyed(holder, ["identity:read", "identity:write"]),
        "/api/v1/identity/claims",
        {"office": "EM", "number": "018000001", "method": "documents"},
        RightClaim.objects.count,
    )


@pytest.mark.parametrize("create", [case_decision, api_key_creation, webhook_endpoint_creation, identity_claim])
def test_a_retry_gets_the_first_answer_and_creates_nothing_twice(create: Callable[[], Create]) -> None:
    given = create()
    before = given.count()

    first = post(given.client, given.path, given.body, key="retry-1")
    retry = post(given.client, given.path, given.body, key="retry-1")

    assert first.status_code in {200, 201}, first.content
    assert (retry.status_code, retry.content, retry["Content-Type"]) == (
        first.status_code,
        first.content,
        first["Content-Type"],
    )
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert given.count() == before + 1
    assert IdempotencyRecord.objects.get().state == IdempotencyState.DONE


def test_without_the_key_the_same_retry_is_refused_by_the_state_it_changed() -> None:
    """What the key is for: a claim retried without one meets the claim it made."""
    given = identity_claim()

    post(given.client, given.path, given.body)
    retry = post(given.client, given.path, given.body)

    assert (retry.status_code, retry.json()["error"]["code"]) == (409, "already_claimed")
    assert given.count() == 1
    assert IdempotencyRecord.objects.count() == 0


def test_a_notice_sent_again_with_its_key_is_the_same_notice() -> None:
    w = world()
    client = keyed(w.organisation, NOTICES)
    body = {
        "rights": ["EM 018000001"],
        "items": [{"marketplace": "megamart", "url": "https://megamart.example/item/1"}],
        "explanation": "The listing sells lipsticks under the AURORA mark without the right holder's consent.",
        "good_faith": True,
        "notifier_name": "Amélie Laurent",
        "notifier_email": "brand@aurora.example",
    }

    first = post(client, "/api/v1/notices", body, key="batch-1")
    retry = post(client, "/api/v1/notices", body, key="batch-1")

    assert first.status_code == 201
    assert (retry.status_code, retry.content, retry["Idempotent-Replayed"]) == (201, first.content, "true")
    assert Notice.objects.get().idempotency_key == "batch-1"


def test_an_upload_is_told_apart_by_its_file() -> None:
    client = keyed(right_holder().organisation, ["identity:read", "identity:write"])

    def upload(content: bytes) -> Any:
        return client.post(
            "/api/v1/identity/documents",
            {"kind": "business_registration", "file": pdf(content=content)},
            HTTP_IDEMPOTENCY_KEY="scan-1",
        )

    first = upload(PDF)
    retry = upload(PDF)
    another = upload(PDF.replace(b"1.4", b"1.7"))

    assert first.status_code == 201
    assert (retry.status_code, retry.content, retry["Idempotent-Replayed"]) == (201, first.content, "true")
    assert (another.status_code, another.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert IdentityDocument.objects.count() == 1


def test_a_refusal_is_kept_and_given_again() -> None:
    given = webhook_endpoint_creation()
    private = {**HOOK, "url": "https://10.0.0.5/in"}

    first = post(given.client, given.path, private, key="hook-1")
    retry = post(given.client, given.path, private, key="hook-1")

    assert (first.status_code, first.json()["error"]["code"]) == (422, "internal_address")
    assert (retry.status_code, retry.content, retry["Idempotent-Replayed"]) == (422, first.content, "true")
    assert given.count() == 0


def test_input_that_does_not_parse_is_refused_before_the_key_is_taken() -> None:
    given = webhook_endpoint_creation()

    malformed = post(given.client, given.path, {"url": 5}, key="hook-1")
    corrected = post(given.client, given.path, HOOK, key="hook-1")

    assert (malformed.status_code, malformed.json()["error"]["code"]) == (422, "invalid_input")
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert given.count() == 1


def test_a_server_error_is_not_kept_so_the_retry_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    administrator = member()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key(administrator.organisation, ['accounts:write'])}")
    client.raise_request_exception = False
    body = {"email": "b@example.com", "role": "member"}
    real = accounts_services.invitation_send

    def failing(**kwargs: Any) -> Any:
        raise RuntimeError("the mail queue is down")

    monkeypatch.setattr(accounts_services, "invitation_send", failing)
    failed = post(client, "/api/v1/invitations", body, key="invite-1")
    assert IdempotencyRecord.objects.count() == 0
    monkeypatch.setattr(accounts_services, "invitation_send", real)
    retried = post(client, "/api/v1/invitations", body, key="invite-1")

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert Invitation.objects.count() == 1


def test_the_same_key_with_another_body_or_path_is_refused() -> None:
    given = webhook_endpoint_creation()
    endpoint = post(given.client, given.path, HOOK, key="hook-1").json()["id"]

    other_body = post(given.client, given.path, {**HOOK, "url": "https://hooks.example/other"}, key="hook-1")
    other_path = post(given.client, f"/api/v1/webhooks/endpoints/{endpoint}/rotate-secret", {}, key="hook-1")

    for refused in (other_body, other_path):
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
        assert refused.json()["error"]["field"] == "Idempotency-Key"
    assert given.count() == 1


def test_each_caller_has_keys_of_its_own() -> None:
    marketplace = member(kind=OrganisationKind.MARKETPLACE)
    callers = [
        keyed(marketplace.organisation, NOTICES),
        keyed(marketplace.organisation, NOTICES),  # a second key of the same organisation
        verified_client(marketplace.user),  # a person of that organisation
        keyed(member(kind=OrganisationKind.MARKETPLACE).organisation, NOTICES),
    ]

    answers = [post(client, "/api/v1/webhooks/endpoints", HOOK, key="same-key") for client in callers]

    assert [a.status_code for a in answers] == [201, 201, 201, 201]
    assert ["Idempotent-Replayed" in a for a in answers] == [False, False, False, False]
    assert len({a.json()["id"] for a in answers}) == 4
    assert IdempotencyRecord.objects.count() == 4


def claimed_row(given: Create, key: str, *, age: timedelta = timedelta(0)) -> IdempotencyRecord:
    """The row a request of ``given`` with ``key`` leaves while it runs, as another process would have it."""
    request = RequestFactory().post(given.path, json.dumps(given.body), content_type="application/json")
    secret = given.client.defaults["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    caller = accounts_services.api_key_authenticate(secret)
    assert caller is not None
    return IdempotencyRecord.objects.create(
        scope=f"key:{caller.pk}", key=key, fingerprint=request_fingerprint(request), created_at=timezone.now() - age
    )


def test_while_the_first_request_runs_its_retry_is_told_to_wait() -> None:
    given = webhook_endpoint_creation()
    claimed_row(given, "hook-1")

    retry = post(given.client, given.path, given.body, key="hook-1")

    assert retry.status_code == 409
    assert retry.json()["error"] == {
        "code": "idempotency_key_in_use",
        "message": "A request with this Idempotency-Key is still running. Wait as the Retry-After header says, "
        "then retry.",
        "field": "Idempotency-Key",
    }
    assert retry["Retry-After"] == "1"
    assert given.count() == 0


def test_a_request_that_died_while_running_frees_its_key() -> None:
    given = webhook_endpoint_creation()
    claimed_row(given, "hook-1", age=ABANDONED_AFTER + timedelta(seconds=1))

    retry = post(given.client, given.path, given.body, key="hook-1")

    assert retry.status_code == 201
    assert given.count() == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyState.DONE


def test_an_expired_key_is_a_new_key(settings: Any) -> None:
    settings.IDEMPOTENCY_KEY_HOURS = 1
    given = webhook_endpoint_creation()
    post(given.client, given.path, given.body, key="hook-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))

    again = post(given.client, given.path, given.body, key="hook-1")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert given.count() == 2


def test_the_scheduled_job_deletes_the_expired_records_only(settings: Any) -> None:
    now = timezone.now()
    for key, hours in [("old", 25), ("older", 24 * 7), ("recent", 23), ("new", 0)]:
        IdempotencyRecord.objects.create(
            scope="key:1", key=key, fingerprint="0" * 64, created_at=now - timedelta(hours=hours)
        )

    deleted = tasks.idempotency_records_purge()

    assert deleted == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new", "recent"]
    job = settings.CELERY_BEAT_SCHEDULE["core-idempotency-purge"]
    assert job["task"] == tasks.idempotency_records_purge.name
    assert job["task"] in celery_app.tasks


def test_kept_answers_are_encrypted() -> None:
    """A new API key's secret is in its answer; a copy of the database must not reveal it."""
    given = api_key_creation()

    secret = post(given.client, given.path, given.body, key="key-1").json()["secret"]

    assert secret.encode() not in bytes(IdempotencyRecord.objects.get().body)


@pytest.mark.parametrize("key", ["k" * 201, "tab\tin-key", "clé"])
def test_a_key_too_long_or_not_printable_is_refused_naming_the_header(key: str) -> None:
    given = webhook_endpoint_creation()

    refused = post(given.client, given.path, given.body, key=key)

    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "invalid_idempotency_key",
        "message": "An Idempotency-Key is at most 200 printable ASCII characters, such as a UUID.",
        "field": "Idempotency-Key",
    }
    assert given.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_the_refusals_speak_chinese() -> None:
    given = webhook_endpoint_creation()
    post(given.client, given.path, given.body, key="hook-1")

    refused = given.client.post(
        given.path,
        json.dumps({**HOOK, "url": "https://hooks.example/other"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="hook-1",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert refused.json()["error"]["message"] == (
        "此 Idempotency-Key 已随另一个请求（方法、路径或请求体不同）发送过。新的请求请使用新的键。"
    )


def test_a_key_of_two_hundred_characters_is_taken() -> None:
    given = webhook_endpoint_creation()

    assert post(given.client, given.path, given.body, key="k" * 200).status_code == 201


def test_without_the_header_and_on_other_methods_nothing_is_kept() -> None:
    given = webhook_endpoint_creation()

    first = post(given.client, given.path, given.body)
    second = post(given.client, given.path, given.body, key="")
    listed = given.client.get("/api/v1/webhooks/endpoints", HTTP_IDEMPOTENCY_KEY="list-1")
    removed = given.client.delete(f"/api/v1/webhooks/endpoints/{first.json()['id']}", HTTP_IDEMPOTENCY_KEY="rm-1")

    assert (first.status_code, second.status_code, listed.status_code, removed.status_code) == (201, 201, 200, 204)
    assert given.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_the_public_endpoints_ignore_the_key() -> None:
    """They create nothing and have no caller to keep an answer for."""
    answer = Client().post(
        "/api/v1/rights/verify",
        {"office": "EM", "number": "1"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="v",
    )

    assert answer.status_code == 200
    assert answer.json()["verdict"] == "not_found"
    assert "Idempotent-Replayed" not in answer
    assert IdempotencyRecord.objects.count() == 0


def test_the_api_document_offers_the_header_on_every_authenticated_post_once() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    posts = {path: operations["post"] for path, operations in schema["paths"].items() if "post" in operations}

    def headers(operation: dict[str, Any]) -> list[str]:
        return [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]

    authenticated = {path: op for path, op in posts.items() if op.get("security")}
    assert len(authenticated) > 30
    assert {path for path, op in authenticated.items() if headers(op) != ["Idempotency-Key"]} == set()
    assert {path for path, op in authenticated.items() if not {400, 409, 422} <= set(op["responses"])} == set()
    assert {path for path, op in posts.items() if not op.get("security") and headers(op)} == set()
    assert "/api/v1/notices" in authenticated


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_with_the_same_key_create_once(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the race under test is PostgreSQL's")
    marketplace = member(kind=OrganisationKind.MARKETPLACE).organisation
    secret = api_key(marketplace, NOTICES)
    real = webhooks.webhook_endpoint_create

    def slow(**kwargs: Any) -> Any:
        time.sleep(0.3)  # the first request is still running when the second one arrives
        return real(**kwargs)

    monkeypatch.setattr(webhooks, "webhook_endpoint_create", slow)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def caller() -> None:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
            start.wait()
            answers.append(post(client, "/api/v1/webhooks/endpoints", HOOK, key="at-once"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    created = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a]
    others = [a for a in answers if a not in created]
    assert len(created) == 1
    assert len(others) == 1
    assert others[0].status_code == 409 or others[0]["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="webhook.").count() == 1
