"""Deterministic synthetic trademark register records, at any size, for tests, demos and benchmarks.

The same seed always gives the same records, in the same order, on every machine (only
:class:`random.Random` is used, never the global generator or hashing). Records are produced one at a
time, so ten million of them never sit in memory together.

- :func:`records` yields register records as dicts with the fields an importer reads: ``office``,
  ``number``, ``kind`` ("trademark"), ``mark``, ``owner_name``, ``owner_country``, ``nice_classes``,
  ``status``, ``filing_date``, ``registration_date``, ``expiry_date`` (ISO dates or None) and
  ``representative_email``.
- :func:`marks` yields the same records as :class:`~ipbridge.engine.marks.Mark` values, numbered from 1.
- :func:`perturb` turns a mark's text into the kind of query a counterfeiter or a hurried person types:
  a typo, homoglyphs, leetspeak, spacing or punctuation, swapped words, an added word.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from ipbridge.engine.marks import Mark

__all__ = ["PERTURBATIONS", "marks", "perturb", "records"]

_ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "cr",
    "dr",
    "fl",
    "gr",
    "kl",
    "pr",
    "st",
    "tr",
    "vr",
    "ch",
    "sh",
    "th",
    "qu",
]
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "y"]
_CODAS = ["", "", "", "", "n", "r", "s", "x", "l", "m", "k"]
_SUFFIXES = ["PRO", "PLUS", "GO", "MAX", "LAB", "ONE", "TECH", "SPORT", "HOME", "CARE", "STAR", "BIO"]
_HAN = "美华康达乐星佳福鑫盛宝金龙凤安泰隆海天恒通源丰雅尚优品汇德信诚和顺兴旺"
_HAN_SUFFIXES = ["", "", "", "堂", "坊", "阁", "轩"]

_OFFICES = ("EM", "CN", "US", "WO", "GB", "DE", "FR", "JP", "KR")
_OFFICE_WEIGHTS = (18, 30, 20, 8, 6, 6, 4, 4, 4)
_COUNTRIES = {
    "EM": "DE",
    "CN": "CN",
    "US": "US",
    "WO": "CH",
    "GB": "GB",
    "DE": "DE",
    "FR": "FR",
    "JP": "JP",
    "KR": "KR",
}
_LEGAL_FORMS = {
    "CN": ["有限公司", "股份有限公司", "Co., Ltd."],
    "DE": ["GmbH", "AG"],
    "FR": ["S.A.", "SAS"],
    "GB": ["Ltd", "PLC"],
    "US": ["Inc.", "LLC", "Corp."],
    "JP": ["K.K.", "Co., Ltd."],
    "KR": ["Co., Ltd."],
    "CH": ["S.A.", "AG"],
}
# Classes 3 (cosmetics), 9 (electronics), 25 (clothing), 35 (retail) and their neighbours dominate real
# registers; every class can appear.
_CLASS_WEIGHTS = [3 if c in (3, 9, 25, 35) else 2 if c in (5, 14, 18, 28, 30, 41, 42) else 1 for c in range(1, 46)]
_STATUSES = ("registered", "filed", "expired", "refused", "opposed", "withdrawn")
_STATUS_WEIGHTS = (60, 15, 12, 6, 4, 3)
_CLASS_RANGE = range(1, 46)
_CLASS_CUMULATIVE = list(accumulate(_CLASS_WEIGHTS))
_OFFICE_CUMULATIVE = list(accumulate(_OFFICE_WEIGHTS))
_STATUS_CUMULATIVE = list(accumulate(_STATUS_WEIGHTS))
_EPOCH = dt.date(1990, 1, 1).toordinal()
_SPAN = dt.date(2026, 1, 1).toordinal() - _EPOCH


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _word(rng: random.Random) -> str:
    return "".join(_syllable(rng) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))


def _latin(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.55:
        return _word(rng).upper()
    if shape < 0.8:
        return f"{_word(rng)} {rng.choice(_SUFFIXES)}".upper()
    return f"{_word(rng)} {_word(rng)}".upper() if shape < 0.95 else _word(rng).capitalize()


def _chinese(rng: random.Random) -> str:
    return "".join(rng.choice(_HAN) for _ in range(rng.choice((2, 2, 3, 4)))) + rng.choice(_HAN_SUFFIXES)


def _mark_text(rng: random.Random, office: str) -> str:
    chinese_share = 0.6 if office == "CN" else 0.1
    shape = rng.random()
    if shape < chinese_share:
        return _chinese(rng)
    if shape < chinese_share + 0.05:
        return f"{_chinese(rng)} {_word(rng).upper()}"
    return _latin(rng)


def _owner(rng: random.Random, country: str) -> str:
    form = rng.choice(_LEGAL_FORMS[country])
    if country == "CN" and not form.isascii():
        return f"{_chinese(rng)}{rng.choice(['科技', '实业', '贸易', '集团'])}{form}"
    return (
        f"{_word(rng).capitalize()} {rng.choice(['Holdings', 'Brands', 'Trading', 'Industries', ''])} {form}".replace(
            "  ", " "
        )
    )


_Draw = tuple[int, str, str, str, str, list[int], str, dt.date, dt.date | None]


def _draw(count: int, seed: int) -> Iterator[_Draw]:
    # Not for secrets: reproducible data from a seed is the point.
    rng = random.Random(seed)  # noqa: S311
    owners: list[tuple[str, str]] = []
    for number in range(1, count + 1):
        office = rng.choices(_OFFICES, cum_weights=_OFFICE_CUMULATIVE)[0]
        # Owners hold several marks: most records reuse one of the owners seen so far.
        if owners and rng.random() < 0.7:
            owner, country = owners[rng.randrange(len(owners))]
        else:
            country = _COUNTRIES[office]
            owner = _owner(rng, country)
            if len(owners) < 100_000:
                owners.append((owner, country))
        classes = sorted(set(rng.choices(_CLASS_RANGE, cum_weights=_CLASS_CUMULATIVE, k=rng.choice((1, 1, 2, 3)))))
        status = rng.choices(_STATUSES, cum_weights=_STATUS_CUMULATIVE)[0]
        filing = dt.date.fromordinal(_EPOCH + rng.randrange(_SPAN))
        registered = status in ("registered", "expired")
        registration = filing + dt.timedelta(days=rng.randrange(120, 900)) if registered else None
        yield number, office, _mark_text(rng, office), owner, country, classes, status, filing, registration


def records(count: int, *, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` register records, always the same ones for the same seed."""
    for number, office, text, owner, country, classes, status, filing, registration in _draw(count, seed):
        expiry = (
            registration.replace(year=registration.year + 10, day=min(registration.day, 28)) if registration else None
        )
        yield {
            "office": office,
            "number": f"{office}{number:09d}",
            "kind": "trademark",
            "mark": text,
            "owner_name": owner,
            "owner_country": country,
            "nice_classes": classes,
            "status": status,
            "filing_date": filing.isoformat(),
            "registration_date": registration.isoformat() if registration else None,
            "expiry_date": expiry.isoformat() if expiry else None,
            "representative_email": f"tm{number % 997}@agent{number % 89}.example",
        }


def marks(count: int, *, seed: int = 0) -> Iterator[Mark]:
    """The records of :func:`records` as search marks, with ids 1, 2, 3, ..."""
    for number, office, text, owner, _country, classes, status, filing, registration in _draw(count, seed):
        yield Mark(number, text, office, frozenset(classes), status, owner, filing, registration)


_HOMOGLYPHS = {"A": "Α", "E": "Ε", "I": "Ι", "K": "Κ", "O": "О", "P": "Р", "C": "С", "X": "Х", "H": "Н", "T": "Т"}
_LEET = {"A": "4", "E": "3", "I": "1", "O": "0", "S": "5", "T": "7"}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 2:
        return text + rng.choice(_LETTERS)
    i = rng.randrange(len(text))
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + rng.choice(_LETTERS).upper() + text[i + 1 :]
    if kind == 2:
        return text[:i] + rng.choice(_LETTERS).upper() + text[i:]
    i = min(i, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _homoglyphs(text: str, rng: random.Random) -> str:
    return "".join(_HOMOGLYPHS[c] if c in _HOMOGLYPHS and rng.random() < 0.6 else c for c in text.upper())


def _leet(text: str, rng: random.Random) -> str:
    return "".join(_LEET[c] if c in _LEET and rng.random() < 0.6 else c for c in text.upper())


def _spacing(text: str, rng: random.Random) -> str:
    return rng.choice((" ", ".", "-", "_")).join(text.replace(" ", ""))


def _word_order(text: str, rng: random.Random) -> str:
    words = text.split()
    return " ".join(reversed(words)) if len(words) > 1 else _typo(text, rng)


def _longer(text: str, rng: random.Random) -> str:
    return f"{text} {rng.choice(['shoes', 'original', 'official store', 'new 2025'])}"


PERTURBATIONS = {
    "typo": _typo,
    "two typos": lambda text, rng: _typo(_typo(text, rng), rng),
    "homoglyph": _homoglyphs,
    "leetspeak": _leet,
    "spacing": _spacing,
    "word order": _word_order,
    "longer name": _longer,
}


def perturb(text: str, rng: random.Random, kind: str | None = None) -> str:
    """``text`` changed the way a look-alike query is: ``kind`` from ``PERTURBATIONS``, or one drawn at random."""
    chosen = kind if kind is not None else rng.choice(sorted(PERTURBATIONS))
    return PERTURBATIONS[chosen](text, rng)
