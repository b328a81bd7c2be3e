"""``Idempotency-Key`` on every create of the API: a retried POST gets the first answer instead of doing the work
twice (see docs/decisions/0009-idempotency-keys.md).

Two hooks on every operation of the API: ``idempotent_view`` runs once the caller is authenticated and the input
parsed, claims the key or answers from an earlier request; ``idempotent_run`` wraps the whole operation, so that it
sees the final answer (an error turned into JSON included) and keeps it, or releases the key after a server error.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from ipbridge.core.errors import ApplicationError, Conflict, ValidationFailed
from ipbridge.core.models import IdempotencyRecord, IdempotencyState

__all__ = [
    "ABANDONED_AFTER",
    "HEADER",
    "MAX_KEY_LENGTH",
    "REPLAYED_HEADER",
    "Answer",
    "IdempotencyKeyInUse",
    "idempotency_claim",
    "idempotency_finish",
    "idempotency_key_read",
    "idempotency_records_purge",
    "idempotency_release",
    "idempotent_run",
    "idempotent_view",
    "request_fingerprint",
]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
# A request still in progress after this long died with its process (no request of the API runs for minutes):
# its key may be claimed again rather than answer "in use" until it expires.
ABANDONED_AFTER = timedelta(minutes=10)
_CLAIM = "_idempotency_record_id"


class IdempotencyKeyInUse(Conflict):
    """The first request with this key has not finished yet; the answer carries ``Retry-After``."""

    retry_after_seconds = 1


@dataclass(frozen=True)
class Answer:
    """The answer kept for a key, as its retries get it."""

    status: int
    content_type: str
    body: bytes


def _expiry() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def _fernet() -> Fernet:
    """Kept answers are encrypted: some carry a secret shown once (a new API key, a webhook signing secret), and a
    copy of the database must not reveal it."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipbridge idempotent answers").derive(
        settings.CREDENTIAL_KEY_SECRET.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _answer(record: IdempotencyRecord) -> Answer | None:
    """The record's answer; None when it cannot be read (encrypted with another ``CREDENTIAL_KEY_SECRET``)."""
    try:
        body = _fernet().decrypt(bytes(record.body))
    except InvalidToken:
        return None
    return Answer(status=record.status or 200, content_type=record.content_type, body=body)


def idempotency_key_read(request: HttpRequest) -> str:
    """The request's key, "" without one; refused when longer than 200 characters or not printable ASCII."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) > MAX_KEY_LENGTH or any(not " " <= character <= "~" for character in key):
        raise ApplicationError(
            "invalid_idempotency_key",
            _("An Idempotency-Key is at most %(n)d printable ASCII characters, such as a UUID.")
            % {"n": MAX_KEY_LENGTH},
            field=HEADER,
        )
    return key


def _part(digest: Any, data: bytes) -> None:
    """Each part with its length first, so that no two different requests hash the same."""
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, the path with its query and the body. A multipart body is read from its parsed
    fields and files (its raw bytes are streamed to the parser, not kept), each file in chunks."""
    digest = hashlib.sha256()
    _part(digest, (request.method or "").encode())
    _part(digest, request.get_full_path().encode())
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            for value in values:
                _part(digest, name.encode())
                _part(digest, value.encode())
        for name, files in sorted(request.FILES.lists()):
            for uploaded in files:
                _part(digest, name.encode())
                _part(digest, (uploaded.name or "").encode())
                digest.update((uploaded.size or 0).to_bytes(8, "big"))
                for chunk in uploaded.chunks():
                    digest.update(chunk)
                uploaded.seek(0)
    else:
        _part(digest, request.body)
    return digest.hexdigest()


def idempotency_claim(*, scope: str, key: str, fingerprint: str) -> int | Answer:
    """Claim ``key`` for a new request: the new record's id, committed before the endpoint runs. Or, when the
    request is the retry of one that finished, that request's answer. Refused when the key went with another
    request (422) or its first request is still running (409). An expired, abandoned or unreadable record is
    claimed anew."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now
                ).pk
        except IntegrityError:
            pass  # the key is taken: look at who holds it
        earlier = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if earlier is None:
            continue  # released since: claim it again
        answer = _answer(earlier) if earlier.state == IdempotencyState.DONE else None
        if _lapsed(earlier, now) or (earlier.state == IdempotencyState.DONE and answer is None):
            IdempotencyRecord.objects.filter(pk=earlier.pk).delete()
            continue
        if earlier.fingerprint != fingerprint:
            raise ValidationFailed(
                "idempotency_key_reused",
                _(
                    "This Idempotency-Key was already sent with another request (method, path or body). "
                    "Use a new key for a new request."
                ),
                field=HEADER,
            )
        if answer is not None:
            return answer
        break
    raise IdempotencyKeyInUse(
        "idempotency_key_in_use",
        _("A request with this Idempotency-Key is still running. Wait as the Retry-After header says, then retry."),
        field=HEADER,
    )


def _lapsed(record: IdempotencyRecord, now: datetime) -> bool:
    if record.created_at <= now - _expiry():
        return True
    return record.state == IdempotencyState.IN_PROGRESS and record.created_at <= now - ABANDONED_AFTER


def idempotency_finish(*, record_id: int, response: HttpResponseBase) -> None:
    """Keep the answer of a claimed request for its retries, 2xx and 4xx alike. A server error (or an answer
    streamed, which cannot be kept) releases the key instead, so that the retry runs again."""
    if response.status_code >= 500 or response.streaming or not isinstance(response, HttpResponse):
        idempotency_release(record_id=record_id)
        return
    IdempotencyRecord.objects.filter(pk=record_id, state=IdempotencyState.IN_PROGRESS).update(
        state=IdempotencyState.DONE,
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=_fernet().encrypt(response.content),
    )


def idempotency_release(*, record_id: int) -> None:
    IdempotencyRecord.objects.filter(pk=record_id, state=IdempotencyState.IN_PROGRESS).delete()


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete the records older than ``IDEMPOTENCY_KEY_HOURS``; returns how many."""
    cutoff = (now or timezone.now()) - _expiry()
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lte=cutoff).delete()
    return deleted


def _replayed(answer: Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type or None)
    response[REPLAYED_HEADER] = "true"
    return response


def _scope(request: HttpRequest) -> str | None:
    """Who is calling, as the API authenticated it: ``key:<id>`` or ``user:<id>:<organisation id>``; None on the
    public endpoints, which create nothing."""
    principal = getattr(request, "auth", None)
    return str(principal) if principal else None


def idempotent_view(view_func: Callable[..., Any]) -> Callable[..., Any]:
    """Around an endpoint, after authentication and input parsing: claim the key, or answer from its first
    request. Without the header, and for every method but POST, the endpoint runs as it is."""

    @functools.wraps(view_func)
    def endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        scope = _scope(request)
        if request.method != "POST" or scope is None:
            return view_func(request, *args, **kwargs)
        key = idempotency_key_read(request)
        if not key:
            return view_func(request, *args, **kwargs)
        claimed = idempotency_claim(scope=scope, key=key, fingerprint=request_fingerprint(request))
        if isinstance(claimed, Answer):
            return _replayed(claimed)
        request.__dict__[_CLAIM] = claimed
        return view_func(request, *args, **kwargs)

    return endpoint


def idempotent_run(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Around the whole operation: keep the final answer of a request that claimed a key, or release the key when
    the request failed."""

    @functools.wraps(run)
    def operation(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            claimed = request.__dict__.pop(_CLAIM, None)
            if claimed is not None:
                idempotency_release(record_id=claimed)
            raise
        claimed = request.__dict__.pop(_CLAIM, None)
        if claimed is not None:
            idempotency_finish(record_id=claimed, response=response)
        return response

    return operation
