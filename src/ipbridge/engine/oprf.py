"""An oblivious pseudo-random function (OPRF) for private matching of infringers' identifiers.

The instance holds a key ``k``; the keyed hash of an identifier ``x`` is F(k, x) = H2(x, k·H1(x)) — the 2HashDH
construction of Jarecki, Kiayias and Krawczyk, the one RFC 9497 standardises — over the prime-order group of
edwards25519 (libsodium's primitives through PyNaCl). A marketplace that wants to know whether any of its sellers
is a confirmed infringer never sends an identifier: it sends r·H1(x) for a random ``r`` (``blind``), the instance
answers k·r·H1(x) (``evaluate``) and learns nothing about ``x``, and the marketplace removes ``r`` to get F(k, x)
(``finalize``), which it then sends to be matched. Without ``k`` nobody can compute F, so the stored hashes of
confirmed infringers say nothing to whoever reads them; the instance computes them directly (``evaluate_direct``).

H1 hashes to the group as RFC 9380's random-oracle encodings do: two independent uniform strings, each mapped
with Elligator 2, added. Every point received is checked to be in the prime-order subgroup and not of small
order before it is used.
"""

from __future__ import annotations

import hashlib
import os

from nacl import bindings as sodium
from nacl.exceptions import RuntimeError as SodiumError

__all__ = [
    "ELEMENT_BYTES",
    "OUTPUT_BYTES",
    "SCALAR_BYTES",
    "SUITE",
    "InvalidElement",
    "blind",
    "evaluate",
    "evaluate_direct",
    "finalize",
    "hash_to_group",
    "key_generate",
]

SUITE = b"ipbridge-oprf-2hashdh-edwards25519-sha512-v1"
ELEMENT_BYTES = 32
SCALAR_BYTES = 32
OUTPUT_BYTES = 32
_MAX_INPUT = 65_535


class InvalidElement(ValueError):
    """A group element that is not a point of the prime-order subgroup (or is of small order)."""


def _uniform(label: bytes, data: bytes) -> bytes:
    return hashlib.sha512(SUITE + b"|" + label + b"|" + data).digest()[:32]


def hash_to_group(data: bytes) -> bytes:
    """H1: ``data`` to a point of the prime-order group, as a random oracle would."""
    if len(data) > _MAX_INPUT:
        raise ValueError(f"An input is at most {_MAX_INPUT} bytes.")
    first = sodium.crypto_core_ed25519_from_uniform(_uniform(b"H1-0", data))
    second = sodium.crypto_core_ed25519_from_uniform(_uniform(b"H1-1", data))
    return bytes(sodium.crypto_core_ed25519_add(first, second))


def _scalar() -> bytes:
    """A uniformly random non-zero scalar."""
    while True:
        scalar = bytes(sodium.crypto_core_ed25519_scalar_reduce(os.urandom(64)))
        if any(scalar):
            return scalar


def key_generate() -> bytes:
    return _scalar()


def _checked(element: bytes) -> bytes:
    if len(element) != ELEMENT_BYTES or not sodium.crypto_core_ed25519_is_valid_point(element):
        raise InvalidElement("Not a point of the prime-order group of edwards25519.")
    return element


def _multiply(scalar: bytes, element: bytes) -> bytes:
    try:
        return bytes(sodium.crypto_scalarmult_ed25519_noclamp(scalar, _checked(element)))
    except SodiumError as error:  # the identity: a zero scalar or an element of small order
        raise InvalidElement("The product is the identity element.") from error


def blind(data: bytes) -> tuple[bytes, bytes]:
    """The marketplace's first step: (the blind ``r``, to keep; the blinded element r·H1(data), to send)."""
    blind_scalar = _scalar()
    return blind_scalar, _multiply(blind_scalar, hash_to_group(data))


def evaluate(key: bytes, blinded: bytes) -> bytes:
    """The instance's step: k·(blinded element). Refuses anything that is not a proper group element."""
    return _multiply(key, blinded)


def _output(data: bytes, element: bytes) -> bytes:
    """H2: the PRF's output from the input and k·H1(input)."""
    return hashlib.sha512(
        SUITE + b"|H2|" + len(data).to_bytes(2, "big") + data + len(element).to_bytes(2, "big") + element
    ).digest()[:OUTPUT_BYTES]


def finalize(data: bytes, blind_scalar: bytes, evaluated: bytes) -> bytes:
    """The marketplace's last step: F(k, data), from the instance's answer and the blind it kept."""
    unblinded = _multiply(bytes(sodium.crypto_core_ed25519_scalar_invert(blind_scalar)), evaluated)
    return _output(data, unblinded)


def evaluate_direct(key: bytes, data: bytes) -> bytes:
    """F(k, data) computed by the key's holder, for the identifiers it stores."""
    return _output(data, _multiply(key, hash_to_group(data)))
