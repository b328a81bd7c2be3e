"""Every notice and case endpoint against every organisation kind and role, API keys and anonymous callers.

The acting organisation plays its part in the world: a right holder sent the notices, a marketplace handles the
cases, a merchant has a case forwarded to it; other kinds are bystanders. Each case asserts the answer and, when
it is a refusal, that nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from ipbridge.accounts.models import OrganisationKind, Role
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.notices import services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import (
    Appeal,
    Case,
    CounterNotice,
    MarketplaceIntake,
    Notice,
    NoticeFlag,
    NoticeItem,
    SenderMeasure,
    StatementOfReasons,
)
from tests.authorization import BROAD_AND_NARROW_KEYS, Principal, client_for, principals, refusal
from tests.factories import OrganisationFactory, member
from tests.identity.factories import held, right_holder, right_with_contacts
from tests.notices.factories import notice_fields

pytestmark = pytest.mark.django_db

PART = {
    OrganisationKind.RIGHT_HOLDER: "holder",
    OrganisationKind.MARKETPLACE: "marketplace",
    OrganisationKind.MERCHANT: "merchant",
    OrganisationKind.OPERATOR: "operator",
    OrganisationKind.AGENT: "agent",
}


PRINCIPALS = principals(key_kinds=("right_holder", "marketplace", "merchant"), keys=BROAD_AND_NARROW_KEYS)


def part(p: Principal) -> str:
    """The part the caller's organisation plays in the world."""
    return PART.get(p.kind, "bystander")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None
    scope: str
    success: int
    allowed: frozenset[str]  # the parts that succeed
    sees: frozenset[str] = field(default_factory=frozenset)  # parts that see the object but may not act: 403
    refused_input: frozenset[str] = frozenset()  # parts allowed in, whose body is then refused (422)
    conflict: frozenset[str] = frozenset()  # parts allowed in, for whom the object is not in that state (409)

    def expect(self, p: Principal) -> int:
        refused = refusal(p, self.scope)
        if refused:
            return refused
        its = part(p)
        if its in self.refused_input:
            return 422
        if its in self.conflict:
            return 409
        if its in self.allowed:
            return self.success
        return 403 if its in self.sees else 404


EVERYONE = frozenset({"holder", "marketplace", "merchant", "operator", "agent", "bystander"})
CASE_SIDES = frozenset({"holder", "marketplace", "operator"})


def _decision(ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "decisions": [{"item_id": i, "measure": "delete"} for i in ids["c1_items"]],
        "facts": "The AURORA mark on lipsticks not made by the right holder.",
        "legal_ground": "Regulation (EU) 2017/1001 art. 9",
        "merchant": ids["merchant"],
    }


def _notice(ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "rights": ["EM 018000001"],
        "items": [{"marketplace": ids["marketplace"], "url": "https://shop.example/new"}],
        "explanation": "The listing sells lipsticks under the AURORA mark without consent.",
        "good_faith": True,
        "notifier_name": "Amélie Laurent",
        "notifier_email": "brand@aurora.example",
    }


ENDPOINTS = [
    # An agent must name the right holder it acts for; this body does not.
    Endpoint(
        "post",
        "/api/v1/notices/check",
        _notice,
        "notices:read",
        200,
        frozenset({"holder"}),
        EVERYONE,
        refused_input=frozenset({"agent"}),
    ),
    Endpoint(
        "post",
        "/api/v1/notices",
        _notice,
        "notices:write",
        201,
        frozenset({"holder"}),
        EVERYONE,
        refused_input=frozenset({"agent"}),
    ),
    Endpoint("get", "/api/v1/notices", None, "notices:read", 200, EVERYONE),
    Endpoint("get", "/api/v1/notices/accuracy", None, "notices:read", 200, EVERYONE),
    Endpoint("get", "/api/v1/notices/{n1}", None, "notices:read", 200, frozenset({"holder", "operator"})),
    Endpoint("post", "/api/v1/notices/{n1}/withdraw", {"note": "settled"}, "notices:write", 200, frozenset({"holder"})),
    Endpoint("get", "/api/v1/cases", None, "notices:read", 200, EVERYONE),
    Endpoint("get", "/api/v1/cases/{c1}", None, "notices:read", 200, CASE_SIDES),
    Endpoint(
        "post", "/api/v1/cases/{c1}/acknowledge", None, "notices:write", 200, frozenset({"marketplace"}), CASE_SIDES
    ),
    Endpoint(
        "post", "/api/v1/cases/{c1}/decisions", _decision, "notices:write", 200, frozenset({"marketplace"}), CASE_SIDES
    ),
    Endpoint(
        "post",
        "/api/v1/cases/{c4}/forward",
        lambda ids: {"merchant": ids["merchant"]},
        "notices:write",
        200,
        frozenset({"marketplace"}),
        CASE_SIDES,
    ),
    Endpoint(
        "post",
        "/api/v1/cases/{c2}/counter-notices",
        {"statement": "Genuine goods.", "evidence": ["invoice-2026-11.pdf"]},
        "notices:write",
        201,
        frozenset({"merchant"}),
        CASE_SIDES | {"merchant"},
    ),
    Endpoint(
        "post",
        "/api/v1/cases/{c3}/complaint",
        {"authority": "Market Supervision Bureau", "reference": "SZ-1"},
        "notices:write",
        200,
        frozenset({"holder"}),
        CASE_SIDES | {"merchant"},
    ),
    Endpoint(
        "post", "/api/v1/cases/{c1}/close", {"note": ""}, "notices:write", 200, frozenset({"marketplace"}), CASE_SIDES
    ),
    Endpoint(
        "post",
        "/api/v1/cases/{c2}/appeals",
        {"grounds": "Genuine goods.", "evidence": ["invoice"]},
        "notices:write",
        201,
        frozenset({"merchant"}),
        CASE_SIDES | {"merchant"},
        # The sender may appeal too, against rejections, of which this case has none.
        conflict=frozenset({"holder"}),
    ),
    Endpoint(
        "post",
        "/api/v1/cases/{c6}/appeals",
        {"grounds": "The listing shows our mark on fakes.", "evidence": ["test-purchase-7"]},
        "notices:write",
        201,
        frozenset({"holder"}),
        CASE_SIDES,
    ),
    Endpoint(
        "post",
        "/api/v1/appeals/{a7}/decision",
        {"outcome": "overturned", "reason": "The test purchase shows a fake.", "measure": "delete"},
        "notices:write",
        200,
        frozenset({"marketplace"}),
        CASE_SIDES,
    ),
    Endpoint("get", "/api/v1/intake", None, "notices:read", 200, EVERYONE),
    Endpoint("get", "/api/v1/intake/{marketplace}", None, "notices:read", 200, EVERYONE),
    Endpoint(
        "put",
        "/api/v1/intake/{marketplace}",
        {"response_hours": 48, "email": "notices@shop.example", "language": "zh-hans"},
        "accounts:write",
        200,
        frozenset({"marketplace", "operator"}),
        EVERYONE,
    ),
    Endpoint(
        "post",
        "/api/v1/appeals/{a5}/decision",
        {"outcome": "upheld", "reason": "No proof of origin."},
        "notices:write",
        200,
        frozenset({"marketplace"}),
        CASE_SIDES | {"merchant"},
    ),
    Endpoint("get", "/api/v1/statements-of-reasons", None, "notices:read", 200, EVERYONE),
    Endpoint("get", "/api/v1/notices/standing", None, "notices:read", 200, EVERYONE),
    Endpoint(
        "get",
        "/api/v1/notices/senders/{holder}/standing",
        None,
        "notices:read",
        200,
        frozenset({"holder", "marketplace", "operator"}),
    ),
    Endpoint(
        "post",
        "/api/v1/cases/{c1}/flag-malicious",
        {"reason": "Sent to harm a rival.", "evidence": ["mail-1.eml"]},
        "notices:write",
        201,
        frozenset({"marketplace", "operator"}),
        CASE_SIDES,
    ),
    # Lifting is an operator's act: everyone else is refused as such, whatever the measure.
    Endpoint(
        "post",
        "/api/v1/sender-measures/{m1}/lift",
        {"reason": "Marked by mistake."},
        "notices:write",
        200,
        frozenset({"operator"}),
        EVERYONE,
    ),
]


def state() -> dict[str, Any]:
    return {
        "notices": sorted(Notice.objects.values_list("id", "status")),
        "cases": sorted(Case.objects.values_list("id", "status", "merchant_id")),
        "items": sorted(NoticeItem.objects.values_list("id", "status")),
        "counter_notices": CounterNotice.objects.count(),
        "statements": StatementOfReasons.objects.count(),
        "appeals": sorted(Appeal.objects.values_list("id", "status")),
        "flags": NoticeFlag.objects.count(),
        "sender_measures": sorted(SenderMeasure.objects.values_list("id", "lifted_at")),
        "intake": sorted(MarketplaceIntake.objects.values_list("marketplace_id", "response_hours", "email")),
    }


def build_world(principal: Principal) -> tuple[Client, dict[str, Any]]:
    acting = member(kind=principal.kind or "right_holder", role=principal.role or Role.ADMIN)
    own = acting.organisation
    if principal.kind == OrganisationKind.RIGHT_HOLDER:
        own.name, own.verification_status = "Aurora Cosmetics S.A.", "verified"
        own.save(update_fields=["name", "verification_status"])
        holder = own
    else:
        holder = right_holder(name="Aurora Cosmetics S.A.").organisation
    marketplace = own if principal.kind == OrganisationKind.MARKETPLACE else OrganisationFactory(kind="marketplace")
    merchant = own if principal.kind == OrganisationKind.MERCHANT else OrganisationFactory(kind="merchant")
    held(holder, right_with_contacts())
    sender, shop = actor_for_system(holder), actor_for_system(marketplace)

    def notice(n: int) -> Case:
        sent = services.notice_submit(
            actor=sender,
            **notice_fields(items=[ItemIn(marketplace.slug, f"https://shop.example/{n}/{k}") for k in (1, 2)]),
        )
        case = Case.objects.get(notice=sent)
        services.case_deliver(case_id=case.pk)
        return case

    def decide(case: Case, merchant_slug: str) -> None:
        services.case_decide(
            actor=shop,
            case_id=case.pk,
            decisions=[services.ItemDecision(i.pk, "block") for i in NoticeItem.objects.filter(case=case)],
            facts="facts",
            legal_ground="ground",
            merchant_slug=merchant_slug,
        )

    c1, c2, c3, c4, c5 = notice(1), notice(2), notice(3), notice(4), notice(5)
    decide(c5, merchant.slug)
    a5 = services.appeal_submit(actor=actor_for_system(merchant), case_id=c5.pk, grounds="Genuine.")
    decide(c2, merchant.slug)
    decide(c3, merchant.slug)
    services.counter_notice_submit(
        actor=actor_for_system(merchant), case_id=c3.pk, statement="Genuine.", evidence=["invoice"]
    )
    decide(c4, "")
    c6, c7 = notice(6), notice(7)
    for rejected in (c6, c7):
        services.case_decide(
            actor=shop,
            case_id=rejected.pk,
            decisions=[
                services.ItemDecision(i.pk, "", "No mark visible.") for i in NoticeItem.objects.filter(case=rejected)
            ],
            facts="facts",
            legal_ground="ground",
        )
    a7 = services.appeal_submit(actor=sender, case_id=c7.pk, grounds="The mark is on the packaging.")
    m1 = SenderMeasure.objects.create(sender=holder, kind="warning", reason="Notice flagged as malicious.")
    ids = {
        "n1": c1.notice_id,
        "c1": c1.pk,
        "c2": c2.pk,
        "c3": c3.pk,
        "c4": c4.pk,
        "a5": a5.pk,
        "c6": c6.pk,
        "a7": a7.pk,
        "c1_items": list(NoticeItem.objects.filter(case=c1).values_list("pk", flat=True)),
        "merchant": merchant.slug,
        "marketplace": marketplace.slug,
        "holder": holder.slug,
        "m1": m1.pk,
    }
    return client_for(principal, acting), ids


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.label)
def test_notice_endpoint_answers_each_principal_as_designed(principal: Principal, endpoint: Endpoint) -> None:
    client, ids = build_world(principal)
    before = state()
    body = endpoint.body(ids) if callable(endpoint.body) else endpoint.body
    call = getattr(client, endpoint.method)

    response = (
        call(endpoint.path.format(**ids), body, content_type="application/json")
        if body is not None
        else call(endpoint.path.format(**ids))
    )

    expected = endpoint.expect(principal)
    assert response.status_code == expected, response.content[:400]
    if expected >= 400:
        assert response.json()["error"]["code"]
        assert state() == before
    elif endpoint.method == "get":
        assert state() == before
    elif endpoint.path != "/api/v1/notices/check":
        assert state() != before
