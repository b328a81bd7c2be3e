"""The dependency rules of the design, checked on the source: they fail the moment a forbidden import appears."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ipbridge"
APPS = [
    "accounts",
    "identity",
    "rights",
    "marketplaces",
    "notices",
    "screening",
    "evidence",
    "sharing",
    "merchants",
    "disputes",
    "transparency",
]


def imports_of(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_engine_never_imports_django_or_the_platform() -> None:
    forbidden = ("django", "ninja", "celery", *(f"ipbridge.{app}" for app in [*APPS, "web", "config", "core"]))
    offenders = {
        str(path.relative_to(PACKAGE)): name
        for path in (PACKAGE / "engine").rglob("*.py")
        for name in imports_of(path)
        if name.startswith(forbidden)
    }

    assert offenders == {}


def test_apps_never_import_another_apps_http_layer() -> None:
    offenders = []
    for app in APPS:
        for path in (PACKAGE / app).rglob("*.py") if (PACKAGE / app).exists() else []:
            for name in imports_of(path):
                for other in APPS:
                    if other != app and name in {f"ipbridge.{other}.api", f"ipbridge.{other}.views"}:
                        offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")

    assert offenders == []


def test_views_and_routers_write_only_through_services() -> None:
    """An HTTP module never saves, creates, updates or deletes models itself."""
    writes = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
    offenders = []
    http_modules = {
        *PACKAGE.rglob("api.py"),
        *PACKAGE.rglob("views.py"),
        *PACKAGE.rglob("api/*.py"),
        *PACKAGE.rglob("views/*.py"),
    }
    assert len(http_modules) > 10
    for path in sorted(http_modules):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in writes):
                continue
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id in {"router", "services", "api"}:
                continue  # route decorators and service calls
            offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.func.attr}()")

    assert offenders == []
