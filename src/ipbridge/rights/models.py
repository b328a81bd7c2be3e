"""The register of IP rights as the offices publish them, with the history of what changed between imports."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RightKind(models.TextChoices):
    TRADEMARK = "trademark", _("Trademark")
    DESIGN = "design", _("Design")
    PATENT = "patent", _("Patent (invention)")
    UTILITY_MODEL = "utility_model", _("Utility model")
    COPYRIGHT = "copyright", _("Copyright registration")
    GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")
    OTHER = "other", _("Other right")


class MarkFeature(models.TextChoices):
    """WIPO ST.66 MarkFeature values."""

    WORD = "word", _("Word")
    FIGURATIVE = "figurative", _("Figurative")
    COMBINED = "combined", _("Combined")
    THREE_D = "3-d", _("Three-dimensional")
    COLOUR = "colour", _("Colour")
    SOUND = "sound", _("Sound")
    HOLOGRAM = "hologram", _("Hologram")
    OLFACTORY = "olfactory", _("Olfactory")
    MOTION = "motion", _("Motion")
    POSITION = "position", _("Position")
    PATTERN = "pattern", _("Pattern")
    MULTIMEDIA = "multimedia", _("Multimedia")
    OTHER = "other", _("Other")


class RightStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    PUBLISHED = "published", _("Published")
    REGISTERED = "registered", _("Registered")
    OPPOSED = "opposed", _("Opposed")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A right in one of these states protects its holder (an opposed mark is still registered or pending).
IN_FORCE_STATUSES = frozenset({RightStatus.REGISTERED, RightStatus.OPPOSED})


class ImportFormat(models.TextChoices):
    ST66 = "st66", "WIPO ST.66 (TM-XML)"
    ST86 = "st86", "WIPO ST.86 (DS-XML)"
    CSV = "csv", "CSV"
    SYNTHETIC = "synthetic", _("Synthetic register")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    """One import of one or more register files: what came in, what changed, what was refused and why."""

    format = models.CharField(max_length=16, choices=ImportFormat.choices)
    source = models.CharField(_("source"), max_length=500)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    bytes_total = models.BigIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    records_seen = models.IntegerField(default=0)
    created = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} {self.source}"

    @property
    def progress(self) -> float:
        """Share of the input read, in [0, 1]."""
        if self.status == ImportStatus.DONE:
            return 1.0
        return min(1.0, self.bytes_done / self.bytes_total) if self.bytes_total else 0.0


class ImportRejection(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejections")
    position = models.IntegerField(help_text="Record number in the file, from 1.")
    identifier = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=100, blank=True)
    reason = models.TextField()

    class Meta:
        ordering: ClassVar = ["position"]

    def __str__(self) -> str:
        return f"#{self.position} {self.identifier}: {self.reason}"


class Right(models.Model):
    office = models.CharField(_("office"), max_length=3, help_text="WIPO ST.3 code: EM, CN, US, WO, …")
    number = models.CharField(
        _("number"), max_length=50, help_text="Registration number, or the application number until registration."
    )
    application_number = models.CharField(_("application number"), max_length=50, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=RightKind.choices, default=RightKind.TRADEMARK)
    mark_feature = models.CharField(_("mark feature"), max_length=16, choices=MarkFeature.choices, blank=True)
    verbal_element = models.CharField(_("verbal element"), max_length=500, blank=True)
    transliteration = models.CharField(_("transliteration"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True, help_text="Designs, patents, works.")
    images = models.JSONField(default=list, blank=True, help_text="File names or URIs of the representations.")
    status = models.CharField(_("status"), max_length=16, choices=RightStatus.choices)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    territories = models.JSONField(_("designated territories"), default=list, blank=True)
    source_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Indexed: the search index asks for the rights changed since it last looked.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["office", "number"], name="right_unique_office_number")
        ]
        indexes: ClassVar = [
            models.Index(fields=["office", "application_number"]),
            models.Index(fields=["office", "registration_number"]),
            models.Index(fields=["status"]),
        ]
        ordering: ClassVar = ["office", "number"]

    def __str__(self) -> str:
        return f"{self.office} {self.number} {self.verbal_element or self.title}".strip()

    @property
    def label(self) -> str:
        return self.verbal_element or self.title or self.transliteration or f"{self.office} {self.number}"


class PartyRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    FORMER_OWNER = "former_owner", _("Former owner")
    REPRESENTATIVE = "representative", _("Representative")
    CORRESPONDENT = "correspondent", _("Correspondent")


class RightParty(models.Model):
    """An owner, former owner, representative or correspondent of record."""

    right = models.ForeignKey(Right, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=500)
    address = models.TextField(_("address"), blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["role", "position"]

    def __str__(self) -> str:
        return f"{self.role}: {self.name}"


class ClassScheme(models.TextChoices):
    NICE = "nice", _("Nice")
    LOCARNO = "locarno", _("Locarno")


class RightGoods(models.Model):
    """One class of goods or services a right covers, with the text of the goods as registered."""

    right = models.ForeignKey(Right, on_delete=models.CASCADE, related_name="goods")
    scheme = models.CharField(max_length=10, choices=ClassScheme.choices, default=ClassScheme.NICE)
    class_number = models.CharField(max_length=8, help_text="Nice: 1–45; Locarno: class-subclass, e.g. 02-04.")
    description = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["scheme", "class_number"]
        indexes: ClassVar = [models.Index(fields=["scheme", "class_number"])]

    def __str__(self) -> str:
        return f"{self.scheme} {self.class_number}"


class ChangeField(models.TextChoices):
    OWNER = "owner", _("Owner")
    STATUS = "status", _("Status")
    REPRESENTATIVE = "representative", _("Representative")
    CONTACT = "contact", _("Contact e-mail")
    EXPIRY_DATE = "expiry_date", _("Expiry date")
    CLASSES = "classes", _("Classes")
    VERBAL_ELEMENT = "verbal_element", _("Verbal element")


class RightChange(models.Model):
    """What an import changed in a right: the register's history, which authentication relies on (a contact of
    record changed shortly before an ownership claim is a warning sign)."""

    right = models.ForeignKey(Right, on_delete=models.CASCADE, related_name="changes")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=20, choices=ChangeField.choices)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering: ClassVar = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.right} {self.field} {self.changed_at:%Y-%m-%d}"
