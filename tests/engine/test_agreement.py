"""The fast index finds what the exhaustive reference finds, generated corpora and queries."""

from __future__ import annotations

import random
from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from ipbridge.engine.marks import Filters, Mark, MarkIndex, ReferenceMatcher
from ipbridge.engine.synthetic import PERTURBATIONS, marks, perturb

# Small alphabets make near neighbours likely, so that every channel has work to do.
LETTERS = "abeiknorsu"
words = st.text(alphabet=LETTERS, min_size=1, max_size=9)
texts = st.one_of(
    words,
    st.builds(lambda a, b: f"{a} {b}", words, words),
    st.text(alphabet="美华康达乐星耐克", min_size=1, max_size=4),
    st.builds(lambda a, b: f"{a}{b}", st.sampled_from(["耐克", "美华"]), words),
)
corpora = st.lists(
    st.builds(
        Mark,
        id=st.integers(0, 10_000),
        text=texts,
        office=st.sampled_from(["EM", "CN", "US"]),
        classes=st.frozensets(st.integers(1, 45), max_size=3),
        status=st.sampled_from(["registered", "filed"]),
    ),
    max_size=60,
    unique_by=lambda mark: mark.id,
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "office": st.sampled_from(["EM", "CN", ["US", "EM"]]),
        "nice_class": st.integers(1, 45),
        "status": st.just("registered"),
    },
)


@settings(max_examples=150, deadline=None)
@given(corpora, st.data())
def test_the_index_agrees_with_the_reference(corpus: list[Mark], data: st.DataObject) -> None:
    index, reference = MarkIndex(corpus), ReferenceMatcher(corpus)
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    seed = data.draw(st.sampled_from(corpus)).text if corpus and data.draw(st.booleans()) else data.draw(texts)
    query = perturb(seed, rng)
    cutoff = data.draw(st.sampled_from([0.5, 0.7, 0.85]))
    limit = data.draw(st.integers(1, 12))
    chosen = data.draw(filters)

    expected = reference.search(query, limit=limit, score_cutoff=cutoff, **chosen)

    assert index.search(query, limit=limit, score_cutoff=cutoff, **chosen) == expected
    assert reference.scan(query, limit=limit, score_cutoff=cutoff, filters=Filters.of(**chosen)) == expected


@settings(max_examples=40, deadline=None)
@given(corpora, corpora, st.lists(st.integers(0, 10_000), max_size=20), texts)
def test_updates_agree_with_a_reference_built_at_once(
    first: list[Mark], second: list[Mark], removed: list[int], query: str
) -> None:
    index = MarkIndex(first)
    index.add(second)
    index.remove(removed)
    current = {mark.id: mark for mark in first}
    current.update({mark.id: mark for mark in second})
    reference = ReferenceMatcher(mark for mark in current.values() if mark.id not in set(removed))

    assert len(index) == len(reference)
    assert index.search(query, score_cutoff=0.5) == reference.search(query, score_cutoff=0.5)


def test_perturbed_synthetic_marks_agree() -> None:
    corpus = list(marks(3000, seed=7))
    index, reference = MarkIndex(corpus), ReferenceMatcher(corpus)
    rng = random.Random(11)
    for kind in sorted(PERTURBATIONS):
        for mark in islice(corpus, 0, 3000, 300):
            query = perturb(mark.text, rng, kind)
            assert index.search(query) == reference.search(query), (kind, query)
