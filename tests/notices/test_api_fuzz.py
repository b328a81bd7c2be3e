"""Generated input never makes the notice API answer 5xx, and a refused request leaves nothing behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.notices.models import Case, CounterNotice, Notice, NoticeItem, StatementOfReasons
from tests.factories import verified_client
from tests.notices.factories import send, world
from tests.strategies import bodies

pytestmark = pytest.mark.django_db

FIELDS = [
    "rights",
    "items",
    "explanation",
    "good_faith",
    "notifier_name",
    "notifier_email",
    "evidence",
    "on_behalf_of",
    "decisions",
    "facts",
    "legal_ground",
    "merchant",
    "territorial_scope",
    "end_date",
    "automated_decision",
    "account_action",
    "statement",
    "authority",
    "reference",
    "note",
]
ITEM = st.fixed_dictionaries(
    {"marketplace": st.sampled_from(["megamart", "little-bazaar", "", "x"]), "url": st.text(max_size=40)},
    optional={"listing_id": st.text(max_size=10), "title": st.text(max_size=10)},
)
BODIES = st.one_of(
    bodies(FIELDS),
    st.fixed_dictionaries(
        {
            "rights": st.lists(st.sampled_from(["EM 018000001", "EM", "", "XX 1"]), max_size=3),
            "items": st.lists(ITEM, max_size=3),
        },
        optional={
            "good_faith": st.booleans(),
            "explanation": st.text(max_size=60),
            "notifier_email": st.text(max_size=20),
        },
    ).map(json.dumps),
)
WRITES = [
    ("post", "/api/v1/notices/check", "holder"),
    ("post", "/api/v1/notices", "holder"),
    ("post", "/api/v1/notices/{notice}/withdraw", "holder"),
    ("post", "/api/v1/cases/{case}/decisions", "marketplace"),
    ("post", "/api/v1/cases/{case}/forward", "marketplace"),
    ("post", "/api/v1/cases/{case}/close", "marketplace"),
    ("post", "/api/v1/cases/{case}/counter-notices", "merchant"),
    ("post", "/api/v1/cases/{case}/complaint", "holder"),
]


@pytest.fixture
def clients() -> tuple[dict[str, Client], dict[str, Any]]:
    w = world()
    notice = send(w.organisation)
    case = Case.objects.get(notice=notice, marketplace=w.megamart)
    return (
        {
            "holder": verified_client(w.holder.user),
            "marketplace": verified_client(w.marketplace_person.user),
            "merchant": verified_client(w.merchant.user),
        },
        {"notice": notice.pk, "case": case.pk},
    )


def state() -> tuple[Any, ...]:
    return (
        sorted(Notice.objects.values_list("id", "status")),
        sorted(Case.objects.values_list("id", "status")),
        sorted(NoticeItem.objects.values_list("id", "status")),
        CounterNotice.objects.count(),
        StatementOfReasons.objects.count(),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(WRITES), body=BODIES)
def test_generated_bodies_get_an_answer_below_500(
    clients: tuple[dict[str, Client], dict[str, Any]], endpoint: tuple[str, str, str], body: str
) -> None:
    by_part, ids = clients
    method, path, part = endpoint
    before = state()

    response = getattr(by_part[part], method)(path.format(**ids), body, content_type="application/json")

    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert response.json()["error"]["code"]
        assert state() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    identifier=st.text(min_size=1, max_size=30).filter(lambda s: not set(s) & set("/?#%")),
    query=st.dictionaries(
        st.sampled_from(["status", "overdue", "notice_id", "since", "after", "limit", "offset"]),
        st.text(max_size=12),
        max_size=3,
    ),
)
def test_generated_ids_and_queries_get_an_answer_below_500(
    clients: tuple[dict[str, Client], dict[str, Any]], identifier: str, query: dict[str, str]
) -> None:
    by_part, _ids = clients
    client = by_part["marketplace"]

    answers = [
        client.get(f"/api/v1/cases/{identifier}"),
        client.get(f"/api/v1/notices/{identifier}"),
        client.get("/api/v1/cases", query),
        client.get("/api/v1/notices", query),
        client.get("/api/v1/statements-of-reasons", query),
    ]

    assert [(a.status_code, a.content[:200]) for a in answers if a.status_code >= 500] == []
