from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ipbridge import demo
from ipbridge.accounts.models import ApiKey, Membership, Organisation, User
from ipbridge.accounts.services import api_key_authenticate
from ipbridge.cli import main

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize(
    "command", ["serve", "demo", "create-org", "create-user", "create-api-key", "import-rights", "manage", "worker"]
)
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")

    assert result.exit_code == 0
    assert "Usage: main" in result.output or "Usage:" in result.output


def test_create_org_user_and_api_key() -> None:
    operator = run("create-org", "--kind", "operator", "--name", "Ops")
    created = run("create-org", "--kind", "marketplace", "--name", "Little Bazaar", "--country", "pt", "--verified")
    user = run(
        "create-user",
        "--email",
        "owner@bazaar.example",
        "--name",
        "Rui",
        "--org",
        "little-bazaar",
        "--role",
        "admin",
        "--password",
        "correct horse battery staple 42",
    )
    key = run("create-api-key", "--org", "little-bazaar", "--scopes", "notices:read, accounts:read")

    assert [operator.output, created.output, user.output] == ["ops\n", "little-bazaar\n", "owner@bazaar.example\n"]
    organisation = Organisation.objects.get(slug="little-bazaar")
    assert (organisation.kind, organisation.country, organisation.verification_status) == (
        "marketplace",
        "PT",
        "verified",
    )
    assert Membership.objects.get(user__email="owner@bazaar.example").role == "admin"
    secret = key.output.strip()
    authenticated = api_key_authenticate(secret)
    assert authenticated is not None
    assert authenticated.scopes == ["accounts:read", "notices:read"]


def test_cli_errors_name_the_field_and_exit_2() -> None:
    run("create-org", "--kind", "agent", "--name", "Agents")

    weak = CliRunner().invoke(main, ["create-user", "--email", "a@b.example", "--name", "A", "--password", "abc"])
    scope = CliRunner().invoke(main, ["create-api-key", "--org", "agents", "--scopes", "everything"])
    missing = CliRunner().invoke(main, ["create-api-key", "--org", "nobody", "--scopes", "rights:read"])

    assert (weak.exit_code, scope.exit_code, missing.exit_code) == (2, 2, 2)
    assert "password" in weak.output
    assert "scopes: Unknown scopes: everything." in scope.output
    assert "nobody" in missing.output
    assert User.objects.count() == 0
    assert ApiKey.objects.count() == 0


def test_demo_loads_once_and_prints_who_can_log_in(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True

    first = run("demo")
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    second = run("demo")

    assert counts == (12, 14, 14)
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert first.output == second.output
    assert "brand@aurora.demo" in first.output
    assert demo.DEMO_PASSWORD in first.output
    assert set(Organisation.objects.values_list("kind", flat=True)) == {
        "operator",
        "right_holder",
        "agent",
        "marketplace",
        "merchant",
        "mediator",
        "authority",
    }
    assert Organisation.objects.filter(kind="marketplace").count() == 3
    assert Organisation.objects.filter(kind="right_holder").count() == 2


def test_demo_code_matches_the_demo_device(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = True
    run("demo")

    code = run("demo", "--code", "trust@megamart.demo").output.strip()
    device = User.objects.get(email="trust@megamart.demo").totpdevice_set.get()

    assert device.verify_token(code)
    assert CliRunner().invoke(main, ["demo", "--code", "stranger@example.com"]).exit_code == 2


def test_demo_refuses_to_load_outside_demo_mode(settings: Any) -> None:
    settings.IPBRIDGE_DEMO = False

    result = CliRunner().invoke(main, ["demo"])

    assert result.exit_code == 2
    assert "IPBRIDGE_DEMO" in result.output
    assert Organisation.objects.count() == 0


def test_manage_runs_django_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ipbridge.cli", "manage", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "ipbridge.config.settings"},
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "0"}

    result = subprocess.run(
        [sys.executable, "-m", "ipbridge.cli", "manage", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
