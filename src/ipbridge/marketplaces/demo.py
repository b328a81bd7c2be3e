"""The demo's directory: the seed profiles of well-known marketplaces, and the profiles the three demo
marketplaces write in their own word, with measured figures.

The demo's own notices are all decided on the day it loads. So that the figures say something, MegaMart and
LiveBuy also get a past: notices Aurora sent them over the last weeks, sent and decided through the same services
as any other and then dated back to when they would have been delivered and decided (only these demo cases, in
their own notices). Idempotent: a second run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.marketplaces import services
from ipbridge.marketplaces.models import MarketplaceProfile
from ipbridge.marketplaces.services import FieldChange
from ipbridge.notices import services as notices
from ipbridge.notices.completeness import ItemIn
from ipbridge.notices.models import Case, CaseEvent, Decision, Notice, NoticeItem

HISTORY_KEY = "demo-directory-"
EXPLANATION = (
    "The listing sells lipsticks bearing the AURORA mark, registered for cosmetics in class 3, which Aurora "
    "Cosmetics S.A. did not make: the packaging lacks the batch code and the hologram of the genuine goods."
)
FACTS = "The listing shows the AURORA mark on cosmetics not made or sold by the right holder."
GROUND = "Regulation (EU) 2017/1001 art. 9(2)(a); Trademark Law of the PRC art. 57"


@dataclass(frozen=True)
class PastCase:
    """A notice of the past: delivered ``days_ago``, decided ``hours`` later; ``measure`` empty for a rejection;
    forwarded to ``merchant`` when named, who answers with a counter-notice when ``countered``."""

    marketplace: str
    days_ago: int
    hours: float
    measure: str
    merchant: str = ""
    countered: bool = False


PAST = (
    PastCase("megamart", 80, 6, "delete", "bright-deals"),
    PastCase("megamart", 66, 20, "delete"),
    PastCase("megamart", 52, 30, "", ""),
    PastCase("megamart", 38, 9, "block", "golden-dragon-trading", countered=True),
    PastCase("megamart", 24, 41, "delete"),
    PastCase("megamart", 10, 14, "disconnect_links", "bright-deals"),
    PastCase("livebuy", 75, 3, "delete", "star-streamers"),
    PastCase("livebuy", 61, 5, "block"),
    PastCase("livebuy", 47, 2, "delete", "star-streamers"),
    PastCase("livebuy", 33, 8, ""),
    PastCase("livebuy", 19, 4, "terminate_transactions", "star-streamers", countered=True),
    PastCase("livebuy", 5, 11, "delete"),
)


def _actor(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def _own(value: object) -> FieldChange:
    return FieldChange(value=value)


OWN_PROFILES = {
    "megamart": (
        "trust@megamart.demo",
        {
            "name": "MegaMart",
            "website": "https://megamart.demo",
            "countries": ["DE", "AT", "FR", "PL"],
            "languages": ["de", "en", "fr", "pl"],
            "categories": ["general", "electronics", "beauty"],
            "live_streaming": False,
            "size": "large",
            "ip_policy_url": "https://megamart.demo/legal/ip-policy",
            "ip_policy_summary": (
                "Listings that infringe trademarks, copyright, designs or patents are removed or blocked. Notices "
                "reach us through IPBridge or our web form; we decide within 48 hours and tell both sides why."
            ),
            "channels": [
                {
                    "kind": "web_form",
                    "address": "https://megamart.demo/ip/report",
                    "notes": "For right holders not on IPBridge.",
                    "requirements": {
                        "trademark": {
                            "fields": ["Listing URLs", "Registration number and office"],
                            "documents": ["Registration certificate", "Power of attorney for agents"],
                        },
                        "design": {"fields": ["Listing URLs"], "documents": ["Design registration certificate"]},
                    },
                },
            ],
            "counter_notice_procedure": (
                "The merchant may answer with a statement of non-infringement and evidence; we forward it to the "
                "right holder, and the measures end unless a complaint or lawsuit is shown within the window."
            ),
            "counter_notice_window_days": 15,
            "appeal_procedure": "Either side may contest a decision through IPBridge; a second reviewer decides.",
            "appeal_window_days": 180,
            "repeat_infringer_policy": "Three upheld notices in twelve months close the merchant's shop.",
            "proactive_measures": "Keyword and image screening of new listings against the marks of brand partners.",
            "contact_point": "ip-team@megamart.demo",
            "programmes": [
                {
                    "name": "MegaMart Brand Partners",
                    "url": "https://megamart.demo/brand-partners",
                    "description": "Verified brands get priority handling and a dashboard of their cases.",
                }
            ],
        },
    ),
    "livebuy": (
        "safety@livebuy.demo",
        {
            "name": "LiveBuy 直播购",
            "website": "https://livebuy.demo",
            "countries": ["CN"],
            "languages": ["zh", "en"],
            "categories": ["beauty", "fashion", "electronics"],
            "live_streaming": True,
            "size": "medium",
            "ip_policy_summary": (
                "直播间与商品链接中的侵权内容一经核实即删除或断开链接；主播与商家须签署知识产权保护承诺书。"
                " Infringing live streams and listings are taken down once verified."
            ),
            "counter_notice_procedure": "商家可提交不存在侵权行为的声明及初步证据，平台转送权利人。",
            "counter_notice_window_days": 15,
            "repeat_infringer_policy": "屡次侵权的主播与商家将被终止服务。",
            "proactive_measures": "直播实时巡查（关键词、画面与音乐识别），重点监测被投诉商品与关联店铺。",
            "contact_point": "https://livebuy.demo/ip",
        },
    ),
    "little-bazaar": (
        "owner@littlebazaar.demo",
        {
            "name": "Little Bazaar",
            "website": "https://littlebazaar.demo",
            "countries": ["PT"],
            "languages": ["pt", "en"],
            "categories": ["handmade", "second_hand"],
            "live_streaming": False,
            "size": "small",
            "channels": [
                {
                    "kind": "email",
                    "address": "notices@littlebazaar.demo",
                    "notes": "We read every notice ourselves, in English or Portuguese.",
                    "requirements": {},
                }
            ],
            "contact_point": "notices@littlebazaar.demo",
        },
    ),
}


def _own_profiles_load() -> None:
    for slug, (email, values) in OWN_PROFILES.items():
        actor = _actor(email)
        if MarketplaceProfile.objects.filter(organisation=actor.organisation).exists():
            continue
        services.profile_create(actor=actor, slug=slug, changes={k: _own(v) for k, v in values.items()})


def _dated_back(case: Case, delivered: datetime, decided: datetime) -> None:
    """The demo case, its items, decisions and timeline as if delivered and decided then."""
    later = decided + timedelta(minutes=30)
    Notice.objects.filter(pk=case.notice_id).update(created_at=delivered)
    Case.objects.filter(pk=case.pk).update(
        created_at=delivered,
        delivered_at=delivered,
        response_due_at=delivered + timedelta(hours=48),
        decided_at=decided,
        **{
            field: later
            for field in ("acknowledged_at", "forwarded_at", "counter_noticed_at", "closed_at")
            if getattr(case, field) is not None
        },
    )
    if case.lift_due_at is not None:
        Case.objects.filter(pk=case.pk).update(lift_due_at=later + timedelta(days=15))
    NoticeItem.objects.filter(case=case).update(decided_at=decided)
    Decision.objects.filter(case=case).update(decided_at=decided)
    CaseEvent.objects.filter(case=case, status="delivered").update(at=delivered)
    CaseEvent.objects.filter(case=case).exclude(status="delivered").update(at=later)


def _past_load(now: datetime) -> None:
    aurora = _actor("brand@aurora.demo")
    handlers = {"megamart": _actor("trust@megamart.demo"), "livebuy": _actor("safety@livebuy.demo")}
    merchants = {
        "bright-deals": "seller@brightdeals.demo",
        "golden-dragon-trading": "shop@goldendragon.demo",
        "star-streamers": "mcn@starstreamers.demo",
    }
    for number, past in enumerate(PAST, start=1):
        if past.marketplace == "livebuy":
            item = ItemIn("livebuy", listing_id=f"LIVE-PAST-{number:03d}", title="直播间 AURORA 口红")
        else:
            item = ItemIn("megamart", f"https://megamart.demo/listing/past-{number:03d}", title="AURORA lipstick")
        notice = notices.notice_submit(
            actor=aurora,
            rights=[("EM", "018234567")],
            items=[item],
            explanation=EXPLANATION,
            good_faith=True,
            notifier_name="Marc Dubois",
            notifier_email="analyst@aurora.demo",
            idempotency_key=f"{HISTORY_KEY}{number}",
        )
        case = Case.objects.get(notice=notice, marketplace__slug=past.marketplace)
        notices.case_decide(
            actor=handlers[past.marketplace],
            case_id=case.pk,
            decisions=[
                notices.ItemDecision(i.pk, past.measure, "" if past.measure else "Genuine goods, resold lawfully.")
                for i in NoticeItem.objects.filter(case=case)
            ],
            facts=FACTS,
            legal_ground=GROUND,
            merchant_slug=past.merchant,
            territorial_scope=["DE", "FR"] if past.measure else [],
        )
        if past.countered:
            notices.counter_notice_submit(
                actor=_actor(merchants[past.merchant]),
                case_id=case.pk,
                statement="The goods are genuine, bought from an authorised distributor.",
                evidence=["Invoice from the distributor"],
            )
        delivered = now - timedelta(days=past.days_ago)
        case.refresh_from_db()
        _dated_back(case, delivered, delivered + timedelta(hours=past.hours))


def demo_directory_load() -> int:
    """Load the directory's demo: the seed profiles, the demo marketplaces' own profiles, the past cases of
    MegaMart and LiveBuy, and every marketplace's measured figures. Returns how many profiles the directory has.
    Call it after the demo's notices are loaded."""
    services.seed_profiles_load()
    with transaction.atomic():
        _own_profiles_load()
    if not Notice.objects.filter(idempotency_key__startswith=HISTORY_KEY).exists():
        with override_settings(JOBS_IN_BACKGROUND_THREAD=False), transaction.atomic():
            _past_load(timezone.now())
    services.figures_refresh()
    return MarketplaceProfile.objects.count()
