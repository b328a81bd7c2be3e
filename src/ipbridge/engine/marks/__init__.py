"""Similar-mark search: a query mark in, ranked similar marks out, each with a score and its reasons.

- :class:`MarkIndex` is the fast index: build it from :class:`Mark` records, update it with
  :meth:`~MarkIndex.add` (which replaces marks with the same id) and :meth:`~MarkIndex.remove`, search it,
  save it to a folder and load it back.
- :class:`ReferenceMatcher` is the slow, obviously correct matcher with the same scoring: the tests check
  that the index finds what it finds.
- :class:`Hit` is one answer: the mark's id and text, a score in [0, 1] and :class:`Reason` records whose
  codes come from ``REASON_CODES``.

The scoring, the reasons and the scores each resemblance gives are described in ``_scoring``.
"""

from ipbridge.engine.marks._index import MarkIndex
from ipbridge.engine.marks._records import Filters, Mark
from ipbridge.engine.marks._reference import DEFAULT_CUTOFF, ReferenceMatcher
from ipbridge.engine.marks._scoring import MARK_INSIDE, QUERY_INSIDE, REASON_CODES, Hit, Reason

__all__ = [
    "DEFAULT_CUTOFF",
    "MARK_INSIDE",
    "QUERY_INSIDE",
    "REASON_CODES",
    "Filters",
    "Hit",
    "Mark",
    "MarkIndex",
    "Reason",
    "ReferenceMatcher",
]
