"""Information right holders share with marketplaces and authorities (信息共享): product authentication guides
(正品鉴别指南) with their published versions and pictures, lists of authorised sellers (授权经销商), and the log of
who read what.

A guide is edited as a working copy; publishing it freezes that copy as a new version, which is what its
audience reads. Earlier versions stay readable in its history, and a picture a version shows is never deleted."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class GuideStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("guide", "Draft")
    PUBLISHED = "published", pgettext_lazy("guide", "Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("guide", "Withdrawn")


class Guide(models.Model):
    """A right holder's product authentication guide: the working copy its holder edits, who may read it, and
    where its publication stands. The audience reads the newest version, never the working copy."""

    holder = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="guides")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    rights = models.ManyToManyField("rights.Right", related_name="+")
    products = models.JSONField(default=list, blank=True)
    genuine_features = models.JSONField(default=list, blank=True)
    counterfeit_features = models.JSONField(default=list, blank=True)
    packaging = models.TextField(blank=True)
    serial_schemes = models.JSONField(default=list, blank=True)
    reference_prices = models.JSONField(
        default=list, blank=True, help_text="[{product, amount (integer minor units), currency (ISO 4217)}]"
    )
    audience_all_marketplaces = models.BooleanField(default=False, help_text="Every verified marketplace.")
    audience_marketplaces = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+")
    audience_authorities = models.BooleanField(default=False, help_text="Every verified authority.")
    status = models.CharField(max_length=16, choices=GuideStatus.choices, default=GuideStatus.DRAFT)
    version = models.PositiveIntegerField(default=0, help_text="The newest published version; 0 before any.")
    unpublished_changes = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, help_text="When its newest version was published.")

    class Meta:
        ordering: ClassVar = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"guide {self.pk} ({self.title})"


class GuideVersion(models.Model):
    """A published version, frozen: the guide's content as it was published, rights and pictures included."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    published_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    published_by_label = models.CharField(max_length=254)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["guide", "number"], name="guide_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"guide {self.guide_id} version {self.number}"


class GuideImage(models.Model):
    """A picture of a guide (genuine goods, a counterfeit, a label), stored by its SHA-256. Taken out of the
    working copy it is only marked removed: the versions that showed it still do."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="images")
    caption = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=32)
    storage_name = models.CharField(max_length=255)
    added_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["added_at", "id"]

    def __str__(self) -> str:
        return f"image {self.pk} of guide {self.guide_id}"


class SellerRelation(models.TextChoices):
    OWN_SHOP = "own_shop", _("Own shop")
    LICENSEE = "licensee", _("Licensee")
    AUTHORISED_DISTRIBUTOR = "authorised_distributor", _("Authorised distributor")
    RESELLER = "reseller", _("Authorised reseller")


class AuthorisedSeller(models.Model):
    """A shop a right holder allows to sell goods of one of its marks on one marketplace, for a time: on a
    marketplace of IPBridge, or on one named by its name and address."""

    holder = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="authorised_sellers")
    right = models.ForeignKey("rights.Right", on_delete=models.PROTECT, related_name="+")
    brand = models.CharField(max_length=200)
    brand_key = models.CharField(max_length=200, db_index=True, help_text="The brand as compared: folded.")
    marketplace = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="sellers_listed"
    )
    marketplace_name = models.CharField(max_length=200, blank=True)
    marketplace_url = models.URLField(max_length=500, blank=True)
    marketplace_key = models.CharField(max_length=220, help_text="The marketplace as compared: its id or name.")
    shop_id = models.CharField(max_length=200)
    shop_name = models.CharField(max_length=200, blank=True)
    relation = models.CharField(max_length=32, choices=SellerRelation.choices)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text="The last day it is authorised.")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["brand", "marketplace_key", "shop_id", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["holder", "brand_key", "marketplace_key", "shop_id"], name="authorised_seller_unique_shop"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["marketplace", "shop_id"])]

    def __str__(self) -> str:
        return f"{self.brand} at {self.marketplace_key} shop {self.shop_id}"


class ReadSubject(models.TextChoices):
    GUIDE = "guide", _("Guide")
    GUIDE_IMAGE = "guide_image", _("Picture of a guide")
    SELLER_LIST = "seller_list", _("Authorised sellers")
    SELLER_CHECK = "seller_check", _("Check of a shop")
    EXPORT = "export", _("Export")


class ShareRead(models.Model):
    """One read by another organisation of what a right holder shares: which guide and version, which picture,
    or its authorised sellers; by whom (a person or an API key), when. Appended, never edited."""

    holder = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    reader = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    reader_user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    reader_label = models.CharField(max_length=254)
    subject = models.CharField(max_length=16, choices=ReadSubject.choices)
    guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.SET_NULL, related_name="reads")
    guide_title = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    image = models.ForeignKey(GuideImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["holder", "reader"])]

    def __str__(self) -> str:
        return f"{self.subject} of {self.holder_id} read by {self.reader_id}"


class InfringerRecord(models.Model):
    """One identifier of a seller a marketplace took measures against in a case, kept only as its keyed hash
    (``ipbridge.engine.oprf``): the identifier itself is never stored, and without the instance's key the hash
    cannot be computed from a guess."""

    hash = models.BinaryField(max_length=32)
    kind = models.CharField(max_length=20)
    contributed_by = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("notices.Case", on_delete=models.CASCADE, related_name="infringer_records")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["hash", "case"], name="infringer_record_once_a_case")]
        indexes: ClassVar = [models.Index(fields=["hash"], name="infringer_record_hash")]

    def __str__(self) -> str:
        return f"{self.kind} of a seller in case {self.case_id}"


class IntelligenceKey(models.Model):
    """The instance's OPRF key, encrypted with a key derived from ``CREDENTIAL_KEY_SECRET``. One, for ever: a new
    key would make every stored hash unmatchable."""

    key_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return "intelligence key"


class IntelligenceUsage(models.Model):
    """How many identifiers an organisation had evaluated on a day, against its daily allowance."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    evaluations = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "day"], name="intelligence_usage_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.evaluations} evaluations on {self.day}"
