"""The demo register: the demo right holders' marks, written by hand (later features' demo listings infringe
them), a few neighbours for the search to tell apart, and a synthetic register around them."""

from __future__ import annotations

from datetime import date

from ipbridge.engine import synthetic
from ipbridge.rights.importers.csv_format import records_from_rows
from ipbridge.rights.models import Right
from ipbridge.rights.records import GoodsRecord, PartyRecord, RightRecord
from ipbridge.rights.services import rights_import_records

AURORA = PartyRecord("Aurora Cosmetics S.A.", "12 rue de la Paix, 75002 Paris", "FR", "legal@aurora.demo")
AURORA_AGENT = PartyRecord("Cabinet Lefèvre & Associés", "8 avenue de l'Opéra, 75001 Paris", "FR", "tm@lefevre.demo")
LUMINA = PartyRecord("深圳流明电子有限公司 Lumina Electronics", "深圳市南山区科技园 Shenzhen", "CN", "ip@lumina.demo")
LUMINA_HK = PartyRecord("Lumina Trading (HK) Limited", "Nathan Road 88, Kowloon, Hong Kong", "HK", "hk@lumina-hk.demo")
BRANDGUARD = PartyRecord(
    "BrandGuard IP Services GmbH", "Friedrichstraße 10, 10117 Berlin", "DE", "agent@brandguard.demo"
)

COSMETICS = GoodsRecord("3", "Cosmetics; perfumes; lipsticks; skin care preparations")
ELECTRONICS = GoodsRecord("9", "Earphones; headphones; chargers for mobile phones; cases for smartphones")
LAMPS = GoodsRecord("11", "Lamps; LED light bulbs")


def _tm(
    office: str,
    number: str,
    mark: str,
    owners: tuple[PartyRecord, ...],
    goods: tuple[GoodsRecord, ...],
    **fields: object,
) -> RightRecord:
    values: dict[str, object] = {
        "kind": "trademark",
        "status": "registered",
        "mark_feature": "word",
        "registration_number": number,
        **fields,
    }
    return RightRecord(office=office, number=number, verbal_element=mark, owners=owners, goods=goods, **values)  # type: ignore[arg-type]


HAND_WRITTEN = (
    _tm(
        "EM",
        "018234567",
        "AURORA",
        (AURORA,),
        (COSMETICS, GoodsRecord("35", "Retail services for cosmetics")),
        filing_date=date(2019, 10, 1),
        registration_date=date(2020, 2, 14),
        expiry_date=date(2029, 10, 1),
        representatives=(AURORA_AGENT,),
    ),
    _tm(
        "CN",
        "45678901",
        "欧若拉",
        (AURORA,),
        (GoodsRecord("3", "化妆品；香水；口红"),),
        transliteration="Ou Ruo La",
        filing_date=date(2020, 4, 20),
        registration_date=date(2021, 3, 7),
    ),
    _tm(
        "WO",
        "1523456",
        "AURORA LUMIÈRE",
        (AURORA,),
        (COSMETICS,),
        filing_date=date(2020, 6, 2),
        registration_date=date(2020, 6, 2),
        expiry_date=date(2030, 6, 2),
        territories=("CN", "US", "JP", "GB"),
    ),
    _tm(
        "CN",
        "32165498",
        "流明 LUMINA",
        (LUMINA,),
        (ELECTRONICS, LAMPS),
        mark_feature="combined",
        filing_date=date(2018, 5, 9),
        registration_date=date(2019, 6, 21),
    ),
    _tm(
        "EM",
        "018765432",
        "LUMINA",
        (LUMINA,),
        (ELECTRONICS,),
        former_owners=(LUMINA_HK,),
        filing_date=date(2018, 8, 30),
        registration_date=date(2019, 1, 17),
        expiry_date=date(2028, 8, 30),
        representatives=(BRANDGUARD,),
    ),
    _tm(
        "US",
        "6123456",
        "LUMINA",
        (LUMINA,),
        (ELECTRONICS,),
        filing_date=date(2019, 2, 11),
        registration_date=date(2020, 9, 1),
    ),
    # Neighbours: a lapsed look-alike and an unrelated owner's similar mark.
    _tm(
        "EM",
        "017111222",
        "AURORA BEAUTY",
        (PartyRecord("Beauty Aurora Ltd", country="GB"),),
        (COSMETICS,),
        status="expired",
        filing_date=date(2012, 3, 5),
        registration_date=date(2012, 9, 1),
        expiry_date=date(2022, 3, 5),
    ),
    _tm(
        "DE",
        "302019000123",
        "LUMINAX",
        (PartyRecord("Luminax Leuchten GmbH", country="DE"),),
        (LAMPS,),
        filing_date=date(2019, 1, 3),
        registration_date=date(2019, 4, 2),
    ),
    RightRecord(
        office="CN",
        number="GI-0042",
        kind="geographical_indication",
        status="registered",
        verbal_element="西湖龙井 Xihu Longjing",
        goods=(GoodsRecord("30", "Tea"),),
        owners=(PartyRecord("杭州市西湖区龙井茶产业协会", country="CN"),),
        filing_date=date(2001, 7, 1),
        registration_date=date(2001, 12, 1),
    ),
)

# The register as it stood before Lumina took the EU mark over from its Hong Kong company: importing it first
# leaves the owner change in the register's history.
EARLIER = (
    _tm(
        "EM",
        "018765432",
        "LUMINA",
        (LUMINA_HK,),
        (ELECTRONICS,),
        filing_date=date(2018, 8, 30),
        registration_date=date(2019, 1, 17),
        expiry_date=date(2028, 8, 30),
    ),
)

SYNTHETIC_SIZE = 3000


def _synthetic_rows(count: int) -> list[dict[str, object]]:
    return [
        {
            **row,
            "owner": row["owner_name"],
            "nice_classes": ";".join(str(c) for c in row["nice_classes"]),
        }
        for row in synthetic.records(count, seed=2026)
    ]


def demo_register_load() -> bool:
    """Import the demo register once; returns False when it is already there."""
    if Right.objects.filter(office="EM", number="018234567").exists():
        return False
    rights_import_records(records=EARLIER, source="demo register, 2023 extract", format="synthetic")
    rights_import_records(records=HAND_WRITTEN, source="demo register", format="synthetic")
    rights_import_records(
        records=records_from_rows(_synthetic_rows(SYNTHETIC_SIZE)),
        source=f"synthetic register of {SYNTHETIC_SIZE} marks",
        format="synthetic",
    )
    return True
