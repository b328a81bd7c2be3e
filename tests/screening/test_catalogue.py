"""What screening matches against, as the catalogue builds it from the database: the marks verified right holders
proved they hold, each marketplace's risk keywords (the shipped catalogue copied in once), the geographical
indications and their producers, the reference prices of the published guides a marketplace is sent, the shops
authorised today; and the per-process screeners, rebuilt when any of it changes and kept while nothing does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.engine.screening import (
    Listing,
    ProtectedMark,
    ReferencePrice,
    RiskTerm,
    Thresholds,
    default_gi_terms,
    default_risk_terms,
)
from ipbridge.identity.models import ClaimMethod, ClaimStatus, RightClaim
from ipbridge.rights.models import Right
from ipbridge.screening import settings_services
from ipbridge.screening.catalogue import (
    gi_terms,
    protected_marks,
    reference_prices,
    risk_terms,
    screener_for,
    settings_for,
    term_key,
)
from ipbridge.screening.models import GeographicalIndication, KeywordOrigin, RiskKeyword, ScreeningSettings
from ipbridge.sharing import services as sharing_services
from ipbridge.sharing.models import AuthorisedSeller, GuideVersion
from ipbridge.sharing.selectors import authorised_shops
from tests.factories import member
from tests.identity.factories import held
from tests.rights.factories import right
from tests.screening.factories import aurora_right, screening_world
from tests.sharing.factories import guide_published, guide_written, seller_listed

pytestmark = pytest.mark.django_db

COUNTERFEIT = "AURORA 高仿 口红"


def right_holder(name: str, slug: str, *, verified: bool = True) -> Organisation:
    status = "verified" if verified else "unverified"
    return member(OrganisationKind.RIGHT_HOLDER, name=name, slug=slug, verification_status=status).organisation


def claim(organisation: Organisation, target: Right, status: str) -> RightClaim:
    return RightClaim.objects.create(
        organisation=organisation, right=target, relation="owner", method=ClaimMethod.DOCUMENTS, status=status
    )


def rouge_right(holder: Organisation) -> Right:
    """A second right of the AURORA holder: the AURORA ROUGE word mark."""
    rouge = right(office="EM", number="018000002", mark="AURORA ROUGE")
    held(holder, rouge)
    return rouge


def offered(marketplace: Organisation, title: str = COUNTERFEIT, **fields: Any) -> Listing:
    """A listing of ``marketplace`` as the screener reads it, from a shop no right holder authorises."""
    return Listing(id="L-1", title=title, marketplace=str(marketplace.pk), **{"shop_id": "shop-9", **fields})


def flagged(marketplace: Organisation, item: Listing) -> set[tuple[str, str, int | None]]:
    """Each flag of the listing as (detector, term, right id), screened as the marketplace screens."""
    screener, _thresholds = screener_for(marketplace)
    return {(f.detector, f.term, f.right.id if f.right else None) for f in screener.screen_listing(item).flags}


def keyword(marketplace: Organisation, term: str) -> RiskKeyword:
    return RiskKeyword.objects.get(marketplace=marketplace, term_key=term_key(term))


# Protected marks ---------------------------------------------------------------------------------------------------


def test_a_right_a_verified_holder_proved_it_holds_is_a_mark_with_the_holder_and_its_transliteration() -> None:
    w = screening_world()

    marks = protected_marks()

    assert marks == [
        ProtectedMark(
            id=aurora_right().pk,
            text="AURORA",
            office="EM",
            number="018234567",
            holders=frozenset({str(w.holder.organisation.pk)}),
            transliterations=("奥罗拉",),
        )
    ]


def test_a_right_two_verified_holders_proved_they_hold_names_both() -> None:
    w = screening_world()
    licensee = right_holder("Aurora Licensing Ltd", "aurora-licensing")
    held(licensee, aurora_right())

    (mark,) = protected_marks()

    assert mark.holders == frozenset({str(w.holder.organisation.pk), str(licensee.pk)})


def test_claims_not_approved_or_of_an_unverified_holder_make_no_mark() -> None:
    w = screening_world()
    other = right_holder("Other Brands", "other-brands")
    for number, status in (
        ("018000011", ClaimStatus.IN_REVIEW),
        ("018000012", ClaimStatus.REJECTED),
        ("018000013", ClaimStatus.WITHDRAWN),
        ("018000014", ClaimStatus.MORE_INFORMATION),
    ):
        claim(other, right(number=number, mark=f"BRAND{number[-2:]}"), status)
    unverified = right_holder("Unproven Cosmetics", "unproven", verified=False)
    held(unverified, right(number="018000015", mark="UNPROVEN"))
    held(unverified, aurora_right())

    marks = protected_marks()

    assert [(m.text, m.holders) for m in marks] == [("AURORA", frozenset({str(w.holder.organisation.pk)}))]


def test_a_right_without_verbal_element_is_named_by_its_title_and_one_with_neither_is_left_out() -> None:
    w = screening_world()
    design = right(number="018000021", mark="", title="Lipstick case", kind="design")
    figurative = right(number="018000022", mark="")
    held(w.holder.organisation, design)
    held(w.holder.organisation, figurative)

    marks = protected_marks()

    assert sorted((m.id, m.text, m.transliterations) for m in marks) == sorted(
        [(aurora_right().pk, "AURORA", ("奥罗拉",)), (design.pk, "Lipstick case", ())]
    )


# Risk keywords -----------------------------------------------------------------------------------------------------


def test_settings_are_made_with_the_defaults_and_the_shipped_catalogue_copied_in_once() -> None:
    w = screening_world()
    shipped = {term_key(t.text): t for t in default_risk_terms()}

    settings = settings_for(w.marketplace)
    again = settings_for(w.marketplace)

    assert (settings.alert_threshold, settings.hold_threshold, settings.lookalikes) == (0.5, 0.85, True)
    assert (settings.share_with_right_holders, settings.catalogue_version) == (True, 0)
    assert again.pk == settings.pk
    assert ScreeningSettings.objects.count() == 1
    rows = RiskKeyword.objects.filter(marketplace=w.marketplace)
    assert rows.count() == len(shipped) == 60
    assert {(k.term_key, k.term, k.language, k.weight) for k in rows} == {
        (key, t.text, t.language, t.weight) for key, t in shipped.items()
    }
    assert set(rows.values_list("origin", "enabled", "tuned_weight")) == {(KeywordOrigin.DEFAULT, True, None)}
    assert not RiskKeyword.objects.filter(marketplace=w.bazaar.organisation).exists()


def test_a_shipped_keyword_the_marketplace_removed_is_not_copied_in_again() -> None:
    w = screening_world()
    settings_for(w.marketplace)
    removed = keyword(w.marketplace, "高仿")
    settings_services.risk_keyword_remove(actor=actor_for_system(w.marketplace), keyword_id=removed.pk)

    settings_for(w.marketplace)

    assert RiskKeyword.objects.filter(marketplace=w.marketplace).count() == 59
    assert not RiskKeyword.objects.filter(marketplace=w.marketplace, term_key="高仿").exists()


def test_risk_terms_are_the_enabled_keywords_with_the_weight_triage_tuned() -> None:
    w = screening_world()
    settings_for(w.marketplace)
    RiskKeyword.objects.filter(pk=keyword(w.marketplace, "高仿").pk).update(enabled=False)
    RiskKeyword.objects.filter(pk=keyword(w.marketplace, "replica").pk).update(tuned_weight=0.45)
    settings_services.risk_keyword_add(actor=actor_for_system(w.marketplace), term="Tribute", language="en", weight=0.3)

    terms = risk_terms(marketplace=w.marketplace)

    assert len(terms) == 60
    assert "高仿" not in {t.text for t in terms}
    assert [t for t in terms if t.text in ("replica", "replicas", "Tribute")] == [
        RiskTerm(text="replica", weight=0.45, language="en"),
        RiskTerm(text="replicas", weight=0.9, language="en"),
        RiskTerm(text="Tribute", weight=0.3, language="en"),
    ]
    assert risk_terms(marketplace=w.bazaar.organisation) == []


# Geographical indications ------------------------------------------------------------------------------------------


def test_the_shipped_indications_are_seeded_once_with_every_name_and_no_producers() -> None:
    shipped = default_gi_terms()

    terms = gi_terms()
    GeographicalIndication.objects.filter(name="Champagne").delete()
    again = gi_terms()

    assert {(t.text, t.gi, t.producers) for t in terms} == {(t.text, t.gi, frozenset()) for t in shipped}
    assert len(terms) == 79
    assert GeographicalIndication.objects.count() == len({t.gi for t in shipped}) - 1 == 44
    assert {t.gi for t in again} == {t.gi for t in shipped} - {"Champagne"}


def test_a_producer_is_a_producer_of_every_name_of_its_indication() -> None:
    w = screening_world()
    settings_services.gi_producer_add(actor=actor_for_system(w.marketplace), indication="Champagne", shop_id="shop-7")

    terms = gi_terms()

    producer = frozenset({(str(w.marketplace.pk), "shop-7")})
    assert sorted((t.text, t.producers) for t in terms if t.gi == "Champagne") == [
        ("Champagne", producer),
        ("香槟", producer),
    ]
    assert {t.producers for t in terms if t.gi != "Champagne"} == {frozenset()}


# Reference prices --------------------------------------------------------------------------------------------------


def test_a_published_guide_gives_its_marketplaces_a_price_per_right_and_no_other_marketplace_any() -> None:
    w = screening_world()
    rouge = rouge_right(w.holder.organisation)
    guide_published(w.holder.organisation, rights=["EM 018234567", "EM 018000002"], audience_marketplaces=["megamart"])

    to_megamart = reference_prices(marketplace=w.marketplace)
    to_bazaar = reference_prices(marketplace=w.bazaar.organisation)
    to_all = reference_prices(marketplace=None)

    expected = [
        ReferencePrice(mark_id=rouge.pk, product="AURORA Rouge lipstick 3.5 g", currency="EUR", price_minor=3900),
        ReferencePrice(
            mark_id=aurora_right().pk, product="AURORA Rouge lipstick 3.5 g", currency="EUR", price_minor=3900
        ),
    ]
    assert to_megamart == expected
    assert to_bazaar == []
    assert to_all == expected


def test_a_draft_and_a_withdrawn_guide_give_no_price() -> None:
    w = screening_world()
    holder = w.holder.organisation
    guide_written(holder, audience_all_marketplaces=True)
    withdrawn = guide_published(holder, title="AURORA Rouge gift set")
    sharing_services.guide_withdraw(actor=actor_for_system(holder), guide_id=withdrawn.pk)

    assert reference_prices(marketplace=w.marketplace) == []
    assert reference_prices(marketplace=None) == []


def test_malformed_price_entries_and_rights_not_in_the_register_are_skipped() -> None:
    w = screening_world()
    guide = guide_published(w.holder.organisation)
    version = GuideVersion.objects.get(guide=guide, number=guide.version)
    version.content["rights"].append({"office": "EM", "number": "099999999", "mark": "GONE", "kind": "trademark"})
    version.content["reference_prices"] = [
        {"product": "AURORA Rouge lipstick 3.5 g", "amount": 3900, "currency": "EUR"},
        {"product": "AURORA Rouge lipstick 3.5 g", "amount": "39.00", "currency": "EUR"},
        {"product": "AURORA Rouge lipstick 3.5 g", "amount": 39.0, "currency": "EUR"},
        {"product": "AURORA Rouge lipstick 3.5 g", "amount": True, "currency": "EUR"},
        {"product": "AURORA Rouge lipstick 3.5 g", "amount": 3900},
        {"product": "", "amount": 3900, "currency": "EUR"},
        {"amount": 3900, "currency": "EUR"},
        "AURORA Rouge lipstick 3.5 g: 39.00 EUR",
        None,
    ]
    version.save(update_fields=["content"])

    prices = reference_prices(marketplace=w.marketplace)

    assert prices == [
        ReferencePrice(
            mark_id=aurora_right().pk, product="AURORA Rouge lipstick 3.5 g", currency="EUR", price_minor=3900
        )
    ]


# Authorised shops --------------------------------------------------------------------------------------------------


def test_a_shop_authorised_today_on_a_marketplace_of_ipbridge_names_the_holders_that_authorise_it() -> None:
    w = screening_world()
    today = timezone.localdate()
    licensee = right_holder("Aurora Licensing Ltd", "aurora-licensing")
    held(licensee, aurora_right())
    seller_listed(w.holder.organisation, w.marketplace, valid_from=today - timedelta(days=30))
    seller_listed(licensee, w.marketplace, relation="licensee", valid_from=today, valid_until=today)
    seller_listed(w.holder.organisation, w.bazaar.organisation, shop_id="bazaar-3", valid_from=None)

    shops = authorised_shops()

    assert shops == {
        (str(w.marketplace.pk), "shop-1"): frozenset({str(w.holder.organisation.pk), str(licensee.pk)}),
        (str(w.bazaar.organisation.pk), "bazaar-3"): frozenset({str(w.holder.organisation.pk)}),
    }


def test_shops_not_authorised_today_by_a_verified_holder_of_the_right_on_a_marketplace_of_ipbridge_are_absent() -> None:
    w = screening_world()
    holder = w.holder.organisation
    today = timezone.localdate()
    seller_listed(holder, w.marketplace, shop_id="current", valid_from=today - timedelta(days=30))
    seller_listed(
        holder,
        w.marketplace,
        shop_id="ended",
        valid_from=today - timedelta(days=30),
        valid_until=today - timedelta(days=1),
    )
    seller_listed(holder, w.marketplace, shop_id="upcoming", valid_from=today + timedelta(days=1))
    seller_listed(
        holder, None, shop_id="elsewhere", marketplace_name="MegaMart", marketplace_url="https://megamart.example"
    )
    unverified = right_holder("Aurora Licensing Ltd", "aurora-licensing")
    held(unverified, aurora_right())
    seller_listed(unverified, w.marketplace, shop_id="unverified", valid_from=None)
    Organisation.objects.filter(pk=unverified.pk).update(verification_status="unverified")
    lapsed = right_holder("Aurora Former Licensee", "aurora-former")
    lapsed_claim = held(lapsed, aurora_right())
    seller_listed(lapsed, w.marketplace, shop_id="lapsed", valid_from=None)
    RightClaim.objects.filter(pk=lapsed_claim.pk).update(status=ClaimStatus.WITHDRAWN)

    shops = authorised_shops()

    assert AuthorisedSeller.objects.count() == 6
    assert shops == {(str(w.marketplace.pk), "current"): frozenset({str(holder.pk)})}


# The screener of a marketplace -------------------------------------------------------------------------------------


def test_a_counterfeit_from_a_shop_no_holder_authorises_is_flagged_for_the_mark_and_the_risk_keyword() -> None:
    w = screening_world()

    screener, thresholds = screener_for(w.marketplace)
    result = screener.screen_listing(offered(w.marketplace))

    assert {(f.detector, f.term, f.matched_text) for f in result.flags} == {
        ("mark", "AURORA", "AURORA"),
        ("risk_keyword", "高仿", "高仿"),
    }
    (mark,) = [f for f in result.flags if f.detector == "mark"]
    assert mark.right is not None
    assert (mark.right.id, mark.right.office, mark.right.number) == (aurora_right().pk, "EM", "018234567")
    assert mark.right.holders == frozenset({str(w.holder.organisation.pk)})
    assert thresholds == Thresholds(alert=0.5, hold=0.85)


def test_a_shop_the_holder_authorises_is_flagged_for_the_risk_keyword_only() -> None:
    w = screening_world()
    seller_listed(w.holder.organisation, w.marketplace, shop_id="aurora-official", valid_from=None)

    flags = flagged(w.marketplace, offered(w.marketplace, shop_id="aurora-official"))
    elsewhere = flagged(w.bazaar.organisation, offered(w.bazaar.organisation, shop_id="aurora-official"))

    assert flags == {("risk_keyword", "高仿", None)}
    assert elsewhere == {("mark", "AURORA", aurora_right().pk), ("risk_keyword", "高仿", None)}


def test_without_a_change_the_same_screener_is_returned() -> None:
    w = screening_world()

    first, _ = screener_for(w.marketplace)
    second, _ = screener_for(w.marketplace)
    for_none, _ = screener_for(None)

    assert second is first
    assert screener_for(None)[0] is for_none
    assert for_none is not first


def test_a_new_approved_claim_on_another_mark_is_seen_by_the_next_screener() -> None:
    w = screening_world()
    item = offered(w.marketplace, title="LUMIERA 高仿 口红")
    before, _ = screener_for(w.marketplace)
    assert flagged(w.marketplace, item) == {("risk_keyword", "高仿", None)}
    lumiera = right(number="018000031", mark="LUMIERA")

    held(right_holder("Lumiera Paris", "lumiera"), lumiera)
    after, _ = screener_for(w.marketplace)

    assert after is not before
    assert flagged(w.marketplace, item) == {("mark", "LUMIERA", lumiera.pk), ("risk_keyword", "高仿", None)}


def test_a_keyword_the_marketplace_disables_is_not_flagged_by_the_next_screener() -> None:
    w = screening_world()
    before, _ = screener_for(w.marketplace)

    settings_services.risk_keyword_update(
        actor=actor_for_system(w.marketplace), keyword_id=keyword(w.marketplace, "高仿").pk, enabled=False
    )
    after, _ = screener_for(w.marketplace)

    assert after is not before
    assert flagged(w.marketplace, offered(w.marketplace)) == {("mark", "AURORA", aurora_right().pk)}


def test_new_thresholds_and_look_alikes_switched_off_are_seen_by_the_next_screener() -> None:
    w = screening_world()
    before, _ = screener_for(w.marketplace)

    settings_services.screening_settings_update(
        actor=actor_for_system(w.marketplace),
        changes=settings_services.SettingsChanges(alert_threshold=0.4, hold_threshold=0.9, lookalikes=False),
    )
    after, thresholds = screener_for(w.marketplace)

    assert thresholds == Thresholds(alert=0.4, hold=0.9)
    assert after is not before
    assert [(f.detector, f.how) for f in after.screen_listing(offered(w.marketplace, title="AURORRA")).flags] == []
    assert [(f.detector, f.how) for f in before.screen_listing(offered(w.marketplace, title="AURORRA")).flags] == [
        ("mark", "edit")
    ]


def test_a_withdrawn_guide_no_longer_prices_the_next_screener() -> None:
    w = screening_world()
    holder = w.holder.organisation
    guide = guide_published(holder)
    cheap = offered(w.marketplace, title="AURORA Rouge lipstick 3.5 g", price_minor=900, currency="EUR")
    assert ("price", "AURORA", aurora_right().pk) in flagged(w.marketplace, cheap)

    sharing_services.guide_withdraw(actor=actor_for_system(holder), guide_id=guide.pk)

    assert flagged(w.marketplace, cheap) == {("mark", "AURORA", aurora_right().pk)}


def test_an_authorisation_starting_tomorrow_is_seen_by_the_screener_tomorrow(monkeypatch: pytest.MonkeyPatch) -> None:
    w = screening_world()
    today = timezone.localdate()
    seller_listed(w.holder.organisation, w.marketplace, shop_id="aurora-official", valid_from=today + timedelta(days=1))
    item = offered(w.marketplace, shop_id="aurora-official")
    assert ("mark", "AURORA", aurora_right().pk) in flagged(w.marketplace, item)

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + timedelta(days=1))

    assert flagged(w.marketplace, item) == {("risk_keyword", "高仿", None)}


def test_a_marketplace_that_loses_its_verification_no_longer_prices_from_guides_to_every_verified_one() -> None:
    w = screening_world()
    guide_published(w.holder.organisation, audience_all_marketplaces=True)
    cheap = offered(w.marketplace, title="AURORA Rouge lipstick 3.5 g", price_minor=900, currency="EUR")
    assert ("price", "AURORA", aurora_right().pk) in flagged(w.marketplace, cheap)

    Organisation.objects.filter(pk=w.marketplace.pk).update(verification_status="unverified")
    unverified = Organisation.objects.get(pk=w.marketplace.pk)

    assert flagged(unverified, cheap) == {("mark", "AURORA", aurora_right().pk)}


def test_the_marketplace_keeps_the_innocent_senses_of_the_shipped_words_and_names() -> None:
    w = screening_world()

    assert flagged(w.marketplace, offered(w.marketplace, "高仿 娃娃")) == {("risk_keyword", "高仿", None)}
    assert flagged(w.marketplace, offered(w.marketplace, "高仿真 硅胶娃娃")) == set()
    assert flagged(w.marketplace, offered(w.marketplace, "Warm fake fur coat")) == set()
    assert flagged(w.marketplace, offered(w.marketplace, "香槟色 连衣裙")) == set()
    assert ("geographical_indication", "香槟", None) in flagged(w.marketplace, offered(w.marketplace, "法国香槟 750ml"))


def test_a_process_asks_whether_the_catalogue_changed_at_most_once_a_window(settings: Any) -> None:
    w = screening_world()
    actor = actor_for_system(w.marketplace)
    listing = offered(w.marketplace, "限量款 清仓")
    settings.SCREENING_RECHECK_SECONDS = 3600
    first, _ = screener_for(w.marketplace)

    settings_services.risk_keyword_add(actor=actor, term="清仓", language="zh", weight=0.7)
    within, _ = screener_for(w.marketplace)
    settings.SCREENING_RECHECK_SECONDS = 0
    passed, _ = screener_for(w.marketplace)

    assert within is first
    assert [s.screen_listing(listing).risk_score for s in (within, passed)] == [0.0, 0.7]
