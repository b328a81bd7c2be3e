"""What screening matched, marked in the text it matched in: a listing's title, description or shop name, a stream
segment's transcript, an alert's title. The pages show the pieces through ``screening/_matched.html``, which
escapes every one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Span:
    text: str
    detector: str = ""  # the detector of the flag matching this piece; empty for the text between matches


def matched_spans(text: str, flags: Iterable[Any], *, field: str) -> list[Span]:
    """``text`` cut into plain pieces and the pieces the flags of ``field`` matched. Overlapping matches are
    joined, each named by the flag that starts first; matches that only touch stay apart, each with its detector.
    A flag whose span is not in the text, or does not hold its matched text (a stored flag of an older text), is
    left out."""
    marks = sorted(
        (start, end, str(flag.get("detector") or "flag"))
        for flag in flags
        if isinstance(flag, dict)
        and flag.get("field") == field
        and isinstance(start := flag.get("start"), int)
        and isinstance(end := flag.get("end"), int)
        and 0 <= start < end <= len(text)
        and (not flag.get("matched_text") or text[start:end] == flag["matched_text"])
    )
    joined: list[tuple[int, int, str]] = []
    for start, end, detector in marks:
        if joined and start < joined[-1][1]:
            first_start, first_end, first_detector = joined[-1]
            joined[-1] = (first_start, max(first_end, end), first_detector)
        else:
            joined.append((start, end, detector))
    spans: list[Span] = []
    at = 0
    for start, end, detector in joined:
        if start > at:
            spans.append(Span(text[at:start]))
        spans.append(Span(text[start:end], detector))
        at = end
    if at < len(text):
        spans.append(Span(text[at:]))
    return spans
