"""The Merkle log: RFC 9162 hashes, roots and proofs from stored nodes, the reference, and signed tree heads."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ipbridge.engine import credentials
from ipbridge.engine.translog import (
    EMPTY_ROOT,
    TREE_HEAD_REASONS,
    TREE_HEAD_TYPE,
    Key,
    MemoryNodeStore,
    MissingNode,
    TreeHead,
    appended_nodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    reference_consistency,
    reference_inclusion,
    reference_root,
    root_hash,
    tree_head_sign,
    tree_head_verify,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference leaves and the root after each of them (RFC 6962 test vectors).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
LARGEST = 300
ISSUER = "https://ipbridge.example"
ISSUED = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def data(count: int) -> list[bytes]:
    """Distinct leaf data, so that no two leaves share a hash and a proof can only be for one leaf."""
    return [f"leaf {i}".encode() for i in range(count)]


def store_of(leaves: list[bytes]) -> MemoryNodeStore:
    store = MemoryNodeStore()
    store.append([leaf_hash(leaf) for leaf in leaves])
    return store


@cache
def big_store() -> MemoryNodeStore:
    """One log of LARGEST leaves: every smaller size is a historical size of it."""
    return store_of(data(LARGEST))


class CountingReader:
    def __init__(self, store: MemoryNodeStore) -> None:
        self.store = store
        self.calls: list[list[Key]] = []

    def nodes(self, keys: Collection[Key]) -> Mapping[Key, bytes]:
        self.calls.append(list(keys))
        return self.store.nodes(keys)


def flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8 % len(changed)] ^= 1 << (bit % 8)
    return bytes(changed)


# Hashes


def test_the_hashes_are_rfc_9162s_prefixed_sha_256() -> None:
    left, right = b"\x01" * 32, b"\x02" * 32

    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]


# Known answers


def test_roots_match_the_certificate_transparency_vectors() -> None:
    store = store_of(CT_LEAVES)

    assert [root_hash(size=size, reader=store).hex() for size in range(9)] == CT_ROOTS
    assert [reference_root(CT_LEAVES[:size]).hex() for size in range(9)] == CT_ROOTS


@pytest.mark.parametrize(("index", "size"), list(CT_INCLUSION))
def test_inclusion_proofs_match_the_certificate_transparency_vectors(index: int, size: int) -> None:
    store = store_of(CT_LEAVES)
    expected = CT_INCLUSION[index, size]

    proof = inclusion_proof(index=index, size=size, reader=store)

    assert [h.hex() for h in proof] == expected
    assert [h.hex() for h in reference_inclusion(index, CT_LEAVES[:size])] == expected
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(leaf_hash=leaf_hash(CT_LEAVES[index]), index=index, size=size, proof=proof, root=root)


@pytest.mark.parametrize(("old_size", "new_size"), list(CT_CONSISTENCY))
def test_consistency_proofs_match_the_certificate_transparency_vectors(old_size: int, new_size: int) -> None:
    store = store_of(CT_LEAVES)
    expected = CT_CONSISTENCY[old_size, new_size]

    proof = consistency_proof(old_size=old_size, new_size=new_size, reader=store)

    assert [h.hex() for h in proof] == expected
    assert [h.hex() for h in reference_consistency(old_size, CT_LEAVES[:new_size])] == expected
    old_root, new_root = bytes.fromhex(CT_ROOTS[old_size]), bytes.fromhex(CT_ROOTS[new_size])
    assert verify_consistency(old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=proof)


# The stored-node functions agree with the reference


def test_every_root_and_proof_up_to_48_leaves_agrees_with_the_reference() -> None:
    leaves = data(48)
    store = store_of(leaves)
    roots = [root_hash(size=size, reader=store) for size in range(49)]

    for size in range(1, 49):
        assert roots[size] == reference_root(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(index=index, size=size, reader=store)
            assert proof == reference_inclusion(index, leaves[:size])
            assert verify_inclusion(
                leaf_hash=leaf_hash(leaves[index]), index=index, size=size, proof=proof, root=roots[size]
            )
        for old_size in range(1, size + 1):
            proof = consistency_proof(old_size=old_size, new_size=size, reader=store)
            assert proof == reference_consistency(old_size, leaves[:size])
            assert verify_consistency(
                old_size=old_size, new_size=size, old_root=roots[old_size], new_root=roots[size], proof=proof
            )


@settings(deadline=None)
@given(st.integers(1, LARGEST), st.data())
def test_roots_and_proofs_of_any_historical_size_agree_with_the_reference(size: int, draw: st.DataObject) -> None:
    index = draw.draw(st.integers(0, size - 1), label="index")
    old_size = draw.draw(st.integers(1, size), label="old_size")
    leaves = data(size)
    store = big_store()

    assert root_hash(size=size, reader=store) == reference_root(leaves)
    assert inclusion_proof(index=index, size=size, reader=store) == reference_inclusion(index, leaves)
    assert consistency_proof(old_size=old_size, new_size=size, reader=store) == reference_consistency(old_size, leaves)


@settings(deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=12))
def test_appending_in_batches_stores_the_nodes_of_appending_one_by_one(batches: list[int]) -> None:
    leaves = [leaf_hash(leaf) for leaf in data(sum(batches))]
    one_by_one, batched = MemoryNodeStore(), MemoryNodeStore()
    singly: list[tuple[int, int, bytes]] = []
    together: list[tuple[int, int, bytes]] = []

    for position, leaf in enumerate(leaves):
        nodes = appended_nodes(size=position, leaf_hashes=[leaf], reader=one_by_one)
        one_by_one.put(nodes)
        singly.extend(nodes)
    start = 0
    for count in batches:
        nodes = appended_nodes(size=start, leaf_hashes=leaves[start : start + count], reader=batched)
        batched.put(nodes)
        together.extend(nodes)
        start += count

    assert sorted(together) == sorted(singly)
    assert len(set(together)) == len(together)
    assert root_hash(size=len(leaves), reader=batched) == reference_root(data(len(leaves)))


# Verification fails on any change


def test_no_proof_up_to_32_leaves_verifies_for_another_leaf_index_or_old_size() -> None:
    # The size of the tree is not bound by a proof (a proof for 5 leaves also fits 6 against the same root),
    # but the leaf's index and the old tree's size are: each changes the shape the hashes are combined in.
    leaves = data(32)
    store = store_of(leaves)
    roots = [root_hash(size=size, reader=store) for size in range(33)]

    for size in range(1, 33):
        for index in range(size):
            proof = inclusion_proof(index=index, size=size, reader=store)
            leaf = leaf_hash(leaves[index])
            assert [
                other
                for other in range(size + 2)
                if verify_inclusion(leaf_hash=leaf, index=other, size=size, proof=proof, root=roots[size])
            ] == [index]
        for old_size in range(1, size):
            proof = consistency_proof(old_size=old_size, new_size=size, reader=store)
            assert [
                other
                for other in range(1, size + 1)
                if verify_consistency(
                    old_size=other, new_size=size, old_root=roots[old_size], new_root=roots[size], proof=proof
                )
            ] == [old_size]


@settings(deadline=None)
@given(st.integers(1, LARGEST), st.data())
def test_a_flipped_bit_anywhere_fails_an_inclusion_proof(size: int, draw: st.DataObject) -> None:
    index = draw.draw(st.integers(0, size - 1), label="index")
    bit = draw.draw(st.integers(0, 255), label="bit")
    store = big_store()
    root = root_hash(size=size, reader=store)
    leaf = leaf_hash(data(size)[index])
    proof = inclusion_proof(index=index, size=size, reader=store)
    assert verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=proof, root=root)

    assert not verify_inclusion(leaf_hash=flip(leaf, bit), index=index, size=size, proof=proof, root=root)
    assert not verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=proof, root=flip(root, bit))
    if proof:
        at = draw.draw(st.integers(0, len(proof) - 1), label="at")
        changed = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=changed, root=root)
        assert not verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=proof[:-1], root=root)
    assert not verify_inclusion(leaf_hash=leaf, index=index, size=size, proof=[*proof, leaf], root=root)


@settings(deadline=None)
@given(st.integers(2, LARGEST), st.data())
def test_a_flipped_bit_anywhere_fails_a_consistency_proof(new_size: int, draw: st.DataObject) -> None:
    old_size = draw.draw(st.integers(1, new_size - 1), label="old_size")
    bit = draw.draw(st.integers(0, 255), label="bit")
    store = big_store()
    old_root, new_root = root_hash(size=old_size, reader=store), root_hash(size=new_size, reader=store)
    proof = consistency_proof(old_size=old_size, new_size=new_size, reader=store)
    at = draw.draw(st.integers(0, len(proof) - 1), label="at")
    changed = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]

    def verifies(**change: object) -> bool:
        arguments: dict[str, object] = {
            "old_size": old_size,
            "new_size": new_size,
            "old_root": old_root,
            "new_root": new_root,
            "proof": proof,
            **change,
        }
        return verify_consistency(**arguments)  # type: ignore[arg-type]

    assert verifies()
    assert not verifies(proof=changed)
    assert not verifies(old_root=flip(old_root, bit))
    assert not verifies(new_root=flip(new_root, bit))
    assert not verifies(proof=proof[:-1])
    assert not verifies(proof=[*proof, new_root])


def test_verification_answers_false_for_what_cannot_be_a_proof() -> None:
    store = store_of(CT_LEAVES)
    root = root_hash(size=8, reader=store)
    leaf = leaf_hash(CT_LEAVES[5])
    proof = inclusion_proof(index=5, size=8, reader=store)
    root6 = root_hash(size=6, reader=store)
    proof6 = consistency_proof(old_size=6, new_size=8, reader=store)

    assert not verify_inclusion(leaf_hash=leaf, index=8, size=8, proof=proof, root=root)
    assert not verify_inclusion(leaf_hash=leaf, index=-1, size=8, proof=proof, root=root)
    assert not verify_inclusion(leaf_hash=leaf[:31], index=5, size=8, proof=proof, root=root)
    assert not verify_inclusion(leaf_hash=leaf, index=5, size=8, proof=[proof[0][:31], *proof[1:]], root=root)
    assert not verify_inclusion(leaf_hash=leaf, index=True, size=8, proof=proof, root=root)
    assert not verify_inclusion(leaf_hash=leaf, index=5, size=8, proof=b"".join(proof), root=root)  # type: ignore[arg-type]
    assert not verify_consistency(old_size=8, new_size=6, old_root=root, new_root=root6, proof=proof6)
    assert not verify_consistency(old_size=6, new_size=8, old_root=root6, new_root=root, proof=[])
    assert not verify_consistency(old_size=0, new_size=8, old_root=EMPTY_ROOT, new_root=root, proof=[])
    assert not verify_consistency(old_size=6, new_size=8, old_root=root6[:31], new_root=root, proof=proof6)


def test_equal_sizes_are_consistent_with_an_empty_proof_and_the_same_root() -> None:
    store = store_of(CT_LEAVES)
    root = root_hash(size=8, reader=store)

    assert consistency_proof(old_size=8, new_size=8, reader=store) == []
    assert verify_consistency(old_size=8, new_size=8, old_root=root, new_root=root, proof=[])
    assert not verify_consistency(old_size=8, new_size=8, old_root=root, new_root=EMPTY_ROOT, proof=[])
    assert not verify_consistency(old_size=8, new_size=8, old_root=root, new_root=root, proof=[root])


# Reading the store


def test_each_root_and_proof_reads_the_store_once_and_only_a_few_nodes() -> None:
    reader = CountingReader(big_store())

    root_hash(size=299, reader=reader)
    inclusion_proof(index=17, size=299, reader=reader)
    consistency_proof(old_size=100, new_size=299, reader=reader)

    assert len(reader.calls) == 3
    assert all(len(keys) <= 2 * 9 for keys in reader.calls)


def test_a_reader_may_answer_with_memoryviews_as_database_drivers_do() -> None:
    store = big_store()

    class Database:
        def nodes(self, keys: Collection[Key]) -> Mapping[Key, memoryview]:
            return {key: memoryview(digest) for key, digest in store.nodes(keys).items()}

    reader = Database()

    assert root_hash(size=200, reader=reader) == root_hash(size=200, reader=store)
    assert inclusion_proof(index=3, size=200, reader=reader) == inclusion_proof(index=3, size=200, reader=store)
    assert appended_nodes(size=200, leaf_hashes=[EMPTY_ROOT], reader=reader) == appended_nodes(
        size=200, leaf_hashes=[EMPTY_ROOT], reader=store
    )


def test_appending_reads_only_the_left_siblings_on_the_right_edge() -> None:
    reader = CountingReader(store_of(data(11)))  # 11 = 8 + 2 + 1: perfect subtrees (3, 0), (1, 4), (0, 10)

    nodes = appended_nodes(size=11, leaf_hashes=[leaf_hash(b"x") for _ in range(5)], reader=reader)

    assert reader.calls == [[(0, 10), (1, 4), (3, 0)]]
    assert [(level, index) for level, index, _ in nodes] == [
        *((0, index) for index in range(11, 16)),
        (1, 5),
        (1, 6),
        (1, 7),
        (2, 2),
        (2, 3),
        (3, 1),
        (4, 0),
    ]


def test_appending_to_a_perfect_tree_reads_nothing() -> None:
    reader = CountingReader(store_of(data(8)))

    appended_nodes(size=8, leaf_hashes=[leaf_hash(b"x")], reader=reader)
    nothing = appended_nodes(size=8, leaf_hashes=[], reader=reader)

    assert reader.calls == []
    assert nothing == []


def test_a_size_beyond_the_store_raises_missing_node_naming_the_key() -> None:
    store = store_of(data(5))

    with pytest.raises(MissingNode, match=r"level 1, index 2\), over leaves 4 to 5") as raised:
        root_hash(size=6, reader=store)
    assert raised.value.key == (1, 2)
    assert isinstance(raised.value, LookupError)
    with pytest.raises(MissingNode):
        inclusion_proof(index=0, size=9, reader=store)
    with pytest.raises(MissingNode):
        consistency_proof(old_size=2, new_size=7, reader=store)
    with pytest.raises(MissingNode, match=r"level 0, index 4\)"):
        appended_nodes(size=5, leaf_hashes=[leaf_hash(b"x")] * 3, reader=MemoryNodeStore())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: root_hash(size=-1, reader=s), "size must be a non-negative integer"),
        (lambda s: inclusion_proof(index=5, size=5, reader=s), "Leaf 5 is not in a tree of 5 leaves"),
        (lambda s: inclusion_proof(index=-1, size=5, reader=s), "index must be a non-negative integer"),
        (lambda s: consistency_proof(old_size=0, new_size=5, reader=s), "0 < old_size <= new_size"),
        (lambda s: consistency_proof(old_size=5, new_size=4, reader=s), "0 < old_size <= new_size"),
        (lambda s: appended_nodes(size=5, leaf_hashes=[b"short"], reader=s), "Leaf hash 0 is not a 32-byte"),
        (lambda s: reference_inclusion(5, data(5)), "Leaf 5 is not in a tree of 5 leaves"),
        (lambda s: reference_consistency(0, data(5)), "0 < old_size <= 5"),
    ],
)
def test_out_of_range_arguments_raise_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(store_of(data(5)))  # type: ignore[operator]


def test_the_memory_store_refuses_gaps_and_changed_nodes() -> None:
    store = store_of(data(3))
    stored = store.nodes([(0, 2)])[0, 2]

    store.put([(0, 2, stored)])
    with pytest.raises(ValueError, match="already stored with another hash"):
        store.put([(0, 2, b"\x00" * 32)])
    with pytest.raises(ValueError, match="would leave a gap"):
        store.put([(0, 4, b"\x00" * 32)])
    assert store.size == 3
    assert store.nbytes == (3 + 1) * 32
    assert store.nodes([(0, 3), (5, 0), (-1, 0), (0, -1)]) == {}


# Signed tree heads


@cache
def signing_key() -> credentials.KeyPair:
    return credentials.key_generate()


def published(*keys: credentials.KeyPair) -> dict[str, list[dict[str, str]]]:
    return credentials.jwks(key.public_jwk for key in keys)


def b64url(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed_head(size: int = 8) -> str:
    root = bytes.fromhex(CT_ROOTS[size])
    return tree_head_sign(size=size, root=root, issuer=ISSUER, issued_at=ISSUED, key=signing_key())


def test_a_signed_tree_head_verifies_and_carries_its_fields() -> None:
    key = signing_key()
    token = signed_head()

    check = tree_head_verify(token, keys=published(key))

    assert check.valid
    assert check.reason == ""
    assert check.head == TreeHead(size=8, root=bytes.fromhex(CT_ROOTS[8]), issuer=ISSUER, issued_at=ISSUED, kid=key.kid)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "typ": TREE_HEAD_TYPE, "kid": key.kid}
    assert jwt.decode(token, options={"verify_signature": False}) == {
        "iss": ISSUER,
        "tree_size": 8,
        "root_hash": CT_ROOTS[8],
        "iat": int(ISSUED.timestamp()),
    }


def test_a_credential_is_not_a_tree_head_nor_a_tree_head_a_credential() -> None:
    key = signing_key()
    claims = {"iss": ISSUER, "sub": "holder:1", "jti": "c1", "iat": 1_800_000_000, "exp": 1_800_086_400}
    credential = credentials.sign(claims, key=key)

    as_head = tree_head_verify(credential, keys=published(key))
    as_credential = credentials.verify(signed_head(), keys=published(key), now=ISSUED + timedelta(minutes=1))

    assert (as_head.valid, as_head.reason, as_head.head) == (False, "wrong_type", None)
    assert (as_credential.valid, as_credential.reason) == (False, "wrong_type")


def test_a_tree_head_with_a_changed_payload_has_a_bad_signature() -> None:
    header, _, signature = signed_head().split(".")
    payload = {"iss": ISSUER, "tree_size": 9, "root_hash": CT_ROOTS[8], "iat": int(ISSUED.timestamp())}

    check = tree_head_verify(f"{header}.{b64url(payload)}.{signature}", keys=published(signing_key()))

    assert (check.valid, check.reason, check.head) == (False, "bad_signature", None)


def test_a_tree_head_signed_by_a_key_not_given_is_an_unknown_key() -> None:
    other = credentials.key_generate()

    check = tree_head_verify(signed_head(), keys=published(other))

    assert check.reason == "unknown_key"
    assert signing_key().kid in check.detail


def tokens_refused() -> list[tuple[str, str]]:
    key = signing_key()
    private = Ed25519PrivateKey.from_private_bytes(key.private_key)
    good = {"iss": ISSUER, "tree_size": 1, "root_hash": CT_ROOTS[1], "iat": 1_800_000_000}
    headers = {"typ": TREE_HEAD_TYPE, "kid": key.kid}

    def signed(payload: dict[str, object]) -> str:
        return jwt.encode(payload, private, algorithm="EdDSA", headers=headers)

    unsigned = f"{b64url({'alg': 'none', **headers})}.{b64url(good)}."
    hmac = jwt.encode(good, key.public_jwk["x"], algorithm="HS256", headers=headers)
    return [
        ("not a token", "malformed"),
        ("a.b.c", "malformed"),
        (unsigned, "unsupported_algorithm"),
        (hmac, "unsupported_algorithm"),
        (jwt.encode(good, private, algorithm="EdDSA", headers={"kid": key.kid}), "wrong_type"),
        (jwt.encode(good, private, algorithm="EdDSA", headers={"typ": TREE_HEAD_TYPE}), "unknown_key"),
        (signed({**good, "root_hash": CT_ROOTS[1].upper()}), "malformed"),
        (signed({**good, "tree_size": -1}), "malformed"),
        (signed({**good, "tree_size": True}), "malformed"),
        (signed({key: value for key, value in good.items() if key != "iat"}), "malformed"),
        (signed({**good, "iss": ""}), "malformed"),
    ]


@pytest.mark.parametrize(("token", "reason"), tokens_refused())
def test_tree_heads_that_are_not_well_formed_are_refused_with_a_reason(token: str, reason: str) -> None:
    check = tree_head_verify(token, keys=published(signing_key()))

    assert (check.valid, check.reason, check.head) == (False, reason, None)
    assert check.reason in TREE_HEAD_REASONS
    assert check.detail.endswith(".")


def test_signing_refuses_what_a_tree_head_cannot_say() -> None:
    key = signing_key()
    root = EMPTY_ROOT

    with pytest.raises(ValueError, match="timezone-aware"):
        tree_head_sign(size=0, root=root, issuer=ISSUER, issued_at=datetime(2027, 1, 1), key=key)  # noqa: DTZ001
    with pytest.raises(ValueError, match="32-byte"):
        tree_head_sign(size=0, root=root[:31], issuer=ISSUER, issued_at=ISSUED, key=key)
    with pytest.raises(ValueError, match="non-negative integer"):
        tree_head_sign(size=-1, root=root, issuer=ISSUER, issued_at=ISSUED, key=key)
