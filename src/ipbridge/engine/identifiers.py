"""Sellers' identifiers in one canonical form, so that the same licence number, telephone, payment account,
address or device written two ways gives one keyed hash (``ipbridge.engine.oprf``).

The forms are deliberately plain — what a marketplace can reproduce on its own side before it blinds an
identifier: Unicode NFKC, then per kind the characters that carry the identity."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["KINDS", "identifier_input", "identifier_normalise"]

# What a shop is known by beyond its name (Shenzhen guideline 3.1.3.2: shops associated through shared identifiers).
KINDS = ("business_licence", "phone", "email", "payment_account", "address", "device", "shop_url")

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
_ADDRESS_PUNCTUATION = re.compile(r"[^\w\s]+")


def identifier_normalise(kind: str, value: str) -> str:
    """The canonical form of ``value`` as an identifier of ``kind``; "" when nothing identifying is left.

    Raises ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of identifier: {kind!r}; one of {', '.join(KINDS)}.")
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        # An international prefix written as 00 is the same number as with +.
        return digits[2:] if digits.startswith("00") else digits
    if kind == "email":
        return text if "@" in text else ""
    if kind == "address":
        return _SPACES.sub(" ", _ADDRESS_PUNCTUATION.sub(" ", text)).strip()
    if kind == "shop_url":
        text = re.sub(r"^[a-z]+://", "", text).removeprefix("www.").split("#")[0].split("?")[0]
        return text.rstrip("/")
    # Licence numbers, payment accounts, device ids: letters and digits only.
    return _NOT_ALNUM.sub("", text)


def identifier_input(kind: str, value: str) -> bytes:
    """The bytes the keyed hash is taken of: the kind and the canonical value, so that kinds never collide."""
    normalised = identifier_normalise(kind, value)
    if not normalised:
        raise ValueError(f"Nothing identifying is left of this {kind}.")
    return f"{kind}:{normalised}".encode()
