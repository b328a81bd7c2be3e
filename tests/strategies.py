"""Generated input for the API's "never a 5xx" tests."""

from __future__ import annotations

import json

from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def bodies(fields: list[str]) -> st.SearchStrategy[str]:
    """JSON of any shape, objects with the endpoint's own field names, and bytes that are not JSON at all."""
    names = st.sampled_from(fields)
    return st.one_of(
        JSON.map(json.dumps),
        st.dictionaries(names, JSON, max_size=6).map(json.dumps),
        st.dictionaries(names, st.text(max_size=40), max_size=6).map(json.dumps),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    )
