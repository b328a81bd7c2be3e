"""How each marketplace receives its cases and how fast it answers them.

Every marketplace has its inbox on IPBridge and the API. On top of that its intake settings give the response
time it commits to (its service level: a case not decided within it is overdue), and an address to which each
new case is e-mailed in the marketplace's language, with the items, the rights and the links to the evidence, for
a marketplace whose systems are not connected to IPBridge. When cases pass their response time, the marketplace's
admins and its intake address are told once per case, in one message per run, and an ``case.overdue`` event goes
to its webhooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.audit import AuditAction, audit_act, audit_system
from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role
from ipbridge.core.errors import NotFound, PermissionDenied, ValidationFailed
from ipbridge.core.jobs import enqueue_after_commit
from ipbridge.core.validation import choice_field, email_field
from ipbridge.notices.models import Case, ItemStatus, MarketplaceIntake, WebhookEndpoint
from ipbridge.notices.selectors import AWAITING_DECISION, notice_evidence
from ipbridge.notices.webhooks import webhook_event_queue

MIN_RESPONSE_HOURS = 1
MAX_RESPONSE_HOURS = 30 * 24
OVERDUE_EVENT = "case.overdue"


@dataclass(frozen=True)
class Intake:
    """A marketplace's intake settings, or the defaults when it has set none."""

    marketplace: Organisation
    response_hours: int
    email: str
    language: str
    overdue_alerts: bool
    configured: bool
    updated_at: datetime | None
    webhooks: bool  # it has an active webhook endpoint

    @property
    def channels(self) -> tuple[str, ...]:
        """The ways the marketplace receives its cases: always its inbox and the API; webhooks when it has an
        active endpoint; e-mail when it has an address."""
        return ("inbox", "api", *(("webhooks",) if self.webhooks else ()), *(("email",) if self.email else ()))


def _marketplace(slug: str) -> Organisation:
    marketplace = Organisation.objects.filter(slug=slug.strip(), kind=OrganisationKind.MARKETPLACE).first()
    if marketplace is None:
        raise NotFound(_("No marketplace with this id on IPBridge."))
    return marketplace


def _intakes(marketplaces: Sequence[Organisation]) -> list[Intake]:
    """The marketplaces' intake settings, in their order, in two reads whatever their number."""
    ids = [m.pk for m in marketplaces]
    rows = {row.marketplace_id: row for row in MarketplaceIntake.objects.filter(marketplace_id__in=ids)}
    hooked = set(
        WebhookEndpoint.objects.filter(active=True, organisation_id__in=ids).values_list("organisation_id", flat=True)
    )
    found = []
    for marketplace in marketplaces:
        row = rows.get(marketplace.pk)
        found.append(
            Intake(
                marketplace=marketplace,
                response_hours=row.response_hours if row else settings.NOTICE_RESPONSE_HOURS,
                email=row.email if row else "",
                language=row.language if row else settings.LANGUAGE_CODE,
                overdue_alerts=row.overdue_alerts if row else True,
                configured=row is not None,
                updated_at=row.updated_at if row else None,
                webhooks=marketplace.pk in hooked,
            )
        )
    return found


def intake_of(marketplace: Organisation) -> Intake:
    return _intakes([marketplace])[0]


def intake_get(*, actor: Actor, slug: str) -> Intake:
    """A marketplace's intake settings, for anyone who handles notices: senders know how fast it commits to
    answer. Only the marketplace itself and operators see the address (``intake_private``)."""
    actor.require("notices:read")
    return intake_of(_marketplace(slug))


def intakes_list(*, actor: Actor) -> list[Intake]:
    actor.require("notices:read")
    return _intakes(list(Organisation.objects.filter(kind=OrganisationKind.MARKETPLACE).order_by("name")))


def response_hours_by_marketplace(marketplace_ids: set[int]) -> dict[int, int]:
    """Each marketplace's response time in hours, the default for those that set none."""
    hours = dict(
        MarketplaceIntake.objects.filter(marketplace_id__in=marketplace_ids).values_list(
            "marketplace_id", "response_hours"
        )
    )
    return {pk: hours.get(pk, settings.NOTICE_RESPONSE_HOURS) for pk in marketplace_ids}


def _language(value: str) -> str:
    codes = [code for code, _label in settings.LANGUAGES]
    return choice_field(value.strip().lower(), codes, field="language")


def _editable_marketplace(actor: Actor, slug: str) -> Organisation:
    """The marketplace, if the actor may change its intake: its own admins, or an operator (for a marketplace
    without members). Refused otherwise."""
    actor.require("accounts:write")
    marketplace = _marketplace(slug)
    if not actor.is_operator and actor.organisation.pk != marketplace.pk:
        raise PermissionDenied(_("Only the marketplace itself or an operator may change this."), code="not_marketplace")
    return marketplace


def intake_for_edit(*, actor: Actor, slug: str) -> Intake:
    """A marketplace's intake, for someone who may change it."""
    return intake_of(_editable_marketplace(actor, slug))


def intake_private(*, actor: Actor, found: Intake) -> bool:
    """Whether the actor sees the intake address: the marketplace itself and operators."""
    return actor.is_operator or actor.organisation.pk == found.marketplace.pk


@transaction.atomic
def intake_update(
    *, actor: Actor, slug: str, response_hours: int, email: str = "", language: str = "en", overdue_alerts: bool = True
) -> Intake:
    """Set a marketplace's intake: by its own admins, or by an operator (for a marketplace without members)."""
    marketplace = _editable_marketplace(actor, slug)
    if not MIN_RESPONSE_HOURS <= response_hours <= MAX_RESPONSE_HOURS:
        raise ValidationFailed(
            "out_of_range",
            _("The response time is between %(low)s and %(high)s hours.")
            % {"low": MIN_RESPONSE_HOURS, "high": MAX_RESPONSE_HOURS},
            field="response_hours",
        )
    email = email_field(email, field="email", required=False)
    language = _language(language)
    row, _created = MarketplaceIntake.objects.select_for_update().get_or_create(
        marketplace=marketplace, defaults={"response_hours": response_hours}
    )
    before = {"response_hours": row.response_hours, "email": row.email, "language": row.language}
    row.response_hours, row.email, row.language, row.overdue_alerts = response_hours, email, language, overdue_alerts
    row.updated_at, row.updated_by = timezone.now(), actor.user
    row.save()
    audit_act(
        actor,
        AuditAction.INTAKE_UPDATED,
        subject=marketplace,
        organisation=marketplace,
        before=before,
        after={"response_hours": response_hours, "email": email, "language": language},
    )
    return intake_of(marketplace)


# --- the e-mail channel -------------------------------------------------------------------------------------------


def cases_email_queue(cases: Sequence[Case]) -> None:
    """After the transaction, e-mail each newly delivered case to its marketplace's intake address, if it has
    one (one look for all the cases' marketplaces)."""
    emailed = set(
        MarketplaceIntake.objects.filter(marketplace_id__in={c.marketplace_id for c in cases})
        .exclude(email="")
        .values_list("marketplace_id", flat=True)
    )
    if not emailed:
        return
    from ipbridge.notices import tasks

    for case in cases:
        if case.marketplace_id in emailed:
            enqueue_after_commit(tasks.case_email_send, case.pk)


def _case_url(case: Case) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/cases/{case.pk}/"


def case_email_send(*, case_id: int) -> bool:
    """Send the case to the marketplace's intake address (a background job): the notice, its rights, the items
    to decide with their links, the evidence, the sender's credential and the date an answer is due, in the
    marketplace's language. Sent once; returns whether it sent."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("notice__sender", "notice__principal", "marketplace")
            .filter(pk=case_id, emailed_at=None)
            .first()
        )
        if case is None or case.status not in AWAITING_DECISION:
            return False
        intake = intake_of(case.marketplace)
        if not intake.email:
            return False
        notice = case.notice
        pending = case.items.filter(status=ItemStatus.PENDING).order_by("id")
        count = pending.count()
        with translation.override(intake.language):
            context = {
                "case": case,
                "notice": notice,
                "rights": list(notice.rights.all()),
                "items": list(pending[:1000]),
                "item_count": count,
                "evidence": notice_evidence(notice),
                "url": _case_url(case),
                "verify_url": f"{settings.SITE_URL.rstrip('/')}/credentials/verify/",
                "due": case.response_due_at,
            }
            subject = ngettext(
                "Notice of infringement %(reference)s: %(count)s listing on %(marketplace)s",
                "Notice of infringement %(reference)s: %(count)s listings on %(marketplace)s",
                count,
            ) % {
                "reference": str(notice.reference)[:8],
                "count": count,
                "marketplace": case.marketplace.name,
            }
            body = render_to_string("notices/email/case.txt", context)
        case.emailed_to, case.emailed_at = intake.email, timezone.now()
        case.save(update_fields=["emailed_to", "emailed_at"])
        audit_system(
            AuditAction.CASE_EMAILED,
            organisations=[case.marketplace, notice.sender],
            subject=case,
            to=intake.email,
            language=intake.language,
        )
    # Sent after the row is stamped and committed: a send that fails leaves a stamp and a log entry, never a
    # second copy to a marketplace that already has the first.
    send_mail(subject, body, None, [intake.email])
    return True


# --- overdue alerts -------------------------------------------------------------------------------------------------


def cases_overdue_alert(*, now: datetime | None = None) -> int:
    """Tell each marketplace, once per case, which of its cases passed their response time without a decision (a
    scheduled job): one e-mail to its admins and intake address, an ``case.overdue`` webhook event per case, and
    an audit row for both sides. Returns how many cases it reported."""
    now = now or timezone.now()
    reported = 0
    overdue = Case.objects.filter(status__in=AWAITING_DECISION, response_due_at__lte=now, overdue_alerted_at=None)
    for marketplace_id in sorted(set(overdue.values_list("marketplace_id", flat=True))):
        with transaction.atomic():
            cases = list(
                overdue.filter(marketplace_id=marketplace_id)
                .select_for_update(of=("self",))
                .select_related("notice__sender", "marketplace")
                .order_by("response_due_at", "id")
            )
            if not cases:
                continue
            marketplace = cases[0].marketplace
            intake = intake_of(marketplace)
            for case in cases:
                case.overdue_alerted_at = now
                webhook_event_queue(case=case, event=OVERDUE_EVENT)
                audit_system(
                    AuditAction.CASE_OVERDUE,
                    organisations=[marketplace, case.notice.sender],
                    subject=case,
                    due=case.response_due_at.isoformat(),
                    hours=intake.response_hours,
                )
            Case.objects.bulk_update(cases, ["overdue_alerted_at"])
            if intake.overdue_alerts:
                recipients = _alert_recipients(marketplace, intake)
                if recipients:
                    transaction.on_commit(partial(_alert_send, marketplace, cases, recipients, intake))
            reported += len(cases)
    return reported


def _alert_recipients(marketplace: Organisation, intake: Intake) -> list[str]:
    admins = Membership.objects.filter(organisation=marketplace, role=Role.ADMIN, user__is_active=True)
    found = sorted({m.user.email for m in admins.select_related("user")})
    if intake.email and intake.email not in found:
        found.append(intake.email)
    return found


def _alert_send(marketplace: Organisation, cases: list[Case], recipients: list[str], intake: Intake) -> None:
    with translation.override(intake.language):
        subject = ngettext(
            "%(count)s case on IPBridge is past its response time",
            "%(count)s cases on IPBridge are past their response time",
            len(cases),
        ) % {"count": len(cases)}
        body = render_to_string(
            "notices/email/overdue.txt",
            {
                "marketplace": marketplace,
                "cases": [(case, _case_url(case)) for case in cases[:200]],
                "count": len(cases),
                "hours": intake.response_hours,
                "inbox_url": f"{settings.SITE_URL.rstrip('/')}/cases/?overdue=1",
            },
        )
    send_mail(subject, body, None, recipients)
