"""The demo world: every kind of organisation, with a person in each, that later features build on.

Idempotent: running it again changes nothing that is already there. Demo people share one password and each has
a fixed two-factor secret derived from their e-mail address, so the demo can be used without a phone; the demo
refuses to load unless IPBRIDGE_DEMO is on (it is off whenever DEBUG is off, unless set explicitly).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts import services
from ipbridge.accounts.models import Membership, Organisation, Role, User
from ipbridge.identity.demo import demo_authentication_load
from ipbridge.marketplaces.demo import demo_directory_load
from ipbridge.notices.demo import demo_notices_load
from ipbridge.rights.demo import demo_register_load
from ipbridge.screening.demo import demo_screening_load
from ipbridge.sharing.demo import demo_sharing_load

DEMO_PASSWORD = "ipbridge-demo-2026"  # noqa: S105 — documented demo credential, refused outside demo mode


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: str
    country: str
    status: str  # verification status the organisation starts with
    people: tuple[tuple[str, str, str], ...]  # (e-mail, full name, role)


WORLD = (
    DemoOrganisation(
        "ipbridge-operations",
        "IPBridge Operations",
        "operator",
        "",
        "verified",
        (("operator@ipbridge.demo", "Olivia Operator", Role.ADMIN),),
    ),
    DemoOrganisation(
        "aurora-cosmetics",
        "Aurora Cosmetics S.A.",
        "right_holder",
        "FR",
        "unverified",
        (("brand@aurora.demo", "Amélie Laurent", Role.ADMIN), ("analyst@aurora.demo", "Marc Dubois", Role.MEMBER)),
    ),
    DemoOrganisation(
        "lumina-electronics",
        "深圳流明电子有限公司 Lumina Electronics",
        "right_holder",
        "CN",
        "unverified",
        (("ip@lumina.demo", "Chen Jing 陈静", Role.ADMIN),),
    ),
    DemoOrganisation(
        "brandguard",
        "BrandGuard IP Services",
        "agent",
        "DE",
        "unverified",
        (("agent@brandguard.demo", "Lena Fischer", Role.ADMIN),),
    ),
    DemoOrganisation(
        "megamart",
        "MegaMart",
        "marketplace",
        "DE",
        "verified",
        (("trust@megamart.demo", "Sam Becker", Role.ADMIN), ("reviewer@megamart.demo", "Priya Nair", Role.REVIEWER)),
    ),
    DemoOrganisation(
        "little-bazaar",
        "Little Bazaar",
        "marketplace",
        "PT",
        "unverified",
        (("owner@littlebazaar.demo", "Rui Costa", Role.ADMIN),),
    ),
    DemoOrganisation(
        "livebuy",
        "LiveBuy 直播购",
        "marketplace",
        "CN",
        "verified",
        (("safety@livebuy.demo", "Wang Lei 王磊", Role.ADMIN),),
    ),
    DemoOrganisation(
        "golden-dragon-trading",
        "金龙贸易 Golden Dragon Trading",
        "merchant",
        "CN",
        "unverified",
        (("shop@goldendragon.demo", "Li Na 李娜", Role.ADMIN),),
    ),
    DemoOrganisation(
        "bright-deals",
        "Bright Deals Shop",
        "merchant",
        "PL",
        "unverified",
        (("seller@brightdeals.demo", "Piotr Nowak", Role.ADMIN),),
    ),
    DemoOrganisation(
        "star-streamers",
        "星光主播 Star Streamers MCN",
        "merchant",
        "CN",
        "unverified",
        (("mcn@starstreamers.demo", "Zhao Min 赵敏", Role.ADMIN),),
    ),
    DemoOrganisation(
        "shenzhen-ip-mediation",
        "深圳知识产权调解中心 Shenzhen IP Mediation Centre",
        "mediator",
        "CN",
        "verified",
        (("mediator@szmediation.demo", "Huang Wei 黄伟", Role.ADMIN),),
    ),
    DemoOrganisation(
        "market-supervision",
        "市场监督管理局 Market Supervision Bureau",
        "authority",
        "CN",
        "verified",
        (("officer@amr.demo", "Sun Hui 孙慧", Role.ADMIN),),
    ),
)


def demo_totp_key(email: str) -> bytes:
    return hashlib.sha256(f"ipbridge-demo-totp:{email}".encode()).digest()[:20]


def demo_totp_secret(email: str) -> str:
    """The base32 secret to type into an authenticator app."""
    return base64.b32encode(demo_totp_key(email)).decode()


def demo_totp_code(email: str) -> str:
    totp = TOTP(demo_totp_key(email))
    return f"{totp.token():06d}"


def demo_people() -> list[tuple[str, str, str]]:
    """(e-mail, organisation, role) of every demo person."""
    return [(email, org.name, str(role)) for org in WORLD for email, _name, role in org.people]


def _ensure_organisation(spec: DemoOrganisation) -> Organisation:
    """Created once with its starting status; later runs leave what people changed since."""
    organisation = Organisation.objects.filter(slug=spec.slug).first()
    if organisation is None:
        organisation = services.organisation_create(
            name=spec.name, kind=spec.kind, country=spec.country, allow_operator=True
        )
        Organisation.objects.filter(pk=organisation.pk).update(slug=spec.slug, verification_status=spec.status)
        organisation.refresh_from_db()
    return organisation


def _ensure_person(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.user_create(email=email, full_name=full_name, password=DEMO_PASSWORD, check_strength=False)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="demo", key=demo_totp_key(email).hex(), confirmed=True)
    return user


def demo_load() -> int:
    """Build the demo world; returns how many people it has."""
    if not settings.IPBRIDGE_DEMO:
        raise RuntimeError("The demo loads only when IPBRIDGE_DEMO is on; never on a production instance.")
    count = _organisations_load()
    demo_register_load()
    demo_authentication_load()
    demo_notices_load()
    demo_sharing_load()
    demo_screening_load()
    demo_directory_load()
    return count


@transaction.atomic
def _organisations_load() -> int:
    count = 0
    for spec in WORLD:
        organisation = _ensure_organisation(spec)
        for email, full_name, role in spec.people:
            user = _ensure_person(email, full_name)
            if not Membership.objects.filter(user=user, organisation=organisation).exists():
                services.membership_grant(user=user, organisation=organisation, role=role)
            count += 1
    return count
