"""Flags as stored and shown: the screener's explanation kept as JSON, and told again in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ipbridge.engine.screening import (
    EDIT,
    EMBEDDED,
    EXACT,
    FOLDED,
    GEOGRAPHICAL_INDICATION,
    MARK,
    PHONETIC,
    PINYIN,
    PRICE,
    RISK_KEYWORD,
    SHOP_NAME,
    TRANSLITERATION,
    Flag,
    Result,
)
from ipbridge.screening.models import Watch, WatchKind


def flag_json(flag: Flag) -> dict[str, Any]:
    """A flag as stored and as the API gives it."""
    right = flag.right
    return {
        "detector": flag.detector,
        "field": flag.field,
        "start": flag.start,
        "end": flag.end,
        "matched_text": flag.matched_text,
        "term": flag.term,
        "weight": flag.weight,
        "how": flag.how,
        "explanation": flag.explanation,
        "right": (
            {
                "id": right.id,
                "office": right.office,
                "number": right.number,
                "mark": right.text,
                "holders": sorted(right.holders),
            }
            if right is not None
            else None
        ),
    }


def flags_json(result: Result) -> list[dict[str, Any]]:
    return [flag_json(flag) for flag in result.flags]


# The flag scans and streams add to an item matching a watch of focused monitoring (重点监测).
WATCH = "watch"


def watch_flag(watch: Watch, *, field: str) -> dict[str, Any]:
    """Why an item matching ``watch`` was kept, in the form of the screener's flags: a shop watch matches the
    item's shop id, a product watch the words of ``field`` (a listing's title, a stream segment's text)."""
    return {
        "detector": WATCH,
        "field": "shop_id" if watch.kind == WatchKind.SHOP else field,
        "start": 0,
        "end": 0,
        "matched_text": "",
        "term": watch.label,
        "weight": 0.0,
        "how": "",
        "explanation": f"Matches the watch “{watch.label}” of focused monitoring.",
        "right": None,
        "watch": watch.pk,
    }


def detector_label(detector: str) -> str:
    labels = {
        WATCH: _("Focused monitoring"),
        MARK: _("Protected mark"),
        RISK_KEYWORD: _("Risk keyword"),
        GEOGRAPHICAL_INDICATION: _("Geographical indication"),
        SHOP_NAME: _("Mark in shop name"),
        PRICE: _("Price anomaly"),
    }
    return labels.get(detector, detector)


def how_label(how: str) -> str:
    labels = {
        EXACT: _("exact"),
        FOLDED: _("disguised spelling"),
        TRANSLITERATION: _("registered transliteration"),
        PINYIN: _("same pinyin"),
        EDIT: _("spelled nearly the same"),
        PHONETIC: _("sounds the same"),
        EMBEDDED: _("inside a longer word"),
    }
    return labels.get(how, how)


def flag_sentence(flag: dict[str, Any]) -> str:
    """What the flag says, in the reader's language: the detector, what matched and the right behind it."""
    detector = flag.get("detector", "")
    matched = flag.get("matched_text", "")
    right = flag.get("right") or {}
    if detector in (MARK, SHOP_NAME) and right:
        return _("“%(matched)s” matches the mark %(mark)s (%(office)s %(number)s): %(how)s.") % {
            "matched": matched,
            "mark": right.get("mark", ""),
            "office": right.get("office", ""),
            "number": right.get("number", ""),
            "how": how_label(flag.get("how", "")),
        }
    if detector == RISK_KEYWORD:
        return _("“%(matched)s” is in the risk-keyword catalogue.") % {"matched": matched}
    if detector == GEOGRAPHICAL_INDICATION:
        return _("“%(matched)s” is the geographical indication %(term)s, and this shop is not among its producers.") % {
            "matched": matched,
            "term": flag.get("term", ""),
        }
    if detector == WATCH:
        return _("Matches the watch “%(label)s” of focused monitoring.") % {"label": flag.get("term", "")}
    if detector == PRICE:
        return _("The price %(matched)s is far under the right holder's reference price.") % {"matched": matched}
    return str(flag.get("explanation", ""))
