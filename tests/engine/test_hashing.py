"""The vectorised hashes agree with hashing the strings they stand for."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from ipbridge.engine.marks._hashing import (
    bigram_masks,
    codes,
    deletion_hashes,
    double_deletion_hashes,
    hash_strings,
    letter_masks,
    neighbourhood_hashes,
    prefix_hashes,
    query_masks,
    substring_hashes,
)
from ipbridge.engine.marks._segment import PART_MIN, _part_hashes, part_bounds, part_key, shared_part_hashes
from ipbridge.engine.marks._table import ROW_BITS, Table, pack

keys = st.text(alphabet="abcdez美华", min_size=1, max_size=14)


@settings(max_examples=60, deadline=None)
@given(st.lists(keys, min_size=1, max_size=5))
def test_deletion_hashes_are_the_hashes_of_the_deletions(strings: list[str]) -> None:
    points, lengths = codes(strings)
    prefixes = prefix_hashes(points)
    one, _ = deletion_hashes(points, lengths, prefixes)
    two, _ = double_deletion_hashes(lengths, prefixes, 14)

    assert set(one.tolist()) == set(
        hash_strings([s[:i] + s[i + 1 :] for s in strings for i in range(len(s)) if len(s) > 1]).tolist()
    ) | ({int(hash_strings([""])[0])} if any(len(s) == 1 for s in strings) else set())
    assert set(two.tolist()) == set(
        hash_strings(
            [s[:i] + s[i + 1 : j] + s[j + 1 :] for s in strings for i in range(len(s)) for j in range(i + 1, len(s))]
        ).tolist()
    )


@settings(max_examples=60, deadline=None)
@given(keys)
def test_substring_and_part_hashes(text: str) -> None:
    assert set(substring_hashes(text, 2, 5).tolist()) == set(
        hash_strings([text[i:j] for i in range(len(text)) for j in range(i + 2, min(len(text), i + 5) + 1)]).tolist()
    )
    points, lengths = codes([text])
    parts, _ = _part_hashes(prefix_hashes(points), lengths, np.array([True]))
    expected = [part_key(len(text), n, text[a:b]) for n, (a, b) in enumerate(part_bounds(len(text)))]

    assert parts.tolist() == (hash_strings(expected).tolist() if len(text) >= 10 else [])


@settings(max_examples=200, deadline=None)
@given(keys, keys)
def test_letter_masks_differ_in_at_most_two_bits_per_edit(a: str, b: str) -> None:
    first, second = letter_masks([a, b]).tolist()

    assert bin(first ^ second).count("1") <= 2 * Levenshtein.distance(a, b)


@settings(max_examples=100, deadline=None)
@given(keys, st.integers(0, 2))
def test_the_query_neighbourhood_in_plain_python_matches_the_vector_functions(text: str, depth: int) -> None:
    points, lengths = codes([text])
    prefixes = prefix_hashes(points)
    expected = [hash_strings([text] * 9)[0]]
    if depth >= 1 and len(text) >= 2:
        expected += deletion_hashes(points, lengths, prefixes)[0].tolist()
    if depth >= 2 and len(text) >= 3:
        expected += double_deletion_hashes(lengths, prefixes, len(text))[0].tolist()

    assert set(neighbourhood_hashes(text, depth).tolist()) == set(expected)
    assert hash_strings([text]).tolist() == hash_strings([text] * 9)[:1].tolist()


@settings(max_examples=200, deadline=None)
@given(keys, keys)
def test_bigram_masks_differ_in_at_most_four_bits_per_edit(a: str, b: str) -> None:
    first, second = bigram_masks([a, b]).tolist()

    assert bin(first ^ second).count("1") <= 4 * Levenshtein.distance(a, b)


@settings(max_examples=200, deadline=None)
@given(keys)
def test_the_query_masks_in_plain_python_match_the_vector_functions(text: str) -> None:
    assert [int(mask) for mask in query_masks(text)] == [letter_masks([text])[0], bigram_masks([text])[0]]


def _edited(key: str, edits: list[tuple[int, int, str]]) -> str:
    for kind, at, letter in edits:
        at %= len(key) + 1
        if kind == 0:
            key = key[:at] + letter + key[at:]
        elif at < len(key):
            key = key[:at] + ("" if kind == 1 else letter) + key[at + 1 :]
    return key


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="abcde", min_size=PART_MIN - 2, max_size=24),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 30), st.sampled_from("abcdez")), max_size=2),
)
def test_a_key_at_most_two_edits_away_shares_one_of_the_query_parts(
    query: str, edits: list[tuple[int, int, str]]
) -> None:
    mark = _edited(query, edits)
    points, lengths = codes([mark])
    parts, _ = _part_hashes(prefix_hashes(points), lengths, np.array([True]))

    if len(mark) >= PART_MIN and Levenshtein.distance(query, mark) <= 2:
        assert set(parts.tolist()) & set(shared_part_hashes(query).tolist())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=300), st.lists(st.integers(0, 45), min_size=1, max_size=12))
def test_a_table_gives_the_rows_stored_under_each_hash(keys_of_rows: list[int], wanted: list[int]) -> None:
    hashes = hash_strings([str(key) for key in keys_of_rows])
    rows = np.arange(len(keys_of_rows), dtype=np.int64)
    table = Table.of(np.sort(pack(hashes, rows)))
    asked = hash_strings([str(key) for key in wanted])

    found = table.rows(asked)

    stored = {int(h) >> ROW_BITS for h in asked}
    assert sorted(found.tolist()) == [row for row in rows.tolist() if int(hashes[row]) >> ROW_BITS in stored]
    assert sorted(table.rows(asked[:1]).tolist()) == [
        row for row in rows.tolist() if int(hashes[row]) >> ROW_BITS == int(asked[0]) >> ROW_BITS
    ]
