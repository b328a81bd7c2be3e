"""Statements of reasons built from the plain facts of a marketplace decision."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from ipbridge.engine.statements._format import (
    BATCH_LIMIT,
    DECISION_KINDS,
    EAN13_PATTERN,
    EEA_COUNTRY_CODES,
    EMAIL_PATTERN,
    END_DATE_FIELDS,
    PUID_PATTERN,
    AutomatedDecision,
    AutomatedDetection,
    Category,
    CategorySpecification,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    Measure,
    SourceType,
)

# Disconnecting links leaves the listing in place but makes it unreachable, which is what the database means by
# disabling access; DECISION_VISIBILITY_OTHER would hide a common measure in free text and make it uncountable.
MEASURE_DECISIONS: Mapping[str, tuple[str, str]] = {
    Measure.DELETE: ("decision_visibility", DecisionVisibility.CONTENT_REMOVED),
    Measure.BLOCK: ("decision_visibility", DecisionVisibility.CONTENT_DISABLED),
    Measure.DISCONNECT_LINKS: ("decision_visibility", DecisionVisibility.CONTENT_DISABLED),
    Measure.TERMINATE_TRANSACTIONS: ("decision_monetary", DecisionMonetary.TERMINATION),
    Measure.TERMINATE_SERVICES: ("decision_provision", DecisionProvision.TOTAL_TERMINATION),
}
# The database has no keyword for utility models; they are patents for small inventions, so they count as patents.
RIGHT_KIND_KEYWORDS: Mapping[str, CategorySpecification | None] = {
    "trademark": CategorySpecification.TRADEMARK_INFRINGEMENT,
    "copyright": CategorySpecification.COPYRIGHT_INFRINGEMENT,
    "design": CategorySpecification.DESIGN_INFRINGEMENT,
    "patent": CategorySpecification.PATENT_INFRINGEMENT,
    "utility_model": CategorySpecification.PATENT_INFRINGEMENT,
    "geographical_indication": CategorySpecification.GEOGRAPHIC_INDICATIONS_INFRINGEMENT,
    "other": None,
}
SOURCES: Mapping[str, SourceType] = {
    "notice": SourceType.ARTICLE_16,
    "trusted_flagger": SourceType.TRUSTED_FLAGGER,
    "other_notification": SourceType.OTHER_NOTIFICATION,
    "voluntary": SourceType.VOLUNTARY,
}
AUTOMATED_DECISIONS: Mapping[str, AutomatedDecision] = {
    "fully": AutomatedDecision.FULLY,
    "partially": AutomatedDecision.PARTIALLY,
    "not": AutomatedDecision.NOT_AUTOMATED,
}
ACCOUNT_ACTIONS: Mapping[str, DecisionAccount] = {
    "suspended": DecisionAccount.SUSPENDED,
    "terminated": DecisionAccount.TERMINATED,
}

_EMAIL_REDACTED = "[e-mail removed]"


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The plain facts of one marketplace decision on one notice item, as the statement of reasons reports them.

    ``measures`` are ``Measure`` values and ``account_action`` is ``"suspended"``, ``"terminated"`` or None; at
    least one of the two must say what was done. ``right_kinds`` are the kinds of the rights infringed
    (``RIGHT_KIND_KEYWORDS``). ``content_date`` is when the listing was posted, ``application_date`` when the
    decision took effect. ``end_date`` is the day the measures end and ``account_end_date`` the day the account
    action ends, each only when known in advance (a suspension for a fixed term); the notice procedure's own ending
    (measures lifted when no complaint follows a counter-notice) is not known in advance, so it stays None.

    ``facts`` are the facts and circumstances relied on, ``legal_ground`` the law the right rests on,
    ``explanation`` why the item infringes it. ``source`` is ``"notice"`` (an art. 16 notice),
    ``"trusted_flagger"``, ``"other_notification"`` or ``"voluntary"`` (own initiative); ``source_identity`` names
    the notifier when it may be published (an organisation, never a natural person) and must be empty for
    voluntary decisions. ``automated_decision`` is ``"fully"``, ``"partially"`` or ``"not"``.
    ``territorial_scope`` holds the ISO 3166-1 country codes the decision applies in, empty when it applies
    everywhere. ``ean13`` is the product's EAN-13 barcode when the listing gives one.
    """

    puid: str
    measures: tuple[str, ...]
    right_kinds: tuple[str, ...]
    content_date: date
    application_date: date
    facts: str
    legal_ground: str
    explanation: str
    source: str
    automated_detection: bool
    automated_decision: str
    source_identity: str = ""
    account_action: str | None = None
    end_date: date | None = None
    account_end_date: date | None = None
    territorial_scope: tuple[str, ...] = ()
    content_types: tuple[str, ...] = (ContentType.PRODUCT,)
    content_type_other: str = ""
    ean13: str | None = None

    def __post_init__(self) -> None:
        _refuse_unknown("measure", self.measures, MEASURE_DECISIONS)
        _refuse_unknown("right kind", self.right_kinds, RIGHT_KIND_KEYWORDS)
        _refuse_unknown("content type", self.content_types, set(ContentType))
        _refuse_unknown("source", (self.source,), SOURCES)
        _refuse_unknown("automated decision", (self.automated_decision,), AUTOMATED_DECISIONS)
        if self.account_action is not None:
            _refuse_unknown("account action", (self.account_action,), ACCOUNT_ACTIONS)
        if not self.measures and self.account_action is None:
            raise ValueError("A decision takes at least one measure or acts on the account.")
        if not self.content_types:
            raise ValueError("A decision names at least one content type.")
        if self.source == "voluntary" and self.source_identity:
            raise ValueError("A voluntary decision has no notifier, so it has no source identity.")
        if self.end_date is not None and not self.measures:
            raise ValueError("An end date needs a measure to end.")
        if self.account_end_date is not None and self.account_action is None:
            raise ValueError("An account end date needs an account action to end.")


def _refuse_unknown(what: str, values: Iterable[str], known: Iterable[str]) -> None:
    unknown = [value for value in values if value not in set(known)]
    if unknown:
        raise ValueError(f"Unknown {what}: {unknown[0]!r}.")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _redacted(text: str) -> str:
    """The text without e-mail addresses, which are personal data the database must never receive.

    Redacting rather than refusing keeps a decision exportable when the facts quote a notice verbatim. The
    replacement is repeated until nothing address-shaped is left, so the check in ``statement_problems``, which
    uses the same pattern, always agrees.
    """
    text = text.strip()
    while EMAIL_PATTERN.search(text):
        text = EMAIL_PATTERN.sub(_EMAIL_REDACTED, text)
    return text


def _text(name: str, value: str, *, limit: int) -> str:
    text = _redacted(value)
    if not text:
        raise ValueError(f"The {name} must not be empty.")
    if len(text) > limit:
        raise ValueError(f"The {name} must be at most {limit} characters, not {len(text)}.")
    return text


def _territorial_scope(codes: Iterable[str]) -> list[str]:
    """The EU/EEA part of a decision's territorial scope.

    A marketplace's decision often also covers countries outside the EEA (CN, US, ...); the database only records
    the EEA part, so the rest is left out. A decision whose scope lies wholly outside the EEA is not one the
    database records at all, and is refused. Codes are read case-blind, and the EU's own EL is read as GR, the
    ISO code the database uses for Greece.
    """
    named = {code.strip().upper() for code in codes}
    named = {"GR" if code == "EL" else code for code in named}
    kept = sorted(named & EEA_COUNTRY_CODES)
    if named and not kept:
        raise ValueError(f"The decision applies outside the EU/EEA only ({', '.join(sorted(named))}).")
    return kept


def statement_of_reasons(decision: Decision) -> dict[str, Any]:
    """The statement of reasons for the decision, as the Transparency Database takes it.

    E-mail addresses are removed from every free text and the territorial scope is cut down to the EU/EEA (see
    ``_territorial_scope``). Raises ``ValueError`` for what cannot be fixed without changing what the decision
    says: a puid the database refuses, an empty or too long text, an application date before the content date or
    an end date before the application date, a scope wholly outside the EEA, an EAN-13 that is not 13 digits.
    """
    if not PUID_PATTERN.fullmatch(decision.puid) or len(decision.puid) > 500:
        raise ValueError("A puid is 1 to 500 letters, digits, '-' or '_'.")
    if decision.application_date < decision.content_date:
        raise ValueError("A decision cannot take effect before the content was posted.")
    for end in (decision.end_date, decision.account_end_date):
        if end is not None and end < decision.application_date:
            raise ValueError("A decision cannot end before it takes effect.")
    if decision.ean13 is not None and not EAN13_PATTERN.fullmatch(decision.ean13):
        raise ValueError("An EAN-13 is 13 digits.")

    # Only visibility takes several values; each other kind has one measure mapping to it.
    kinds: dict[str, list[str]] = {}
    for measure in decision.measures:
        kind, value = MEASURE_DECISIONS[measure]
        kinds.setdefault(kind, []).append(str(value))
    if decision.account_action is not None:
        kinds["decision_account"] = [str(ACCOUNT_ACTIONS[decision.account_action])]

    statement: dict[str, Any] = {}
    for kind in DECISION_KINDS:
        if kind in kinds:
            statement[kind] = _unique(kinds[kind]) if kind == "decision_visibility" else kinds[kind][0]
    statement["decision_ground"] = str(DecisionGround.ILLEGAL_CONTENT)
    statement["illegal_content_legal_ground"] = _text("legal ground", decision.legal_ground, limit=500)
    statement["illegal_content_explanation"] = _text("explanation", decision.explanation, limit=2000)
    statement["content_type"] = _unique(str(ContentType(kind)) for kind in decision.content_types)
    if ContentType.OTHER in decision.content_types:
        statement["content_type_other"] = _text("other content type", decision.content_type_other, limit=500)
    statement["category"] = str(Category.INTELLECTUAL_PROPERTY_INFRINGEMENTS)
    keywords = _unique(str(k) for kind in decision.right_kinds if (k := RIGHT_KIND_KEYWORDS[kind]) is not None)
    if keywords:
        statement["category_specification"] = keywords
    scope = _territorial_scope(decision.territorial_scope)
    if scope:
        statement["territorial_scope"] = scope
    statement["content_date"] = decision.content_date.isoformat()
    statement["application_date"] = decision.application_date.isoformat()
    for name, kind in END_DATE_FIELDS.items():
        end = decision.account_end_date if kind == "decision_account" else decision.end_date
        if end is not None and kind in statement:
            statement[name] = end.isoformat()
    statement["decision_facts"] = _text("facts", decision.facts, limit=5000)
    statement["source_type"] = str(SOURCES[decision.source])
    if decision.source != "voluntary" and decision.source_identity.strip():
        statement["source_identity"] = _text("source identity", decision.source_identity, limit=500)
    detection = AutomatedDetection.YES if decision.automated_detection else AutomatedDetection.NO
    statement["automated_detection"] = str(detection)
    statement["automated_decision"] = str(AUTOMATED_DECISIONS[decision.automated_decision])
    statement["puid"] = decision.puid
    if decision.ean13 is not None:
        statement["content_id"] = {"EAN-13": decision.ean13}
    return statement


def statement_batches(
    statements: Iterable[dict[str, Any]], *, size: int = BATCH_LIMIT
) -> Iterator[list[dict[str, Any]]]:
    """The statements in lists of ``size``, the last one shorter, for the database's batch endpoint.

    The database takes at most ``BATCH_LIMIT`` statements per call, so a larger ``size`` is refused at once
    (``ValueError``), before any statement is read.
    """
    if not 1 <= size <= BATCH_LIMIT:
        raise ValueError(f"A batch holds 1 to {BATCH_LIMIT} statements, not {size}.")
    return _batches(iter(statements), size)


def _batches(statements: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(statements, size)):
        yield batch
