"""The marketplace's side of private matching: read its sellers' identifiers, blind them, have the instance
evaluate the blinded elements, finish the keyed hashes and ask which match — without any identifier leaving the
marketplace. Plain Python and the standard library's HTTP client, so it runs outside IPBridge."""

from __future__ import annotations

import base64
import csv
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipbridge.engine import oprf
from ipbridge.engine.identifiers import KINDS, identifier_input

__all__ = ["BATCH", "ClientError", "Match", "Row", "match", "rows_read"]

BATCH = 1000
_MAX_ANSWER = 16 * 1024 * 1024


class ClientError(Exception):
    """What went wrong, in one sentence for people."""


@dataclass(frozen=True)
class Row:
    line: int
    kind: str
    value: str
    data: bytes


@dataclass(frozen=True)
class Match:
    line: int
    kind: str
    value: str
    marketplaces: int
    cases: int
    last_confirmed: str


def rows_read(path: Path) -> list[Row]:
    """The identifiers of a CSV of ``kind,value`` lines (a header line ``kind,value`` is allowed)."""
    rows = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as source:
            for line, record in enumerate(csv.reader(source), start=1):
                if not record or (line == 1 and [c.strip().lower() for c in record[:2]] == ["kind", "value"]):
                    continue
                if len(record) < 2:
                    raise ClientError(f"line {line}: write the kind, a comma, then the value")
                kind, value = record[0].strip(), ",".join(record[1:]).strip()
                if kind not in KINDS:
                    raise ClientError(f"line {line}: the kind is one of {', '.join(KINDS)}")
                try:
                    rows.append(Row(line, kind, value, identifier_input(kind, value)))
                except ValueError as exc:
                    raise ClientError(f"line {line}: {exc}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ClientError(f"{path} cannot be read: {exc}") from exc
    if not rows:
        raise ClientError(f"{path} holds no identifier")
    return rows


def _post(base_url: str, path: str, body: dict[str, Any], *, api_key: str, timeout: float) -> Any:
    if not base_url.startswith(("https://", "http://")):
        raise ClientError("the instance's address starts with https:// (or http:// on this machine)")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        base_url.rstrip("/") + "/api/v1" + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return json.loads(answer.read(_MAX_ANSWER))
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read(65536)).get("error", {})
            detail = f"{error.get('code', '')}: {error.get('message', '')}"
        except ValueError:
            detail = str(exc.reason)
        raise ClientError(f"the instance refused ({exc.code} {detail})") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise ClientError(f"the instance could not be reached: {exc}") from exc


def match(rows: Sequence[Row], *, base_url: str, api_key: str, timeout: float = 30.0) -> list[Match]:
    """Blind, evaluate, finish and match ``rows``, a batch of at most ``BATCH`` at a time."""
    found: list[Match] = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        blinds = [oprf.blind(row.data) for row in batch]
        answer = _post(
            base_url,
            "/intelligence/evaluate",
            {"blinded": [base64.b64encode(element).decode() for _r, element in blinds]},
            api_key=api_key,
            timeout=timeout,
        )
        evaluated = answer.get("evaluated") if isinstance(answer, dict) else None
        if not isinstance(evaluated, list) or len(evaluated) != len(batch):
            raise ClientError("the instance's answer is not an evaluation of every element sent")
        try:
            finished = [
                oprf.finalize(row.data, blind, base64.b64decode(element, validate=True))
                for row, (blind, _e), element in zip(batch, blinds, evaluated, strict=True)
            ]
        except (ValueError, TypeError) as exc:
            raise ClientError(f"the instance answered an element that is not one: {exc}") from exc
        by_hash = {h.hex(): row for h, row in zip(finished, batch, strict=True)}
        matched = _post(base_url, "/intelligence/match", {"hashes": list(by_hash)}, api_key=api_key, timeout=timeout)
        for entry in matched if isinstance(matched, list) else []:
            row = by_hash.get(str(entry.get("hash", "")))
            if row is not None:
                found.append(
                    Match(
                        row.line,
                        row.kind,
                        row.value,
                        int(entry.get("marketplaces", 0)),
                        int(entry.get("cases", 0)),
                        str(entry.get("last_confirmed", "")),
                    )
                )
    return sorted(found, key=lambda m: m.line)
