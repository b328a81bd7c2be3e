"""The streaming ST.66 reader against the tree-walking one, on generated records in the shapes offices publish."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipbridge.rights.importers import CountingStream, ImportFileError, st66

_NAMESPACES = [
    ('<Transaction xmlns="http://www.wipo.int/standards/XMLSchema/trademarks">', "</Transaction>", ""),
    ('<tm:Transaction xmlns:tm="http://www.wipo.int/standards/XMLSchema/trademarks">', "</tm:Transaction>", "tm:"),
    ('<Transaction xmlns:com="http://www.wipo.int/standards/XMLSchema/ST96/Common">', "</Transaction>", "com:"),
    ("<Transaction>", "</Transaction>", ""),
]

words = st.sampled_from(["Aurora", "Nordlicht", "Boreal", "极光", "R&D", "A <B>", "  spaced   out ", "", "x" * 400])
dates = st.sampled_from(
    [
        "2019-09-12",
        "2019-09-12+02:00",
        "2020-01-24-05:00",
        "2015-03-02T00:00:00Z",
        "20190912",
        "2021-06-01",
        "",
        "2019-02-30",
        "soon",
    ]
)
valid_dates = st.sampled_from(["2019-09-12", "2019-09-12+02:00", "2020-01-24-05:00", "20190912", ""])
statuses = st.sampled_from(["Registered", "Application filed", "Registration cancelled", "Expired", "700", "Suspended"])
features = st.sampled_from(["Word", "Figurative", "3-D", "Sound", "Hologram-ish", ""])
offices = st.sampled_from(["EM", "WO", "CN", "us", "US", "E1"])
countries = st.sampled_from(["FR", "CN", "gb", "XYZ", ""])
roles = st.sampled_from(
    ["", "Original applicant", "Owner at publication", "Subsequent owner", "current", "former", "Assignee"]
)
classes = st.sampled_from(["3", "09", "025", "45", "11", "35", "46"])
languages = st.sampled_from(["en", "fr", "EN-gb", ""])


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _element(p: str, name: str, text: str) -> str:
    return _around(p, name, _escaped(text))


def _around(p: str, name: str, inside: str, attributes: str = "") -> str:
    return f"<{p}{name}{attributes}>{inside}</{p}{name}>"


@st.composite
def party(draw: st.DrawFn, p: str, kind: str) -> str:
    name_shape = draw(st.sampled_from(["organisation", "free", "person", "st96", "none"]))
    name = draw(words)
    names = {
        "organisation": _around(p, "Name", _around(p, "FormattedName", _element(p, "OrganizationName", name))),
        "free": f"<{p}FreeFormatNameDetails>{_element(p, 'FreeFormatNameLine', name)}"
        f"{_element(p, 'FreeFormatNameLine', draw(words))}</{p}FreeFormatNameDetails>",
        "person": f"<{p}Name>{_element(p, 'LastName', name)}{_element(p, 'FirstName', draw(words))}</{p}Name>",
        "st96": f"<{p}Contact><{p}Name>{_element(p, 'EntityName', name)}</{p}Name></{p}Contact>",
        "none": "",
    }[name_shape]
    inside = [
        names,
        _element(p, "AddressCountryCode", draw(countries)),
        _element(p, "AddressCity", draw(words)),
        _element(p, "Email", draw(st.sampled_from(["Legal@Aurora.example", "not-an-email", ""]))),
    ]
    if draw(st.booleans()):
        inside.append(_element(p, f"{kind}SequenceNumber", draw(st.sampled_from(["1", "2", "3", "x"]))))
    if draw(st.booleans()):
        inside.append(_element(p, f"{kind}RoleCategory", draw(roles)))
    if draw(st.booleans()):
        inside.append(_element(p, "PartyDate", draw(dates)))
    attributes = f' role="{draw(roles)}"' if draw(st.booleans()) else ""
    if draw(st.booleans()):
        attributes += f' sequenceNumber="{draw(st.sampled_from(["1", "2"]))}"'
    return f"<{p}{kind}{attributes}>{''.join(draw(st.permutations(inside)))}</{p}{kind}>"


@st.composite
def record(draw: st.DrawFn, p: str) -> str:
    number = draw(st.sampled_from(["018123456", "1 234", "77", ""]))
    fields = [
        _element(p, "RegistrationOfficeCode", draw(offices)),
        f"<{p}ApplicationNumber>{_element(p, 'ApplicationNumberText', number)}</{p}ApplicationNumber>"
        if draw(st.booleans())
        else _element(p, "ApplicationNumber", number),
        _element(p, "ApplicationDate", draw(valid_dates)),
        _element(p, "MarkCurrentStatusCode", draw(statuses)),
        _element(p, "MarkFeature", draw(features)),
        f"<{p}WordMarkSpecification>{_element(p, 'MarkVerbalElementText', draw(words))}"
        f"{_element(p, 'MarkTransliteration', draw(words))}</{p}WordMarkSpecification>",
    ]
    if draw(st.booleans()):
        fields.append(_element(p, "RegistrationNumber", draw(st.sampled_from(["555", ""]))))
        fields.append(_element(p, "RegistrationDate", draw(valid_dates)))
    if draw(st.booleans()):
        fields.append(f"<{p}Details>{_element(p, 'MarkCurrentStatusCode', draw(statuses))}</{p}Details>")
    descriptions = "".join(
        f"<{p}ClassDescription>{_element(p, 'ClassNumber', draw(classes))}"
        + "".join(
            _around(p, "GoodsServicesDescription", _escaped(draw(words)), f' languageCode="{draw(languages)}"')
            for _ in range(draw(st.integers(0, 2)))
        )
        + f"</{p}ClassDescription>"
        for _ in range(draw(st.integers(0, 3)))
    )
    fields.append(f"<{p}GoodsServicesDetails>{descriptions}</{p}GoodsServicesDetails>")
    for kind in draw(st.lists(st.sampled_from(["Applicant", "Holder", "Representative", "Correspondent"]), max_size=4)):
        fields.append(f"<{p}{kind}Details>{draw(party(p, kind))}</{p}{kind}Details>")
    if draw(st.booleans()):
        fields.append(
            _around(
                p,
                "MarkRecordDetails",
                _around(
                    p,
                    "MarkRecord",
                    _element(p, "RecordEffectiveDate", draw(dates))
                    + _around(p, "RecordHolderDetails", draw(party(p, "Holder"))),
                ),
            )
        )
    for code in draw(st.lists(countries, max_size=3)):
        fields.append(f"<{p}DesignatedCountry>{_element(p, 'DesignatedCountryCode', code)}</{p}DesignatedCountry>")
    if draw(st.booleans()):
        fields.append(f"<{p}MarkImage>{_element(p, 'MarkImageFilename', draw(words))}</{p}MarkImage>")
    separator = draw(st.sampled_from(["", "\n  "]))
    tag = draw(st.sampled_from(["TradeMark", "Trademark"]))
    return f"<{p}{tag}>{separator}{separator.join(draw(st.permutations(fields)))}{separator}</{p}{tag}>"


@st.composite
def register_file(draw: st.DrawFn) -> bytes:
    opening, closing, p = draw(st.sampled_from(_NAMESPACES))
    records = draw(st.lists(record(p), min_size=1, max_size=4))
    body = "\n<!-- a comment -->\n".join(records)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{opening}<{p}Details>{body}</{p}Details>{closing}'.encode()


@settings(max_examples=300, deadline=None)
@given(register_file())
def test_the_streaming_reader_reads_what_the_tree_reader_reads(data: bytes) -> None:
    assert list(st66.parse(io.BytesIO(data))) == list(st66.parse_tree(io.BytesIO(data)))


def test_records_come_as_the_file_is_read_not_after_it() -> None:
    record = (
        "<TradeMark><RegistrationOfficeCode>EM</RegistrationOfficeCode><ApplicationNumber>{n}</ApplicationNumber>"
        "<MarkCurrentStatusCode>Filed</MarkCurrentStatusCode></TradeMark>"
    )
    data = f"<Transaction>{''.join(record.format(n=n) for n in range(20_000))}</Transaction>".encode()
    stream = CountingStream(io.BytesIO(data))

    first = next(st66.parse(stream))

    assert first.identifier == "EM 0"
    assert stream.bytes_read < len(data) // 10


def test_a_doctype_after_a_long_prolog_is_still_refused() -> None:
    data = b"<!--" + b"x" * 100_000 + b'-->\n<!DOCTYPE a [<!ENTITY x "y">]><a><TradeMark/></a>'

    with pytest.raises(ImportFileError, match="declares a DOCTYPE"):
        list(st66.parse(io.BytesIO(data)))
