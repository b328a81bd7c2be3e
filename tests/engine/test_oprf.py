"""The OPRF: a marketplace's blinded evaluation gives exactly the keyed hash the instance computes directly, the
blinded element says nothing of the input, and the instance refuses anything that is not a proper group element."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipbridge.engine import oprf
from ipbridge.engine.identifiers import identifier_input, identifier_normalise

KEY = bytes.fromhex("0a" * 31 + "05")
# Encodings of points of small order on edwards25519 (the identity, order 2, order 4), and a point not on it.
SMALL_ORDER = [
    bytes.fromhex("01" + "00" * 31),
    bytes.fromhex("ec" + "ff" * 30 + "7f"),
    bytes.fromhex("00" * 32),
    bytes.fromhex("00" * 31 + "80"),
]
NOT_A_POINT = bytes.fromhex("02" + "00" * 31)


def test_a_known_input_keeps_its_keyed_hash() -> None:
    """Pinned: stored hashes must stay comparable across versions."""
    assert oprf.evaluate_direct(KEY, b"phone:8613800138000").hex() == (
        "f3a113dc583a6152ba68c1ecbf81a1ab4f7919aaef18ac756c693e97a69e723c"
    )
    assert oprf.hash_to_group(b"phone:8613800138000").hex() == (
        "72a22007bcc44bf0dd073cd46c92c94f1484f57d958391d33f942e72179a9ecd"
    )


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200))
def test_the_blinded_round_trip_gives_the_direct_keyed_hash(data: bytes) -> None:
    key = oprf.key_generate()
    blind, blinded = oprf.blind(data)

    assert oprf.finalize(data, blind, oprf.evaluate(key, blinded)) == oprf.evaluate_direct(key, data)


def test_blinding_the_same_input_twice_sends_two_unrelated_elements() -> None:
    first = oprf.blind(b"phone:8613800138000")[1]
    second = oprf.blind(b"phone:8613800138000")[1]

    assert first != second
    assert oprf.hash_to_group(b"phone:8613800138000") not in {first, second}


def test_another_key_another_input_or_another_blind_gives_another_output() -> None:
    data = b"business_licence:91440300ma5fxxxx1x"
    _blind, blinded = oprf.blind(data)
    evaluated = oprf.evaluate(KEY, blinded)

    assert oprf.evaluate_direct(oprf.key_generate(), data) != oprf.evaluate_direct(KEY, data)
    assert oprf.evaluate_direct(KEY, data + b"0") != oprf.evaluate_direct(KEY, data)
    assert oprf.finalize(data, oprf.key_generate(), evaluated) != oprf.evaluate_direct(KEY, data)
    assert len(oprf.evaluate_direct(KEY, data)) == oprf.OUTPUT_BYTES


@pytest.mark.parametrize("element", [*SMALL_ORDER, NOT_A_POINT, b"", b"\x01" * 31, b"\x01" * 33])
def test_the_instance_refuses_what_is_not_a_proper_group_element(element: bytes) -> None:
    with pytest.raises(oprf.InvalidElement):
        oprf.evaluate(KEY, element)


def test_an_input_too_long_to_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 65535 bytes"):
        oprf.hash_to_group(b"x" * 65_536)


@pytest.mark.parametrize(
    ("kind", "written", "canonical"),
    [
        ("phone", "+86 138-0013-8000", "8613800138000"),
        ("phone", "0086 (138) 0013 8000", "8613800138000"),
        ("phone", "＋８６１３８００１３８０００", "8613800138000"),
        ("business_licence", "91440300-MA5F XXXX 1X", "91440300ma5fxxxx1x"),
        ("payment_account", "CN12 3456 7890", "cn1234567890"),
        ("email", "  Seller@Example.COM ", "seller@example.com"),
        ("email", "not an address", ""),
        ("address", "深圳市 南山区，科技园   1号", "深圳市 南山区 科技园 1号"),
        ("address", "12, Rue de la Paix.  PARIS", "12 rue de la paix paris"),
        ("device", "A1:B2:C3:D4:E5:F6", "a1b2c3d4e5f6"),
        ("shop_url", "https://www.Shop.example/store/88/?spm=1#top", "shop.example/store/88"),
    ],
)
def test_identifiers_written_two_ways_are_one(kind: str, written: str, canonical: str) -> None:
    assert identifier_normalise(kind, written) == canonical


def test_the_input_names_its_kind_so_that_kinds_never_collide() -> None:
    assert identifier_input("phone", "+86 138 0013 8000") == b"phone:8613800138000"
    assert identifier_input("device", "8613800138000") == b"device:8613800138000"
    with pytest.raises(ValueError, match="Nothing identifying"):
        identifier_input("phone", "n/a")
    with pytest.raises(ValueError, match="Unknown kind"):
        identifier_normalise("passport", "X123")
