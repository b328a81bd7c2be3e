"""The Nice Classification (NCL 12-2024): class headings, the goods and services terms, and a mapping from a
product description or marketplace category to the classes it most likely falls in.

Data: WIPO, Nice Classification master files, version 2024, CC BY 4.0 (see data/README.md).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["ClassGuess", "NiceClassification", "nice"]

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "being",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "made",
        "not",
        "of",
        "on",
        "or",
        "other",
        "others",
        "than",
        "the",
        "thereof",
        "to",
        "use",
        "used",
        "using",
        "with",
        "without",
        "purposes",
        "purpose",
        "parts",
        "part",
    ]
)

# English terms only exist in the official texts; Chinese listings and categories commonly use these words.
# Each maps to the class a registrar would pick first (facts of the classification, written by hand).
_CHINESE_HINTS: dict[str, tuple[int, ...]] = {
    "服装": (25,),
    "衣服": (25,),
    "上衣": (25,),
    "T恤": (25,),
    "裤": (25,),
    "裙": (25,),
    "外套": (25,),
    "鞋": (25,),
    "运动鞋": (25,),
    "靴": (25,),
    "帽": (25,),
    "袜": (25,),
    "围巾": (25,),
    "包": (18,),
    "手提包": (18,),
    "钱包": (18,),
    "背包": (18,),
    "箱包": (18,),
    "皮具": (18,),
    "化妆品": (3,),
    "口红": (3,),
    "香水": (3,),
    "护肤": (3,),
    "面霜": (3,),
    "洗发": (3,),
    "彩妆": (3,),
    "手机": (9,),
    "耳机": (9,),
    "电脑": (9,),
    "充电器": (9,),
    "眼镜": (9,),
    "太阳镜": (9,),
    "数据线": (9,),
    "软件": (9,),
    "相机": (9,),
    "手表": (14,),
    "首饰": (14,),
    "项链": (14,),
    "戒指": (14,),
    "耳环": (14,),
    "珠宝": (14,),
    "玩具": (28,),
    "游戏机": (28,),
    "运动器材": (28,),
    "药": (5,),
    "保健品": (5,),
    "奶粉": (5, 29),
    "食品": (29, 30),
    "零食": (30,),
    "茶": (30,),
    "咖啡": (30,),
    "巧克力": (30,),
    "饮料": (32,),
    "啤酒": (32,),
    "酒": (33,),
    "白酒": (33,),
    "葡萄酒": (33,),
    "家具": (20,),
    "厨具": (21,),
    "餐具": (8, 21),
    "床上用品": (24,),
    "毛巾": (24,),
    "灯": (11,),
    "空调": (11,),
    "冰箱": (11,),
    "洗衣机": (7,),
    "汽车": (12,),
    "自行车": (12,),
    "轮胎": (12,),
    "香烟": (34,),
    "文具": (16,),
    "书": (16,),
    "广告": (35,),
    "零售": (35,),
    "直播": (35, 41),
    "教育": (41,),
    "培训": (41,),
    "餐厅": (43,),
    "酒店": (43,),
    "医疗": (44,),
    "美容": (44,),
}


def _stem(word: str) -> str:
    """Plural folding good enough for catalogue English: shoes→shoe, dresses→dress, batteries→battery."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


@dataclass(frozen=True, slots=True)
class ClassGuess:
    class_number: int
    score: float  # in [0, 1]
    term: str  # the official term (or Chinese hint) that matched best


class NiceClassification:
    def __init__(self, document: dict[str, object]):
        classes = document["classes"]
        assert isinstance(classes, dict)
        self.edition = str(document["edition"])
        self.headings: dict[int, list[str]] = {int(n): list(c["heading"]) for n, c in classes.items()}
        self.kinds: dict[int, str] = {int(n): str(c["kind"]) for n, c in classes.items()}
        raw_terms = document["terms"]
        assert isinstance(raw_terms, list)
        self.terms: list[tuple[int, str, str]] = [(int(c), str(b), str(label)) for c, b, label in raw_terms]
        self._term_words: list[frozenset[str]] = [frozenset(_words(label)) for _c, _b, label in self.terms]
        postings: dict[str, list[int]] = defaultdict(list)
        for term_id, words in enumerate(self._term_words):
            for word in words:
                postings[word].append(term_id)
        total = len(self.terms)
        self._postings = dict(postings)
        self._idf = {word: math.log(1 + total / len(ids)) for word, ids in postings.items()}

    def is_class(self, number: int) -> bool:
        return number in self.headings

    def heading(self, number: int) -> str:
        return "; ".join(self.headings[number])

    def guess(self, text: str, *, limit: int = 3, score_cutoff: float = 0.2) -> list[ClassGuess]:
        """The classes a product description most likely belongs to, best first.

        Each official term is scored by the idf-weighted F1 of the words it shares with the text; a class
        scores as its best term. Chinese product words add their class with score 1.
        """
        best: dict[int, ClassGuess] = {}
        for word, numbers in _CHINESE_HINTS.items():
            if word in text:
                for number in numbers:
                    best[number] = ClassGuess(number, 1.0, word)
        query = set(_words(text))
        query_weight = sum(self._idf.get(w, 0.0) for w in query)
        candidates: set[int] = set()
        for word in query:
            candidates.update(self._postings.get(word, ()))
        for term_id in candidates:
            words = self._term_words[term_id]
            matched = sum(self._idf[w] for w in words & query)
            precision = matched / sum(self._idf[w] for w in words)
            recall = matched / query_weight if query_weight else 0.0
            score = 2 * precision * recall / (precision + recall) if matched else 0.0
            number, _basic, label = self.terms[term_id]
            current = best.get(number)
            if score >= score_cutoff and (current is None or score > current.score):
                best[number] = ClassGuess(number, round(score, 4), label)
        return sorted(best.values(), key=lambda g: (-g.score, g.class_number))[:limit]


@cache
def nice() -> NiceClassification:
    """The shipped classification, loaded once per process."""
    data = resources.files("ipbridge.engine").joinpath("data/nice.json").read_text(encoding="utf-8")
    return NiceClassification(json.loads(data))
