"""The one scoring function of the similar-mark search, shared by the index and the reference matcher.

A mark's score against a query is the highest of the scores of the resemblances that hold between them,
each a number in [0, 1]:

- ``exact`` (1.00): the texts are identical;
- ``normalised`` (0.98): :func:`~ipbridge.engine.text.normalise` gives the same text;
- ``spacing`` (0.96): equal once spaces and punctuation are dropped;
- ``leetspeak`` (0.94): equal skeletons, leetspeak folded;
- ``pinyin`` (0.92): equal keys (:func:`~ipbridge.engine.text.pinyin_key`), a Chinese side read as pinyin;
- ``edit_distance`` (``min(0.90, 1 - d / longer key length)``): keys ``d`` Levenshtein edits apart,
  ``1 <= d <= max_edits``;
- ``word_order`` (0.90): the same words in another order, two words or more;
- ``phonetic`` (``0.70 + 0.04 * shorter / longer key length``): the same Metaphone code, two symbols or more;
- ``contained`` (``0.70 + 0.20 * shorter / longer key length``): the query's key is the key of a run of
  one to three whole words of the mark, or the mark's key (four characters or more) lies inside the
  query's key.

``max_edits`` is 2 when both marks are Latin (keys in a-z only, read from text without Chinese
characters) and 1 otherwise: Latin marks two typos apart still look alike, while in a key read from
Chinese the letters come by whole syllables, and one edit there already stands for another character.
The keys are compared, so every fold of the text (case, accents, homoglyphs, leetspeak, spacing,
traditional Chinese) applies before any distance is counted.

A sound-alike alone scores below any one-edit typo of four letters or more, and a containment at least
the default cutoff of 0.7, however long the name that contains the mark.

The reasons of a hit say which resemblances hold, strongest first, and also which folds brought the two
closer: ``homoglyph`` when comparing keys built without the homoglyph fold gives a larger distance,
``leetspeak`` likewise for the leetspeak fold. A reason's detail is "" or a short English phrase:
"1 edit"/"2 edits", "pinyin" gives the shared key ("naike"), "phonetic" the code ("sounds like NK"),
"contained" says which way ("query inside mark" or "mark inside query"). Hits with equal scores are
ordered by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import jellyfish
from rapidfuzz.distance import Levenshtein

from ipbridge.engine.text import fold_leetspeak, has_han, normalise, pinyin_key, romanise, tokens
from ipbridge.engine.text._fold import NOT_WORD

REASON_CODES = (
    "exact",
    "normalised",
    "spacing",
    "leetspeak",
    "homoglyph",
    "pinyin",
    "edit_distance",
    "phonetic",
    "word_order",
    "contained",
)

LEVEL_SCORES = {"exact": 1.0, "normalised": 0.98, "spacing": 0.96, "leetspeak": 0.94, "pinyin": 0.92}
EDIT_CAP = 0.9
WORD_ORDER = 0.9
MIN_PHONETIC = 2
MIN_CONTAINED = 4
MAX_RUN_WORDS = 3
QUERY_INSIDE = "query inside mark"
MARK_INSIDE = "mark inside query"


class Reason(NamedTuple):
    """One resemblance between a query and a mark: a code from ``REASON_CODES`` and a human-readable detail."""

    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """A mark found by a search: its id, its text, its score in [0, 1] and the reasons, strongest first."""

    id: int
    text: str
    score: float
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The reasons' codes alone."""
        return tuple(reason.code for reason in self.reasons)


class Query(NamedTuple):
    """A query text and the keys the search compares, computed once."""

    text: str
    norm: str
    words: tuple[str, ...]
    key: str
    phonetic: str
    order: str
    latin: bool
    plain_key: str
    unleet_key: str

    @classmethod
    def of(cls, text: str) -> Query:
        words = mark_words(text)
        key = "".join(words)
        return cls(
            text,
            normalise(text),
            words,
            key,
            _metaphone(key),
            order_key(words),
            is_latin(key, text),
            pinyin_key(text, homoglyphs=False),
            _unleet_key(text),
        )


class Match(NamedTuple):
    """Which resemblances hold between a query and a mark, and the score they give."""

    score: float
    edits: int | None
    level: str
    phonetic: bool
    word_order: bool
    contained: str


def mark_words(text: str) -> tuple[str, ...]:
    """The words of a text as the search stores them: skeletons, Chinese written in pinyin."""
    return tuple(word if word.isascii() else romanise(word) for word in tokens(text))


def order_key(words: Sequence[str]) -> str:
    """The words sorted, for the word-order resemblance; "" for fewer than two words."""
    return " ".join(sorted(words)) if len(words) >= 2 else ""


def runs(words: Sequence[str]) -> set[str]:
    """The keys of the runs of one to ``MAX_RUN_WORDS`` consecutive words, the whole text left out."""
    n = len(words)
    return {"".join(words[i:j]) for i in range(n) for j in range(i + 1, min(n, i + MAX_RUN_WORDS) + 1) if j - i < n}


def is_latin(key: str, text: str) -> bool:
    """Whether a mark is Latin for ``max_edits``: its key in a-z only, its text without Chinese characters."""
    return key.isascii() and not has_han(text)


def max_edits(query: Query, key: str, text: str) -> int:
    return 2 if query.latin and is_latin(key, text) else 1


def phonetic_score(query_length: int, mark_length: int) -> float:
    return 0.7 + 0.04 * (min(query_length, mark_length) / max(query_length, mark_length))


def contained_score(inner_length: int, outer_length: int) -> float:
    return 0.7 + 0.2 * (inner_length / outer_length)


def edit_score(edits: int, query_length: int, mark_length: int) -> float:
    return min(EDIT_CAP, 1.0 - edits / max(query_length, mark_length))


# The most any resemblance but equal keys can score (a containment stays below 0.9), and the least that
# equal keys score: marks with the query's key outrank every other mark.
MAX_UNEQUAL = max(EDIT_CAP, WORD_ORDER, contained_score(1, 1), phonetic_score(1, 1))
MIN_EQUAL = min(LEVEL_SCORES.values())


def _metaphone(key: str) -> str:
    return jellyfish.metaphone(key) if key else ""


def _compact(norm: str) -> str:
    return NOT_WORD.sub("", norm)


def level(query: Query, text: str) -> str:
    """How far the texts must be folded to become equal, for a mark whose key equals the query's."""
    if query.text == text:
        return "exact"
    norm = normalise(text)
    if query.norm == norm:
        return "normalised"
    if _compact(query.norm) == _compact(norm):
        return "spacing"
    if _compact(fold_leetspeak(query.norm)) == _compact(fold_leetspeak(norm)):
        return "leetspeak"
    return "pinyin"


def match(query: Query, text: str, words: Sequence[str]) -> Match | None:
    """The resemblances between ``query`` and a mark (its text and :func:`mark_words`), or None if there is none."""
    key = "".join(words)
    if not key or not query.key:
        return None
    q_len, m_len = len(query.key), len(key)
    scores: list[float] = []
    limit = max_edits(query, key, text)
    distance = Levenshtein.distance(query.key, key, score_cutoff=limit)
    edits = distance if distance <= limit else None
    reached = ""
    if edits == 0:
        reached = level(query, text)
        scores.append(LEVEL_SCORES[reached])
    elif edits is not None:
        scores.append(edit_score(edits, q_len, m_len))
    phonetic = len(query.phonetic) >= MIN_PHONETIC and query.phonetic == _metaphone(key)
    if phonetic:
        scores.append(phonetic_score(q_len, m_len))
    word_order = bool(query.order) and query.order == order_key(words)
    if word_order:
        scores.append(WORD_ORDER)
    contained = ""
    if MIN_CONTAINED <= q_len < m_len and len(words) >= 2 and query.key in runs(words):
        contained = QUERY_INSIDE
        scores.append(contained_score(q_len, m_len))
    elif MIN_CONTAINED <= m_len < q_len and key in query.key:
        contained = MARK_INSIDE
        scores.append(contained_score(m_len, q_len))
    if not scores:
        return None
    return Match(max(scores), edits, reached, phonetic, word_order, contained)


def _unleet_key(text: str) -> str:
    return "".join(romanise(word) for word in NOT_WORD.split(normalise(text)) if word)


def explain(query: Query, text: str, words: Sequence[str], found: Match) -> tuple[Reason, ...]:
    """The reasons of a match, strongest first."""
    key = "".join(words)
    q_len, m_len = len(query.key), len(key)
    ranked: list[tuple[float, Reason]] = []
    if found.edits is not None:
        if found.edits == 0:
            detail = key if found.level == "pinyin" else ""
            strength = LEVEL_SCORES[found.level]
            ranked.append((strength, Reason(found.level, detail)))
        else:
            strength = edit_score(found.edits, q_len, m_len)
            plural = "edit" if found.edits == 1 else "edits"
            ranked.append((strength, Reason("edit_distance", f"{found.edits} {plural}")))
        if Levenshtein.distance(query.plain_key, pinyin_key(text, homoglyphs=False)) > found.edits:
            ranked.append((strength, Reason("homoglyph")))
        if found.level != "leetspeak" and Levenshtein.distance(query.unleet_key, _unleet_key(text)) > found.edits:
            ranked.append((strength, Reason("leetspeak")))
    if found.edits != 0:
        if found.word_order:
            ranked.append((WORD_ORDER, Reason("word_order")))
        if found.phonetic:
            ranked.append((phonetic_score(q_len, m_len), Reason("phonetic", f"sounds like {query.phonetic}")))
    if found.contained == QUERY_INSIDE:
        ranked.append((contained_score(q_len, m_len), Reason("contained", QUERY_INSIDE)))
    elif found.contained == MARK_INSIDE:
        ranked.append((contained_score(m_len, q_len), Reason("contained", MARK_INSIDE)))
    ranked.sort(key=lambda pair: -pair[0])
    return tuple(reason for _, reason in ranked)
