"""Audit rows written together: one multi-row insert, each row as ``audit_record`` would have written it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_act_row, audit_record, audit_row, audit_rows_write
from ipbridge.accounts.models import AuditEvent, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.core import context
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


def compared(event: AuditEvent) -> tuple[object, ...]:
    return (
        event.action,
        event.actor_id,
        event.actor_label,
        event.organisation_id,
        event.subject_type,
        event.subject_id,
        event.ip,
        event.details,
    )


def test_rows_written_together_are_the_rows_written_one_by_one() -> None:
    person = member(kind=OrganisationKind.RIGHT_HOLDER)
    actor = Actor(organisation=person.organisation, user=person.user, role=person.role, scopes=frozenset())
    marketplace = OrganisationFactory(kind=OrganisationKind.MARKETPLACE)
    token = context.bind(context.RequestContext(ip="203.0.113.7"))
    try:
        one_by_one = [
            audit_act(actor, AuditAction.NOTICE_SUBMITTED, subject=marketplace, items=3),
            audit_record(
                action=AuditAction.NOTICE_RECEIVED,
                actor=None,
                actor_label="system",
                organisation=marketplace,
                subject=person.organisation,
                details={"items": 2},
            ),
            audit_record(action=AuditAction.CASE_TRANSITION, actor=person.user, organisation=None),
        ]
        rows = [
            audit_act_row(actor, AuditAction.NOTICE_SUBMITTED, subject=marketplace, items=3),
            audit_row(
                action=AuditAction.NOTICE_RECEIVED,
                actor=None,
                actor_label="system",
                organisation=marketplace,
                subject=person.organisation,
                details={"items": 2},
            ),
            audit_row(action=AuditAction.CASE_TRANSITION, actor=person.user, organisation=None),
        ]
        with CaptureQueriesContext(connection) as queries:
            written = audit_rows_write(rows)
    finally:
        context.unbind(token)

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert all(row.pk is not None for row in written)
    stored = list(AuditEvent.objects.filter(pk__in=[row.pk for row in written]).order_by("id"))
    assert [compared(e) for e in stored] == [compared(e) for e in one_by_one]
    assert [e.organisation_id for e in stored] == [person.organisation.pk, marketplace.pk, None]
    assert [e.actor_label for e in stored] == [person.user.email, "system", person.user.email]
    assert [e.ip for e in stored] == ["203.0.113.7"] * 3


def test_the_rows_of_several_organisations_each_land_in_their_own_log() -> None:
    sender = OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER)
    marketplaces = [OrganisationFactory(kind=OrganisationKind.MARKETPLACE) for _ in range(3)]
    actor = actor_for_system(sender)

    audit_rows_write(
        [
            audit_act_row(actor, AuditAction.NOTICE_SUBMITTED, subject=None),
            *(audit_act_row(actor, AuditAction.NOTICE_RECEIVED, subject=None, organisation=m) for m in marketplaces),
        ]
    )

    assert [e.action for e in AuditEvent.objects.filter(organisation=sender)] == ["notice.submitted"]
    for marketplace in marketplaces:
        [event] = AuditEvent.objects.filter(organisation=marketplace)
        assert (event.action, event.actor_id, event.actor_label) == ("notice.received", None, "command line")
    assert AuditEvent.objects.count() == 4


def test_nothing_to_write_costs_no_statement() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert audit_rows_write([]) == []

    assert queries.captured_queries == []


def test_rows_written_together_are_append_only_as_well() -> None:
    organisation = OrganisationFactory()
    [event] = audit_rows_write([audit_row(action=AuditAction.USER_LOGGED_IN, actor=None, organisation=organisation)])

    event.action = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET action = 'tampered'")
    assert AuditEvent.objects.get().action == "user.logged_in"
