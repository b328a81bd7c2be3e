"""Register file parsers: each turns one file into ``RightRecord``s and ``RejectedRecord``s, one per record.

``parse(stream)`` takes a binary stream; wrap it in ``CountingStream`` to know how far the parser has read.
A file that cannot be read at all (hostile or broken XML, a CSV file without the documented header) raises
``ImportFileError``; a record that cannot be used is yielded as a ``RejectedRecord`` and the parser goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from ipbridge.rights.importers import csv_format, st66, st86
from ipbridge.rights.importers.common import CountingStream, ImportFileError
from ipbridge.rights.records import RejectedRecord, RightRecord

__all__ = ["PARSERS", "CountingStream", "ImportFileError", "Parser"]

Parser = Callable[[BinaryIO], Iterator[RightRecord | RejectedRecord]]

PARSERS: dict[str, Parser] = {
    "st66": st66.parse,
    "st86": st86.parse,
    "csv": csv_format.parse,
}
