from __future__ import annotations

import pytest

from ipbridge.engine.names import name_keys, same_organisation


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("Aurora Cosmetics S.A.", {"aurora cosmetics"}),
        ("AURORA COSMETICS SA", {"aurora cosmetics"}),
        ("Aurora-Cosmetics, s.a.", {"aurora cosmetics"}),
        ("Lumina Electronics Co., Ltd.", {"lumina electronics"}),
        ("深圳流明电子有限公司 Lumina Electronics", {"深圳流明电子", "lumina electronics"}),
        ("深圳流明电子股份有限公司", {"深圳流明电子"}),
        ("Société Générale Ltd", {"societe generale"}),
        ("ＡＣＭＥ　ＧｍｂＨ", {"acme"}),
        ("Ltd.", set()),
    ],
)
def test_name_keys(name: str, keys: set[str]) -> None:
    assert name_keys(name) == keys


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Aurora Cosmetics S.A.", "AURORA COSMETICS", True),
        ("深圳流明电子有限公司", "深圳流明电子有限公司 Lumina Electronics", True),
        ("Lumina Electronics Co., Ltd.", "深圳流明电子有限公司 Lumina Electronics", True),
        ("Aurora Cosmetics S.A.", "Aurora Cosmetic Supplies", False),
        ("Ltd", "Limited", False),
    ],
)
def test_same_organisation(a: str, b: str, same: bool) -> None:
    assert same_organisation(a, b) is same
