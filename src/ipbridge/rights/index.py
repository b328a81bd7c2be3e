"""The register's similar-mark index in this process: built from the database on first use, then kept current
by adding the rights changed since (imports touch ``updated_at``), never rebuilt whole.

Every web process and worker holds its own copy; a search first asks the database whether anything changed
since its copy was last brought up to date, which is one indexed query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Prefetch

from ipbridge.engine.marks import Hit, Mark, MarkIndex
from ipbridge.rights.models import ClassScheme, PartyRole, Right, RightGoods, RightParty

_CHUNK = 5000


def _marks(rights: Iterable[Right]) -> Iterator[Mark]:
    for right in rights:
        text = right.verbal_element or right.title or right.transliteration
        if not text:
            continue
        owners = [p.name for p in right.parties.all()]
        yield Mark(
            id=right.pk,
            text=text,
            office=right.office,
            classes=frozenset(int(g.class_number) for g in right.goods.all() if g.class_number.isdigit()),
            status=right.status,
            owner=owners[0] if owners else "",
            filing_date=right.filing_date,
            registration_date=right.registration_date,
        )


class RegisterIndex:
    def __init__(self) -> None:
        self._index = MarkIndex()
        self._watermark: datetime | None = None
        self._lock = threading.Lock()

    def _changed_rights(self) -> Iterator[Right]:
        rights = Right.objects.only(
            "id",
            "verbal_element",
            "title",
            "transliteration",
            "office",
            "status",
            "filing_date",
            "registration_date",
            "updated_at",
        ).prefetch_related(
            Prefetch("parties", queryset=RightParty.objects.filter(role=PartyRole.OWNER).order_by("position")),
            Prefetch("goods", queryset=RightGoods.objects.filter(scheme=ClassScheme.NICE)),
        )
        if self._watermark is not None:
            # ">=": rights saved in the same instant as the watermark are added again, which replaces them.
            rights = rights.filter(updated_at__gte=self._watermark)
        return rights.order_by("updated_at", "id").iterator(chunk_size=_CHUNK)

    def refresh(self) -> int:
        """Bring this process's index up to date; returns how many rights it (re)indexed."""
        with self._lock:
            if self._watermark is not None and not Right.objects.filter(updated_at__gt=self._watermark).exists():
                return 0
            count, batch = 0, []
            latest = self._watermark
            for right in self._changed_rights():
                latest = right.updated_at if latest is None or right.updated_at > latest else latest
                batch.append(right)
                if len(batch) == _CHUNK:
                    count += self._add(batch)
                    batch = []
            count += self._add(batch)
            self._watermark = latest
            return count

    def _add(self, rights: list[Right]) -> int:
        marks = list(_marks(rights))
        silent = [r.pk for r in rights if not (r.verbal_element or r.title or r.transliteration)]
        if silent:
            self._index.remove(silent)  # a mark that lost its words leaves the index
        self._index.add(marks)
        return len(marks)

    def search(self, query: str, **filters: object) -> list[Hit]:
        self.refresh()
        return self._index.search(query, **filters)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._index)


_index: RegisterIndex | None = None
_index_lock = threading.Lock()


def register_index() -> RegisterIndex:
    global _index
    with _index_lock:
        if _index is None:
            _index = RegisterIndex()
        return _index


def index_reset() -> None:
    """Forget this process's index (tests start each from an empty database)."""
    global _index
    with _index_lock:
        _index = None
