"""Shared information through the services: guides written, published as versions and read by their audience;
pictures typed by their bytes and kept for the versions that show them; authorised sellers that can only name the
right holder's own marks, ended, imported from CSV (all rows or none), checked shop by shop; who read what; the
export of a marketplace."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from ipbridge.accounts.models import AuditEvent, Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system, actor_for_user
from ipbridge.core.errors import Conflict, NotFound, PayloadTooLarge, PermissionDenied, ValidationFailed
from ipbridge.identity.models import ClaimStatus, RightClaim
from ipbridge.sharing import exports, images, imports, selectors, sellers, services
from ipbridge.sharing.currencies import amount_display, amount_parse
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideImage, GuideStatus, GuideVersion, ShareRead
from tests.factories import OrganisationFactory, member
from tests.identity.factories import held
from tests.sharing.factories import (
    GUIDE_FIELDS,
    JPEG,
    PDF,
    WEBP,
    aurora_right,
    guide_published,
    guide_written,
    holder_member,
    image_added,
    png,
    seller_listed,
    sharing_world,
)

pytestmark = pytest.mark.django_db


def stored() -> list[str]:
    root = Path(default_storage.location)  # type: ignore[attr-defined]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# Guides ------------------------------------------------------------------------------------------------------------


def test_a_verified_right_holder_writes_a_draft_that_only_it_reads() -> None:
    w = sharing_world()

    guide = guide_written(w.organisation, audience_all_marketplaces=True)

    assert (guide.status, guide.version, guide.unpublished_changes) == (GuideStatus.DRAFT, 0, True)
    assert [(r.office, r.number) for r in guide.rights.all()] == [("EM", "018234567")]
    assert guide.reference_prices == [{"product": "AURORA Rouge lipstick 3.5 g", "amount": 3900, "currency": "EUR"}]
    assert selectors.access_guide(actor=actor_for_system(w.organisation), guide_id=guide.pk) == guide
    with pytest.raises(NotFound):
        selectors.access_guide(actor=actor_for_system(w.megamart.organisation), guide_id=guide.pk)
    event = AuditEvent.objects.get(action="guide.created")
    assert (event.organisation, event.subject_id) == (w.organisation, str(guide.pk))


@pytest.mark.parametrize(
    ("kind", "verified", "code"),
    [
        (OrganisationKind.RIGHT_HOLDER, False, "not_verified"),
        (OrganisationKind.AGENT, True, "wrong_organisation_kind"),
        (OrganisationKind.MARKETPLACE, True, "wrong_organisation_kind"),
    ],
)
def test_only_verified_right_holders_write_guides(kind: str, verified: bool, code: str) -> None:
    organisation = OrganisationFactory(kind=kind, verification_status="verified" if verified else "unverified")
    held(organisation, aurora_right())

    with pytest.raises(PermissionDenied) as refused:
        guide_written(organisation)

    assert refused.value.code == code
    assert Guide.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"title": "x" * 201}, "title", "too_long"),
        ({"rights": []}, "rights", "required"),
        ({"rights": ["018234567"]}, "rights", "invalid_right"),
        ({"rights": ["CN 999"]}, "rights", "right_not_held"),
        ({"genuine_features": ["ok", "x" * 501]}, "genuine_features.1", "too_long"),
        ({"products": [f"p{i}" for i in range(51)]}, "products", "too_many"),
        (
            {"reference_prices": [{"product": "", "amount": 1, "currency": "EUR"}]},
            "reference_prices.0.product",
            "required",
        ),
        (
            {"reference_prices": [{"product": "a", "amount": -1, "currency": "EUR"}]},
            "reference_prices.0.amount",
            "invalid_amount",
        ),
        (
            {"reference_prices": [{"product": "a", "amount": 1.5, "currency": "EUR"}]},
            "reference_prices.0.amount",
            "invalid_amount",
        ),
        (
            {"reference_prices": [{"product": "a", "amount": 1, "currency": "EURO"}]},
            "reference_prices.0.currency",
            "invalid_currency",
        ),
        (
            {"reference_prices": [{"product": "a", "amount": 1, "currency": "XAU"}]},
            "reference_prices.0.currency",
            "invalid_currency",
        ),
        ({"audience_marketplaces": ["nowhere"]}, "audience_marketplaces", "unknown_marketplace"),
        ({"packaging": "nul\x00"}, "packaging", "invalid_characters"),
        ({"products": ["nul\x00"]}, "products", "invalid_characters"),
    ],
)
def test_a_guide_refused_names_the_field_and_writes_nothing(changes: dict[str, object], field: str, code: str) -> None:
    w = sharing_world()
    OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER, slug="not-a-marketplace")

    with pytest.raises(ValidationFailed) as refused:
        guide_written(w.organisation, **changes)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert (Guide.objects.count(), AuditEvent.objects.filter(action__startswith="guide.").count()) == (0, 0)


def test_a_currency_is_kept_upper_case_and_its_amount_in_minor_units() -> None:
    w = sharing_world()

    guide = guide_written(
        w.organisation,
        reference_prices=[
            {"product": "Lipstick", "amount": 3900, "currency": "eur"},
            {"product": "口红", "amount": 29900, "currency": "CNY"},
            {"product": "Lipstick", "amount": 5200, "currency": "JPY"},
        ],
    )

    assert [p["currency"] for p in guide.reference_prices] == ["EUR", "CNY", "JPY"]
    assert [amount_display(p["amount"], p["currency"]) for p in guide.reference_prices] == [
        "39.00 EUR",
        "299.00 CNY",
        "5200 JPY",
    ]
    assert amount_display(1234, "KWD") == "1.234 KWD"
    assert (amount_parse("39.5", "EUR"), amount_parse("39.555", "EUR"), amount_parse("39,50", "EUR")) == (
        3950,
        None,
        None,
    )
    assert (amount_parse("500", "JPY"), amount_parse("500.5", "JPY"), amount_parse("-1", "EUR")) == (500, None, None)
    assert (amount_parse("NaN", "EUR"), amount_parse("1", "ZZZ")) == (None, None)


def test_publishing_freezes_a_version_that_the_audience_reads_while_the_working_copy_changes() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation, audience_marketplaces=["megamart"])
    holder = actor_for_system(w.organisation)
    megamart = actor_for_system(w.megamart.organisation)

    services.guide_update(
        actor=holder, guide_id=guide.pk, changes=services.GuideChanges(title="AURORA Rouge lipstick (2027)")
    )
    before = services.guide_read(actor=megamart, guide_id=guide.pk)
    services.guide_publish(actor=holder, guide_id=guide.pk)
    after = services.guide_read(actor=megamart, guide_id=guide.pk)
    history = services.guide_read(actor=megamart, guide_id=guide.pk, version=1)
    own = services.guide_read(actor=holder, guide_id=guide.pk)

    assert (before.content["title"], before.version.number if before.version else None) == ("AURORA Rouge lipstick", 1)
    assert (after.content["title"], after.version.number if after.version else None) == (
        "AURORA Rouge lipstick (2027)",
        2,
    )
    assert history.content["title"] == "AURORA Rouge lipstick"
    assert (own.version, own.owned, own.content["title"]) == (None, True, "AURORA Rouge lipstick (2027)")
    assert list(GuideVersion.objects.filter(guide=guide).values_list("number", flat=True)) == [2, 1]
    assert list(ShareRead.objects.order_by("id").values_list("reader__slug", "subject", "version")) == [
        ("megamart", "guide", 1),
        ("megamart", "guide", 2),
        ("megamart", "guide", 1),
    ]
    with pytest.raises(NotFound):
        services.guide_read(actor=megamart, guide_id=guide.pk, version=3)


def test_a_version_holds_the_rights_features_prices_and_pictures_as_published() -> None:
    w = sharing_world()
    guide = guide_written(w.organisation, audience_authorities=True)
    image = image_added(guide)

    services.guide_publish(actor=actor_for_system(w.organisation), guide_id=guide.pk)

    content = GuideVersion.objects.get(guide=guide).content
    assert content == {
        "title": GUIDE_FIELDS["title"],
        "summary": GUIDE_FIELDS["summary"],
        "rights": [{"office": "EM", "number": "018234567", "mark": "AURORA", "kind": "trademark"}],
        "products": GUIDE_FIELDS["products"],
        "genuine_features": GUIDE_FIELDS["genuine_features"],
        "counterfeit_features": GUIDE_FIELDS["counterfeit_features"],
        "packaging": GUIDE_FIELDS["packaging"],
        "serial_schemes": GUIDE_FIELDS["serial_schemes"],
        "reference_prices": GUIDE_FIELDS["reference_prices"],
        "images": [
            {
                "id": image.pk,
                "caption": "Genuine base",
                "sha256": image.sha256,
                "content_type": "image/png",
                "size": image.size,
            }
        ],
    }


def test_publishing_needs_a_feature_an_audience_and_changes() -> None:
    w = sharing_world()
    holder = actor_for_system(w.organisation)
    bare = guide_written(w.organisation, genuine_features=[], counterfeit_features=[], audience_authorities=True)
    nobody = guide_written(w.organisation)

    with pytest.raises(ValidationFailed) as no_features:
        services.guide_publish(actor=holder, guide_id=bare.pk)
    with pytest.raises(ValidationFailed) as no_audience:
        services.guide_publish(actor=holder, guide_id=nobody.pk)
    services.guide_update(actor=holder, guide_id=nobody.pk, changes=services.GuideChanges(audience_authorities=True))
    services.guide_publish(actor=holder, guide_id=nobody.pk)
    with pytest.raises(Conflict) as unchanged:
        services.guide_publish(actor=holder, guide_id=nobody.pk)

    assert (no_features.value.code, no_features.value.field) == ("no_features", "genuine_features")
    assert (no_audience.value.code, no_audience.value.field) == ("no_audience", "audience_marketplaces")
    assert unchanged.value.code == "nothing_to_publish"
    assert GuideVersion.objects.filter(guide=nobody).count() == 1
    assert not GuideVersion.objects.filter(guide=bare).exists()


def test_an_edit_that_brings_the_working_copy_back_to_the_published_version_leaves_nothing_to_publish() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    holder = actor_for_system(w.organisation)

    changed = services.guide_update(actor=holder, guide_id=guide.pk, changes=services.GuideChanges(title="Other"))
    back = services.guide_update(
        actor=holder, guide_id=guide.pk, changes=services.GuideChanges(title=GUIDE_FIELDS["title"])
    )

    assert (changed.unpublished_changes, back.unpublished_changes) == (True, False)


def test_a_guide_whose_right_is_no_longer_held_is_not_published_again() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    services.guide_update(
        actor=actor_for_system(w.organisation), guide_id=guide.pk, changes=services.GuideChanges(title="New")
    )
    RightClaim.objects.filter(organisation=w.organisation).update(status=ClaimStatus.WITHDRAWN)

    with pytest.raises(ValidationFailed) as refused:
        services.guide_publish(actor=actor_for_system(w.organisation), guide_id=guide.pk)

    assert (refused.value.code, refused.value.field) == ("right_not_held", "rights")


def test_withdrawing_hides_the_guide_from_its_audience_and_publishing_shows_it_again_as_it_was() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    holder = actor_for_system(w.organisation)
    megamart = actor_for_system(w.megamart.organisation)

    services.guide_withdraw(actor=holder, guide_id=guide.pk)
    with pytest.raises(NotFound):
        services.guide_read(actor=megamart, guide_id=guide.pk)
    with pytest.raises(Conflict):
        services.guide_withdraw(actor=holder, guide_id=guide.pk)
    again = services.guide_publish(actor=holder, guide_id=guide.pk)

    assert (again.status, again.version) == (GuideStatus.PUBLISHED, 1)
    assert services.guide_read(actor=megamart, guide_id=guide.pk).content["title"] == GUIDE_FIELDS["title"]
    assert list(AuditEvent.objects.filter(subject_id=str(guide.pk)).values_list("action", flat=True))[:3] == [
        "guide.published",
        "guide.withdrawn",
        "guide.published",
    ]


def test_only_a_guide_never_published_is_deleted_with_its_pictures() -> None:
    w = sharing_world()
    holder = actor_for_system(w.organisation)
    draft = guide_written(w.organisation)
    image_added(draft, png(3, 3))
    published = guide_published(w.organisation)

    services.guide_delete(actor=holder, guide_id=draft.pk)
    with pytest.raises(Conflict) as refused:
        services.guide_delete(actor=holder, guide_id=published.pk)

    assert refused.value.code == "published_before"
    assert list(Guide.objects.values_list("pk", flat=True)) == [published.pk]
    assert (GuideImage.objects.count(), stored()) == (0, [])


# Who sees a guide --------------------------------------------------------------------------------------------------


def test_each_audience_sees_exactly_the_guides_addressed_to_it() -> None:
    w = sharing_world()
    other_marketplace = member(OrganisationKind.MARKETPLACE, slug="shopzilla", verification_status="verified")
    unverified_authority = member(OrganisationKind.AUTHORITY, slug="customs")
    agent = member(OrganisationKind.AGENT, verification_status="verified")
    mediator = member(OrganisationKind.MEDIATOR, verification_status="verified")
    rival = holder_member(name="Rival", slug="rival")
    operator = member(OrganisationKind.OPERATOR)
    named = guide_published(w.organisation, title="named", audience_marketplaces=["megamart", "little-bazaar"])
    everyone = guide_published(w.organisation, title="all", audience_all_marketplaces=True)
    authorities = guide_published(w.organisation, title="authorities", audience_authorities=True)
    draft = guide_written(w.organisation, title="draft", audience_all_marketplaces=True, audience_authorities=True)

    def seen(membership: object) -> list[str]:
        actor = actor_for_system(membership.organisation)  # type: ignore[attr-defined]
        return sorted(g.title for g in selectors.guides_visible(actor=actor))

    assert seen(w.holder) == ["all", "authorities", "draft", "named"]
    assert seen(w.megamart) == ["all", "named"]
    assert seen(w.bazaar) == ["named"]  # named, though not verified; not among "all verified marketplaces"
    assert seen(other_marketplace) == ["all"]
    assert seen(w.authority) == ["authorities"]
    assert seen(unverified_authority) == []
    assert seen(w.merchant) == seen(agent) == seen(mediator) == seen(rival) == []
    assert seen(operator) == ["all", "authorities", "named"]
    for guide in (named, everyone, authorities, draft):
        for stranger in (w.merchant, agent, mediator, rival):
            with pytest.raises(NotFound):
                selectors.access_guide(actor=actor_for_system(stranger.organisation), guide_id=guide.pk)


def test_the_guides_of_a_right_holder_that_lost_its_verification_are_no_longer_shown() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    Organisation.objects.filter(pk=w.organisation.pk).update(verification_status="rejected")

    with pytest.raises(NotFound):
        selectors.access_guide(actor=actor_for_system(w.megamart.organisation), guide_id=guide.pk)


def test_the_audience_applies_at_once_to_the_published_version() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation, audience_marketplaces=["megamart"])
    bazaar = actor_for_system(w.bazaar.organisation)

    services.guide_update(
        actor=actor_for_system(w.organisation),
        guide_id=guide.pk,
        changes=services.GuideChanges(audience_marketplaces=["little-bazaar"]),
    )

    assert services.guide_read(actor=bazaar, guide_id=guide.pk).version is not None
    with pytest.raises(NotFound):
        services.guide_read(actor=actor_for_system(w.megamart.organisation), guide_id=guide.pk)
    assert Guide.objects.get(pk=guide.pk).unpublished_changes is False


def test_the_audience_and_an_operator_may_not_change_a_guide_they_see() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    operator = member(OrganisationKind.OPERATOR)

    for organisation in (w.megamart.organisation, operator.organisation):
        with pytest.raises(PermissionDenied):
            services.guide_update(
                actor=actor_for_system(organisation), guide_id=guide.pk, changes=services.GuideChanges(title="x")
            )
    assert Guide.objects.get(pk=guide.pk).title == GUIDE_FIELDS["title"]


# Pictures ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"), [(png(), "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]
)
def test_a_picture_is_typed_by_its_bytes_and_stored_by_its_sha256(content: bytes, content_type: str) -> None:
    w = sharing_world()
    guide = guide_written(w.organisation)

    image = image_added(guide, content)

    assert (image.content_type, image.size) == (content_type, len(content))
    assert image.storage_name == f"sharing/{image.sha256[:2]}/{image.sha256}"
    assert stored() == [image.storage_name]
    assert Guide.objects.get(pk=guide.pk).unpublished_changes is True


@pytest.mark.parametrize(
    ("content", "code"),
    [(PDF, "unsupported_file_type"), (b"GIF89a" + b"\x00" * 20, "unsupported_file_type"), (b"", "empty_file")],
)
def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_stored(content: bytes, code: str) -> None:
    w = sharing_world()
    guide = guide_written(w.organisation)

    with pytest.raises(ValidationFailed) as refused:
        services.guide_image_add(actor=actor_for_system(w.organisation), guide_id=guide.pk, upload=content)

    assert (refused.value.code, refused.value.field) == (code, "file")
    assert (GuideImage.objects.count(), stored()) == (0, [])


def test_a_picture_past_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    w = sharing_world()
    guide = guide_written(w.organisation)
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 100)

    with pytest.raises(PayloadTooLarge) as refused:
        image_added(guide, png(40, 40, (1, 2, 3)) + b"\x00" * 200)

    assert (refused.value.code, refused.value.field) == ("file_too_large", "file")
    assert (GuideImage.objects.count(), stored()) == (0, [])


def test_a_picture_taken_out_stays_for_the_versions_that_show_it() -> None:
    w = sharing_world()
    holder = actor_for_system(w.organisation)
    megamart = actor_for_system(w.megamart.organisation)
    guide = guide_written(w.organisation, audience_marketplaces=["megamart"])
    shown = image_added(guide, png(3, 3), caption="shown in version 1")
    services.guide_publish(actor=holder, guide_id=guide.pk)
    draft_only = image_added(guide, png(4, 4), caption="never published")

    services.guide_image_remove(actor=holder, guide_id=guide.pk, image_id=shown.pk)
    services.guide_image_remove(actor=holder, guide_id=guide.pk, image_id=draft_only.pk)

    assert list(selectors.guide_images(guide=guide)) == []
    assert GuideImage.objects.get(pk=shown.pk).removed_at is not None
    assert not GuideImage.objects.filter(pk=draft_only.pk).exists()
    assert stored() == [shown.storage_name]
    _image, stream = services.guide_image_open(actor=megamart, guide_id=guide.pk, image_id=shown.pk)
    with stream:
        assert stream.read() == png(3, 3)
    assert Guide.objects.get(pk=guide.pk).unpublished_changes is True


def test_a_picture_not_yet_published_is_not_served_to_the_audience() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    later = image_added(guide)

    with pytest.raises(NotFound):
        services.guide_image_open(actor=actor_for_system(w.megamart.organisation), guide_id=guide.pk, image_id=later.pk)
    _image, stream = services.guide_image_open(
        actor=actor_for_system(w.organisation), guide_id=guide.pk, image_id=later.pk
    )
    stream.close()

    assert ShareRead.objects.count() == 0


def test_a_guide_shows_at_most_twenty_pictures() -> None:
    w = sharing_world()
    guide = guide_written(w.organisation)
    for n in range(services.MAX_IMAGES):
        image_added(guide, png(1, 1, (n, 0, 0)))

    with pytest.raises(ValidationFailed) as refused:
        image_added(guide, png(1, 1, (0, 0, 99)))

    assert (refused.value.code, GuideImage.objects.count()) == ("too_many_images", services.MAX_IMAGES)
    assert len(stored()) == services.MAX_IMAGES


def test_the_same_picture_in_two_guides_is_stored_once_and_kept_while_one_shows_it() -> None:
    w = sharing_world()
    first = guide_written(w.organisation)
    second = guide_written(w.organisation)
    image_added(first)
    image_added(second)

    services.guide_delete(actor=actor_for_system(w.organisation), guide_id=first.pk)

    assert len(stored()) == 1
    assert GuideImage.objects.get().guide == second


# Who read what -----------------------------------------------------------------------------------------------------


def test_reads_by_other_organisations_are_recorded_with_who_when_and_which_version() -> None:
    w = sharing_world()
    person = w.megamart.user
    guide = guide_written(w.organisation, audience_all_marketplaces=True, audience_authorities=True)
    image = image_added(guide)
    services.guide_publish(actor=actor_for_system(w.organisation), guide_id=guide.pk)
    megamart = actor_for_user(person)
    assert megamart is not None

    services.guide_read(actor=megamart, guide_id=guide.pk)
    _image, stream = services.guide_image_open(actor=megamart, guide_id=guide.pk, image_id=image.pk)
    stream.close()
    services.guide_read(actor=actor_for_system(w.authority.organisation), guide_id=guide.pk)
    services.guide_read(actor=actor_for_system(w.organisation), guide_id=guide.pk)

    reads = list(ShareRead.objects.order_by("id"))
    assert [(r.reader.slug, r.reader_label, r.subject, r.version, r.image_id) for r in reads] == [
        ("megamart", person.email, "guide", 1, None),
        ("megamart", person.email, "guide_image", 1, image.pk),
        ("market-supervision", "command line", "guide", 1, None),
    ]
    assert all(r.holder == w.organisation and r.at <= timezone.now() for r in reads)
    counts = selectors.read_counts(actor=actor_for_system(w.organisation))
    assert [(c.slug, c.reads, c.guide_reads, c.image_reads, c.seller_reads) for c in counts] == [
        ("megamart", 2, 1, 1, 0),
        ("market-supervision", 1, 1, 0, 0),
    ]
    assert list(selectors.reads_visible(actor=actor_for_system(w.megamart.organisation))) == []


# Authorised sellers ----------------------------------------------------------------------------------------------


def test_a_seller_names_a_mark_the_right_holder_holds_and_is_resolved_to_its_right() -> None:
    w = sharing_world()

    by_brand = seller_listed(w.organisation, w.megamart.organisation, brand="  aurora ")
    by_right = seller_listed(w.organisation, w.megamart.organisation, brand="", right="EM 018234567", shop_id="s-2")
    off_platform = seller_listed(
        w.organisation,
        None,
        shop_id="77",
        marketplace_name="Corner Market",
        marketplace_url="https://corner.example",
        relation="reseller",
    )

    assert (by_brand.brand, by_brand.brand_key, by_brand.right.number) == ("aurora", "aurora", "018234567")
    assert (by_right.brand, by_right.marketplace_key) == ("AURORA", f"id:{w.megamart.organisation.pk}")
    assert (off_platform.marketplace, off_platform.marketplace_key) == (None, "name:corner market")
    assert AuditEvent.objects.filter(action="seller.added").count() == 3


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"brand": "NIKE"}, "brand", "brand_not_held"),
        ({"brand": ""}, "brand", "required"),
        ({"brand": "", "right": "EM 1"}, "right", "right_not_held"),
        ({"brand": "NIKE", "right": "EM 018234567"}, "brand", "brand_not_of_right"),
        ({"marketplace": "nowhere"}, "marketplace", "unknown_marketplace"),
        ({"marketplace": ""}, "marketplace", "required"),
        ({"marketplace_name": "Corner"}, "marketplace", "marketplace_and_name"),
        ({"marketplace": "", "marketplace_name": "Corner"}, "marketplace_url", "required"),
        (
            {"marketplace": "", "marketplace_name": "Corner", "marketplace_url": "ftp://x"},
            "marketplace_url",
            "invalid_url",
        ),
        ({"shop_id": " "}, "shop_id", "required"),
        ({"relation": "friend"}, "relation", "invalid_choice"),
        ({"valid_from": date(2026, 5, 1), "valid_until": date(2026, 4, 30)}, "valid_until", "ends_before_start"),
        ({"shop_name": "a\x00"}, "shop_name", "invalid_characters"),
    ],
)
def test_a_seller_refused_names_the_field_and_writes_nothing(fields: dict[str, object], field: str, code: str) -> None:
    w = sharing_world()

    with pytest.raises(ValidationFailed) as refused:
        seller_listed(w.organisation, w.megamart.organisation, **fields)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert AuthorisedSeller.objects.count() == 0


def test_the_same_shop_is_listed_once_per_brand_and_marketplace() -> None:
    w = sharing_world()
    first = seller_listed(w.organisation, w.megamart.organisation)

    with pytest.raises(Conflict) as refused:
        seller_listed(w.organisation, w.megamart.organisation, brand="Aurora", relation="licensee")

    assert (refused.value.code, refused.value.details) == ("already_listed", {"seller_id": first.pk})
    assert seller_listed(w.organisation, w.bazaar.organisation).pk != first.pk


def test_a_seller_changed_keeps_what_is_not_given_and_ending_it_sets_its_last_day() -> None:
    w = sharing_world()
    holder = actor_for_system(w.organisation)
    seller = seller_listed(w.organisation, w.megamart.organisation)

    changed = sellers.seller_update(actor=holder, seller_id=seller.pk, changes={"shop_name": "Aurora Outlet"})
    moved = sellers.seller_update(
        actor=holder,
        seller_id=seller.pk,
        changes={"marketplace_name": "Corner Market", "marketplace_url": "https://corner.example"},
    )
    ended = sellers.seller_end(actor=holder, seller_id=seller.pk, on=date(2026, 10, 31))
    with pytest.raises(Conflict) as twice:
        sellers.seller_end(actor=holder, seller_id=seller.pk, on=date(2026, 11, 30))
    with pytest.raises(ValidationFailed) as too_early:
        sellers.seller_end(actor=holder, seller_id=seller.pk, on=date(2025, 12, 31))

    assert (changed.shop_name, changed.brand, changed.relation) == ("Aurora Outlet", "AURORA", "own_shop")
    assert (moved.marketplace, moved.marketplace_name, moved.shop_name) == (None, "Corner Market", "Aurora Outlet")
    assert ended.valid_until == date(2026, 10, 31)
    assert (twice.value.code, too_early.value.field) == ("already_ended", "on")
    assert list(AuditEvent.objects.filter(action__startswith="seller.").values_list("action", flat=True)) == [
        "seller.ended",
        "seller.changed",
        "seller.changed",
        "seller.added",
    ]


def test_a_marketplace_sees_the_sellers_listed_on_it_and_its_read_is_recorded() -> None:
    w = sharing_world()
    on_megamart = seller_listed(w.organisation, w.megamart.organisation)
    seller_listed(w.organisation, w.bazaar.organisation)
    lapsed = holder_member(name="Lapsed Brand", slug="lapsed")
    seller_listed(lapsed.organisation, w.megamart.organisation, shop_id="l-1")
    Organisation.objects.filter(pk=lapsed.organisation.pk).update(verification_status="rejected")
    megamart = actor_for_system(w.megamart.organisation)

    listed = list(sellers.sellers_read(actor=megamart))

    assert listed == [on_megamart]
    assert list(ShareRead.objects.values_list("holder__slug", "reader__slug", "subject")) == [
        ("aurora", "megamart", "seller_list")
    ]
    assert list(sellers.sellers_read(actor=actor_for_system(w.merchant.organisation))) == []
    with pytest.raises(NotFound):
        selectors.access_seller(actor=actor_for_system(w.bazaar.organisation), seller_id=on_megamart.pk)


def test_a_shop_is_authorised_while_its_entry_is_valid_and_its_right_holder_verified_and_holding_the_right() -> None:
    w = sharing_world()
    megamart = w.megamart.organisation
    today = timezone.localdate()
    seller_listed(w.organisation, megamart, shop_id="current", valid_from=today - timedelta(days=1))
    seller_listed(w.organisation, megamart, shop_id="ended", valid_until=today - timedelta(days=1))
    seller_listed(w.organisation, megamart, shop_id="upcoming", valid_from=today + timedelta(days=1))
    seller_listed(w.organisation, megamart, shop_id="last-day", valid_until=today)

    def authorised(shop: str, mark: str = "AURORA") -> bool:
        return selectors.seller_authorised(marketplace_id=megamart.pk, shop_id=shop, mark=mark)

    assert [authorised(s) for s in ("current", "ended", "upcoming", "last-day", "unknown")] == [
        True,
        False,
        False,
        True,
        False,
    ]
    assert (authorised("current", "ａｕｒｏｒａ"), authorised("current", "LUMINA"), authorised("", "AURORA")) == (
        True,
        False,
        False,
    )
    assert not selectors.seller_authorised(marketplace_id=w.bazaar.organisation.pk, shop_id="current", mark="AURORA")
    RightClaim.objects.filter(organisation=w.organisation).update(status=ClaimStatus.WITHDRAWN)
    assert not authorised("current")
    RightClaim.objects.filter(organisation=w.organisation).update(status=ClaimStatus.APPROVED)
    Organisation.objects.filter(pk=w.organisation.pk).update(verification_status="unverified")
    assert not authorised("current")


def test_a_marketplace_checks_its_own_shops_and_is_told_when_an_authorisation_ended() -> None:
    w = sharing_world()
    seller_listed(
        w.organisation,
        w.megamart.organisation,
        shop_id="mm-5120",
        relation="authorised_distributor",
        valid_until=date(2026, 10, 31),
    )
    megamart = actor_for_system(w.megamart.organisation)

    ended = sellers.seller_check(actor=megamart, brand="Aurora", shop_id="mm-5120")
    unknown = sellers.seller_check(actor=megamart, brand="AURORA", shop_id="mm-0000")
    with pytest.raises(PermissionDenied) as other:
        sellers.seller_check(actor=megamart, brand="AURORA", shop_id="mm-5120", marketplace="little-bazaar")
    with pytest.raises(PermissionDenied) as merchant:
        sellers.seller_check(actor=actor_for_system(w.merchant.organisation), brand="AURORA", shop_id="mm-5120")
    operator = actor_for_system(member(OrganisationKind.OPERATOR).organisation)
    with pytest.raises(ValidationFailed) as unnamed:
        sellers.seller_check(actor=operator, brand="AURORA", shop_id="mm-5120")
    by_operator = sellers.seller_check(actor=operator, brand="AURORA", shop_id="mm-5120", marketplace="megamart")

    assert (ended.authorised, ended.seller.valid_until if ended.seller else None) == (False, date(2026, 10, 31))
    assert (unknown.authorised, unknown.seller) == (False, None)
    assert (other.value.code, merchant.value.code, unnamed.value.field) == (
        "own_marketplace_only",
        "wrong_organisation_kind",
        "marketplace",
    )
    assert by_operator.marketplace == w.megamart.organisation
    assert list(ShareRead.objects.order_by("id").values_list("reader__slug", "subject", "details__authorised")) == [
        ("megamart", "seller_check", False),
        (operator.organisation.slug, "seller_check", False),
    ]


# Import ------------------------------------------------------------------------------------------------------------

HEADER = "brand,right,marketplace,marketplace_name,marketplace_url,shop_id,shop_name,relation,valid_from,valid_until\n"


def test_a_csv_file_is_imported_whole_and_a_second_import_changes_what_changed() -> None:
    w = sharing_world()
    holder = actor_for_system(w.organisation)
    first = (
        "\ufeff"
        + HEADER
        + "AURORA,,megamart,,,mm-1,Aurora Official,own_shop,2026-01-01,\n"
        + ',EM 018234567,,Corner Market,https://corner.example,c-9,"Corner, Lyon",reseller,,2026-12-31\n'
        + "\n"
        + "aurora,,little-bazaar,,,lb-3,Bazaar Beauty,licensee,,\n"
    )

    outcome = imports.sellers_import(actor=holder, upload=first.encode())
    again = imports.sellers_import(
        actor=holder, upload=(HEADER + "AURORA,,megamart,,,mm-1,Aurora Official Store,own_shop,2026-01-01,\n").encode()
    )

    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 0)
    assert sorted(AuthorisedSeller.objects.values_list("shop_id", "shop_name", "marketplace_key")) == [
        ("c-9", "Corner, Lyon", "name:corner market"),
        ("lb-3", "Bazaar Beauty", f"id:{w.bazaar.organisation.pk}"),
        ("mm-1", "Aurora Official Store", f"id:{w.megamart.organisation.pk}"),
    ]
    assert AuditEvent.objects.filter(action="seller.imported").count() == 2


def test_a_csv_file_with_a_refused_row_imports_nothing_and_names_each_refused_row() -> None:
    w = sharing_world()
    content = (
        HEADER
        + "AURORA,,megamart,,,mm-1,,own_shop,,\n"
        + "NIKE,,megamart,,,mm-2,,own_shop,,\n"
        + "AURORA,,megamart,,,mm-3,,partner,,\n"
        + "AURORA,,megamart,,,mm-4,,own_shop,2026-13-01,\n"
        + "AURORA,,megamart,,,mm-1,,licensee,,\n"
        + "AURORA,megamart\n"
    )

    with pytest.raises(ValidationFailed) as refused:
        imports.sellers_import(actor=actor_for_system(w.organisation), upload=content.encode())

    assert (refused.value.code, refused.value.field) == ("rows_refused", "file")
    assert refused.value.details["refused"] == 5
    assert [(r["row"], r["field"], r["code"]) for r in refused.value.details["rows"]] == [
        (3, "brand", "brand_not_held"),
        (4, "relation", "invalid_choice"),
        (5, "valid_from", "invalid_date"),
        (6, "shop_id", "duplicate_row"),
        (7, "file", "wrong_column_count"),
    ]
    assert "5 of 6 rows were refused" in refused.value.message
    assert (AuthorisedSeller.objects.count(), AuditEvent.objects.filter(action__startswith="seller.").count()) == (0, 0)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"shop_id,relation\n", "invalid_header"),
        (b"brand,marketplace,shop_id,relation,colour\n", "invalid_header"),
        (b"brand,marketplace,shop_id,relation\n\xff\xfe", "not_utf8"),
        (b'brand,marketplace,shop_id,relation\n"AURORA', "unreadable_csv"),
    ],
)
def test_a_file_that_is_not_a_list_of_sellers_is_refused_as_a_whole(content: bytes, code: str) -> None:
    w = sharing_world()

    with pytest.raises(ValidationFailed) as refused:
        imports.sellers_import(actor=actor_for_system(w.organisation), upload=content)

    assert (refused.value.code, refused.value.field) == (code, "file")
    assert AuthorisedSeller.objects.count() == 0


def test_a_csv_file_past_the_size_cap_is_refused_while_it_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    w = sharing_world()
    monkeypatch.setattr(imports, "MAX_BYTES", 200)
    content = HEADER + "".join(f"AURORA,,megamart,,,mm-{n},,own_shop,,\n" for n in range(20))

    with pytest.raises(PayloadTooLarge):
        imports.sellers_import(actor=actor_for_system(w.organisation), upload=io.BytesIO(content.encode()))

    assert AuthorisedSeller.objects.count() == 0


# The export --------------------------------------------------------------------------------------------------------


def test_the_export_holds_what_the_marketplace_is_entitled_to_and_records_the_reads() -> None:
    w = sharing_world()
    for_megamart = guide_published(w.organisation, title="for MegaMart", audience_marketplaces=["megamart"])
    guide_published(w.organisation, title="for the bazaar", audience_marketplaces=["little-bazaar"])
    guide_written(w.organisation, title="draft", audience_marketplaces=["megamart"])
    seller = seller_listed(w.organisation, w.megamart.organisation, shop_name="=HYPERLINK(1)")
    seller_listed(w.organisation, w.bazaar.organisation)

    built = exports.export_build(actor=actor_for_system(w.megamart.organisation))
    document = exports.export_document(built)
    rows = list(csv.DictReader(io.StringIO("".join(exports.export_csv_lines(built)).lstrip("\ufeff"))))

    assert [g["title"] for g in document["guides"]] == ["for MegaMart"]
    assert document["guides"][0]["version"] == 1
    assert [s["id"] for s in document["authorised_sellers"]] == [seller.pk]
    assert [(r["record"], r["title"] or r["shop_id"]) for r in rows] == [
        ("guide", "for MegaMart"),
        ("authorised_seller", "shop-1"),
    ]
    assert rows[0]["genuine_features"] == " | ".join(GUIDE_FIELDS["genuine_features"])
    assert rows[0]["reference_prices"] == "AURORA Rouge lipstick 3.5 g: 39.00 EUR"
    assert rows[1]["shop_name"] == "'=HYPERLINK(1)"
    assert built.file_name("csv") == f"ipbridge-sharing-megamart-{timezone.now():%Y-%m-%d}.csv"
    assert list(ShareRead.objects.order_by("id").values_list("subject", "guide_id", "version")) == [
        ("export", for_megamart.pk, 1),
        ("export", None, None),
    ]
    with pytest.raises(PermissionDenied):
        exports.export_build(actor=actor_for_system(w.authority.organisation))
