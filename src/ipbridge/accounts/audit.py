"""The audit trail: every service that changes state calls ``audit_record`` inside its transaction, or builds its
rows with ``audit_row`` and writes them together with ``audit_rows_write`` when one change leaves several."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ipbridge.core import context

if TYPE_CHECKING:
    from ipbridge.accounts.actors import Actor
    from ipbridge.accounts.models import AuditEvent, Organisation, User


class AuditAction(models.TextChoices):
    ORGANISATION_CREATED = "organisation.created", _("Organisation created")
    ORGANISATION_VERIFICATION_REQUESTED = "organisation.verification_requested", _("Verification requested")
    ORGANISATION_VERIFICATION_SET = "organisation.verification_set", _("Organisation verification changed")
    USER_CREATED = "user.created", _("User created")
    USER_LOGGED_IN = "user.logged_in", _("Logged in")
    USER_LOGIN_FAILED = "user.login_failed", _("Login failed")
    USER_LOGGED_OUT = "user.logged_out", _("Logged out")
    USER_PASSWORD_CHANGED = "user.password_changed", _("Password changed")
    USER_LANGUAGE_SET = "user.language_set", _("Language changed")
    USER_ORGANISATION_SWITCHED = "user.organisation_switched", _("Switched organisation")
    TWO_FACTOR_ENROLLED = "two_factor.enrolled", _("Two-factor authentication enrolled")
    TWO_FACTOR_RECOVERY_CODES_RENEWED = "two_factor.recovery_codes_renewed", _("Recovery codes renewed")
    TWO_FACTOR_RECOVERY_CODE_USED = "two_factor.recovery_code_used", _("Recovery code used")
    MEMBERSHIP_CREATED = "membership.created", _("Member added")
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", _("Member role changed")
    MEMBERSHIP_REMOVED = "membership.removed", _("Member removed")
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation.accepted", _("Invitation accepted")
    API_KEY_CREATED = "api_key.created", _("API key created")
    API_KEY_REVOKED = "api_key.revoked", _("API key revoked")
    RIGHTS_IMPORT_STARTED = "rights.import_started", _("Register import started")
    RIGHTS_IMPORT_FINISHED = "rights.import_finished", _("Register import finished")
    RIGHTS_IMPORT_FAILED = "rights.import_failed", _("Register import failed")
    IDENTITY_PROFILE_UPDATED = "identity.profile_updated", _("Identity details changed")
    IDENTITY_DOCUMENT_ADDED = "identity.document_added", _("Document added")
    IDENTITY_DOCUMENT_REMOVED = "identity.document_removed", _("Document removed")
    IDENTITY_CODE_SENT = "identity.code_sent", _("Verification code sent")
    IDENTITY_CODE_FAILED = "identity.code_failed", _("Wrong verification code")
    IDENTITY_DOMAIN_CONFIRMED = "identity.domain_confirmed", _("E-mail domain confirmed")
    IDENTITY_SUBMITTED = "identity.submitted", _("Identity submitted for review")
    IDENTITY_REVIEWED = "identity.reviewed", _("Identity review decided")
    CLAIM_STARTED = "claim.started", _("Right claimed")
    CLAIM_APPROVED = "claim.approved", _("Right claim approved")
    CLAIM_SENT_TO_REVIEW = "claim.sent_to_review", _("Right claim sent to review")
    CLAIM_REVIEWED = "claim.reviewed", _("Right claim review decided")
    CLAIM_WITHDRAWN = "claim.withdrawn", _("Right claim withdrawn")
    MANDATE_GRANTED = "mandate.granted", _("Mandate granted")
    MANDATE_REVOKED = "mandate.revoked", _("Mandate revoked")
    MANDATE_USED = "mandate.used", _("Agent acted under a mandate")
    MANDATE_REFUSED = "mandate.refused", _("Agent refused outside its mandate")
    CREDENTIAL_ISSUED = "credential.issued", _("Credential issued")
    CREDENTIAL_REVOKED = "credential.revoked", _("Credential revoked")
    SIGNING_KEY_ROTATED = "signing_key.rotated", _("Credential signing key rotated")
    NOTICE_SUBMITTED = "notice.submitted", _("Notice sent")
    NOTICE_RECEIVED = "notice.received", _("Notice received")
    NOTICE_WITHDRAWN = "notice.withdrawn", _("Notice withdrawn")
    CASE_TRANSITION = "case.transition", _("Case moved on")
    CASE_DECIDED = "case.decided", _("Decision on a case")
    COUNTER_NOTICE_SUBMITTED = "case.counter_notice", _("Counter-notice sent")
    COMPLAINT_FILED = "case.complaint_filed", _("Complaint or lawsuit shown")
    MEASURES_LIFTED = "case.measures_lifted", _("Measures lifted")
    APPEAL_SUBMITTED = "case.appeal_submitted", _("Appeal against a decision")
    APPEAL_DECIDED = "case.appeal_decided", _("Appeal decided")
    CASE_EMAILED = "case.emailed", _("Case e-mailed to the marketplace")
    CASE_OVERDUE = "case.overdue", _("Case past its response time")
    INTAKE_UPDATED = "intake.updated", _("Case intake settings changed")
    WEBHOOK_ENDPOINT_CREATED = "webhook.endpoint_created", _("Webhook endpoint added")
    WEBHOOK_ENDPOINT_REMOVED = "webhook.endpoint_removed", _("Webhook endpoint removed")
    WEBHOOK_SECRET_ROTATED = "webhook.endpoint_secret_rotated", _("Webhook secret rotated")
    WEBHOOK_DELIVERY_REDELIVERED = "webhook.delivery_redelivered", _("Webhook delivery sent again")
    NOTICE_FLAGGED_MALICIOUS = "notice.flagged_malicious", _("Notice flagged as malicious")
    SENDER_WARNED = "sender.warned", _("Sender warned for misuse of notices")
    SENDER_SUSPENDED = "sender.suspended", _("Sender suspended for misuse of notices")
    SENDER_MEASURE_LIFTED = "sender.measure_lifted", _("Measure against a sender lifted")
    EVIDENCE_ADDED = "evidence.added", _("Evidence added")
    EVIDENCE_SHARED = "evidence.shared", _("Evidence shared")
    EVIDENCE_UNSHARED = "evidence.unshared", _("Evidence sharing ended")
    EVIDENCE_ATTACHED = "evidence.attached", _("Evidence attached to a case")
    EVIDENCE_EXPORTED = "evidence.exported", _("Evidence exported")
    EVIDENCE_LOG_CHECK_FAILED = "evidence.log_check_failed", _("Evidence log check found tampering")
    GUIDE_CREATED = "guide.created", _("Authentication guide created")
    GUIDE_UPDATED = "guide.updated", _("Authentication guide changed")
    GUIDE_PUBLISHED = "guide.published", _("Authentication guide published")
    GUIDE_WITHDRAWN = "guide.withdrawn", _("Authentication guide withdrawn")
    GUIDE_DELETED = "guide.deleted", _("Authentication guide deleted")
    GUIDE_IMAGE_ADDED = "guide.image_added", _("Picture added to an authentication guide")
    GUIDE_IMAGE_REMOVED = "guide.image_removed", _("Picture taken out of an authentication guide")
    SELLER_ADDED = "seller.added", _("Authorised seller added")
    SELLER_CHANGED = "seller.changed", _("Authorised seller changed")
    SELLER_ENDED = "seller.ended", _("Authorisation of a seller ended")
    SELLER_REMOVED = "seller.removed", _("Authorised seller removed")
    SELLERS_IMPORTED = "seller.imported", _("Authorised sellers imported")
    MARKETPLACE_PROFILE_CREATED = "marketplace_profile.created", _("Marketplace profile created")
    MARKETPLACE_PROFILE_UPDATED = "marketplace_profile.updated", _("Marketplace profile changed")
    INTELLIGENCE_RECORDED = "intelligence.recorded", _("Seller's identifiers recorded as keyed hashes")
    INTELLIGENCE_WITHDRAWN = "intelligence.withdrawn", _("Records of a seller taken back")
    INTELLIGENCE_MATCHED = "intelligence.matched", _("Sellers checked against recorded infringers")
    SCREENING_SETTINGS_CHANGED = "screening.settings_changed", _("Screening thresholds or sharing changed")
    RISK_KEYWORD_ADDED = "screening.keyword_added", _("Risk keyword added")
    RISK_KEYWORD_CHANGED = "screening.keyword_changed", _("Risk keyword changed")
    RISK_KEYWORD_REMOVED = "screening.keyword_removed", _("Risk keyword removed")
    GI_PRODUCER_ADDED = "screening.gi_producer_added", _("Producer of a geographical indication added")
    GI_PRODUCER_REMOVED = "screening.gi_producer_removed", _("Producer of a geographical indication removed")
    SCAN_STARTED = "screening.scan_started", _("Listings sent for screening")
    SCAN_FINISHED = "screening.scan_finished", _("Screening of listings finished")
    ALERT_CONFIRMED = "screening.alert_confirmed", _("Screening alert confirmed")
    ALERT_DISMISSED = "screening.alert_dismissed", _("Screening alert dismissed")
    ALERT_NOTICE_SENT = "screening.alert_notice", _("Notice sent from a screening alert")
    STREAM_OPENED = "screening.stream_opened", _("Live stream opened for screening")
    STREAM_ENDED = "screening.stream_ended", _("Live stream ended")
    WATCH_ADDED = "screening.watch_added", _("Focused monitoring started")
    WATCH_ENDED = "screening.watch_ended", _("Focused monitoring ended")
    SHOP_IDENTIFIERS_RECORDED = "screening.shop_identifiers", _("Shop identifiers recorded as keyed hashes")
    EARLY_WARNING_RAISED = "screening.warning_raised", _("Early warning raised")
    EARLY_WARNING_ACKNOWLEDGED = "screening.warning_acknowledged", _("Early warning acknowledged")


def audit_row(
    *,
    action: AuditAction | str,
    actor: User | None,
    organisation: Organisation | None,
    actor_label: str | None = None,
    subject: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """The row ``audit_record`` would write, not written yet: for ``audit_rows_write``."""
    from ipbridge.accounts.models import AuditEvent

    request = context.current()
    return AuditEvent(
        action=str(action),
        actor=actor,
        actor_label=actor_label if actor_label is not None else (actor.email if actor is not None else ""),
        organisation=organisation,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        ip=request.ip,
        details=details or {},
    )


def audit_act_row(
    actor: Actor,
    action: AuditAction | str,
    *,
    subject: models.Model | None,
    organisation: Organisation | None = None,
    **details: Any,
) -> AuditEvent:
    """The row ``audit_act`` would write, not written yet: for ``audit_rows_write``."""
    return audit_row(
        action=action,
        actor=actor.user,
        actor_label=actor.label,
        organisation=organisation or actor.organisation,
        subject=subject,
        details=details,
    )


def audit_rows_write(rows: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Write the rows of one change in a single multi-row insert, in their order. Appending is all the audit log
    allows, so a bulk insert is as good as one insert per row."""
    from ipbridge.accounts.models import AuditEvent

    if not rows:
        return []
    return AuditEvent.objects.bulk_create(rows)


def audit_system(
    action: AuditAction | str,
    *,
    organisations: Sequence[Organisation],
    subject: models.Model | None,
    **details: Any,
) -> list[AuditEvent]:
    """What the system did itself (a scheduled job, a delivery), in the log of each organisation concerned, once
    each, in one insert."""
    unique = {organisation.pk: organisation for organisation in organisations}
    return audit_rows_write(
        [
            audit_row(
                action=action,
                actor=None,
                actor_label="system",
                organisation=organisation,
                subject=subject,
                details=details,
            )
            for organisation in unique.values()
        ]
    )


def audit_record(
    *,
    action: AuditAction | str,
    actor: User | None,
    organisation: Organisation | None,
    actor_label: str | None = None,
    subject: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    row = audit_row(
        action=action,
        actor=actor,
        organisation=organisation,
        actor_label=actor_label,
        subject=subject,
        details=details,
    )
    row.save(force_insert=True)
    return row


def audit_act(
    actor: Actor,
    action: AuditAction | str,
    *,
    subject: models.Model | None,
    organisation: Organisation | None = None,
    **details: Any,
) -> AuditEvent:
    """``audit_record`` for what an actor did, in the log of its organisation (or of ``organisation``)."""
    row = audit_act_row(actor, action, subject=subject, organisation=organisation, **details)
    row.save(force_insert=True)
    return row


def action_label(action: str) -> str:
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action


SYSTEM_LABEL = "command line"
API_KEY_LABEL = "API key "


def actor_display(label: str) -> str:
    """The stored actor label in the reader's language (labels are stored language-neutral)."""
    if label == SYSTEM_LABEL:
        return str(_("command line"))
    if label.startswith(API_KEY_LABEL):
        return str(_("API key %(prefix)s") % {"prefix": label[len(API_KEY_LABEL) :]})
    return label


def subject_display(subject_type: str) -> str:
    from django.apps import apps

    if not subject_type:
        return ""
    try:
        return str(apps.get_model(subject_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return subject_type
