"""Rights as the public sees them: register data without the contacts' e-mail addresses."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ipbridge.core.privacy import email_masked
from ipbridge.engine.marks import MARK_INSIDE, QUERY_INSIDE, Reason
from ipbridge.rights.models import ChangeField, PartyRole, Right, RightChange
from ipbridge.rights.selectors import SearchResult


def right_public(right: Right) -> dict[str, Any]:
    parties = list(right.parties.all())

    def named(role: str) -> list[dict[str, str]]:
        return [{"name": p.name, "country": p.country} for p in parties if p.role == role]

    return {
        "id": right.pk,
        "office": right.office,
        "number": right.number,
        "application_number": right.application_number,
        "registration_number": right.registration_number,
        "kind": right.kind,
        "mark_feature": right.mark_feature,
        "mark": right.verbal_element or right.title,
        "transliteration": right.transliteration,
        "status": right.status,
        "filing_date": right.filing_date,
        "registration_date": right.registration_date,
        "expiry_date": right.expiry_date,
        "territories": list(right.territories),
        "owners": named(PartyRole.OWNER),
        "former_owners": named(PartyRole.FORMER_OWNER),
        "representatives": named(PartyRole.REPRESENTATIVE),
        "classes": [
            {"scheme": g.scheme, "class_number": g.class_number, "description": g.description}
            for g in right.goods.all()
        ],
    }


def search_result_public(result: SearchResult) -> dict[str, Any]:
    right = result.right
    return {
        "id": right.pk,
        "office": right.office,
        "number": right.number,
        "mark": right.verbal_element or right.title,
        "owners": [p.name for p in right.parties.all() if p.role == PartyRole.OWNER],
        "nice_classes": sorted(int(g.class_number) for g in right.goods.all() if g.class_number.isdigit()),
        "status": right.status,
        "score": round(result.score, 4),
        "reasons": [{"code": r.code, "detail": r.detail} for r in result.reasons],
    }


REASON_LABELS = {
    "exact": _("Identical"),
    "normalised": _("Same once case and accents are ignored"),
    "spacing": _("Same but for spaces or punctuation"),
    "leetspeak": _("Digits or symbols for letters"),
    "homoglyph": _("Look-alike letters"),
    "pinyin": _("Same pinyin"),
    "edit_distance": _("Few letters differ"),
    "phonetic": _("Sounds alike"),
    "word_order": _("Same words, other order"),
    "contained": _("Contained in a longer name"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


_EDITS = re.compile(r"^(\d+) edits?$")


def reason_detail(reason: Reason) -> str:
    """The engine's detail (English, for machines) in the reader's language."""
    detail = reason.detail
    if detail == QUERY_INSIDE:
        return str(_("your search is part of this mark"))
    if detail == MARK_INSIDE:
        return str(_("this mark is part of your search"))
    if edits := _EDITS.match(detail):
        count = int(edits.group(1))
        return ngettext("%(n)d letter differs", "%(n)d letters differ", count) % {"n": count}
    if detail.startswith("sounds like "):
        return str(_("sounds like “%(key)s”") % {"key": detail.removeprefix("sounds like ")})
    return detail


def _change_value(field: str, value: Any) -> str:
    values = value if isinstance(value, list) else [] if value in (None, "") else [value]
    if field == ChangeField.CONTACT:
        values = [email_masked(str(v)) for v in values]
    return "; ".join(str(v) for v in values) or "—"


def change_public(change: RightChange) -> dict[str, Any]:
    """A change of the register as text, contact addresses masked: the register is public, its contacts are
    personal data."""
    return {
        "changed_at": change.changed_at,
        "field": change.field,
        "label": change.get_field_display(),
        "old": _change_value(change.field, change.old_value),
        "new": _change_value(change.field, change.new_value),
    }
