"""The demo's notices: the demo right holders and their agent notify the demo marketplaces through the same
services people use, and the cases stand at every step of the statutory path — delivered, acknowledged, measures
taken and forwarded, a counter-notice in its window, a rejection and the sender's appeal against it. Aurora's
first notice names two items of its evidence vault, so they are attached to each of its cases, and the other
parties add evidence of their own. The
marketplaces' intake settings differ: MegaMart answers within 48 hours, LiveBuy within 12, and Little Bazaar,
whose systems are not connected, gets each case by e-mail (set by an operator)."""

from __future__ import annotations

from django.test.utils import override_settings

from ipbridge.accounts.actors import Actor
from ipbridge.accounts.models import User
from ipbridge.accounts.selectors import actor_for_user
from ipbridge.evidence.demo import demo_captures, demo_evidence_load
from ipbridge.notices import intake, services
from ipbridge.notices.completeness import EvidenceIn, ItemIn
from ipbridge.notices.models import Case, Notice, NoticeItem

AURORA_EXPLANATION = (
    "These listings sell lipsticks and perfumes bearing the AURORA mark, registered for cosmetics in class 3. "
    "Aurora Cosmetics S.A. did not make them and did not consent: the packaging lacks the batch code and the "
    "hologram described in the product authentication guide, and the prices are a fifth of the retail price."
)
LUMINA_EXPLANATION = (
    "The listing offers earphones under the LUMINA mark, registered for earphones in class 9. Lumina Electronics "
    "does not sell through this shop; a test purchase showed a different housing and no serial number."
)
FACTS = "The listing shows the AURORA mark on cosmetics not made or sold by the right holder."
GROUND = "Regulation (EU) 2017/1001 art. 9(2)(a); Trademark Law of the PRC art. 57"


def _actor(email: str) -> Actor:
    actor = actor_for_user(User.objects.get(email=email))
    assert actor is not None
    return actor


def _case(notice: Notice, marketplace_slug: str) -> Case:
    return Case.objects.get(notice=notice, marketplace__slug=marketplace_slug)


def _decide(case: Case, actor: Actor, measure: str, *, merchant: str = "", reason: str = "") -> None:
    services.case_decide(
        actor=actor,
        case_id=case.pk,
        decisions=[services.ItemDecision(i.pk, measure, reason) for i in NoticeItem.objects.filter(case=case)],
        facts=FACTS,
        legal_ground=GROUND,
        merchant_slug=merchant,
        territorial_scope=["DE", "FR", "PL"] if measure else [],
    )


def demo_notices_load() -> bool:
    """Send the demo notices once; returns False when they were sent before. Their jobs (delivery to the
    marketplaces) run as each is queued, so the demo is complete when the command ends."""
    if Notice.objects.filter(principal__slug="aurora-cosmetics").exists():
        return False
    with override_settings(JOBS_IN_BACKGROUND_THREAD=False):
        _load()
    return True


def _load() -> None:
    aurora = _actor("brand@aurora.demo")
    brandguard = _actor("agent@brandguard.demo")
    megamart = _actor("trust@megamart.demo")
    livebuy = _actor("safety@livebuy.demo")
    bright = _actor("seller@brightdeals.demo")
    operator = _actor("operator@ipbridge.demo")

    intake.intake_update(actor=megamart, slug="megamart", response_hours=48)
    intake.intake_update(actor=livebuy, slug="livebuy", response_hours=12, language="zh-hans")
    intake.intake_update(
        actor=operator, slug="little-bazaar", response_hours=72, email="notices@littlebazaar.demo", language="en"
    )

    screenshot, test_purchase = demo_captures(aurora)
    first = services.notice_submit(
        actor=aurora,
        rights=[("EM", "018234567")],
        items=[
            ItemIn("megamart", "https://megamart.demo/listing/88120", title="AURORA Rouge lipstick, 3 for 1"),
            ItemIn("megamart", "https://megamart.demo/listing/88121", title="AURORA parfum 100 ml 原单"),
            ItemIn("livebuy", listing_id="LIVE-20261130-0457", title="直播间 AURORA 口红 高仿"),
            ItemIn("little-bazaar", "https://littlebazaar.demo/p/aurora-lipstick-set"),
        ],
        explanation=AURORA_EXPLANATION,
        good_faith=True,
        notifier_name="Amélie Laurent",
        notifier_email="brand@aurora.demo",
        evidence=[
            EvidenceIn("screenshot", f"evidence:{screenshot.pk}", "Listing captured 2026-11-28"),
            EvidenceIn("test_purchase", f"evidence:{test_purchase.pk}", "Test purchase TP-2026-114"),
        ],
        idempotency_key="demo-aurora-1",
    )
    at_megamart = _case(first, "megamart")
    _decide(at_megamart, megamart, "delete", merchant="bright-deals")
    services.counter_notice_submit(
        actor=bright,
        case_id=at_megamart.pk,
        statement="The lipsticks are genuine AURORA goods bought from an authorised distributor in Poland.",
        evidence=["Invoice FV/2026/11/0192 from the distributor", "Photos of the batch codes"],
    )
    services.case_acknowledge(actor=livebuy, case_id=_case(first, "livebuy").pk)

    resold = services.notice_submit(
        actor=aurora,
        rights=[("EM", "018234567")],
        items=[ItemIn("megamart", "https://megamart.demo/listing/90077", title="AURORA lipstick, sealed")],
        explanation=AURORA_EXPLANATION,
        good_faith=True,
        notifier_name="Marc Dubois",
        notifier_email="analyst@aurora.demo",
        idempotency_key="demo-aurora-2",
    )
    at_megamart_resold = _case(resold, "megamart")
    _decide(at_megamart_resold, megamart, "", reason="The shop is on Aurora's list of authorised sellers.")
    services.appeal_submit(
        actor=aurora,
        case_id=at_megamart_resold.pk,
        grounds="The shop's authorisation ended on 31 October 2026; the goods it sells since are not from Aurora.",
        evidence=["Termination letter of 2026-10-01 to the shop", "Test purchase TP-2026-121"],
    )

    for_lumina = services.notice_submit(
        actor=brandguard,
        on_behalf_of="lumina-electronics",
        rights=[("EM", "018765432")],
        items=[ItemIn("megamart", "https://megamart.demo/listing/77310", title="LUMINA Pro earbuds")],
        explanation=LUMINA_EXPLANATION,
        good_faith=True,
        notifier_name="Lena Fischer",
        notifier_email="agent@brandguard.demo",
        idempotency_key="demo-lumina-1",
    )
    _decide(_case(for_lumina, "megamart"), megamart, "block", merchant="golden-dragon-trading")
    demo_evidence_load(
        bright=bright,
        livebuy=livebuy,
        brandguard=brandguard,
        aurora=aurora,
        cases={"megamart": at_megamart, "livebuy": _case(first, "livebuy"), "lumina": _case(for_lumina, "megamart")},
    )
