"""The instance's credential signing keys: the newest unretired key signs, every key stays published.

Private keys are kept in the database encrypted (Fernet) with a key derived from ``CREDENTIAL_KEY_SECRET``
(``SECRET_KEY`` unless set), so a copy of the database alone cannot sign credentials.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone

from ipbridge.engine import credentials
from ipbridge.identity.models import SigningKey


def _fernet() -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipbridge credential signing keys").derive(
        settings.CREDENTIAL_KEY_SECRET.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def signing_key_create() -> SigningKey:
    """A new key, which signs from now on; the ones before it are retired but stay published."""
    pair = credentials.key_generate()
    now = timezone.now()
    SigningKey.objects.filter(retired_at=None).update(retired_at=now)
    return SigningKey.objects.create(
        kid=pair.kid,
        public_jwk=pair.public_jwk,
        private_key_encrypted=_fernet().encrypt(pair.private_key).decode(),
        created_at=now,
    )


def signing_key_current() -> credentials.KeyPair:
    """The key that signs now, created on first use."""
    key = SigningKey.objects.filter(retired_at=None).order_by("-created_at", "-id").first()
    if key is None:
        key = signing_key_create()
    return credentials.key_from_private(_fernet().decrypt(key.private_key_encrypted.encode()))


def published_jwks() -> dict[str, list[dict[str, str]]]:
    return credentials.jwks(key.public_jwk for key in SigningKey.objects.order_by("created_at", "id"))
