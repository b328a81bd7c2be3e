"""What the elements of a WIPO ST.66 (or ST.96) trademark record mean, once a reader has gathered their texts.

The two ST.66 readers (the streaming one in ``st66_stream`` and the tree-walking one in ``st66``) gather the same
thing: the texts of the elements they need, by local name, each text non-empty with its whitespace collapsed
(an element's text is all the text inside it), in document order. Everything decided from those texts is here,
once, so the readers cannot drift apart: the owner rule (see ``st66``), party address books, classes with their
English-preferred descriptions, designated territories, images, dates and statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ipbridge.rights.importers.common import RecordError, mark_feature, nice_class, parse_date, right_status
from ipbridge.rights.records import GoodsRecord, PartyRecord, RejectedRecord, RightRecord

__all__ = [
    "ADDRESS_BOOK_NAMES",
    "COUNTRY_NAMES",
    "IMAGE_NAMES",
    "OWNER_NAMES",
    "PARTY_NAMES",
    "RECORDAL_NAMES",
    "RECORD_NAMES",
    "RECORD_TAGS",
    "ROLE_ATTRIBUTES",
    "TOP_NAMES",
    "OwnerTexts",
    "RecordTexts",
    "Texts",
    "is_role_child",
    "owners",
    "party",
    "preferred",
    "record",
    "territories",
    "unique",
]

Texts = dict[str, list[str]]  # local name -> the non-empty texts of the elements so named, in document order

RECORD_TAGS = ("TradeMark", "Trademark")
OWNER_NAMES = ("Holder", "Applicant")
REPRESENTATIVE_NAMES = ("Representative", "NationalRepresentative")
CORRESPONDENT_NAMES = ("CorrespondenceAddress", "Correspondent", "NationalCorrespondent")
PARTY_NAMES = (*OWNER_NAMES, *REPRESENTATIVE_NAMES, *CORRESPONDENT_NAMES)
RECORDAL_NAMES = frozenset({"MarkRecord", "MarkEvent", "RecordedEvent", "MarkRecordDetails", "MarkEventDetails"})

# Direct children of the record.
TOP_NAMES = frozenset(
    {
        "RegistrationOfficeCode",
        "ApplicationNumber",
        "RegistrationNumber",
        "InternationalRegistrationNumber",
        "MarkCurrentStatusCode",
        "MarkFeature",
        "ApplicationDate",
        "FilingDate",
        "RegistrationDate",
        "ExpiryDate",
    }
)
# Anywhere in the record.
RECORD_NAMES = frozenset(
    {
        "MarkCurrentStatusCode",
        "MarkCurrentStatusExternalDescriptionText",
        "MarkFeature",
        "MarkFeatureCategory",
        "MarkVerbalElementText",
        "MarkTransliteration",
        "MarkVerbalElementTransliteration",
        "DesignatedCountryCode",
    }
)
# Inside a ``DesignatedCountry`` (the first found, in this order, else the element's own text) and a ``MarkImage``.
COUNTRY_NAMES = ("DesignatedCountryCode", "CountryCode", "DesignatedOfficeCode")
IMAGE_NAMES = ("MarkImageFilename", "FileName", "MarkImageURI", "MarkImageFileName")
# Direct children of a ``ClassDescription``.
CLASS_NUMBER = "ClassNumber"
DESCRIPTION_NAMES = ("GoodsServicesDescription", "GoodsServicesDescriptionText")

_ORGANISATION_NAMES = ("OrganizationName", "EntityName", "OrganizationStandardName")
_PERSON_NAMES = ("FirstName", "MiddleName", "LastName", "SecondLastName")
_OTHER_NAMES = ("PersonFullName", "Name", "PartyName")
_ADDRESS_PARTS = (
    "AddressStreet",
    "AddressLineText",
    "AddressBuilding",
    "AddressCity",
    "CityName",
    "AddressState",
    "GeographicRegionName",
    "AddressPostcode",
    "PostalCode",
)
_COUNTRY_CODES = (
    "AddressCountryCode",
    "CountryCode",
    "ApplicantNationalityCode",
    "HolderNationalityCode",
    "NationalityCode",
    "IncorporationCountryCode",
)
_EMAILS = ("Email", "EmailAddressText", "ElectronicMail")
_SEQUENCE = ("ApplicantSequenceNumber", "HolderSequenceNumber", "SequenceNumber", "PartySequenceNumber")
# Anywhere inside a party element.
ADDRESS_BOOK_NAMES = frozenset(
    {
        *_ORGANISATION_NAMES,
        "FreeFormatNameLine",
        *_PERSON_NAMES,
        *_OTHER_NAMES,
        "FreeFormatAddressLine",
        *_ADDRESS_PARTS,
        *_COUNTRY_CODES,
        *_EMAILS,
        *_SEQUENCE,
    }
)

_FORMER = re.compile(
    r"\b(former|previous|prior|original|old|earlier|assignor|predecessor|false)\b|at publication", re.I
)
_CURRENT = re.compile(r"\b(current|new|subsequent|present|assignee|successor|true)\b", re.I)
_ROLE_CHILD = re.compile(r"(Role|Category|Kind|Status|Type)(Code|Text)?$")
ROLE_ATTRIBUTES = ("role", "kind", "category", "status", "current", "partyRole", "holderRole")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")


def is_role_child(name: str) -> bool:
    """Whether a party's child with this local name says the party's role."""
    return _ROLE_CHILD.search(name) is not None


@dataclass(slots=True)
class OwnerTexts:
    """A holder or applicant as read: its address book, the dates inside it, the words saying its role."""

    holder: bool
    texts: Texts  # ``ADDRESS_BOOK_NAMES`` anywhere inside it
    dates: list[str]  # the texts of the elements inside it whose local names end in "Date"
    role_words: list[str]  # its role attributes (``ROLE_ATTRIBUTES`` order), then its role children's texts
    sequence_attribute: str = ""
    recordal_dates: list[list[str]] = field(default_factory=list)  # the recordals it is inside, innermost first


@dataclass(slots=True)
class RecordTexts:
    top: Texts  # ``TOP_NAMES`` among the record's children
    found: Texts  # ``RECORD_NAMES`` anywhere in the record (those of ``top`` may be left out: ``top`` goes first)
    owners: list[OwnerTexts]  # holders and applicants, in document order
    parties: dict[str, list[Texts]]  # the address books of the other party elements, by local name
    classes: list[tuple[str, str]]  # per ``ClassDescription``: its class number text and preferred description
    images: list[str]  # per ``MarkImage``, its file name or URI
    countries: list[str]  # per ``DesignatedCountry``, its code


def first(texts: Texts, *names: str) -> str:
    """The first text of these names (name order first)."""
    for name in names:
        found = texts.get(name)
        if found:
            return found[0]
    return ""


def _joined(texts: Texts, names: tuple[str, ...], separator: str) -> str:
    parts: list[str] = []
    for name in names:
        found = texts.get(name)
        if found:
            parts += found
    return separator.join(parts)


def party(texts: Texts) -> PartyRecord:
    """A party from the texts of its ST.66 address book (or ST.96 contact): name, address, country, e-mail."""
    name = (
        _joined(texts, _ORGANISATION_NAMES, " ")
        or _joined(texts, ("FreeFormatNameLine",), " ")
        or _joined(texts, _PERSON_NAMES, " ")
        or _joined(texts, _OTHER_NAMES, " ")
    )
    address = _joined(texts, ("FreeFormatAddressLine",), ", ") or _joined(texts, _ADDRESS_PARTS, ", ")
    country = ""
    for candidate in _COUNTRY_CODES:
        found = texts.get(candidate)
        if found:
            code = found[0].upper()
            if _COUNTRY.fullmatch(code):
                country = code
                break
    email = first(texts, *_EMAILS).lower()
    return PartyRecord(
        name=name[:500], address=address, country=country, email=email if _EMAIL.fullmatch(email) else ""
    )


def preferred(texts: Iterable[tuple[str, str]]) -> str:
    """Of (text, language) pairs, the first English text, else the first text."""
    chosen = ""
    for text, language in texts:
        if not text:
            continue
        if language.lower().startswith("en"):
            return text
        chosen = chosen or text
    return chosen


def unique(parties: Iterable[PartyRecord]) -> tuple[PartyRecord, ...]:
    """Parties with a name, the first of each name (compared case-insensitively)."""
    seen: dict[str, PartyRecord] = {}
    for found in parties:
        if found.name:
            seen.setdefault(found.name.casefold(), found)
    return tuple(seen.values())


@dataclass(slots=True)
class _Candidate:
    party: PartyRecord
    holder: bool
    order: int
    sequence: int
    when: date | None
    role: str  # "current", "former" or ""


def _role(words: list[str]) -> str:
    said = " ".join(word for word in words if word)
    if not said:
        return ""
    if _FORMER.search(said):
        return "former"
    return "current" if _CURRENT.search(said) else ""


def _first_date(texts: list[str]) -> date | None:
    for text in texts:
        try:
            found = parse_date(text, field="owner")
        except RecordError:
            continue
        if found is not None:
            return found
    return None


def _date_of(owner: OwnerTexts) -> date | None:
    """The party's own date, else the date of the recordal (transfer) it appears in."""
    own = _first_date(owner.dates)
    if own is not None:
        return own
    for dates in owner.recordal_dates:
        found = _first_date(dates)
        if found is not None:
            return found
    return None


def _sequence(owner: OwnerTexts) -> int:
    content = first(owner.texts, *_SEQUENCE) or owner.sequence_attribute
    return int(content) if content.isdigit() else 0


def owners(read: list[OwnerTexts]) -> tuple[tuple[PartyRecord, ...], tuple[PartyRecord, ...]]:
    """The current owners and the former owners of a record, by the owner rule (see ``st66``)."""
    candidates: list[_Candidate] = []
    for order, owner in enumerate(read):
        found = party(owner.texts)
        if not found.name:
            continue
        candidates.append(
            _Candidate(
                party=found,
                holder=owner.holder,
                order=order,
                sequence=_sequence(owner),
                when=_date_of(owner),
                role=_role(owner.role_words),
            )
        )
    if len(candidates) == 1 and candidates[0].role != "former":
        return (candidates[0].party,), ()  # what the rule below decides for a lone holder or applicant
    has_holders = any(c.holder for c in candidates)
    current: list[_Candidate] = []
    former: list[_Candidate] = []
    pool: list[_Candidate] = []
    for candidate in candidates:
        if candidate.role == "former" or (has_holders and not candidate.holder and candidate.role != "current"):
            former.append(candidate)
        else:
            pool.append(candidate)
    explicit = [c for c in pool if c.role == "current"]
    if explicit:
        current, pool = explicit, [c for c in pool if c.role != "current"]
        former.extend(pool)
    elif any(c.when is not None for c in pool):
        latest = max(c.when for c in pool if c.when is not None)
        current = [c for c in pool if c.when == latest]
        former.extend(c for c in pool if c.when != latest)
    elif has_holders and pool:
        current, former = [pool[-1]], [*former, *pool[:-1]]
    else:
        current = pool
    current.sort(key=lambda c: (c.sequence, c.order))
    former.sort(key=lambda c: (c.when or date.min, c.order))
    owned = unique(c.party for c in current)
    names = {p.name.casefold() for p in owned}
    return owned, unique(c.party for c in former if c.party.name.casefold() not in names)


def _goods(classes: list[tuple[str, str]]) -> tuple[GoodsRecord, ...]:
    by_class: dict[str, list[str]] = {}
    for number_text, text in classes:
        descriptions = by_class.setdefault(nice_class(number_text), [])
        if text and text not in descriptions:
            descriptions.append(text)
    return tuple(
        GoodsRecord(class_number=number, description="; ".join(texts))
        for number, texts in sorted(by_class.items(), key=lambda item: int(item[0]))
    )


def territories(read: RecordTexts) -> tuple[str, ...]:
    codes: list[str] = []
    for code in (*read.countries, *read.found.get("DesignatedCountryCode", ())):
        code = code.upper()
        if _COUNTRY.fullmatch(code) and code not in codes:
            codes.append(code)
    return tuple(codes)


def _parties(read: RecordTexts, names: tuple[str, ...]) -> tuple[PartyRecord, ...]:
    return unique(party(texts) for name in names for texts in read.parties.get(name, ()))


def record(read: RecordTexts, *, position: int) -> RightRecord | RejectedRecord:
    """The right a record describes, or why it cannot be used."""
    top, found = read.top, read.found
    office = first(top, "RegistrationOfficeCode").upper()
    application_number = first(top, "ApplicationNumber")
    registration_number = first(top, "RegistrationNumber", "InternationalRegistrationNumber")
    number = registration_number or application_number
    try:
        if not office:
            raise RecordError("office", "office code (RegistrationOfficeCode) missing")
        if not _COUNTRY.fullmatch(office):
            raise RecordError("office", f"“{office[:10]}” is not a WIPO ST.3 office code")
        if not number:
            raise RecordError("number", "neither an application nor a registration number")
        status = right_status(
            first(top, "MarkCurrentStatusCode")
            or first(found, "MarkCurrentStatusCode", "MarkCurrentStatusExternalDescriptionText"),
            office=office,
        )
        feature = first(top, "MarkFeature") or first(found, "MarkFeature", "MarkFeatureCategory")
        owned, former = owners(read.owners)
        images: list[str] = []
        for image in read.images:
            if image and image not in images:
                images.append(image)
        return RightRecord(
            office=office,
            number=number,
            kind="trademark",
            status=status,
            application_number=application_number,
            registration_number=registration_number,
            mark_feature=mark_feature(feature),
            verbal_element=first(found, "MarkVerbalElementText"),
            transliteration=first(found, "MarkTransliteration", "MarkVerbalElementTransliteration"),
            images=tuple(images),
            filing_date=parse_date(first(top, "ApplicationDate", "FilingDate"), field="filing_date"),
            registration_date=parse_date(first(top, "RegistrationDate"), field="registration_date"),
            expiry_date=parse_date(first(top, "ExpiryDate"), field="expiry_date"),
            territories=territories(read),
            owners=owned,
            former_owners=former,
            representatives=_parties(read, REPRESENTATIVE_NAMES),
            correspondents=_parties(read, CORRESPONDENT_NAMES),
            goods=_goods(read.classes),
        )
    except RecordError as exc:
        return RejectedRecord(
            position=position, identifier=f"{office} {number}".strip(), reason=exc.reason, field=exc.field
        )
