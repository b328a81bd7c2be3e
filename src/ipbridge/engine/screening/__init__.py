"""Screening of marketplace listings and live-stream transcripts for signs of infringement.

:class:`Screener` flags, with a reason for each, protected marks written as registered or disguised
(homoglyphs, leetspeak, spacing, transliteration, pinyin, typos, sound, inside longer words), words of the
risk-keyword catalogue (高仿, replica, 1:1, ...), geographical indications used by shops outside their
producers, marks in a shop's name or domain, and prices far under a right holder's reference price; the
flags combine into a risk score. :class:`ReferenceScreener` does the same by plain loops, slowly, as the
definition the fast one is tested against.

What keeps ordinary words from being flagged (``_reference`` has every rule):

- a mark's size counts letters, a Chinese character as two: marks of two or fewer (LV, 李) are never looked
  for in text; marks of three (BMW) only as written, as whole words; edits from five letters (one; two from
  nine), sound and pinyin from four, embedding from five;
- a mark that is one everyday English word (Apple, Coach; ``data/common_words.txt``) counts only as a whole
  word written as registered or in capitals (Apple, APPLE; not apple), never as a look-alike; and a word of a
  listing that is an everyday word is never an edit, sound or embedding look-alike of anything (neck is not
  NIKE);
- Chinese characters read like a Chinese mark must keep half of its characters in place, unseparated (奈克
  for 耐克, not 同城 for 通诚);
- a mark right after "compatible with", "for", "fits", "适用于", "兼容" ... names what a product fits: its
  weight is a quarter, and it names no product for the price rule.

    >>> screener = Screener(Catalogue(marks=[ProtectedMark(1, "NIKE", transliterations=("耐克",))]))
    >>> [(flag.how, flag.matched_text) for flag in screener.screen_listing(Listing("1", "N1KE 奈克 鞋")).flags]
    [('folded', 'N1KE'), ('pinyin', '奈克')]
"""

from __future__ import annotations

from ipbridge.engine.screening._forms import load_gi_terms, load_risk_terms
from ipbridge.engine.screening._reference import ReferenceScreener
from ipbridge.engine.screening._report import combine, money
from ipbridge.engine.screening._screener import Screener
from ipbridge.engine.screening._types import (
    DETECTORS,
    EDIT,
    EMBEDDED,
    EXACT,
    FOLDED,
    GEOGRAPHICAL_INDICATION,
    HOWS,
    MARK,
    PHONETIC,
    PINYIN,
    PRICE,
    RISK_KEYWORD,
    SHOP_NAME,
    TRANSLITERATION,
    Catalogue,
    Flag,
    GITerm,
    Listing,
    ProtectedMark,
    ReferencePrice,
    Result,
    RightRef,
    RiskTerm,
    Segment,
    Thresholds,
)

__all__ = [
    "DETECTORS",
    "EDIT",
    "EMBEDDED",
    "EXACT",
    "FOLDED",
    "GEOGRAPHICAL_INDICATION",
    "HOWS",
    "MARK",
    "PHONETIC",
    "PINYIN",
    "PRICE",
    "RISK_KEYWORD",
    "SHOP_NAME",
    "TRANSLITERATION",
    "Catalogue",
    "Flag",
    "GITerm",
    "Listing",
    "ProtectedMark",
    "ReferencePrice",
    "ReferenceScreener",
    "Result",
    "RightRef",
    "RiskTerm",
    "Screener",
    "Segment",
    "Thresholds",
    "combine",
    "default_gi_terms",
    "default_risk_terms",
    "money",
]


def default_risk_terms() -> list[RiskTerm]:
    """The shipped risk-keyword catalogue (``data/risk_keywords.json``), Chinese and English, with weights."""
    return load_risk_terms()


def default_gi_terms() -> list[GITerm]:
    """Names of protected geographical indications (``data/geographical_indications.json``), in their own
    language, English and Chinese; no producers (the platform adds its producers' shops)."""
    return load_gi_terms()
