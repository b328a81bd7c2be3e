from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class VerifyIn(Schema):
    office: str = Field(default="", max_length=3, description="WIPO ST.3 office code, e.g. EM, CN, US")
    number: str = Field(default="", max_length=50, description="Registration or application number")
    mark: str = Field(default="", max_length=500, description="The mark's text, when the number is not known")
    claimant: str = Field(default="", max_length=500, description="Who claims to own the right")
    nice_class: int | None = Field(default=None, description="Nice class 1–45 of the goods concerned")
    goods: str = Field(default="", max_length=1000, description="The goods in free text, mapped to Nice classes")
    territory: str = Field(default="", max_length=2, description="ISO 3166 country code where the right is used")
    date: dt.date | None = Field(default=None, description="The date the right must be in force on (default today)")


class CheckOut(Schema):
    name: str
    passed: bool | None
    detail: str


class PartyOut(Schema):
    name: str
    country: str


class GoodsOut(Schema):
    scheme: str
    class_number: str
    description: str


class RightOut(Schema):
    id: int
    office: str
    number: str
    application_number: str
    registration_number: str
    kind: str
    mark_feature: str
    mark: str
    transliteration: str
    status: str
    filing_date: dt.date | None
    registration_date: dt.date | None
    expiry_date: dt.date | None
    territories: list[str]
    owners: list[PartyOut]
    former_owners: list[PartyOut]
    representatives: list[PartyOut]
    classes: list[GoodsOut]


class VerifyOut(Schema):
    verdict: str = Field(description="verified, not_verified or not_found")
    checks: list[CheckOut]
    right: RightOut | None


class ChangeOut(Schema):
    field: str
    old_value: object
    new_value: object
    changed_at: str


class ReasonOut(Schema):
    code: str = Field(
        description="exact, normalised, edit_distance, phonetic, pinyin, homoglyph, leetspeak, "
        "spacing, word_order, contained …"
    )
    detail: str


class SearchResultOut(Schema):
    id: int
    office: str
    number: str
    mark: str
    owners: list[str]
    nice_classes: list[int]
    status: str
    score: float = Field(description="Similarity in [0, 1]")
    reasons: list[ReasonOut]


class SearchOut(Schema):
    results: list[SearchResultOut]
