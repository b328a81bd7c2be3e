from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ipbridge.cli import main
from ipbridge.rights.models import ImportBatch, Right

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_rights_prints_counts_and_the_first_rejections() -> None:
    result = run(
        "import-rights", "--format", "st66", "--quiet", str(FIXTURES / "wo_st66.xml"), str(FIXTURES / "us_st96.xml")
    )

    assert result.exit_code == 0
    assert result.output == (
        "created 3, updated 0, unchanged 0, rejected 3\n"
        "  rejected #3 WO 1400002 [status]: unknown status “Suspended by court order”\n"
        "  rejected #4 WO [number]: neither an application nor a registration number\n"
        "  rejected #2 US 98000001 [status]: unknown status code “123” for office US\n"
    )
    assert sorted(Right.objects.values_list("office", "number")) == [
        ("US", "6543210"),
        ("WO", "1234567"),
        ("WO", "1300001"),
    ]
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.status, batch.created_by) == ("wo_st66.xml, us_st96.xml", "done", None)


def test_import_rights_again_reports_unchanged() -> None:
    run("import-rights", "--format", "csv", "--quiet", str(FIXTURES / "register.csv"))

    again = run("import-rights", "--format", "csv", "--quiet", str(FIXTURES / "register.csv"))

    assert again.output.splitlines()[0] == "created 0, updated 0, unchanged 3, rejected 2"


def test_import_rights_shows_a_progress_bar() -> None:
    result = CliRunner().invoke(main, ["import-rights", "--format", "st86", str(FIXTURES / "em_st86.xml")])

    assert result.exit_code == 0
    assert "Importing" in result.stderr
    assert result.stdout == "created 2, updated 0, unchanged 0, rejected 0\n"


def test_a_hostile_file_exits_with_1_and_says_why() -> None:
    result = CliRunner().invoke(main, ["import-rights", "--format", "st66", "--quiet", str(FIXTURES / "xxe.xml")])

    assert result.exit_code == 1
    assert "declares a DOCTYPE" in result.stderr
    assert Right.objects.count() == 0


def test_every_record_rejected_exits_with_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "office,number,kind,mark,owner,nice_classes,status,filing_date,registration_date,expiry_date,representative_email\n"
        "EM,1,trademark,A,B,3,sleeping,,,,\n",
        encoding="utf-8",
    )

    result = run("import-rights", "--format", "csv", "--quiet", str(path))

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "created 0, updated 0, unchanged 0, rejected 1"


def test_import_rights_needs_a_format_and_an_existing_file() -> None:
    assert run("import-rights", str(FIXTURES / "em_st66.xml")).exit_code == 2
    assert run("import-rights", "--format", "st66", "/nonexistent/file.xml").exit_code == 2
