"""Alerts for tests, raised as screening raises them (``alert_raise``) from flags written by hand, and the risk
keywords they name; an agent acting for the right holder; a notice sent from an alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ipbridge.accounts.models import Membership, Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.notices import services as notice_services
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Notice
from ipbridge.rights.models import Right
from ipbridge.screening.alerts import alert_raise
from ipbridge.screening.catalogue import term_key
from ipbridge.screening.models import Alert, RiskKeyword, ScreeningSettings
from tests.factories import member
from tests.identity.factories import mandate_given
from tests.screening.factories import aurora_right

TITLE = "AURORA Rouge lipstick 高仿 replica"


def mark_flag(
    right: Right,
    holders: list[Organisation],
    *,
    start: int = 0,
    matched: str = "AURORA",
    field: str = "title",
    how: str = "exact",
    weight: float = 0.6,
) -> dict[str, Any]:
    return {
        "detector": "mark",
        "field": field,
        "start": start,
        "end": start + len(matched),
        "matched_text": matched,
        "term": right.verbal_element,
        "weight": weight,
        "how": how,
        "explanation": f"{matched} is the mark {right.verbal_element}",
        "right": {
            "id": right.pk,
            "office": right.office,
            "number": right.number,
            "mark": right.verbal_element,
            "holders": [str(h.pk) for h in holders],
        },
    }


def keyword_flag(
    term: str = "高仿", *, start: int = 22, matched: str | None = None, weight: float = 0.4
) -> dict[str, Any]:
    matched = matched if matched is not None else term
    return {
        "detector": "risk_keyword",
        "field": "title",
        "start": start,
        "end": start + len(matched),
        "matched_text": matched,
        "term": term,
        "weight": weight,
        "how": "",
        "explanation": f"{term} is a risk keyword",
        "right": None,
    }


def price_flag() -> dict[str, Any]:
    return {
        "detector": "price",
        "field": "price",
        "start": 0,
        "end": 0,
        "matched_text": "9.90 EUR",
        "term": "AURORA Rouge lipstick 3.5 g",
        "weight": 0.3,
        "how": "",
        "explanation": "far under the reference price",
        "right": None,
    }


def aurora_flags(holder: Organisation) -> list[dict[str, Any]]:
    """What screening says of ``TITLE``: the AURORA mark at 0 and 高仿 at 22."""
    return [mark_flag(aurora_right(), [holder]), keyword_flag("高仿", start=22)]


def alert_for(
    marketplace: Organisation,
    *,
    holder: Organisation | None = None,
    flags: list[dict[str, Any]] | None = None,
    title: str = TITLE,
    level: str = "alert",
    score: float = 0.8,
    created_at: datetime | None = None,
    **fields: Any,
) -> Alert:
    """An alert of ``marketplace`` on a listing (the AURORA mark of ``holder`` and 高仿 unless ``flags`` say
    otherwise)."""
    if flags is None:
        assert holder is not None
        flags = aurora_flags(holder)
    fields.setdefault("listing_id", "L-1")
    fields.setdefault("url", "https://megamart.example/item/L-1")
    fields.setdefault("shop_id", "shop-9")
    fields.setdefault("shop_name", "Bright Deals")
    alert = alert_raise(marketplace=marketplace, level=level, risk_score=score, flags=flags, title=title, **fields)
    if created_at is not None:
        Alert.objects.filter(pk=alert.pk).update(created_at=created_at)
        alert.refresh_from_db()
    return alert


def sharing_set(marketplace: Organisation, share: bool) -> ScreeningSettings:
    settings, _created = ScreeningSettings.objects.get_or_create(marketplace=marketplace)
    settings.share_with_right_holders = share
    settings.save(update_fields=["share_with_right_holders"])
    return settings


def keyword(marketplace: Organisation, term: str = "高仿", weight: float = 0.4, **fields: Any) -> RiskKeyword:
    """A risk keyword of ``marketplace``'s catalogue (its settings made if missing)."""
    ScreeningSettings.objects.get_or_create(marketplace=marketplace)
    return RiskKeyword.objects.create(
        marketplace=marketplace, term=term, term_key=term_key(term), weight=weight, **fields
    )


def agent_for(
    holder: Organisation, *, marketplaces: tuple[str, ...] = (), actions: tuple[str, ...] = ("notify",)
) -> Membership:
    """A person of a verified agent holding ``holder``'s mandate for the AURORA mark."""
    person = member(OrganisationKind.AGENT, slug="brandguard", name="BrandGuard", verification_status="verified")
    mandate_given(holder, person.organisation, [aurora_right()], actions=actions, marketplaces=marketplaces)
    return person


def notice_sent(sender: Organisation, *, marketplace: str = "megamart", **changes: Any) -> Notice:
    """A notice of ``sender`` on the AURORA mark naming listing L-1 of ``marketplace``."""
    fields: dict[str, Any] = {
        "rights": [("EM", "018234567")],
        "items": [ItemIn(marketplace, "https://megamart.example/item/L-1")],
        "explanation": "The listing sells counterfeit AURORA lipsticks.",
        "good_faith": True,
        "notifier_name": "Amélie Laurent",
        "notifier_email": "brand@aurora.example",
        **changes,
    }
    return notice_services.notice_submit(actor=actor_for_system(sender), **fields)
