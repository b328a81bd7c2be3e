"""The streaming ST.66 reader: the parser's start, text and end events mapped straight to the texts a record needs.

libxml2 reports each element's start and end and the text between them to a parser target (lxml's ``target``
interface); no element tree is built, so nothing is walked twice and nothing needs clearing: at most one record's
texts are held, plus the records finished in the block of the file last fed to the parser. What a local name is
for (whose texts want it, whether it opens a record, a party, a class, …) is worked out once per tag.

Texts are those ``xml.text`` reads from a tree (all the text inside an element, whitespace collapsed, the pieces
of different text nodes apart): the record's text is kept as it arrives, with a space at every element boundary,
and an element's text is what arrived between its start and its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from lxml import etree

from ipbridge.rights.importers import st66_rules as rules
from ipbridge.rights.importers import xml
from ipbridge.rights.importers.common import ImportFileError
from ipbridge.rights.importers.st66_rules import OwnerTexts, RecordTexts, Texts
from ipbridge.rights.records import RejectedRecord, RightRecord

__all__ = ["parse"]

_BLOCK = 64 * 1024  # bytes fed to the parser at a time

# What an element's text is wanted for (bits), by its local name.
_TOP = 1  # a field of the record, as its direct child
_RECORD = 2  # a field of the record, anywhere in it
_ADDRESS = 4  # a party's address book
_DATE = 8  # a date of a party or of a recordal
_ROLE = 16  # a party's role, as its direct child
_CLASS = 32  # a class number or description, as a direct child of a ClassDescription
_COUNTRY = 64  # a designated country's code
_IMAGE = 128  # an image's file name
_PARTY_TEXT = _ADDRESS | _DATE | _ROLE

# What an element opens, by its local name.
_RECORD_ELEMENT, _OWNER, _PARTY, _RECORDAL, _CLASS_DESCRIPTION, _DESIGNATED_COUNTRY, _MARK_IMAGE = range(1, 8)

_OPENS = {
    **dict.fromkeys(rules.RECORD_TAGS, _RECORD_ELEMENT),
    **dict.fromkeys(rules.PARTY_NAMES, _PARTY),
    **dict.fromkeys(rules.OWNER_NAMES, _OWNER),
    **dict.fromkeys(rules.RECORDAL_NAMES, _RECORDAL),
    "ClassDescription": _CLASS_DESCRIPTION,
    "DesignatedCountry": _DESIGNATED_COUNTRY,
    "MarkImage": _MARK_IMAGE,
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_MAX_TAGS = 10_000  # the tag cache is bounded: a hostile file can hold any number of distinct tags

_Tag = tuple[str, int, int]  # local name, wanted bits, what it opens


def _tag(tag: str) -> _Tag:
    name = tag.rpartition("}")[2]
    wanted = (
        (_TOP if name in rules.TOP_NAMES else 0)
        | (_RECORD if name in rules.RECORD_NAMES else 0)
        | (_ADDRESS if name in rules.ADDRESS_BOOK_NAMES else 0)
        | (_DATE if name.endswith("Date") else 0)
        | (_ROLE if rules.is_role_child(name) else 0)
        | (_CLASS if name == rules.CLASS_NUMBER or name in rules.DESCRIPTION_NAMES else 0)
        | (_COUNTRY if name in rules.COUNTRY_NAMES else 0)
        | (_IMAGE if name in rules.IMAGE_NAMES else 0)
    )
    return name, wanted, _OPENS.get(name, 0)


def _add(texts: Texts, name: str, text: str) -> None:
    found = texts.get(name)
    if found is None:
        texts[name] = [text]
    else:
        found.append(text)


class _Party:
    __slots__ = ("dates", "depth", "roles", "texts")

    def __init__(self, depth: int, roles: list[str]):
        self.depth = depth
        self.texts: Texts = {}
        self.dates: list[str] = []
        self.roles = roles


class _Class:
    __slots__ = ("depth", "descriptions", "language", "numbers", "slot")

    def __init__(self, depth: int, slot: int):
        self.depth = depth
        self.slot = slot  # its place among the record's classes
        self.numbers: list[str] = []
        self.descriptions: dict[str, list[tuple[str, str]]] = {}
        self.language = ""  # of the description being read


class _Scope:
    """A designated country or an image: the texts inside it, and its place in the record's list."""

    __slots__ = ("depth", "slot", "texts")

    def __init__(self, depth: int, slot: int):
        self.depth = depth
        self.slot = slot
        self.texts: Texts = {}


class _Reader:
    """The parser target. Finished records pile up in ``records`` until the caller takes them."""

    def __init__(self) -> None:
        self.records: list[RightRecord | RejectedRecord] = []
        self._tags: dict[str, _Tag] = {}
        self._texts: list[str] = []  # the current record's text pieces, a space at each element boundary
        self._marks: list[int] = []  # per open element, where its text starts in ``_texts``
        self._record: RecordTexts | None = None
        self._record_depth = 0
        self._position = 0
        self._opened: list[tuple[int, int]] = []  # (depth, what) of the elements open inside the record
        self._parties: list[_Party] = []
        self._recordals: list[list[str]] = []
        self._classes: list[_Class] = []
        self._countries: list[_Scope] = []
        self._images: list[_Scope] = []

    def _learn(self, tag: str) -> _Tag:
        found = _tag(tag)
        if len(self._tags) < _MAX_TAGS:
            self._tags[tag] = found
        return found

    def doctype(self, *_declared: Any) -> None:
        xml.refuse_doctype()

    def data(self, text: str) -> None:
        self._texts.append(text)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        found = self._tags.get(tag)
        name, wanted, opens = self._learn(tag) if found is None else found
        marks = self._marks
        depth = len(marks)
        texts = self._texts
        if self._record is None:
            if opens == _RECORD_ELEMENT:
                texts.clear()
                self._open_record(depth)
            marks.append(len(texts))
            return
        texts.append(" ")
        marks.append(len(texts))
        if opens:
            self._open(self._record, name, opens, depth, attrib)
        elif wanted & _CLASS and self._classes and depth == self._classes[-1].depth + 1:
            # An empty attribute mapping is lxml's own, whose ``get`` is slow: looked into only when there is one.
            self._classes[-1].language = (attrib.get("languageCode") or attrib.get(_XML_LANG) or "") if attrib else ""

    def end(self, tag: str) -> None:
        mark = self._marks.pop()
        record = self._record
        if record is None:
            self._texts.clear()  # text between records is nobody's
            return
        found = self._tags.get(tag)
        name, wanted, opens = self._learn(tag) if found is None else found
        depth = len(self._marks)
        texts = self._texts
        if wanted:
            pieces = len(texts) - mark
            if pieces == 1:
                text = " ".join(texts[mark].split())
            else:
                text = " ".join("".join(texts[mark:]).split()) if pieces else ""
            if text:
                # The record's own fields are most of the wanted texts: stored here, without a call. Nothing else
                # wants a direct child of the record (it is inside no party, class, …), and the fields read from
                # anywhere in the record are only read when no direct child gives them.
                if wanted & _TOP and depth == self._record_depth + 1:
                    found_texts = record.top.get(name)
                    if found_texts is None:
                        record.top[name] = [text]
                    else:
                        found_texts.append(text)
                else:
                    self._collect(record, name, wanted, depth, text)
        texts.append(" ")
        if depth == self._record_depth:
            self._close_record(record)
        elif opens and self._opened and self._opened[-1][0] == depth:
            self._close(record, self._opened.pop()[1], mark)

    def close(self) -> None:
        return None

    def _collect(self, record: RecordTexts, name: str, wanted: int, depth: int, text: str) -> None:
        if wanted & _RECORD:
            _add(record.found, name, text)
        if wanted & _PARTY_TEXT:
            for party in self._parties:
                if wanted & _ADDRESS:
                    _add(party.texts, name, text)
                if wanted & _DATE:
                    party.dates.append(text)
                if wanted & _ROLE and depth == party.depth + 1:
                    party.roles.append(text)
        if wanted & _DATE:
            for dates in self._recordals:
                dates.append(text)
        if wanted & _CLASS and self._classes and depth == self._classes[-1].depth + 1:
            described = self._classes[-1]
            if name == rules.CLASS_NUMBER:
                described.numbers.append(text)
            else:
                described.descriptions.setdefault(name, []).append((text, described.language))
        if wanted & _COUNTRY:
            for country in self._countries:
                _add(country.texts, name, text)
        if wanted & _IMAGE:
            for image in self._images:
                _add(image.texts, name, text)

    def _open_record(self, depth: int) -> None:
        self._position += 1
        self._record_depth = depth
        self._record = RecordTexts(top={}, found={}, owners=[], parties={}, classes=[], images=[], countries=[])

    def _open(self, record: RecordTexts, name: str, opens: int, depth: int, attrib: dict[str, str]) -> None:
        if opens == _RECORD_ELEMENT:
            return  # a record inside a record is read as part of it
        self._opened.append((depth, opens))
        if opens == _OWNER:
            words = [str(attrib.get(attribute, "")) for attribute in rules.ROLE_ATTRIBUTES] if attrib else []
            party = _Party(depth, words)
            record.owners.append(
                OwnerTexts(
                    holder=name == "Holder",
                    texts=party.texts,
                    dates=party.dates,
                    role_words=party.roles,
                    sequence_attribute=str(attrib.get("sequenceNumber", "")) if attrib else "",
                    recordal_dates=self._recordals[::-1],
                )
            )
            self._parties.append(party)
        elif opens == _PARTY:
            party = _Party(depth, [])
            record.parties.setdefault(name, []).append(party.texts)
            self._parties.append(party)
        elif opens == _RECORDAL:
            self._recordals.append([])
        elif opens == _CLASS_DESCRIPTION:
            self._classes.append(_Class(depth, len(record.classes)))
            record.classes.append(("", ""))
        elif opens == _DESIGNATED_COUNTRY:
            self._countries.append(_Scope(depth, len(record.countries)))
            record.countries.append("")
        else:
            self._images.append(_Scope(depth, len(record.images)))
            record.images.append("")

    def _close(self, record: RecordTexts, opened: int, mark: int) -> None:
        if opened in (_OWNER, _PARTY):
            self._parties.pop()
        elif opened == _RECORDAL:
            self._recordals.pop()
        elif opened == _CLASS_DESCRIPTION:
            described = self._classes.pop()
            record.classes[described.slot] = (
                described.numbers[0] if described.numbers else "",
                rules.preferred(
                    pair for name in rules.DESCRIPTION_NAMES for pair in described.descriptions.get(name, ())
                ),
            )
        elif opened == _DESIGNATED_COUNTRY:
            country = self._countries.pop()
            record.countries[country.slot] = rules.first(country.texts, *rules.COUNTRY_NAMES) or " ".join(
                "".join(self._texts[mark:]).split()
            )
        else:
            image = self._images.pop()
            record.images[image.slot] = rules.first(image.texts, *rules.IMAGE_NAMES)

    def _close_record(self, record: RecordTexts) -> None:
        self.records.append(rules.record(record, position=self._position))
        self._record = None
        self._texts.clear()


def parse(stream: BinaryIO) -> Iterator[RightRecord | RejectedRecord]:
    reader = _Reader()
    # The stubs' ParserTarget wants a comment handler too; lxml calls only the handlers a target has.
    parser = etree.XMLParser(target=cast(Any, reader), **xml.PARSER_OPTIONS)
    source = xml.checked_prolog(stream)
    try:
        while block := source.read(_BLOCK):
            parser.feed(block)
            if reader.records:
                finished, reader.records = reader.records, []
                yield from finished
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(f"The file is not well-formed XML: {exc.msg or exc}") from exc
    yield from reader.records
