"""The one place that reads the process environment.

Every setting has a safe development default, except secrets when DEBUG is off: those must be given, and the
process refuses to start without them.
"""

from __future__ import annotations

from pathlib import Path

import environ

PACKAGE_DIR = Path(__file__).resolve().parents[1]
_checkout = PACKAGE_DIR.parents[1]
# In a source checkout, var/ and .env live at its root; an installed package uses the working directory.
BASE_DIR = _checkout if (_checkout / "pyproject.toml").is_file() else Path.cwd()

env = environ.Env()

_env_file = BASE_DIR / ".env"
if _env_file.is_file():
    environ.Env.read_env(str(_env_file))


class ImproperlyConfiguredError(RuntimeError):
    """Raised at start-up when a required setting is missing."""


def require(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfiguredError(f"{name} must be set when DEBUG is off")
    return value
