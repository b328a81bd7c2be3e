from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_screeners() -> Iterator[None]:
    """Each test has its own database, so each builds its screeners anew."""
    from ipbridge.screening.catalogue import screeners_reset

    screeners_reset()
    yield
    screeners_reset()


@pytest.fixture(autouse=True)
def _own_files(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test keeps its uploaded files (scans waiting to run among them) in a directory of its own."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
