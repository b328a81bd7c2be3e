"""The marketplace directory (平台目录): one profile per marketplace describing its IP protection mechanism (EUIPO
pillar 1, information resources), each field with where it comes from and when it was last reviewed; the
profile's versions; and, for a marketplace on IPBridge, the figures measured from its real cases."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ipbridge.marketplaces.vocabulary import Size


class MarketplaceProfile(models.Model):
    """A marketplace's IP protection mechanism as the directory shows it: written by the marketplace's own
    administrators when it is on IPBridge (``organisation``), curated by operators from its public policies when
    it is not.

    ``provenance`` holds, for each field, where its value comes from and when it was last reviewed:
    ``{"source_url", "stated_by_marketplace", "reviewed_on", "changed_at", "changed_by"}``. ``facets`` and
    ``search_text`` are derived from the fields on every write, for the directory's filters and its text search."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marketplace_profile",
    )
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), max_length=500, blank=True)
    countries = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    live_streaming = models.BooleanField(null=True, blank=True)
    size = models.CharField(max_length=12, choices=Size.choices, blank=True)
    ip_policy_url = models.URLField(max_length=500, blank=True)
    ip_policy_summary = models.TextField(blank=True)
    channels = models.JSONField(default=list, blank=True)
    counter_notice_procedure = models.TextField(blank=True)
    counter_notice_window_days = models.PositiveIntegerField(null=True, blank=True)
    appeal_procedure = models.TextField(blank=True)
    appeal_window_days = models.PositiveIntegerField(null=True, blank=True)
    repeat_infringer_policy = models.TextField(blank=True)
    proactive_measures = models.TextField(blank=True)
    contact_point = models.CharField(max_length=500, blank=True)
    programmes = models.JSONField(default=list, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    facets = models.TextField(blank=True, help_text="|country:CN|language:zh|category:fashion|channel:email|")
    search_text = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name", "id"]
        verbose_name = _("marketplace profile")
        verbose_name_plural = _("marketplace profiles")

    def __str__(self) -> str:
        return self.name


class ProfileVersion(models.Model):
    """One version of a profile: who made it, when, and what changed (each field's value before and after, with
    the provenance given). Appended, never changed. Seed profiles loaded without an operator organisation have
    none."""

    profile = models.ForeignKey(MarketplaceProfile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["profile", "number"], name="marketplace_profile_version_unique")
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.profile_id}"


class MeasuredFigures(models.Model):
    """What a marketplace on IPBridge did with its cases over a window, computed from them (not claimed by it):
    the cases decided and how long they took from delivery to decision, the items acted on, and how often a
    case with measures forwarded to its merchant was answered by a counter-notice. Recomputed daily."""

    profile = models.OneToOneField(MarketplaceProfile, on_delete=models.CASCADE, related_name="figures")
    computed_at = models.DateTimeField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    cases_decided = models.PositiveIntegerField(default=0)
    median_hours = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    p90_hours = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    items_decided = models.PositiveIntegerField(default=0)
    items_acted = models.PositiveIntegerField(default=0)
    cases_forwarded = models.PositiveIntegerField(default=0)
    cases_counter_noticed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "measured figures"

    def __str__(self) -> str:
        return f"figures of {self.profile_id} at {self.computed_at:%Y-%m-%d %H:%M}"
