from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _default_store(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test stores the pictures of guides in a directory of its own."""
    storages = dict(settings.STORAGES)
    storages["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("files"))},
    }
    settings.STORAGES = storages
