"""Notice and action (通知-删除): a right holder's notice to many marketplaces, one case per marketplace, the
marketplace's decisions item by item with their statements of reasons, the merchant's counter-notice and the
statutory window after which measures are lifted (China E-commerce Law art. 42–45; EU DSA art. 16, 17, 20)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Measure(models.TextChoices):
    """The necessary measures (必要措施) of the Shenzhen guideline."""

    DELETE = "delete", _("Delete")
    BLOCK = "block", _("Block")
    DISCONNECT_LINKS = "disconnect_links", _("Disconnect links")
    TERMINATE_TRANSACTIONS = "terminate_transactions", _("Terminate transactions")
    TERMINATE_SERVICES = "terminate_services", _("Terminate services")


class NoticeStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("notice or case status", "Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Notice(models.Model):
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sender = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="notices_sent")
    principal = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="notices_for", help_text="The right holder."
    )
    mandate = models.ForeignKey("identity.Mandate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rights = models.ManyToManyField("rights.Right", related_name="notices")
    explanation = models.TextField(_("explanation"))
    good_faith = models.BooleanField(_("good-faith statement"), default=False)
    notifier_name = models.CharField(_("notifier's name"), max_length=200)
    notifier_email = models.EmailField(_("notifier's e-mail address"))
    evidence = models.JSONField(
        default=list, blank=True, help_text='The evidence offered: [{"kind", "reference", "description"}].'
    )
    credential_jti = models.UUIDField(null=True, blank=True)
    credential_token = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.SUBMITTED)
    idempotency_key = models.CharField(max_length=200, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="notice_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"notice {self.pk} from {self.sender}"


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("notice or case status", "Submitted")
    DELIVERED = "delivered", _("Delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DECIDED = "decided", pgettext_lazy("notice or case status", "Decided")
    FORWARDED = "forwarded", _("Forwarded to the merchant")
    COUNTER_NOTICED = "counter_noticed", _("Counter-notice received")
    COMPLAINT_FILED = "complaint_filed", _("Complaint or lawsuit filed")
    LIFTED = "lifted", _("Measures lifted")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CASE_STATUSES = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.DELIVERED,
        CaseStatus.ACKNOWLEDGED,
        CaseStatus.DECIDED,
        CaseStatus.FORWARDED,
        CaseStatus.COUNTER_NOTICED,
        CaseStatus.COMPLAINT_FILED,
    }
)


class Case(models.Model):
    """One marketplace's handling of the items of a notice (案件)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="cases")
    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases")
    merchant = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_against"
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED, db_index=True)
    priority = models.PositiveSmallIntegerField(default=0, help_text="Higher first: notices of trusted flaggers.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    response_due_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    counter_noticed_at = models.DateTimeField(null=True, blank=True)
    lift_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    complaint_filed_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the marketplace was told the case is past its response time."
    )
    emailed_to = models.EmailField(blank=True, help_text="The intake address the case was e-mailed to, if any.")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-priority", "created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notice", "marketplace"], name="case_unique_notice_marketplace")
        ]

    def __str__(self) -> str:
        return f"case {self.pk} at {self.marketplace}"


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTED = "acted", _("Measure taken")
    REJECTED = "rejected", _("Rejected")
    RESTORED = "restored", _("Restored")
    MERGED = "merged", _("Merged with an open notice")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ITEM_STATUSES = frozenset({ItemStatus.PENDING, ItemStatus.ACTED})


class NoticeItem(models.Model):
    """One listing (or stream, or shop) a notice is about, located exactly (DSA art. 16: its URL, or the
    marketplace's own id)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="items")
    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=2000, blank=True)
    listing_id = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    locator = models.CharField(max_length=2100, help_text="The listing as matched for duplicates.")
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    measure = models.CharField(max_length=24, choices=Measure.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["id"]
        indexes: ClassVar = [models.Index(fields=["marketplace", "locator"])]

    def __str__(self) -> str:
        return self.url or self.listing_id


class Decision(models.Model):
    """A marketplace's decision on some items of a case, and the reasons it states (DSA art. 17)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    items = models.ManyToManyField(NoticeItem, related_name="decisions")
    measure = models.CharField(max_length=24, choices=Measure.choices, blank=True, help_text="Empty: rejected.")
    reason = models.TextField(_("reason"), blank=True)
    facts = models.TextField(_("facts relied on"))
    legal_ground = models.CharField(_("legal ground"), max_length=500)
    territorial_scope = models.JSONField(default=list, blank=True)
    end_date = models.DateField(null=True, blank=True)
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.CharField(max_length=10, default="not")
    account_action = models.CharField(max_length=12, blank=True)
    manifestly_unfounded = models.BooleanField(
        default=False, help_text="A rejection the marketplace found manifestly unfounded (DSA art. 23(1))."
    )
    decided_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"decision {self.pk} on case {self.case_id}"


class StatementOfReasons(models.Model):
    """One statement per item decided, in the DSA Transparency Database format, ready for export."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="statements")
    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, related_name="statements")
    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    puid = models.CharField(max_length=500, unique=True)
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return self.puid


class CounterNotice(models.Model):
    """The merchant's statement that it does not infringe, with preliminary evidence (反通知)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="counter_notices")
    merchant = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(_("statement of non-infringement"))
    evidence = models.JSONField(default=list, blank=True, help_text="References to the evidence offered.")
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"counter-notice on case {self.case_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Decision upheld")
    OVERTURNED = "overturned", _("Decision overturned")


class AppealKind(models.TextChoices):
    AGAINST_MEASURES = "measures", _("Against the measures")
    AGAINST_REJECTION = "rejection", _("Against the rejection")


class Appeal(models.Model):
    """An internal complaint against a marketplace's decision (DSA art. 20), open for six months after it: the
    merchant's against the measures on its items (when it succeeds, the measures end), or the sender's against
    the rejection of items of its notice (when it succeeds, the marketplace takes the measure it names)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appeals")
    kind = models.CharField(max_length=12, choices=AppealKind.choices, default=AppealKind.AGAINST_MEASURES)
    appellant = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("grounds"))
    evidence = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    measure = models.CharField(
        max_length=24, choices=Measure.choices, blank=True, help_text="An overturned rejection: the measure taken."
    )

    class Meta:
        ordering: ClassVar = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"appeal {self.pk} on case {self.case_id}"


class MarketplaceIntake(models.Model):
    """How a marketplace receives its cases, beyond its inbox on IPBridge and the API, which every marketplace
    has: the time it commits to answer in (its service level), and an address to which each case is e-mailed,
    in the language it reads, for a marketplace whose systems are not connected to IPBridge. Set by the
    marketplace's admins, or by operators for a marketplace that has no members yet."""

    marketplace = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="intake")
    response_hours = models.PositiveIntegerField(_("response time (hours)"))
    email = models.EmailField(_("intake e-mail address"), blank=True)
    language = models.CharField(_("language of the e-mails"), max_length=10, default="en")
    overdue_alerts = models.BooleanField(_("alert when cases are overdue"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"intake of {self.marketplace}"


class CaseEvent(models.Model):
    """The case's timeline: every transition, who made it and when. Appended, never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=CaseStatus.choices)
    actor_label = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"case {self.case_id} → {self.status}"


class WebhookEndpoint(models.Model):
    """Where an organisation (a marketplace, or a notice's sender) wants case events posted, signed with a secret
    it was shown once. The secret is kept encrypted; while it is being rotated the previous one signs too."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    events = models.JSONField(default=list, help_text='Event names such as "case.decided", or "*" for all.')
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, tried until the endpoint answers 2xx or the attempts run out. A worker claims
    it by setting ``locked_until``; a claim that outlives its worker lapses, and the delivery is tried again."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="Empty once finished.")
    locked_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} to endpoint {self.endpoint_id}"

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "dead" if self.dead_at is not None else "pending"


class SenderMeasureKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    SUSPENSION = "suspension", _("Suspension")


class SenderMeasure(models.Model):
    """A measure against a sender who misuses notices (DSA art. 23): a warning, then a suspension from sending
    for a time. ``evidence`` holds what led to it: the cases and items rejected as manifestly unfounded with the
    marketplaces' reasons, or the malicious-notice flag."""

    sender = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="sender_measures")
    kind = models.CharField(max_length=12, choices=SenderMeasureKind.choices)
    reason = models.TextField(_("reason"))
    evidence = models.JSONField(default=dict, blank=True)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: a warning, which does not end.")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_label = models.CharField(max_length=200, blank=True, help_text='"system" when decided by the rules.')
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-starts_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["sender", "kind", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.sender}"


class NoticeFlag(models.Model):
    """A marketplace's or an operator's record that a notice was malicious (恶意投诉; China E-commerce Law art. 42:
    a malicious wrong notice carries double liability). The merchant it harmed, the sender and the marketplace
    see it on the case."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    evidence = models.JSONField(default=list, blank=True, help_text="References to the evidence of malice.")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notice", "flagged_by"], name="notice_flag_unique_per_organisation")
        ]

    def __str__(self) -> str:
        return f"malicious-notice flag on notice {self.notice_id}"
