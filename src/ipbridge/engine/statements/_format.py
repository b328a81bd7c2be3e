"""The vocabulary of the Transparency Database's statement of reasons: its values, fields and text patterns."""

from __future__ import annotations

import re
from enum import StrEnum


class DecisionVisibility(StrEnum):
    CONTENT_REMOVED = "DECISION_VISIBILITY_CONTENT_REMOVED"
    CONTENT_DISABLED = "DECISION_VISIBILITY_CONTENT_DISABLED"
    CONTENT_DEMOTED = "DECISION_VISIBILITY_CONTENT_DEMOTED"
    CONTENT_AGE_RESTRICTED = "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"
    CONTENT_INTERACTION_RESTRICTED = "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"
    CONTENT_LABELLED = "DECISION_VISIBILITY_CONTENT_LABELLED"
    OTHER = "DECISION_VISIBILITY_OTHER"


class DecisionMonetary(StrEnum):
    SUSPENSION = "DECISION_MONETARY_SUSPENSION"
    TERMINATION = "DECISION_MONETARY_TERMINATION"
    OTHER = "DECISION_MONETARY_OTHER"


class DecisionProvision(StrEnum):
    PARTIAL_SUSPENSION = "DECISION_PROVISION_PARTIAL_SUSPENSION"
    TOTAL_SUSPENSION = "DECISION_PROVISION_TOTAL_SUSPENSION"
    PARTIAL_TERMINATION = "DECISION_PROVISION_PARTIAL_TERMINATION"
    TOTAL_TERMINATION = "DECISION_PROVISION_TOTAL_TERMINATION"


class DecisionAccount(StrEnum):
    SUSPENDED = "DECISION_ACCOUNT_SUSPENDED"
    TERMINATED = "DECISION_ACCOUNT_TERMINATED"


class DecisionGround(StrEnum):
    ILLEGAL_CONTENT = "DECISION_GROUND_ILLEGAL_CONTENT"
    INCOMPATIBLE_CONTENT = "DECISION_GROUND_INCOMPATIBLE_CONTENT"


class ContentType(StrEnum):
    APP = "CONTENT_TYPE_APP"
    AUDIO = "CONTENT_TYPE_AUDIO"
    IMAGE = "CONTENT_TYPE_IMAGE"
    PRODUCT = "CONTENT_TYPE_PRODUCT"
    SYNTHETIC_MEDIA = "CONTENT_TYPE_SYNTHETIC_MEDIA"
    TEXT = "CONTENT_TYPE_TEXT"
    VIDEO = "CONTENT_TYPE_VIDEO"
    OTHER = "CONTENT_TYPE_OTHER"


class Category(StrEnum):
    INTELLECTUAL_PROPERTY_INFRINGEMENTS = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"


class CategorySpecification(StrEnum):
    TRADEMARK_INFRINGEMENT = "KEYWORD_TRADEMARK_INFRINGEMENT"
    COPYRIGHT_INFRINGEMENT = "KEYWORD_COPYRIGHT_INFRINGEMENT"
    DESIGN_INFRINGEMENT = "KEYWORD_DESIGN_INFRINGEMENT"
    PATENT_INFRINGEMENT = "KEYWORD_PATENT_INFRINGEMENT"
    GEOGRAPHIC_INDICATIONS_INFRINGEMENT = "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT"
    TRADE_SECRET_INFRINGEMENT = "KEYWORD_TRADE_SECRET_INFRINGEMENT"  # noqa: S105 - a keyword, not a secret
    INAUTHENTIC_LISTINGS = "KEYWORD_INAUTHENTIC_LISTINGS"


class SourceType(StrEnum):
    ARTICLE_16 = "SOURCE_ARTICLE_16"
    TRUSTED_FLAGGER = "SOURCE_TRUSTED_FLAGGER"
    OTHER_NOTIFICATION = "SOURCE_TYPE_OTHER_NOTIFICATION"
    VOLUNTARY = "SOURCE_VOLUNTARY"


class AutomatedDetection(StrEnum):
    YES = "Yes"
    NO = "No"


class AutomatedDecision(StrEnum):
    FULLY = "AUTOMATED_DECISION_FULLY"
    PARTIALLY = "AUTOMATED_DECISION_PARTIALLY"
    NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED"


class Measure(StrEnum):
    """The necessary measures (必要措施) a marketplace takes on a notice item."""

    DELETE = "delete"
    BLOCK = "block"
    DISCONNECT_LINKS = "disconnect_links"
    TERMINATE_TRANSACTIONS = "terminate_transactions"
    TERMINATE_SERVICES = "terminate_services"


YES_NO = ("Yes", "No")
EU_COUNTRY_CODES = frozenset(
    {
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
    }
)
# ISO 3166-1 alpha-2, as the database spells them: Greece is GR there, not the EU's own EL.
EEA_COUNTRY_CODES = EU_COUNTRY_CODES | {"IS", "LI", "NO"}
BATCH_LIMIT = 100

PUID_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
# Broad on purpose: anything shaped like local@domain.tld is treated as an address, in any script.
EMAIL_PATTERN = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EAN13_PATTERN = re.compile(r"[0-9]{13}")

DECISION_KINDS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
END_DATE_FIELDS = {
    "end_date_visibility_restriction": "decision_visibility",
    "end_date_monetary_restriction": "decision_monetary",
    "end_date_service_restriction": "decision_provision",
    "end_date_account_restriction": "decision_account",
}
GROUND_FIELDS = {
    DecisionGround.ILLEGAL_CONTENT: {"illegal_content_legal_ground": 500, "illegal_content_explanation": 2000},
    DecisionGround.INCOMPATIBLE_CONTENT: {
        "incompatible_content_ground": 500,
        "incompatible_content_explanation": 2000,
    },
}
FREE_TEXT_FIELDS = (
    "decision_visibility_other",
    "decision_monetary_other",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "content_type_other",
    "decision_facts",
    "source_identity",
)
FIELDS = frozenset(
    {
        *DECISION_KINDS,
        "decision_visibility_other",
        "decision_monetary_other",
        "decision_ground",
        *GROUND_FIELDS[DecisionGround.ILLEGAL_CONTENT],
        *GROUND_FIELDS[DecisionGround.INCOMPATIBLE_CONTENT],
        "incompatible_content_illegal",
        "content_type",
        "content_type_other",
        "category",
        "category_specification",
        "territorial_scope",
        "content_date",
        "application_date",
        *END_DATE_FIELDS,
        "decision_facts",
        "source_type",
        "source_identity",
        "automated_detection",
        "automated_decision",
        "puid",
        "content_id",
    }
)
