"""ipbridge screen: listings from a JSON-lines or CSV file screened against the register's marks of verified right
holders, one JSON line out per listing, bad lines told on standard error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ipbridge.accounts.models import OrganisationKind
from ipbridge.cli import main
from tests.factories import OrganisationFactory
from tests.screening.factories import holder_member, marketplace_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_screeners() -> Iterator[None]:
    from ipbridge.screening.catalogue import screeners_reset

    screeners_reset()
    yield
    screeners_reset()


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_screen_json_lines(tmp_path: Path) -> None:
    holder_member()
    source = tmp_path / "listings.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(row, ensure_ascii=False)
            for row in [
                {"id": "1", "title": "AURORA lipstick 高仿"},
                {"id": "2", "title": "Plain cotton towel"},
                {"id": "3", "title": "奥罗拉 口红", "price": "9.90", "currency": "EUR"},
            ]
        ),
        encoding="utf-8",
    )

    result = run("screen", str(source))

    assert result.exit_code == 0, result.stderr
    first, second, third = lines(result.stdout)
    assert first == {
        "id": "1",
        "risk_score": 0.96,
        "level": "hold",
        "flags": [
            {
                "detector": "mark",
                "matched_text": "AURORA",
                "field": "title",
                "start": 0,
                "end": 6,
                "how": "exact",
                "weight": 0.6,
                "right": {"office": "EM", "number": "018234567", "mark": "AURORA"},
                "explanation": "The registered mark “AURORA” (EM 018234567) appears as registered in the title.",
            },
            {
                "detector": "risk_keyword",
                "matched_text": "高仿",
                "field": "title",
                "start": 16,
                "end": 18,
                "how": "",
                "weight": 0.9,
                "right": None,
                "explanation": (
                    "“高仿” in the title is the risk keyword “高仿” (weight 0.9), a word sellers of copies use."
                ),
            },
        ],
    }
    assert second == {"id": "2", "risk_score": 0.0, "level": "", "flags": []}
    assert (third["risk_score"], third["level"], [flag["how"] for flag in third["flags"]]) == (
        0.6,
        "alert",
        ["transliteration"],
    )


def test_screen_csv_to_a_file(tmp_path: Path) -> None:
    holder_member()
    source = tmp_path / "listings.CSV"
    source.write_text("id,title,shop_name\nA,4UR0RA serum,\nB,towel,Aurora Outlet\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"

    result = run("screen", str(source), "--out", str(out))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    rows = lines(out.read_text(encoding="utf-8"))
    assert [(row["id"], [(flag["detector"], flag["how"], flag["field"]) for flag in row["flags"]]) for row in rows] == [
        ("A", [("mark", "folded", "title")]),
        ("B", [("shop_name", "exact", "shop_name")]),
    ]


def test_bad_lines_are_told_and_the_others_screened(tmp_path: Path) -> None:
    holder_member()
    source = tmp_path / "listings.jsonl"
    source.write_text(
        'not json\n{"id": "1", "title": "AURORA"}\n{"title": "no id"}\n{"id": "2", "title": 7}\n[1]\n',
        encoding="utf-8",
    )

    result = run("screen", str(source))

    assert result.exit_code == 2
    assert [row["id"] for row in lines(result.stdout)] == ["1"]
    told = result.stderr.splitlines()
    assert [line.split(":")[0] for line in told] == ["line 1", "line 3", "line 4", "line 5"]
    assert "id:" in told[1]
    assert "title:" in told[2]


def test_a_marketplace_screens_with_its_catalogue_and_authorised_shops(tmp_path: Path) -> None:
    holder = holder_member()
    megamart = marketplace_member()
    source = tmp_path / "listings.jsonl"
    source.write_text(json.dumps({"id": "1", "title": "AURORA lipstick", "shop_id": "s1"}) + "\n", encoding="utf-8")

    result = run("screen", str(source), "--marketplace", megamart.organisation.slug)

    assert result.exit_code == 0, result.stderr
    assert [flag["detector"] for flag in lines(result.stdout)[0]["flags"]] == ["mark"]
    assert holder.organisation.slug == "aurora"


@pytest.mark.parametrize(("slug", "message"), [("nowhere", "--marketplace: "), ("shop", "is not a marketplace")])
def test_an_unknown_marketplace_is_refused(tmp_path: Path, slug: str, message: str) -> None:
    OrganisationFactory(slug="shop", kind=OrganisationKind.MERCHANT)
    source = tmp_path / "listings.jsonl"
    source.write_text('{"id": "1", "title": "x"}\n', encoding="utf-8")

    result = run("screen", str(source), "--marketplace", slug)

    assert result.exit_code == 2
    assert message in result.stderr
