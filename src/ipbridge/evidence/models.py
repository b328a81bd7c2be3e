"""The evidence vault (证据保全): evidence items stored by their SHA-256, their chain of custody (证据链), and the
append-only Merkle log every item and custody event is a leaf of.

Rows of the log are written once and never updated; the leaf data kept beside each leaf is the canonical form of
the row it stands for, so a row altered in the database no longer matches its leaf, and a leaf altered no longer
matches the tree heads signed before."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    TEXT = "text", _("Text")


class Evidence(models.Model):
    """One item of evidence: a file (a screenshot, a recording, a document, a page capture) or a text, stored by
    its SHA-256, with where and when it was captured and by whom."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=8, choices=EvidenceKind.choices)
    name = models.CharField(max_length=255, help_text="The file's name, or a title for a text.")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100)
    storage_name = models.CharField(max_length=255)
    captured_url = models.URLField(max_length=2000, blank=True)
    marketplace = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    listing_id = models.CharField(max_length=200, blank=True)
    stream_id = models.CharField(max_length=200, blank=True)
    time_code = models.CharField(max_length=16, blank=True, help_text="Where in the live stream: HH:MM:SS.")
    observed_at = models.DateTimeField(null=True, blank=True, help_text="When the capturer says it was captured.")
    notes = models.TextField(blank=True)
    captured_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    captured_by_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="Server time of receipt.")
    leaf_index = models.BigIntegerField(unique=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"evidence {self.pk} ({self.name})"


class CustodyAction(models.TextChoices):
    ADDED = "added", pgettext_lazy("custody", "Added")
    VIEWED = "viewed", pgettext_lazy("custody", "Viewed")
    SHARED = "shared", pgettext_lazy("custody", "Shared")
    UNSHARED = "unshared", pgettext_lazy("custody", "Sharing ended")
    ATTACHED = "attached", pgettext_lazy("custody", "Attached to a case")
    EXPORTED = "exported", pgettext_lazy("custody", "Exported")


class CustodyEvent(models.Model):
    """Who did what with an item, when (server time). Appended, never edited."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    action = models.CharField(max_length=16, choices=CustodyAction.choices)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)
    leaf_index = models.BigIntegerField(unique=True)

    class Meta:
        ordering: ClassVar = ["leaf_index"]

    def __str__(self) -> str:
        return f"{self.action} of evidence {self.evidence_id}"


class EvidenceShare(models.Model):
    """An item shown to another organisation (an authority, a mediator) by its owner, until revoked."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["evidence", "organisation"],
                condition=models.Q(revoked_at=None),
                name="evidence_share_one_open_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"evidence {self.evidence_id} shared with {self.organisation_id}"


class CaseEvidence(models.Model):
    """An item attached to a case: every party of the case (sender, right holder, marketplace, merchant) sees it."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="case_links")
    case = models.ForeignKey("notices.Case", on_delete=models.CASCADE, related_name="evidence_links")
    attached_by = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["attached_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["evidence", "case"], name="case_evidence_unique"),
        ]

    def __str__(self) -> str:
        return f"evidence {self.evidence_id} on case {self.case_id}"


class LogLeaf(models.Model):
    """A leaf of the evidence log: the canonical bytes of an evidence item or a custody event."""

    index = models.BigIntegerField(primary_key=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"leaf {self.index}"


class LogNode(models.Model):
    """The hash of a perfect subtree of the log: ``level`` 0 holds leaf hashes; (level, index) covers the leaves
    [index·2^level, (index+1)·2^level). Once complete a node never changes."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["level", "index"], name="log_node_unique")]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class LogState(models.Model):
    """The one row that says how many leaves the log has; appending locks it, so leaves get consecutive
    indices one writer at a time."""

    size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"log of {self.size} leaves"


class TreeHead(models.Model):
    """A signed statement of the log's size and root hash at a time, optionally time-stamped by an RFC 3161
    time-stamping authority."""

    size = models.BigIntegerField(db_index=True)
    root = models.BinaryField(max_length=32)
    token = models.TextField(help_text="The JWS signed by the instance's key.")
    kid = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now, db_index=True)
    tsa_url = models.URLField(max_length=500, blank=True)
    tsa_token = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-size", "-signed_at", "-id"]

    def __str__(self) -> str:
        return f"tree head of {self.size} leaves"


class LogCheckRun(models.Model):
    """One check of the whole log: what it covered and every problem it found."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    size = models.BigIntegerField(default=0)
    items = models.BigIntegerField(default=0)
    custody_events = models.BigIntegerField(default=0)
    heads = models.IntegerField(default=0)
    files = models.BigIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"log check of {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool:
        return not self.problems
