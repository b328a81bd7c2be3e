"""What the two screeners agree on before matching anything: how a character folds, which class it is, which
forms of a mark are looked for and under which rules. Matching itself is done twice, independently, by
``_screener`` and ``_reference``.

A text is seen through its characters, each folded alone (``engine.text._fast``):

- its *skeleton* ``K``: letters and digits, leetspeak folded, separators gone (N.I.K.E and N1KE give nike);
- its *readings* ``Y``: the skeleton with every Chinese character replaced by one private-use character per
  pinyin syllable, so that characters read alike are equal (奈 and 耐 both read nai);
- its *normal form* ``N``: the normalised text with punctuation kept (risk keywords, indications, cues).

Each original character is in one class: a separator (no skeleton), a Chinese character, a letter or a
digit-like character (digits, and symbols that leetspeak reads as letters: $ @ !).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources
from operator import ne
from typing import NamedTuple

from rapidfuzz.distance import OSA

from ipbridge.engine.screening._types import GITerm, ProtectedMark, RiskTerm
from ipbridge.engine.text import has_han
from ipbridge.engine.text._fast import BMP, CharTable, char_normal, char_reading, char_skeleton, table

SEP, LETTER, DIGIT, HAN = 0, 1, 2, 3

# A mark's size in letters, a Chinese character counting as two (it carries a syllable). Marks of two or
# fewer are never looked for in text; marks of three only as written, as whole words.
MIN_UNITS = 3
MIN_PHONETIC = 4  # letters of a mark matched by sound
MIN_PHONETIC_WORD = 4  # letters of a word compared by sound
MIN_PHONETIC_CODE = 2  # Metaphone symbols
MIN_EDIT = 5  # letters of a mark for one edit; two from EDIT2
EDIT2 = 9
MIN_EMBEDDED = 5
MIN_PINYIN_LATIN = 4  # letters of a Chinese mark's pinyin written in Latin letters
MIN_SEGMENTED = 5  # letters of a Latin mark read as Chinese syllables
MAX_SEGMENTATIONS = 4

# Weights of a match by how it was found, as shares of the mark's weight. A look-alike alone (pinyin, edit,
# sound) of a mark of the default weight reaches the alert line (0.6 × 0.85 = 0.51): a seller who writes a
# protected mark nearly right in a title is rarely there by chance.
FACTORS = {
    "exact": 1.0,
    "folded": 1.0,
    "transliteration": 1.0,
    "pinyin": 0.85,
    "edit": 0.85,
    "phonetic": 0.85,
    "embedded": 0.6,
}
CUE_FACTOR = 0.25
PUA = 0xE000


@cache
def syllables() -> dict[str, str]:
    """Each pinyin syllable of the readings table, and the private-use character standing for it."""
    readings = sorted({reading for reading in table(char_reading) if reading})
    return {reading: chr(PUA + number) for number, reading in enumerate(readings)}


def char_class(char: str) -> int:
    skeleton = char_skeleton(char)
    if not skeleton:
        return SEP
    if has_han(skeleton):
        return HAN
    return LETTER if any(c.isalpha() for c in char_normal(char)) else DIGIT


def _reading_char(char: str) -> str:
    """The private-use character of a skeleton character's syllable, or the character itself."""
    reading = char_reading(char)
    return syllables()[reading] if reading else char


def _filter_char(char: str) -> str:
    """A character as the batch filter sees it: the skeleton in readings, a digit-like character's in capitals
    (so words can be told from digits around them), a separator as a space."""
    if char == "\x00":
        return char
    skeleton = char_skeleton(char)
    if not skeleton:
        return " "
    readings = "".join(map(_reading_char, skeleton))
    kind = char_class(char)
    return readings.upper() if kind == DIGIT else readings


def _batch_skeleton_char(char: str) -> str:
    return char if char == "\x00" else char_skeleton(char)


class Tables:
    """The translate tables, for the Basic Multilingual Plane as lists and past it as computed dicts."""

    def __init__(self) -> None:
        self.skeleton = table(char_skeleton)
        self.normal = table(char_normal)
        self.classes = [char_class(chr(code)) for code in range(BMP)]
        self.filter = table(_filter_char)
        self.readings = {ord(c): _reading_char(c) for c in map(chr, range(0x3400, 0xA000)) if char_reading(c)}
        self.readings.update({ord(c): _reading_char(c) for c in map(chr, range(0xF900, 0xFB00)) if char_reading(c)})
        self.wide_skeleton = CharTable(char_skeleton)
        # "" for a character whose normal form is one character, "x" for the others: a text this table
        # translates to "" has a normal form character for character.
        self.normal_uneven = ["" if len(folded) == 1 else "x" for folded in self.normal]
        # The skeleton of a batch of texts joined by NUL, the NULs kept.
        self.batch_skeleton = [*self.skeleton]
        self.batch_skeleton[0] = "\x00"
        self.wide_batch_skeleton = CharTable(_batch_skeleton_char)
        self.wide_normal = CharTable(char_normal)
        self.wide_filter = CharTable(_filter_char)

    def char_class(self, char: str) -> int:
        code = ord(char)
        return self.classes[code] if code < BMP else char_class(char)


@cache
def tables() -> Tables:
    return Tables()


_WIDE = re.compile("[\U00010000-\U0010ffff]")


def skeleton_of(text: str) -> str:
    """The skeleton of a text, character by character."""
    t = tables()
    return text.translate(t.wide_skeleton if _WIDE.search(text) else t.skeleton)


def collapse(text: str) -> str:
    return " ".join(part for part in text.split(" ") if part)


def normal_key(text: str) -> str:
    """The normal form a term is looked for in: each character normalised, runs of spaces as one."""
    t = tables()
    return collapse(text.translate(t.wide_normal if _WIDE.search(text) else t.normal))


def readings_of(skeleton: str) -> str:
    return "".join(map(_reading_char, skeleton))


def filter_key(skeleton: str) -> str:
    """How the batch filter sees a skeleton (a pattern of its automaton)."""
    return readings_of(skeleton).lower()


def light(text: str) -> str:
    """The text as written, width, case and spacing aside: what an exact match compares."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def as_registered(written: str, form: Form) -> bool:
    """Whether an everyday word is written as the mark is registered (APPLE or Apple for Apple, not apple)."""
    written = unicodedata.normalize("NFKC", written)
    return written == unicodedata.normalize("NFKC", form.text) or written.isupper()


def units(skeleton: str) -> int:
    return sum(2 if has_han(c) else 1 for c in skeleton)


def is_latin(skeleton: str) -> bool:
    return skeleton.isascii() and skeleton.isalpha()


@cache
def common_words() -> frozenset[str]:
    """Everyday English words (``data/common_words.txt``)."""
    text = resources.files("ipbridge.engine").joinpath("data/common_words.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@cache
def _ascii_syllables() -> frozenset[str]:
    return frozenset(reading for reading in syllables() if reading.isascii())


def segmentations(letters: str) -> list[tuple[str, ...]]:
    """The ways to read ``letters`` as two or more pinyin syllables, at most ``MAX_SEGMENTATIONS``, fewest
    syllables first then alphabetically."""
    inventory = _ascii_syllables()
    found: list[tuple[str, ...]] = []

    def walk(at: int, taken: tuple[str, ...]) -> None:
        if at == len(letters):
            if len(taken) >= 2:
                found.append(taken)
            return
        for end in range(at + 1, min(len(letters), at + 6) + 1):
            if letters[at:end] in inventory:
                walk(end, (*taken, letters[at:end]))

    walk(0, ())
    return sorted(found, key=lambda parts: (len(parts), parts))[:MAX_SEGMENTATIONS]


class Form(NamedTuple):
    """One written form of a mark: its text or one of its registered transliterations.

    Forms and the other compiled records are named tuples, not dataclasses: tuples of strings and numbers
    are left out of the garbage collector's walks, which a catalogue of 50,000 marks would otherwise slow."""

    text: str
    transliteration: bool
    key: str  # skeleton
    light: str
    units: int
    latin: bool  # the skeleton is letters a-z only
    han: bool  # the skeleton is Chinese characters only
    common: bool  # one everyday English word: matched only as registered or in capitals

    @property
    def lookalike_rules(self) -> bool:
        """Whether look-alikes of this form (folded spelling aside) are looked for at all."""
        return not self.common and self.units > MIN_UNITS


def form_of(text: str, *, transliteration: bool) -> Form:
    key = skeleton_of(text)
    written = light(text)
    latin = is_latin(key)
    return Form(
        text=text,
        transliteration=transliteration,
        key=key,
        light=written,
        units=units(key),
        latin=latin,
        han=bool(key) and all(has_han(c) for c in key),
        common=latin and " " not in written and key in common_words(),
    )


class MarkForms(NamedTuple):
    """Everything looked for of one mark."""

    forms: tuple[Form, ...]
    # Chinese syllable sequences that read as the mark, each as readings (private-use characters), with the
    # Chinese form they are the readings of ("" for a Latin form's): characters read alike must keep at
    # least half of that form's characters, in place.
    readings: tuple[tuple[str, str], ...]
    # The pinyin of the mark's Chinese forms, written in Latin letters (naike for 耐克), with the form.
    pinyin_keys: tuple[tuple[str, str], ...]


def mark_forms(mark: ProtectedMark) -> MarkForms:
    forms: list[Form] = []
    for text, transliteration in [(mark.text, False), *((t, True) for t in mark.transliterations)]:
        form = form_of(text, transliteration=transliteration)
        if form.units >= MIN_UNITS and form.key not in {f.key for f in forms}:
            forms.append(form)
    readings: dict[str, str] = {}
    pinyin_keys: dict[str, str] = {}
    known = syllables()
    for form in forms:
        if not form.lookalike_rules:
            continue
        if form.han and len(form.key) >= 2 and all(char_reading(c) for c in form.key):
            readings.setdefault(readings_of(form.key), form.key)
            latin_key = "".join(char_reading(c) for c in form.key)
            if len(latin_key) >= MIN_PINYIN_LATIN and latin_key not in common_words():
                pinyin_keys.setdefault(latin_key, form.text)
        elif form.latin and len(form.key) >= MIN_SEGMENTED:
            for parts in segmentations(form.key):
                readings.setdefault("".join(known[s] for s in parts), "")
    taken = {form.key for form in forms}
    return MarkForms(
        tuple(forms),
        tuple(readings.items()),
        tuple((key, text) for key, text in pinyin_keys.items() if key not in taken),
    )


class TermForm(NamedTuple):
    """A risk keyword or an indication's name, as looked for in the normal form."""

    normal: str
    key: str  # skeleton, for the batch filter
    latin_start: bool  # starts with a letter or digit (not Chinese): needs a word boundary before
    latin_end: bool
    exceptions: tuple[str, ...] = ()  # normal forms of the phrases holding the term in an innocent sense


def term_form(text: str, exceptions: tuple[str, ...] = ()) -> TermForm | None:
    normal = normal_key(text)
    key = skeleton_of(text)
    if not normal or not key:
        return None
    inside = tuple(phrase for phrase in map(normal_key, exceptions) if normal in phrase and phrase != normal)
    return TermForm(normal, key, wordish(normal[0]), wordish(normal[-1]), inside)


def excepted(normal: str, start: int, term: TermForm) -> bool:
    """Whether the term found at ``start`` of the normal form ``normal`` is inside one of its exceptions."""
    for phrase in term.exceptions:
        at = phrase.find(term.normal)
        while at >= 0:
            if at <= start and normal.startswith(phrase, start - at):
                return True
            at = phrase.find(term.normal, at + 1)
    return False


def wordish(char: str) -> bool:
    """A letter or digit that is not a Chinese character: what a Latin term must not touch."""
    return char.isalnum() and not has_han(char)


def edit_limit(length: int) -> int:
    """Edits allowed to a Latin mark's skeleton of ``length`` letters."""
    if length >= EDIT2:
        return 2
    return 1 if length >= MIN_EDIT else 0


def load_risk_terms() -> list[RiskTerm]:
    data = json.loads(resources.files("ipbridge.engine").joinpath("data/risk_keywords.json").read_text("utf-8"))
    return [
        RiskTerm(row["text"], float(row["weight"]), row.get("language", ""), tuple(row.get("except", ())))
        for row in data["terms"]
    ]


def load_gi_terms() -> list[GITerm]:
    raw = resources.files("ipbridge.engine").joinpath("data/geographical_indications.json").read_text("utf-8")
    data = json.loads(raw)
    weight = float(data.get("weight", 0.5))
    return [
        GITerm(name, row["gi"], frozenset(), weight, tuple(row.get("except", ())))
        for row in data["indications"]
        for name in row["names"]
    ]


def close_reading(skeleton: str, key: str) -> bool:
    """Whether Chinese characters read like the Chinese form ``key`` keep at least half of its characters in
    place (奈克 for 耐克, not 同城 for 通诚: homophones of everyday words are everywhere)."""
    return len(skeleton) == len(key) and sum(map(ne, skeleton, key)) <= len(key) // 2


def phonetic_close(word: str, key: str) -> bool:
    """The further conditions on a word that sounds like a mark: a vowel, about its length, and within
    half its letters (NYKE for NIKE, not XXL for CASLE: Metaphone keeps only consonants)."""
    return (
        any(vowel in word for vowel in "aeiouy")
        and abs(len(word) - len(key)) <= 2
        and OSA.distance(word, key, score_cutoff=len(key) // 2) <= len(key) // 2
    )
