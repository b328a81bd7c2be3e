"""WIPO ST.66 (TM-XML) trademark files, and ST.96 trademark files, streamed.

Elements are matched on their local names, so the older ST.66 namespace, the ST.96 namespaces and offices'
extensions all work. Each ``TradeMark`` (ST.66) or ``Trademark`` (ST.96) element is one record.

Two readers gather a record's texts, and ``st66_rules`` decides what they mean. ``parse`` is the streaming reader
(``st66_stream``): it maps the parser's events straight to the texts a record needs, without building a tree.
The tree-walking reader here (``parse_tree``, ``record_from_element``) is the slow, obviously correct one that
the streaming reader is tested against; its pieces (``owners_of``, ``parties_of``, …) also read ST.86 designs.

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

from collections.abc import Iterator
from typing import BinaryIO

from ipbridge.rights.importers import st66_rules as rules
from ipbridge.rights.importers import xml
from ipbridge.rights.importers.st66_rules import RECORD_TAGS, OwnerTexts, RecordTexts, Texts
from ipbridge.rights.importers.st66_stream import parse
from ipbridge.rights.records import PartyRecord, RejectedRecord, RightRecord

__all__ = [
    "RECORD_TAGS",
    "owners_of",
    "parse",
    "parse_tree",
    "parties_of",
    "party",
    "preferred_text",
    "record_from_element",
    "territories_of",
]


def parse_tree(stream: BinaryIO) -> Iterator[RightRecord | RejectedRecord]:
    """The records of a file, each read from its finished element tree (the reference for ``parse``)."""
    for position, element in enumerate(xml.iter_records(stream, RECORD_TAGS), start=1):
        yield record_from_element(element, position=position)


def _texts(found: dict[str, list[xml.Element]], names: frozenset[str] | tuple[str, ...]) -> Texts:
    texts: Texts = {}
    for name in names:
        if name in found and (values := [value for element in found[name] if (value := xml.text(element))]):
            texts[name] = values
    return texts


def _language(element: xml.Element) -> str:
    return str(element.get("languageCode") or element.get("{http://www.w3.org/XML/1998/namespace}lang") or "")


def record_from_element(element: xml.Element, *, position: int) -> RightRecord | RejectedRecord:
    found = xml.index(element)
    classes: list[tuple[str, str]] = []
    for description in found.get("ClassDescription", ()):
        inside = xml.children(description)
        described = [inside.get(name, []) for name in rules.DESCRIPTION_NAMES]
        classes.append(
            (
                xml.first_in(inside, rules.CLASS_NUMBER),
                rules.preferred((xml.text(e), _language(e)) for elements in described for e in elements),
            )
        )
    read = RecordTexts(
        top=_texts(xml.children(element), rules.TOP_NAMES),
        found=_texts(found, rules.RECORD_NAMES),
        owners=_owners(element),
        parties={
            name: [_texts(xml.index(e), rules.ADDRESS_BOOK_NAMES) for e in found[name]]
            for name in rules.PARTY_NAMES
            if name not in rules.OWNER_NAMES and name in found
        },
        classes=classes,
        images=[xml.first_in(xml.index(image), *rules.IMAGE_NAMES) for image in found.get("MarkImage", ())],
        countries=_countries(found),
    )
    return rules.record(read, position=position)


def _countries(found: dict[str, list[xml.Element]]) -> list[str]:
    return [
        xml.first_in(xml.index(designated), *rules.COUNTRY_NAMES) or xml.text(designated)
        for designated in found.get("DesignatedCountry", ())
    ]


def _dates(walked: list[tuple[str, xml.Element]]) -> list[str]:
    """The texts of the descendants (not the element itself) whose local names end in "Date"."""
    return [text for name, element in walked[1:] if name.endswith("Date") and (text := xml.text(element))]


def _owners(record: xml.Element) -> list[OwnerTexts]:
    read: list[OwnerTexts] = []
    for element in record.iter(*(f"{{*}}{name}" for name in rules.OWNER_NAMES)):
        walked = xml.walk(element)
        words = [str(element.get(attribute, "")) for attribute in rules.ROLE_ATTRIBUTES]
        words += [
            xml.text(child) for child in element if isinstance(child.tag, str) and rules.is_role_child(xml.local(child))
        ]
        recordals = []
        for ancestor in element.iterancestors():
            if ancestor is record:
                break
            if xml.local(ancestor) in rules.RECORDAL_NAMES:
                recordals.append(_dates(xml.walk(ancestor)))
        read.append(
            OwnerTexts(
                holder=xml.local(element) == "Holder",
                texts=_texts(xml.index_of(walked), rules.ADDRESS_BOOK_NAMES),
                dates=_dates(walked),
                role_words=words,
                sequence_attribute=str(element.get("sequenceNumber", "")),
                recordal_dates=recordals,
            )
        )
    return read


def owners_of(record: xml.Element) -> tuple[tuple[PartyRecord, ...], tuple[PartyRecord, ...]]:
    """The current and former owners among the holders and applicants inside an element."""
    return rules.owners(_owners(record))


def party(element: xml.Element) -> PartyRecord:
    """A party from its ST.66 address book (or ST.96 contact): name, address, country, e-mail."""
    return rules.party(_texts(xml.index(element), rules.ADDRESS_BOOK_NAMES))


def parties_of(element: xml.Element, *names: str) -> tuple[PartyRecord, ...]:
    return rules.unique(map(party, element.iter(*(f"{{*}}{name}" for name in names))))


def preferred_text(elements: list[xml.Element]) -> str:
    """Of texts in several languages, the English one, else the first."""
    return rules.preferred((xml.text(element), _language(element)) for element in elements)


def territories_of(element: xml.Element) -> tuple[str, ...]:
    found = xml.index(element)
    read = RecordTexts(
        top={},
        found=_texts(found, ("DesignatedCountryCode",)),
        owners=[],
        parties={},
        classes=[],
        images=[],
        countries=_countries(found),
    )
    return rules.territories(read)
