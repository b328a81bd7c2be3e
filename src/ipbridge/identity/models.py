"""Authentication of right holders (鉴权): who an organisation is, which rights it has proved it holds, which
agents act for it under which mandates, and the signed credentials that carry all of it to marketplaces."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdentityProfile(models.Model):
    """What an organisation states about itself for the operators' identity review."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="identity")
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    registration_country = models.CharField(_("country of registration"), max_length=2, blank=True)
    address = models.TextField(_("registered address"), blank=True)
    email_domain = models.CharField(_("e-mail domain"), max_length=253, blank=True)
    domain_confirmed_at = models.DateTimeField(null=True, blank=True)
    domain_confirmed_email = models.EmailField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="The operators' last reason: a rejection or a request.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.legal_name or str(self.organisation)


class DocumentKind(models.TextChoices):
    BUSINESS_REGISTRATION = "business_registration", _("Business registration (营业执照, certificate of incorporation)")
    SIGNATORY_IDENTITY = "signatory_identity", _("Identity document of the signatory")
    REGISTRATION_CERTIFICATE = (
        "registration_certificate",
        _("Registration certificate (商标注册证, patent certificate)"),
    )
    ASSIGNMENT = "assignment", _("Assignment or transfer record")
    LICENCE = "licence", _("Licence contract")
    AUTHORISATION = "authorisation", _("Signed authorisation (授权委托书)")
    OTHER = "other", _("Other document")


ORGANISATION_DOCUMENT_KINDS = frozenset(
    {DocumentKind.BUSINESS_REGISTRATION, DocumentKind.SIGNATORY_IDENTITY, DocumentKind.OTHER}
)
CLAIM_DOCUMENT_KINDS = frozenset(
    {DocumentKind.REGISTRATION_CERTIFICATE, DocumentKind.ASSIGNMENT, DocumentKind.LICENCE, DocumentKind.OTHER}
)


class IdentityDocument(models.Model):
    """A file proving identity or ownership. Stored under its SHA-256, so the same file is kept once."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey("RightClaim", null=True, blank=True, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    storage_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"


class CodePurpose(models.TextChoices):
    DOMAIN = "domain", _("E-mail domain")
    CONTACT_OF_RECORD = "contact_of_record", _("Contact of record")


class VerificationCode(models.Model):
    """A one-time code sent by e-mail. Only a keyed hash is kept; it is single-use, short-lived and allows a few
    attempts only."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=CodePurpose.choices)
    claim = models.ForeignKey("RightClaim", null=True, blank=True, on_delete=models.CASCADE, related_name="codes")
    email = models.EmailField()
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.email}"


class ClaimRelation(models.TextChoices):
    OWNER = "owner", _("Owner")
    EXCLUSIVE_LICENSEE = "exclusive_licensee", _("Exclusive licensee")


class ClaimMethod(models.TextChoices):
    CONTACT_CODE = "contact_code", _("Code sent to the contact of record")
    DOCUMENTS = "documents", _("Documents reviewed by an operator")
    AUTOMATIC = "automatic", _("Verified organisation named as owner in the register")


class ClaimStatus(models.TextChoices):
    AWAITING_CODE = "awaiting_code", _("Awaiting the code")
    IN_REVIEW = "in_review", _("In review")
    MORE_INFORMATION = "more_information", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CLAIM_STATUSES = frozenset(
    {ClaimStatus.AWAITING_CODE, ClaimStatus.IN_REVIEW, ClaimStatus.MORE_INFORMATION, ClaimStatus.APPROVED}
)


class ReviewReason(models.TextChoices):
    DOCUMENTS = "documents", _("Documents to review")
    CONTACT_CHANGED = "contact_changed", _("The register's contact or owner changed recently")
    CONFLICT = "conflict", _("Another organisation claims this right")
    NO_CONTACT = "no_contact", _("The register holds no contact e-mail")
    NAME_MISMATCH = "name_mismatch", _("The organisation's name differs from the owner of record")
    LICENSEE = "licensee", _("A licence is claimed")


class RightClaim(models.Model):
    """An organisation's claim to hold a right of the register, and how it was proved."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="right_claims")
    right = models.ForeignKey("rights.Right", on_delete=models.PROTECT, related_name="claims")
    relation = models.CharField(_("relation"), max_length=20, choices=ClaimRelation.choices)
    method = models.CharField(_("proof"), max_length=20, choices=ClaimMethod.choices)
    status = models.CharField(_("status"), max_length=24, choices=ClaimStatus.choices)
    review_reasons = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True, help_text="What the proof rested on, for the record.")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "right"],
                condition=models.Q(status__in=sorted(OPEN_CLAIM_STATUSES)),
                name="right_claim_one_open_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.right} ({self.status})"


class MandateAction(models.TextChoices):
    NOTIFY = "notify", _("Send notices")
    RESPOND = "respond", _("Answer counter-notices")
    INTELLIGENCE = "intelligence", _("Receive intelligence")


class Mandate(models.Model):
    """A right holder's written, scoped, revocable authorisation of an agent (委托授权)."""

    principal = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="mandates_given")
    agent = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="mandates_received")
    rights = models.ManyToManyField("rights.Right", related_name="mandates")
    all_marketplaces = models.BooleanField(default=False)
    marketplaces = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+")
    actions = models.JSONField(default=list)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    document_name = models.CharField(max_length=255)
    document_storage_name = models.CharField(max_length=300)
    document_sha256 = models.CharField(max_length=64)
    document_size = models.BigIntegerField()
    note = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.principal} → {self.agent}"

    def in_force_on(self, day: object) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until  # type: ignore[operator]


class SigningKey(models.Model):
    """An Ed25519 key that signs credentials. The newest unretired key signs; every key stays published so that
    credentials it signed keep verifying after a rotation. The private half is kept encrypted."""

    kid = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid


class Credential(models.Model):
    """A signed statement of who an organisation is, which rights it holds and for whom it acts."""

    jti = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="credentials")
    mandates = models.ManyToManyField(Mandate, blank=True, related_name="credentials")
    kid = models.CharField(max_length=64)
    token = models.TextField()
    claims = models.JSONField()
    issued_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.jti}"
