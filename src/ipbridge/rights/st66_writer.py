"""Write WIPO ST.66 (TM-XML) files from register records: synthetic registers for demos, tests and benchmarks.

Records are dicts with the fields of the CSV format (``office``, ``number``, ``kind``, ``mark``, ``owner`` or
``owner_name``, ``owner_country``, ``nice_classes`` as a list or ``;``-separated, ``status``, ``filing_date``,
``registration_date``, ``expiry_date``, ``representative_email``), e.g. ``ipbridge.engine.synthetic.records``.
The file is written as the records come, so its size is not bounded by memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any
from xml.sax.saxutils import escape

__all__ = ["NAMESPACE", "write_st66"]

NAMESPACE = "http://www.wipo.int/standards/XMLSchema/trademarks"

# How EUIPO-style files word each register status.
_STATUS_TEXT = {
    "filed": "Application filed",
    "published": "Application published",
    "registered": "Registered",
    "opposed": "Application opposed",
    "refused": "Application refused",
    "expired": "Registration expired",
    "cancelled": "Registration cancelled",
    "withdrawn": "Application withdrawn",
}
_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<Transaction xmlns="{NAMESPACE}">\n'
    "<TradeMarkTransactionBody><TransactionContentDetails>"
    "<TransactionCode>Synthetic register</TransactionCode><TransactionData><TradeMarkDetails>\n"
)
_FOOTER = (
    "</TradeMarkDetails></TransactionData></TransactionContentDetails></TradeMarkTransactionBody>\n</Transaction>\n"
)


def _classes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(part) for part in value or ()]


def _element(name: str, value: Any) -> str:
    return f"<{name}>{escape(str(value))}</{name}>" if value not in (None, "") else ""


def _party(kind: str, name: str, country: str = "", email: str = "") -> str:
    address = f"<Address><AddressCountryCode>{escape(country)}</AddressCountryCode></Address>" if country else ""
    contact = f"<ContactInformationDetails><Email>{escape(email)}</Email></ContactInformationDetails>" if email else ""
    return (
        f"<{kind}Details><{kind}><{kind}AddressBook><FormattedNameAddress>"
        f"<Name><FormattedName><OrganizationName>{escape(name)}</OrganizationName></FormattedName></Name>{address}"
        f"</FormattedNameAddress>{contact}</{kind}AddressBook></{kind}></{kind}Details>"
    )


def _trademark(record: Mapping[str, Any]) -> str:
    number = str(record["number"])
    registered = record.get("registration_date") not in (None, "")
    classes = "".join(
        f"<ClassDescription><ClassNumber>{escape(c)}</ClassNumber>"
        f'<GoodsServicesDescription languageCode="en">Goods and services of class {escape(c)}'
        "</GoodsServicesDescription></ClassDescription>"
        for c in _classes(record.get("nice_classes"))
    )
    owner = str(record.get("owner") or record.get("owner_name") or "")
    parts = [
        "<TradeMark>",
        _element("RegistrationOfficeCode", record["office"]),
        _element("ApplicationNumber", number),
        _element("ApplicationDate", record.get("filing_date")),
        _element("RegistrationNumber", number if registered else ""),
        _element("RegistrationDate", record.get("registration_date")),
        _element("ExpiryDate", record.get("expiry_date")),
        _element("MarkCurrentStatusCode", _STATUS_TEXT.get(str(record["status"]), record["status"])),
        "<MarkFeature>Word</MarkFeature>",
        f"<WordMarkSpecification>{_element('MarkVerbalElementText', record.get('mark'))}</WordMarkSpecification>",
        f"<GoodsServicesDetails><GoodsServices><ClassDescriptionDetails>{classes}"
        "</ClassDescriptionDetails></GoodsServices></GoodsServicesDetails>"
        if classes
        else "",
        _party("Applicant", owner, str(record.get("owner_country") or "")) if owner else "",
    ]
    email = str(record.get("representative_email") or "")
    if email:
        parts.append(_party("Representative", email.split("@", 1)[-1], email=email))
    parts.append("</TradeMark>\n")
    return "".join(parts)


def write_st66(records: Iterable[Mapping[str, Any]], out: IO[bytes]) -> int:
    """Write ``records`` as one ST.66 transaction to ``out``; returns how many were written."""
    out.write(_HEADER.encode())
    count = 0
    buffer: list[str] = []
    for record in records:
        buffer.append(_trademark(record))
        count += 1
        if len(buffer) >= 1000:
            out.write("".join(buffer).encode())
            buffer.clear()
    out.write("".join(buffer).encode())
    out.write(_FOOTER.encode())
    return count
