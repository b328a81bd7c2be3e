"""Listings as marketplaces send them for screening, checked field by field: a JSON object per item, from a request,
a JSON-lines file or a CSV file. A listing that cannot be screened is rejected with its line, its field and the
reason; the others are screened.

Files are read a line at a time and a line is never held past ``MAX_LINE_BYTES``, so a file of any size is read in
little memory."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from ipbridge.engine.screening import Listing
from ipbridge.sharing.currencies import MINOR_DIGITS, amount_parse

FIELDS = (
    "id",
    "title",
    "description",
    "url",
    "price",
    "currency",
    "category",
    "shop_id",
    "shop_name",
    "shop_domain",
)
MAX_LENGTHS = {
    "id": 200,
    "title": 1000,
    "description": 20000,
    "url": 1000,
    "category": 200,
    "shop_id": 200,
    "shop_name": 200,
    "shop_domain": 253,
}
REQUIRED = ("id", "title")
MAX_LINE_BYTES = 1024 * 1024
FORMATS = ("jsonl", "csv")

_web_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Problem:
    """Why a listing (or a line of a file) cannot be screened: the field at fault ("" for the whole line), a code
    for machines and the values its message is written from."""

    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def message(self) -> str:
        return problem_message(self.code, self.params)


@dataclass(frozen=True)
class Item:
    """A listing checked and ready to screen; ``position`` is its line in the file or its place in the request,
    from 1."""

    position: int
    id: str
    title: str
    description: str = ""
    url: str = ""
    price_minor: int | None = None
    currency: str = ""
    category: str = ""
    shop_id: str = ""
    shop_name: str = ""
    shop_domain: str = ""

    def listing(self, marketplace: str) -> Listing:
        return Listing(
            id=self.id,
            title=self.title,
            description=self.description,
            marketplace=marketplace,
            price_minor=self.price_minor,
            currency=self.currency,
            category=self.category,
            shop_id=self.shop_id,
            shop_name=self.shop_name,
            shop_domain=self.shop_domain,
        )


@dataclass(frozen=True)
class Rejected:
    """A listing (or a line) that was not screened, with every problem found in it."""

    position: int
    id: str
    problems: tuple[Problem, ...]

    def rows(self) -> list[dict[str, Any]]:
        """As a scan keeps them: one row per problem."""
        return [
            {
                "line": self.position,
                "id": self.id,
                "field": problem.field,
                "code": problem.code,
                "params": problem.params,
                "reason": problem.message(),
            }
            for problem in self.problems
        ]


def problem_message(code: str, params: dict[str, Any]) -> str:
    """A problem told in the reader's language."""
    messages = {
        "required": lambda: _("This field is required."),
        "too_long": lambda: _("At most %(n)d characters.") % {"n": params.get("max", 0)},
        "not_text": lambda: _("Give this field as text."),
        "invalid_characters": lambda: _("This field contains a NUL character, which no field accepts."),
        "invalid_url": lambda: _("Enter a web address starting with http:// or https://."),
        "invalid_price": lambda: (
            _("Give the price as a number of at most %(digits)d decimals, not negative, such as 19.90.")
            % {"digits": params.get("digits", 2)}
        ),
        "invalid_currency": lambda: _("Give an ISO 4217 currency code, such as EUR, CNY or USD."),
        "currency_required": lambda: _("A price needs its currency (an ISO 4217 code, such as EUR, CNY or USD)."),
        "not_an_object": lambda: _("Each listing must be a JSON object of its fields (id, title, …)."),
        "invalid_json": lambda: _("This line is not valid JSON: %(error)s.") % {"error": params.get("error", "")},
        "not_utf8": lambda: _("This line is not UTF-8 text."),
        "line_too_long": lambda: _("This line is longer than %(n)d bytes.") % {"n": MAX_LINE_BYTES},
        "invalid_csv": lambda: _("This row cannot be read as CSV: %(error)s.") % {"error": params.get("error", "")},
    }
    build = messages.get(code)
    return build() if build is not None else code


# One listing ------------------------------------------------------------------------------------------------------


def _text(raw: dict[str, Any], name: str, problems: list[Problem]) -> str:
    value = raw.get(name)
    if value is None:
        value = ""
    elif name == "id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # marketplaces' ids are often numbers
    if not isinstance(value, str):
        problems.append(Problem(name, "not_text"))
        return ""
    value = value.strip()
    if "\x00" in value:
        problems.append(Problem(name, "invalid_characters"))
        return ""
    if not value and name in REQUIRED:
        problems.append(Problem(name, "required"))
    elif len(value) > MAX_LENGTHS[name]:
        problems.append(Problem(name, "too_long", {"max": MAX_LENGTHS[name]}))
        return ""
    return value


def _price(raw: dict[str, Any], currency: str, problems: list[Problem]) -> int | None:
    """The price in minor units of ``currency``, or None when none is given."""
    value = raw.get("price")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    digits = MINOR_DIGITS.get(currency, 2)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.append(Problem("price", "invalid_price", {"digits": digits}))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem("price", "invalid_price", {"digits": digits}))
        return None
    if not currency:
        if not any(p.field == "currency" for p in problems):
            problems.append(Problem("currency", "currency_required"))
        return None
    minor = amount_parse(str(value), currency)
    if minor is None:
        problems.append(Problem("price", "invalid_price", {"digits": digits}))
    return minor


def item_check(raw: Any, *, position: int) -> Item | Rejected:
    """The listing ``raw`` (a JSON object, or a CSV row as a dict) checked: every field at fault is named."""
    if not isinstance(raw, dict):
        return Rejected(position, "", (Problem("", "not_an_object"),))
    problems: list[Problem] = []
    texts = {name: _text(raw, name, problems) for name in MAX_LENGTHS}
    currency_raw = raw.get("currency")
    currency = ""
    if isinstance(currency_raw, str) and currency_raw.strip():
        currency = currency_raw.strip().upper()
        if currency not in MINOR_DIGITS:
            problems.append(Problem("currency", "invalid_currency"))
            currency = ""
    elif currency_raw not in (None, ""):
        problems.append(Problem("currency", "invalid_currency"))
    price_minor = _price(raw, currency, problems)
    if texts["url"]:
        try:
            _web_url(texts["url"])
        except ValidationError:
            problems.append(Problem("url", "invalid_url"))
    listing_id = texts["id"]
    if problems:
        return Rejected(position, listing_id, tuple(problems))
    return Item(
        position=position,
        id=listing_id,
        title=texts["title"],
        description=texts["description"],
        url=texts["url"],
        price_minor=price_minor,
        currency=currency if price_minor is not None else "",
        category=texts["category"],
        shop_id=texts["shop_id"],
        shop_name=texts["shop_name"],
        shop_domain=texts["shop_domain"].lower(),
    )


# Files ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What one line of a file (one row, for CSV) holds: a listing's fields, or the problem that it cannot be read."""

    position: int
    raw: dict[str, Any] | None = None
    problem: Problem | None = None


def _lines(binary: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """The file's lines with their numbers from 1; None for a line longer than ``MAX_LINE_BYTES`` (the rest of it is
    skipped without being kept)."""
    number = 0
    while True:
        line = binary.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # skip to the end of the overlong line
                rest = binary.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def _strip_bom(line: bytes, number: int) -> bytes:
    return line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line


def jsonl_records(binary: IO[bytes]) -> Iterator[Record]:
    """One record per non-empty line of a JSON-lines file."""
    for number, line in _lines(binary):
        if line is None:
            yield Record(number, problem=Problem("", "line_too_long"))
            continue
        line = _strip_bom(line, number)
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            yield Record(number, problem=Problem("", "not_utf8"))
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield Record(number, problem=Problem("", "invalid_json", {"error": str(exc)[:200]}))
            continue
        if not isinstance(value, dict):
            yield Record(number, problem=Problem("", "not_an_object"))
            continue
        yield Record(number, raw=value)


class _DecodedLines:
    """The lines of a file as text for the CSV reader, remembering which could not be decoded and which were too
    long."""

    def __init__(self, binary: IO[bytes]):
        self._lines = _lines(binary)
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        for number, line in self._lines:
            if line is None:
                self.bad[number] = "line_too_long"
                yield "\n"
                continue
            line = _strip_bom(line, number)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                self.bad[number] = "not_utf8"
                yield line.decode("utf-8", errors="replace")


def csv_header(first_line: bytes) -> list[str]:
    """The column names of a CSV file's first line, lower-cased."""
    text = _strip_bom(first_line, 1).decode("utf-8", errors="replace")
    try:
        return [name.strip().lower() for name in next(csv.reader([text]), [])]
    except csv.Error:  # a carriage return inside the line, say: no header at all
        return []


def csv_records(binary: IO[bytes]) -> Iterator[Record]:
    """One record per row of a CSV file whose first line names its columns (those not among ``FIELDS`` are
    ignored); a row is numbered by the line it starts on."""
    lines = _DecodedLines(binary)
    reader = csv.reader(iter(lines))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        return
    columns = [(index, name) for index, name in enumerate(header) if name in FIELDS]
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(start, problem=Problem("", "invalid_csv", {"error": str(exc)[:200]}))
            continue
        bad = [lines.bad[n] for n in range(start, reader.line_num + 1) if n in lines.bad]
        if bad:
            yield Record(start, problem=Problem("", bad[0]))
            continue
        if not any(cell.strip() for cell in row):
            continue
        yield Record(start, raw={name: row[index] if index < len(row) else "" for index, name in columns})


def file_records(binary: IO[bytes], *, format: str) -> Iterator[Record]:
    return csv_records(binary) if format == "csv" else jsonl_records(binary)


def items_checked(records: Iterable[Record]) -> Iterator[Item | Rejected]:
    for record in records:
        if record.problem is not None:
            yield Rejected(record.position, "", (record.problem,))
        else:
            yield item_check(record.raw, position=record.position)
