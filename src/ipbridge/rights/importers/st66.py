"""WIPO ST.66 (TM-XML) trademark files, and ST.96 trademark files, streamed.

Elements are matched on their local names, so the older ST.66 namespace, the ST.96 namespaces and offices'
extensions all work. Each ``TradeMark`` (ST.66) or ``Trademark`` (ST.96) element is one record.

Owners. Offices list more than the current owner: the original applicant, the holder at publication, later
holders, transfers recorded as ``MarkRecord``/``MarkEvent``. The current owner is decided so (``owners``):

1. A party whose role says so (an attribute or a ``…Role``/``…Category``/``…Kind``/``…Status`` child saying
   "former", "previous", "original", "at publication", "assignor" …) is a former owner; "current", "new",
   "subsequent", "assignee" mark a current one.
2. When the record names holders, the holders are the owner candidates and the applicants are former owners
   (the applicant is who filed; a holder is who owns the mark after registration or a transfer).
   Without holders, the applicants are the candidates.
3. Among the candidates, dates decide: those with the latest date (their own, or the date of the recordal
   they appear in) are the current owners, the others former owners. Without dates, the last holder in the
   file is the current owner; applicants without holders are co-owners (their sequence number orders them).
4. A former owner with the same name as a current owner is the same party and is not listed twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from ipbridge.rights.importers import xml
from ipbridge.rights.importers.common import (
    RecordError,
    mark_feature,
    nice_class,
    parse_date,
    right_status,
)
from ipbridge.rights.records import GoodsRecord, PartyRecord, RejectedRecord, RightRecord

__all__ = [
    "RECORD_TAGS",
    "owners_of",
    "parse",
    "parties_of",
    "party",
    "preferred_text",
    "record_from_element",
    "territories_of",
]

RECORD_TAGS = ("TradeMark", "Trademark")

_FORMER = re.compile(
    r"\b(former|previous|prior|original|old|earlier|assignor|predecessor|false)\b|at publication", re.I
)
_CURRENT = re.compile(r"\b(current|new|subsequent|present|assignee|successor|true)\b", re.I)
_ROLE_CHILD = re.compile(r"(Role|Category|Kind|Status|Type)(Code|Text)?$")
_ROLE_ATTRIBUTES = ("role", "kind", "category", "status", "current", "partyRole", "holderRole")
_RECORDAL = frozenset({"MarkRecord", "MarkEvent", "RecordedEvent", "MarkRecordDetails", "MarkEventDetails"})
_SEQUENCE = ("ApplicantSequenceNumber", "HolderSequenceNumber", "SequenceNumber", "PartySequenceNumber")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")


def parse(stream: BinaryIO) -> Iterator[RightRecord | RejectedRecord]:
    for position, element in enumerate(xml.iter_records(stream, RECORD_TAGS), start=1):
        yield record_from_element(element, position=position)


def _identifier(office: str, number: str) -> str:
    return f"{office} {number}".strip()


def record_from_element(element: xml.Element, *, position: int) -> RightRecord | RejectedRecord:
    top = xml.children(element)
    found = xml.index(element)

    def value(*names: str) -> str:
        for name in names:
            for found in top.get(name, ()):
                if result := xml.text(found):
                    return result
        return ""

    office = value("RegistrationOfficeCode").upper()
    application_number = value("ApplicationNumber")
    registration_number = value("RegistrationNumber", "InternationalRegistrationNumber")
    number = registration_number or application_number
    try:
        if not office:
            raise RecordError("office", "office code (RegistrationOfficeCode) missing")
        if not _COUNTRY.fullmatch(office):
            raise RecordError("office", f"“{office[:10]}” is not a WIPO ST.3 office code")
        if not number:
            raise RecordError("number", "neither an application nor a registration number")
        status = right_status(
            value("MarkCurrentStatusCode")
            or xml.first_in(found, "MarkCurrentStatusCode", "MarkCurrentStatusExternalDescriptionText"),
            office=office,
        )
        feature = value("MarkFeature") or xml.first_in(found, "MarkFeature", "MarkFeatureCategory")
        owners, former = owners_of(element)
        return RightRecord(
            office=office,
            number=number,
            kind="trademark",
            status=status,
            application_number=application_number,
            registration_number=registration_number,
            mark_feature=mark_feature(feature),
            verbal_element=xml.first_in(found, "MarkVerbalElementText"),
            transliteration=xml.first_in(found, "MarkTransliteration", "MarkVerbalElementTransliteration"),
            images=_images(found),
            filing_date=parse_date(value("ApplicationDate", "FilingDate"), field="filing_date"),
            registration_date=parse_date(value("RegistrationDate"), field="registration_date"),
            expiry_date=parse_date(value("ExpiryDate"), field="expiry_date"),
            territories=territories_of(element, found),
            owners=owners,
            former_owners=former,
            representatives=_parties_found(found, "Representative", "NationalRepresentative"),
            correspondents=_parties_found(found, "CorrespondenceAddress", "Correspondent", "NationalCorrespondent"),
            goods=_goods(found),
        )
    except RecordError as exc:
        return RejectedRecord(
            position=position, identifier=_identifier(office, number), reason=exc.reason, field=exc.field
        )


def _parties_found(found: dict[str, list[xml.Element]], *names: str) -> tuple[PartyRecord, ...]:
    return _unique(p for p in (party(e) for name in names for e in found.get(name, ())) if p.name)


def parties_of(element: xml.Element, *names: str) -> tuple[PartyRecord, ...]:
    return _unique(found for found in map(party, element.iter(*(f"{{*}}{name}" for name in names))) if found.name)


def preferred_text(elements: list[xml.Element]) -> str:
    """Of texts in several languages, the English one, else the first."""
    chosen = ""
    for found in elements:
        content = xml.text(found)
        if not content:
            continue
        language = (found.get("languageCode") or found.get("{http://www.w3.org/XML/1998/namespace}lang") or "").lower()
        if language.startswith("en"):
            return content
        chosen = chosen or content
    return chosen


def _goods(found: dict[str, list[xml.Element]]) -> tuple[GoodsRecord, ...]:
    by_class: dict[str, list[str]] = {}
    for description in found.get("ClassDescription", ()):
        inside = xml.children(description)
        number = nice_class(xml.first_in(inside, "ClassNumber"))
        descriptions = by_class.setdefault(number, [])
        text = preferred_text(
            [*inside.get("GoodsServicesDescription", ()), *inside.get("GoodsServicesDescriptionText", ())]
        )
        if text and text not in descriptions:
            descriptions.append(text)
    return tuple(
        GoodsRecord(class_number=number, description="; ".join(texts))
        for number, texts in sorted(by_class.items(), key=lambda item: int(item[0]))
    )


def _images(found: dict[str, list[xml.Element]]) -> tuple[str, ...]:
    names: list[str] = []
    for image in found.get("MarkImage", ()):
        name = xml.first_in(xml.index(image), "MarkImageFilename", "FileName", "MarkImageURI", "MarkImageFileName")
        if name and name not in names:
            names.append(name)
    return tuple(names)


def territories_of(element: xml.Element, found: dict[str, list[xml.Element]] | None = None) -> tuple[str, ...]:
    found = xml.index(element) if found is None else found
    codes: list[str] = []
    for designated in found.get("DesignatedCountry", ()):
        inside = xml.index(designated)
        code = (
            xml.first_in(inside, "DesignatedCountryCode", "CountryCode", "DesignatedOfficeCode") or xml.text(designated)
        ).upper()
        if _COUNTRY.fullmatch(code) and code not in codes:
            codes.append(code)
    for designated_code in found.get("DesignatedCountryCode", ()):
        code = xml.text(designated_code).upper()
        if _COUNTRY.fullmatch(code) and code not in codes:
            codes.append(code)
    return tuple(codes)


def _joined(found: dict[str, list[xml.Element]], names: tuple[str, ...], separator: str) -> str:
    parts: list[str] = []
    text = xml.text
    for name in names:
        elements = found.get(name)
        if elements:
            for element in elements:
                if content := text(element):
                    parts.append(content)
    return separator.join(parts)


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


def party(element: xml.Element) -> PartyRecord:
    """A party from its ST.66 address book (or ST.96 contact): name, address, country, e-mail."""
    return _party_in(xml.index(element))


def _party_in(found: dict[str, list[xml.Element]]) -> PartyRecord:
    name = (
        _joined(found, _ORGANISATION_NAMES, " ")
        or _joined(found, ("FreeFormatNameLine",), " ")
        or _joined(found, _PERSON_NAMES, " ")
        or _joined(found, _OTHER_NAMES, " ")
    )
    address = _joined(found, ("FreeFormatAddressLine",), ", ") or _joined(found, _ADDRESS_PARTS, ", ")
    country = ""
    for candidate in _COUNTRY_CODES:
        code = xml.first_in(found, candidate).upper()
        if _COUNTRY.fullmatch(code):
            country = code
            break
    email = xml.first_in(found, *_EMAILS).lower()
    return PartyRecord(
        name=name[:500], address=address, country=country, email=email if _EMAIL.fullmatch(email) else ""
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    party: PartyRecord
    holder: bool
    order: int
    sequence: int
    when: date | None
    role: str  # "current", "former" or ""


def _role(element: xml.Element) -> str:
    words = [str(element.get(attribute, "")) for attribute in _ROLE_ATTRIBUTES]
    words += [
        xml.text(child) for child in element if isinstance(child.tag, str) and _ROLE_CHILD.search(xml.local(child))
    ]
    said = " ".join(word for word in words if word)
    if not said:
        return ""
    if _FORMER.search(said):
        return "former"
    return "current" if _CURRENT.search(said) else ""


def _date_of(element: xml.Element, record: xml.Element, walked: list[tuple[str, xml.Element]]) -> date | None:
    """The party's own date, else the date of the recordal (transfer) it appears in. ``walked`` is the party's
    subtree (``xml.walk``)."""
    own = _first_date(walked)
    if own is not None:
        return own
    for ancestor in element.iterancestors():
        if ancestor is record:
            break
        if xml.local(ancestor) in _RECORDAL:
            found = _first_date(xml.walk(ancestor))
            if found is not None:
                return found
    return None


def _first_date(walked: list[tuple[str, xml.Element]]) -> date | None:
    """The first valid date among the descendants (not the element itself) whose name ends in "Date"."""
    for name, child in walked[1:]:
        if name.endswith("Date"):
            try:
                found = parse_date(xml.text(child), field="owner")
            except RecordError:
                continue
            if found is not None:
                return found
    return None


def _sequence(found: dict[str, list[xml.Element]], element: xml.Element) -> int:
    content = xml.first_in(found, *_SEQUENCE) or str(element.get("sequenceNumber", ""))
    return int(content) if content.isdigit() else 0


def owners_of(record: xml.Element) -> tuple[tuple[PartyRecord, ...], tuple[PartyRecord, ...]]:
    candidates: list[_Candidate] = []
    for order, element in enumerate(record.iter("{*}Holder", "{*}Applicant")):
        walked = xml.walk(element)
        inside = xml.index_of(walked)
        found = _party_in(inside)
        if not found.name:
            continue
        candidates.append(
            _Candidate(
                party=found,
                holder=xml.local(element) == "Holder",
                order=order,
                sequence=_sequence(inside, element),
                when=_date_of(element, record, walked),
                role=_role(element),
            )
        )
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
    owners = _unique(c.party for c in current)
    names = {p.name.casefold() for p in owners}
    formers = _unique(c.party for c in former if c.party.name.casefold() not in names)
    return owners, formers


def _unique(parties: Iterable[PartyRecord]) -> tuple[PartyRecord, ...]:
    seen: dict[str, PartyRecord] = {}
    for found in parties:
        seen.setdefault(found.name.casefold(), found)
    return tuple(seen.values())
