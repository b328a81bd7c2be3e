"""The mark record the search indexes, and the filters a search may apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from ipbridge.engine.text import normalise

NICE_CLASSES = range(1, 46)


@dataclass(frozen=True, slots=True)
class Mark:
    """One trademark as the search sees it.

    ``id`` is the caller's identifier (a database primary key); ``text`` the word element of the mark.
    ``classes`` are Nice classes (1-45); other numbers are ignored by the filters.
    """

    id: int
    text: str
    office: str = ""
    classes: frozenset[int] = frozenset()
    status: str = ""
    owner: str = ""
    filing_date: dt.date | None = None
    registration_date: dt.date | None = None


def class_mask(classes: Collection[int]) -> int:
    """The Nice classes as bits of one integer: bit ``c`` for class ``c``."""
    mask = 0
    for nice_class in classes:
        if nice_class in NICE_CLASSES:
            mask |= 1 << nice_class
    return mask


def owner_key(owner: str) -> str:
    """How owner names are compared by the ``owner`` filter: normalised, so case and spacing do not matter."""
    return normalise(owner)


def _as_set(value: str | Collection[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value]) if isinstance(value, str) else frozenset(value)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a search keeps: each given filter must hold; a mark without a filing date fails a date filter.

    ``offices`` and ``statuses`` keep marks with any of the values; ``classes`` keeps marks in any of the
    classes; ``owner`` compares normalised names; ``date_from`` and ``date_to`` bound the filing date,
    both included.
    """

    offices: frozenset[str] | None = None
    classes: int | None = None
    statuses: frozenset[str] | None = None
    owner: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def of(
        cls,
        *,
        office: str | Collection[str] | None = None,
        nice_class: int | Collection[int] | None = None,
        status: str | Collection[str] | None = None,
        owner: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> Filters:
        classes = None
        if nice_class is not None:
            classes = class_mask([nice_class] if isinstance(nice_class, int) else nice_class)
        return cls(
            _as_set(office),
            classes,
            _as_set(status),
            None if owner is None else owner_key(owner),
            date_from,
            date_to,
        )

    @property
    def empty(self) -> bool:
        return self == Filters()

    def keeps(self, mark: Mark) -> bool:
        """Whether ``mark`` passes every filter."""
        if self.offices is not None and mark.office not in self.offices:
            return False
        if self.classes is not None and not class_mask(mark.classes) & self.classes:
            return False
        if self.statuses is not None and mark.status not in self.statuses:
            return False
        if self.owner is not None and owner_key(mark.owner) != self.owner:
            return False
        if self.date_from is not None or self.date_to is not None:
            if mark.filing_date is None:
                return False
            if self.date_from is not None and mark.filing_date < self.date_from:
                return False
            if self.date_to is not None and mark.filing_date > self.date_to:
                return False
        return True
