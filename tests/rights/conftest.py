from __future__ import annotations

import pytest

from ipbridge.rights.index import index_reset


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    """Each test has its own database, so each starts from an empty search index."""
    index_reset()
