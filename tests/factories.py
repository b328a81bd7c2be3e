"""factory_boy factories for the accounts app, and helpers to act as a person or a key."""

from __future__ import annotations

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ipbridge.accounts import services
from ipbridge.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from ipbridge.accounts.selectors import actor_for_system

PASSWORD = "correct horse battery staple 42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrganisationKind.RIGHT_HOLDER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.ADMIN


def enrol_two_factor(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def member(kind: str = OrganisationKind.RIGHT_HOLDER, role: str = Role.ADMIN, **org: object) -> Membership:
    """A person with two-factor enrolled, acting for a new organisation of ``kind``."""
    membership = MembershipFactory(role=role, organisation=OrganisationFactory(kind=kind, **org))
    user = membership.user
    user.active_organisation = membership.organisation
    user.save(update_fields=["active_organisation"])
    enrol_two_factor(user)
    return membership


def verified_client(user: User) -> Client:
    """A browser session that has passed the password and the second factor."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def api_key(organisation: Organisation, scopes: list[str]) -> str:
    _key, secret = services.api_key_create(actor=actor_for_system(organisation), name="test", scopes=scopes)
    return secret
