"""WIPO ST.86 (DS-XML) design files, streamed.

A ``DesignApplication`` may hold several designs (``DesignDetails/Design``); each design is one record. Its
owners, representatives and dates are its own when the design names them, else those of its application.
Classes are Locarno, written ``class-subclass`` (``09-01``). Owners follow the ST.66 rule (see ``st66``).
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy
from typing import BinaryIO

from ipbridge.rights.importers import xml
from ipbridge.rights.importers.common import RecordError, locarno_class, parse_date, right_status
from ipbridge.rights.importers.st66 import owners_of, parties_of, preferred_text, territories_of
from ipbridge.rights.records import GoodsRecord, RejectedRecord, RightRecord

__all__ = ["parse"]

_COUNTRY_LENGTH = 2


def parse(stream: BinaryIO) -> Iterator[RightRecord | RejectedRecord]:
    position = 0
    for element in xml.iter_records(stream, ("DesignApplication", "Design"), unless_inside="DesignApplication"):
        designs = list(element.iter("{*}Design")) if xml.local(element) == "DesignApplication" else [element]
        application = element if xml.local(element) == "DesignApplication" else None
        outside = _outside(application) if application is not None else None
        for design in designs:
            position += 1
            yield _record(design, application, outside, position=position)


def _own(element: xml.Element, *names: str) -> str:
    """A direct child's text."""
    for child in element:
        if isinstance(child.tag, str) and xml.local(child) in names and (content := xml.text(child)):
            return content
    return ""


def _record(
    design: xml.Element, application: xml.Element | None, outside: xml.Element | None, *, position: int
) -> RightRecord | RejectedRecord:
    def value(*names: str) -> str:
        return _own(design, *names) or (_own(application, *names) if application is not None else "")

    office = value("RegistrationOfficeCode").upper()
    application_number = value("DesignApplicationNumber", "ApplicationNumber")
    registration_number = value("RegistrationNumber", "DesignRegistrationNumber")
    number = registration_number or _own(design, "DesignIdentifier") or application_number
    identifier = f"{office} {number}".strip()
    try:
        if len(office) != _COUNTRY_LENGTH or not office.isalpha():
            raise RecordError("office", "office code (RegistrationOfficeCode) missing or not a WIPO ST.3 code")
        if not number:
            raise RecordError("number", "neither a design, registration nor application number")
        status = right_status(value("DesignCurrentStatusCode", "CurrentStatusCode"), office=office)
        owners, former = owners_of(design)
        representatives = parties_of(design, "Representative")
        correspondents = parties_of(design, "CorrespondenceAddress", "Correspondent")
        if outside is not None:
            if not owners and not former:
                owners, former = owners_of(outside)
            if not representatives:
                representatives = parties_of(outside, "Representative")
            if not correspondents:
                correspondents = parties_of(outside, "CorrespondenceAddress", "Correspondent")
        return RightRecord(
            office=office,
            number=number,
            kind="design",
            status=status,
            application_number=application_number,
            registration_number=registration_number,
            title=preferred_text(list(design.iter("{*}DesignTitle"))),
            images=_views(design),
            filing_date=parse_date(
                value("DesignApplicationDate", "ApplicationDate", "FilingDate"), field="filing_date"
            ),
            registration_date=parse_date(value("RegistrationDate"), field="registration_date"),
            expiry_date=parse_date(value("ExpiryDate"), field="expiry_date"),
            territories=territories_of(design),
            owners=owners,
            former_owners=former,
            representatives=representatives,
            correspondents=correspondents,
            goods=_classes(design),
        )
    except RecordError as exc:
        return RejectedRecord(position=position, identifier=identifier, reason=exc.reason, field=exc.field)


def _outside(application: xml.Element) -> xml.Element:
    """The application's own parties: a copy of it without its designs, so that one design's holders are not
    taken for the application's."""
    copy = deepcopy(application)
    for details in list(copy.iter("{*}DesignDetails", "{*}Design")):
        parent = details.getparent()
        if parent is not None:
            parent.remove(details)
    return copy


def _classes(design: xml.Element) -> tuple[GoodsRecord, ...]:
    found: dict[str, list[str]] = {}
    for description in design.iter("{*}ClassDescription", "{*}LocarnoClassification"):
        number_element = xml.first(description, "ClassNumber", "LocarnoClassNumber")
        if number_element is None:
            continue
        number = locarno_class(xml.text(number_element))
        texts = found.setdefault(number, [])
        text = preferred_text(list(description.iter("{*}ProductDescription", "{*}ProductDescriptionText")))
        if text and text not in texts:
            texts.append(text)
    if found:
        products = preferred_text(list(design.iter("{*}IndicationProduct", "{*}IndicationProductDescription")))
        for texts in found.values():
            if not texts and products:
                texts.append(products)
    return tuple(
        GoodsRecord(class_number=n, description="; ".join(t), scheme="locarno") for n, t in sorted(found.items())
    )


def _views(design: xml.Element) -> tuple[str, ...]:
    names: list[str] = []
    for name in ("ViewFilename", "ViewFileName", "FileName"):
        for found in design.iter(f"{{*}}{name}"):
            if (content := xml.text(found)) and content not in names:
                names.append(content)
    return tuple(names)
