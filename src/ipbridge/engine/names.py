"""Organisation names as registers and people write them: one company, many spellings.

``name_keys`` reduces a name to the keys it can be matched by: case, width, accents and punctuation folded,
legal-form words removed (Ltd, GmbH, S.A., 有限公司 …), and, for names written in two scripts ("深圳流明电子有限公司
Lumina Electronics"), the Chinese part and the Latin part each on their own. Two names denote the same
organisation when they share a key.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["name_keys", "same_organisation"]

# Legal forms, written as they appear once folded (lower case, no punctuation).
_LATIN_LEGAL_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "plc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "cie",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "kgaa",
        "ug",
        "ev",
        "sa",
        "sas",
        "sasu",
        "sarl",
        "sca",
        "snc",
        "spa",
        "srl",
        "sl",
        "slu",
        "sac",
        "bv",
        "nv",
        "vof",
        "ab",
        "oy",
        "oyj",
        "as",
        "asa",
        "aps",
        "a/s",
        "kk",
        "yk",
        "pte",
        "pty",
        "bhd",
        "sdn",
        "tbk",
        "pt",
        "jsc",
        "ojsc",
        "pjsc",
        "zao",
        "ooo",
        "sp",
        "zoo",
        "spzoo",
        "se",
        "eurl",
        "gie",
        "lda",
        "sgps",
        "kft",
        "zrt",
        "nyrt",
        "doo",
        "dd",
        "ad",
        "ead",
        "oü",
        "sro",
    ]
)
# Words that name a company's legal form, never which company it is ("Group" does, so it stays).
_CJK_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "股份公司",
    "株式会社",
    "有限會社",
    "公司",
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[^\W\d_]+|\d+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin_key(text: str) -> str:
    # "S.A." and "Co., Ltd." lose their dots before the words are looked up.
    words = _LATIN_WORD.findall(_CJK.sub(" ", text.replace(".", "")))
    kept = [w for w in words if w not in _LATIN_LEGAL_FORMS]
    return " ".join(kept)


def _cjk_key(text: str) -> str:
    chinese = "".join(_CJK.findall(text))
    for form in _CJK_LEGAL_FORMS:
        if chinese.endswith(form) and len(chinese) > len(form):
            chinese = chinese[: -len(form)]
    return chinese


def name_keys(name: str) -> frozenset[str]:
    """The keys a name can be matched by; empty for a name with nothing but legal forms or punctuation."""
    folded = _fold(name)
    keys = {_latin_key(folded), _cjk_key(folded)}
    return frozenset(k for k in keys if k)


def same_organisation(a: str, b: str) -> bool:
    return bool(name_keys(a) & name_keys(b))
