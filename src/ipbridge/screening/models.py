"""Screening of listings and live streams (侵权识别): each marketplace's settings and risk-keyword catalogue
(风险词库), batch scans and their flagged items, live-stream sessions and their transcript segments, the alerts
they raise and their triage, focused monitoring (重点监控: watchlists, shops associated through shared
identifiers) and early warnings (预警) of flagged-listing spikes.

Only flagged items of a scan are stored (the others are counted): a scan of a million listings keeps the few
thousand worth a look. Flags are stored as the screener explained them, as JSON."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ScreeningSettings(models.Model):
    """A marketplace's thresholds and what it shares with right holders."""

    marketplace = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="screening_settings"
    )
    alert_threshold = models.FloatField(_("alert threshold"), default=0.5)
    hold_threshold = models.FloatField(_("hold-for-review threshold"), default=0.85)
    lookalikes = models.BooleanField(_("look-alike marks"), default=True)
    share_with_right_holders = models.BooleanField(
        _("share alerts with right holders"),
        default=True,
        help_text="Right holders whose marks an alert names see it in their own queue.",
    )
    catalogue_version = models.PositiveIntegerField(default=0, help_text="Bumped on every catalogue change.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"screening settings of {self.marketplace_id}"


class KeywordOrigin(models.TextChoices):
    DEFAULT = "default", _("Shipped catalogue")
    MARKETPLACE = "marketplace", _("Added by the marketplace")


class RiskKeyword(models.Model):
    """A term of a marketplace's risk-keyword catalogue, with its weight. The shipped catalogue is copied in
    when a marketplace first uses screening; after that the marketplace edits its own, and triage tunes the
    weights (``tuned_weight``) while the weight it set stays on record."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="risk_keywords")
    term = models.CharField(_("term"), max_length=100)
    term_key = models.CharField(max_length=100, help_text="The term as compared: normalised.")
    language = models.CharField(_("language"), max_length=8, blank=True)
    weight = models.FloatField(_("weight"))
    tuned_weight = models.FloatField(null=True, blank=True, help_text="The weight triage outcomes have led to.")
    confirmed = models.PositiveIntegerField(default=0)
    dismissed = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    origin = models.CharField(max_length=16, choices=KeywordOrigin.choices, default=KeywordOrigin.MARKETPLACE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["language", "term_key"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["marketplace", "term_key"], name="risk_keyword_unique_term"),
        ]

    def __str__(self) -> str:
        return self.term

    @property
    def effective_weight(self) -> float:
        return self.weight if self.tuned_weight is None else self.tuned_weight


class GeographicalIndication(models.Model):
    """A protected geographical indication (地理标志) and the names it is known by."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    terms = models.JSONField(default=list, help_text="Every name of the indication, in any language.")
    country = models.CharField(_("country"), max_length=2, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class GIProducer(models.Model):
    """A shop of a marketplace entitled to use a geographical indication."""

    indication = models.ForeignKey(GeographicalIndication, on_delete=models.CASCADE, related_name="producers")
    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    shop_id = models.CharField(_("shop id"), max_length=200)
    shop_name = models.CharField(_("shop name"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["indication", "marketplace", "shop_id"], name="gi_producer_unique_shop"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} produces {self.indication_id}"


class ScanSource(models.TextChoices):
    UPLOAD = "upload", _("File upload")
    API = "api", _("API")


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Scan(models.Model):
    """A batch of listings screened together, from a file or the API, with its progress."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="scans")
    source = models.CharField(max_length=16, choices=ScanSource.choices)
    file_name = models.CharField(max_length=255, blank=True)
    spool = models.CharField(max_length=500, blank=True, help_text="Where the uploaded file waits to be screened.")
    status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    items_flagged = models.PositiveIntegerField(default=0)
    items_rejected = models.PositiveIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True, help_text="[{line, field, reason}], the first 100.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk}"


class ScannedItem(models.Model):
    """A flagged listing of a scan, as it was sent, with its score and flags."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="Line of the file or place in the request, from 1.")
    listing_id = models.CharField(max_length=200)
    url = models.URLField(max_length=1000, blank=True)
    title = models.TextField()
    description = models.TextField(blank=True)
    price_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    category = models.CharField(max_length=200, blank=True)
    shop_id = models.CharField(max_length=200, blank=True)
    shop_name = models.CharField(max_length=200, blank=True)
    shop_domain = models.CharField(max_length=253, blank=True)
    risk_score = models.FloatField(db_index=True)
    level = models.CharField(max_length=8, blank=True, help_text="alert, hold or empty.")
    detectors = models.JSONField(default=list, help_text="The detectors that flagged it, for filtering.")
    flags = models.JSONField(default=list)

    class Meta:
        ordering: ClassVar = ["-risk_score", "position"]
        indexes: ClassVar = [models.Index(fields=["scan", "position"])]

    def __str__(self) -> str:
        return f"{self.listing_id} of scan {self.scan_id}"


class ScanChunk(models.Model):
    """A part of a background scan that one worker screens: the records from byte ``start`` to ``end`` of the scan's
    prepared file. Its ``done_at`` is set in the transaction that stores its results, so a chunk delivered twice is
    screened once."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    start = models.PositiveBigIntegerField()
    end = models.PositiveBigIntegerField()
    records = models.PositiveIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["scan", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scan", "number"], name="scan_chunk_unique_number"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.number} of scan {self.scan_id}"


class StreamStatus(models.TextChoices):
    LIVE = "live", pgettext_lazy("stream", "Live")
    ENDED = "ended", pgettext_lazy("stream", "Ended")


class StreamSession(models.Model):
    """A live stream (直播) a marketplace screens while it runs: it pushes transcript segments as they come."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="streams")
    stream_ref = models.CharField(_("stream id"), max_length=200, help_text="The marketplace's id of the stream.")
    title = models.CharField(_("title"), max_length=500, blank=True)
    url = models.URLField(_("address"), max_length=1000, blank=True)
    shop_id = models.CharField(_("shop id"), max_length=200, blank=True)
    shop_name = models.CharField(_("shop name"), max_length=200, blank=True)
    streamer = models.CharField(_("streamer"), max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=StreamStatus.choices, default=StreamStatus.LIVE)
    segments_received = models.PositiveIntegerField(default=0)
    segments_flagged = models.PositiveIntegerField(default=0)
    opened_by_label = models.CharField(max_length=254, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["marketplace", "stream_ref"],
                condition=models.Q(status="live"),
                name="stream_session_one_live_per_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"stream {self.stream_ref}"


class StreamSegment(models.Model):
    """A flagged segment of a stream's transcript (the others are counted on the session)."""

    session = models.ForeignKey(StreamSession, on_delete=models.CASCADE, related_name="segments")
    segment_ref = models.CharField(max_length=200, blank=True)
    start_ms = models.PositiveBigIntegerField()
    end_ms = models.PositiveBigIntegerField()
    speaker = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    risk_score = models.FloatField()
    flags = models.JSONField(default=list)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["session", "start_ms", "id"]

    def __str__(self) -> str:
        return f"segment {self.start_ms} ms of {self.session_id}"


class AlertLevel(models.TextChoices):
    ALERT = "alert", pgettext_lazy("alert level", "Alert")
    HOLD = "hold", _("Held for review")


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert", "Open")
    CONFIRMED = "confirmed", pgettext_lazy("alert", "Confirmed")
    DISMISSED = "dismissed", pgettext_lazy("alert", "Dismissed")


class AlertOutcome(models.TextChoices):
    NOTICE = "notice", _("Notice sent")
    MEASURE = "measure", _("Internal measure")


class DismissReason(models.TextChoices):
    AUTHORISED = "authorised", _("Authorised or genuine seller")
    REFERENTIAL = "referential", _("Describes compatibility or use, not the brand's goods")
    NOT_THE_MARK = "not_the_mark", _("Not the protected mark")
    KEYWORD_INNOCENT = "keyword_innocent", _("The risk word is used innocently")
    OTHER = "other", _("Other")


class Alert(models.Model):
    """An item whose risk reached the marketplace's alert threshold: a flagged listing of a scan or a flagged
    segment of a live stream. The marketplace triages it; right holders whose marks it names see it too
    when the marketplace shares."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="alerts")
    holders = models.ManyToManyField("accounts.Organisation", blank=True, related_name="alerts_shared")
    rights = models.ManyToManyField("rights.Right", blank=True, related_name="+")
    scanned_item = models.OneToOneField(
        ScannedItem, null=True, blank=True, on_delete=models.CASCADE, related_name="alert"
    )
    segment = models.OneToOneField(StreamSegment, null=True, blank=True, on_delete=models.CASCADE, related_name="alert")
    listing_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    title = models.TextField(help_text="The listing's title or the segment's text.")
    shop_id = models.CharField(max_length=200, blank=True)
    shop_name = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=200, blank=True)
    brand = models.CharField(max_length=200, blank=True, help_text="The strongest mark named, for trends.")
    risk_score = models.FloatField()
    level = models.CharField(max_length=8, choices=AlertLevel.choices)
    flags = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    outcome = models.CharField(max_length=12, choices=AlertOutcome.choices, blank=True)
    measure = models.CharField(max_length=32, blank=True, help_text="The internal measure taken, if any.")
    dismiss_reason = models.CharField(max_length=20, choices=DismissReason.choices, blank=True)
    note = models.TextField(blank=True)
    notice = models.ForeignKey("notices.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by_label = models.CharField(max_length=254, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["marketplace", "status", "-created_at"]),
            models.Index(fields=["marketplace", "shop_id"]),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk}"


class WatchKind(models.TextChoices):
    PRODUCT = "product", _("Reported product")
    SAME_TYPE = "same_type", _("Products of the same type")
    SHOP = "shop", _("Shop")


class Watch(models.Model):
    """Focused monitoring (重点监控): a reported product, products of its type, or a shop, watched more
    closely — every scan and stream matching it raises an alert whatever the score."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="watches")
    kind = models.CharField(max_length=16, choices=WatchKind.choices)
    label = models.CharField(_("label"), max_length=200)
    keywords = models.JSONField(default=list, blank=True, help_text="Words a listing's title must all hold.")
    category = models.CharField(_("category"), max_length=200, blank=True)
    shop_id = models.CharField(_("shop id"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    source_alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)
    hits = models.PositiveIntegerField(default=0)
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label


class IdentifierKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence number")
    PHONE = "phone", _("Phone number")
    PAYMENT_ACCOUNT = "payment_account", _("Payment account")
    ADDRESS = "address", _("Address")
    DEVICE = "device", _("Device")


class ShopIdentifier(models.Model):
    """An identifier of a marketplace's shop, kept only as a keyed hash: shops sharing one are associated
    (关联店铺). The marketplace sends them; nobody can read them back."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    shop_id = models.CharField(max_length=200)
    shop_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["marketplace", "shop_id", "kind", "digest"], name="shop_identifier_unique"),
        ]
        indexes: ClassVar = [models.Index(fields=["marketplace", "shop_id"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.shop_id}"


class EarlyWarning(models.Model):
    """A spike of flagged listings for a brand or a category on a day, against the days before (预警)."""

    marketplace = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    brand = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField()
    baseline = models.FloatField(help_text="The mean daily count over the days before.")
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-day", "-count"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["marketplace", "day", "brand", "category"], name="early_warning_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.brand or self.category} on {self.day}"
