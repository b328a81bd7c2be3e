from __future__ import annotations

import os
import socket
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Jobs run in the request that queued them, so tests see their outcome at once.
    settings.JOBS_IN_BACKGROUND_THREAD = False
    # A test changes the catalogue and screens at once: every screening asks the database what changed.
    settings.SCREENING_RECHECK_SECONDS = 0


@pytest.fixture(autouse=True)
def _evidence_store(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test stores evidence files in a directory of its own."""
    storages = dict(settings.STORAGES)
    storages["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("evidence"))},
    }
    settings.STORAGES = storages


@pytest.fixture(autouse=True)
def _english_unless_asked() -> None:
    """A page rendered in Chinese by an earlier test must not leave its language active in this thread."""
    from django.utils import translation

    translation.activate("en")


@pytest.fixture(autouse=True)
def _fresh_search_index() -> None:
    """Each test has its own database, so each starts from an empty register search index."""
    from ipbridge.rights.index import index_reset

    index_reset()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit and lockout counters start from zero in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests reach only this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} and not host.startswith("/"):
            raise OSError(f"tests may not reach the network: {host}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, available: bool) -> None:
    """Skip without the service on a bare machine; in CI a missing service is a failure, never a skip."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is required in CI but is not available")
    pytest.skip(f"{name} is not available on this machine")
