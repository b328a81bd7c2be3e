"""The harness of the authorization matrices: every organisation kind and role, API keys with and without an app's
scopes, and anonymous callers, against every endpoint of the app.

An app's matrix keeps what is its own: the world it builds for a principal (who owns what, who is shown what), the
tables its snapshot reads, and the rules that say which answer each principal gets. This module holds the rest:

- ``Principal`` and ``principals``: who calls, and the standard list of them;
- ``client_for``: the test client that calls as a principal (a verified session, a key of the organisation, nobody);
- ``Endpoint``, ``call_each`` and ``expected_answers``: each endpoint called once in a savepoint rolled back after it,
  so each meets the world as built, and what it answered and changed beside what the design says; ``changed`` and
  ``files_under`` for the snapshots;
- ``refusal``, ``needs`` and ``public``: the expected answers most endpoints start from."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.accounts.scopes import ALL_SCOPES, READ_SCOPES, ROLE_SCOPES
from tests.factories import OrganisationFactory, api_key, verified_client

KeyScopes = Sequence[tuple[str, Sequence[str]]]

# Keys that are not about one app: every scope, every read scope, one scope of another area.
BROAD_AND_NARROW_KEYS: KeyScopes = (("all", ALL_SCOPES), ("read", sorted(READ_SCOPES)), ("narrow", ["rights:read"]))


@dataclass(frozen=True)
class Principal:
    """Who calls: a person of an organisation kind in a role, a key of an organisation kind with its scopes, or
    nobody (no kind)."""

    label: str
    kind: str = ""
    role: str | None = None
    key_scopes: tuple[str, ...] | None = None

    @property
    def anonymous(self) -> bool:
        return not self.kind

    @property
    def person(self) -> bool:
        return self.role is not None

    def has(self, scope: str) -> bool:
        """What the caller may do as far as scopes go: a key its own, a person those of the role."""
        if self.key_scopes is not None:
            return scope in self.key_scopes
        return self.role is not None and scope in ROLE_SCOPES[self.role]


def app_keys(app: str, *, read_write: bool = False) -> KeyScopes:
    """The keys an app's matrix tries: every scope, the app's read scope, its write scope (and, with
    ``read_write``, the two together), and every scope but the app's."""
    read, write = f"{app}:read", f"{app}:write"
    both = [("read-write", (read, write))] if read_write else []
    return (
        ("all", ALL_SCOPES),
        ("read", (read,)),
        ("write", (write,)),
        *both,
        ("none", tuple(s for s in ALL_SCOPES if not s.startswith(f"{app}:"))),
    )


def principals(*, key_kinds: Iterable[str], keys: KeyScopes) -> list[Principal]:
    """A person of every organisation kind in every role, a key of each scope set for each of ``key_kinds``, and an
    anonymous caller; labelled ``kind-role``, ``kind-key-name`` and ``anonymous``."""
    return (
        [Principal(f"{kind}-{role}", kind, role) for kind in OrganisationKind.values for role in Role.values]
        + [
            Principal(f"{kind}-key-{name}", kind, key_scopes=tuple(scopes))
            for kind in key_kinds
            for name, scopes in keys
        ]
        + [Principal("anonymous")]
    )


def client_for(principal: Principal, acting: Membership) -> Client:
    """A client calling as ``principal``: nobody, a key of the acting organisation, or the acting person's verified
    session. Made last in a world, so that the key is no part of what a snapshot compares."""
    if principal.anonymous:
        return Client()
    if principal.key_scopes is not None:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(acting.organisation, list(principal.key_scopes))}")
    return verified_client(acting.user)


def other_organisation(kind: str, slug: str) -> Organisation:
    """A verified organisation of the world other than the acting one, named after its slug."""
    return OrganisationFactory(kind=kind, slug=slug, name=slug.title(), verification_status="verified")


# Expected answers -------------------------------------------------------------------------------------------------


def public(p: Principal) -> int:
    return 200


def refusal(p: Principal, *scopes: str) -> int | None:
    """401 for nobody, 403 for a caller without one of ``scopes``; None when the caller may go on."""
    if p.anonymous:
        return 401
    if not all(p.has(scope) for scope in scopes):
        return 403
    return None


def needs(*scopes: str, then: int, kinds: Collection[str] = ()) -> Callable[[Principal], int]:
    """``refusal``, then 403 outside ``kinds`` (when given), else ``then``."""

    def expect(p: Principal) -> int:
        refused = refusal(p, *scopes)
        if refused is not None:
            return refused
        if kinds and p.kind not in kinds:
            return 403
        return then

    return expect


# The matrix -------------------------------------------------------------------------------------------------------

Ids = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """One call of the matrix. ``path`` is formatted with the world's ids; ``body`` (JSON) and ``form`` (a multipart
    form, fields and files) are values or functions of the ids, called afresh for each call. ``changes`` is what a
    success changes (``"nothing"``, ``"write"`` or an effect of the app's own), or a function of the principal;
    ``of`` tells apart two calls of one path."""

    method: str
    path: str
    expect: Callable[[Principal], int]
    changes: str | Callable[[Principal], str] = "nothing"
    body: Any = None
    form: Callable[[Ids], dict[str, Any]] | None = None
    of: str = ""

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}" + (f" ({self.of})" if self.of else "")

    def effect(self, p: Principal) -> str:
        return self.changes(p) if callable(self.changes) else self.changes

    def call(self, client: Client, ids: Ids) -> HttpResponseBase:
        path = self.path.format(**ids)
        send = getattr(client, self.method)
        if self.form is not None:
            return send(path, self.form(ids))
        if self.body is not None:
            return send(path, self.body(ids) if callable(self.body) else self.body, content_type="application/json")
        return send(path)


S = TypeVar("S")


def files_under(root: Path) -> list[str]:
    """The files stored under ``root``, for a snapshot: a refusal must leave no file behind, nor take one away."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def changed(before: object, after: object) -> str:
    """The effect of a call as most snapshots tell it: ``"write"`` when anything differs, else ``"nothing"``."""
    return "nothing" if after == before else "write"


@dataclass
class Calls:
    """What each endpoint answered: its status and effect, and the response itself, by label."""

    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    responses: dict[str, Any] = field(default_factory=dict)  # the test client's responses, which have .json()

    @property
    def uncoded(self) -> list[str]:
        """The refusals of the API that carry no error code (a page's refusal is not JSON: do not ask it)."""
        return [
            label
            for label, response in self.responses.items()
            if response.status_code >= 400 and not response.json().get("error", {}).get("code")
        ]


def call_each(
    client: Client,
    endpoints: Iterable[Endpoint],
    ids: Ids,
    *,
    snapshot: Callable[[], S],
    effect: Callable[[S, S], str] = changed,
) -> Calls:
    """Calls each endpoint in a savepoint rolled back after it, so each meets the world as built; its effect is
    ``effect`` of the snapshots taken before and after it."""
    calls = Calls()
    for endpoint in endpoints:
        # Two endpoints of one label would answer as one: the first's answer would go unchecked.
        assert endpoint.label not in calls.answers, f"two endpoints are {endpoint.label}: tell them apart with of="
        with transaction.atomic():
            before = snapshot()
            response = endpoint.call(client, ids)
            calls.answers[endpoint.label] = (response.status_code, effect(before, snapshot()))
            calls.responses[endpoint.label] = response
            transaction.set_rollback(True)
    return calls


def expected_answers(principal: Principal, endpoints: Iterable[Endpoint]) -> dict[str, tuple[int, str]]:
    """What the design says each endpoint answers ``principal``: its status, and its effect on a success, nothing
    on a refusal."""
    expected = {}
    for endpoint in endpoints:
        status = endpoint.expect(principal)
        expected[endpoint.label] = (status, endpoint.effect(principal) if status < 400 else "nothing")
    return expected
