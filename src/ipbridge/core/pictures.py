"""Small real pictures for the demo: PNGs of coloured boxes, drawn without an imaging library."""

from __future__ import annotations

import struct
import zlib

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int, Colour]  # left, top, width, height, fill


def png_of_boxes(width: int, height: int, boxes: list[Box], background: Colour = (255, 255, 255)) -> bytes:
    """A PNG of coloured boxes on ``background``, later ones drawn over earlier ones."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            colour = background
            for left, top, w, h, fill in boxes:
                if left <= x < left + w and top <= y < top + h:
                    colour = fill
            row += bytes(colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
