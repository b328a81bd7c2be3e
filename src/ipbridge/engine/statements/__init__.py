"""Statements of reasons (DSA art. 17) in the format of the EU DSA Transparency Database.

Every decision a marketplace takes on a notice item is exported as one statement of reasons, a JSON object that
the Commission's database accepts as it is (art. 24(5)). ``statement_of_reasons`` builds it from the plain facts of
a ``Decision``; ``statement_problems`` checks any statement against the rules of the format, so a statement built
elsewhere, or edited by hand, can be checked before it is sent; ``statement_batches`` cuts a stream of statements
into the batches the database takes in one call.

IPBridge reports intellectual property decisions only, so the category is always
``STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS`` and the keywords are the IP ones; the ground is always
illegal content, since an infringement of an IP right is illegal content, not merely content against the terms of
service (the validator still knows the rules of the other ground, for statements built elsewhere).
"""

from ipbridge.engine.statements._build import (
    ACCOUNT_ACTIONS,
    AUTOMATED_DECISIONS,
    MEASURE_DECISIONS,
    RIGHT_KIND_KEYWORDS,
    SOURCES,
    Decision,
    statement_batches,
    statement_of_reasons,
)
from ipbridge.engine.statements._check import Problem, statement_problems
from ipbridge.engine.statements._format import (
    BATCH_LIMIT,
    EEA_COUNTRY_CODES,
    EU_COUNTRY_CODES,
    YES_NO,
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

__all__ = [
    "ACCOUNT_ACTIONS",
    "AUTOMATED_DECISIONS",
    "BATCH_LIMIT",
    "EEA_COUNTRY_CODES",
    "EU_COUNTRY_CODES",
    "MEASURE_DECISIONS",
    "RIGHT_KIND_KEYWORDS",
    "SOURCES",
    "YES_NO",
    "AutomatedDecision",
    "AutomatedDetection",
    "Category",
    "CategorySpecification",
    "ContentType",
    "Decision",
    "DecisionAccount",
    "DecisionGround",
    "DecisionMonetary",
    "DecisionProvision",
    "DecisionVisibility",
    "Measure",
    "Problem",
    "SourceType",
    "statement_batches",
    "statement_of_reasons",
    "statement_problems",
]
