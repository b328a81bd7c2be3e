"""The hashes of RFC 9162 §2.1.1: a leaf and an interior node are hashed with different one-byte prefixes.

The prefixes keep a leaf from ever passing for an interior node (a second preimage), so a proof cannot
claim that two hashes glued together were one leaf.
"""

from __future__ import annotations

from hashlib import sha256
from typing import TypeGuard

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data), the hash of a leaf holding these bytes."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), the hash of an interior node over its two children."""
    return sha256(b"\x01" + left + right).digest()


def is_hash(value: object) -> TypeGuard[bytes]:
    return isinstance(value, bytes) and len(value) == HASH_SIZE
