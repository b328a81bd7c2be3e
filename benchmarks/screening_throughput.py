"""Listing screening: IPBridge's Screener beside an exact Aho-Corasick scan and a regular expression, in one run.

The script generates (seeded) N listing titles, Chinese, English and mixed (about 30 characters), 5% of them
with something planted: a mark as registered (1.2%), a disguised or misspelt mark (1.2%,
``ipbridge.engine.synthetic.perturb``), a mark's Chinese transliteration (0.3%), a risk keyword (1.8%) or a
geographical indication (0.5%); and M synthetic marks (``ipbridge.engine.synthetic``),
some with a Chinese transliteration; the catalogue adds the shipped risk keywords and 5,000 indication
names (the shipped ones and synthetic ones). It reports:

- the time to build the screener (look-alikes on), and to build it without look-alikes;
- listings per second on one core (CPU time of the process), look-alikes on and off, and the share of
  listings flagged;
- listings per second with 2 worker processes, forked after the build, each screening half the titles
  (the listings are in the parent before the fork: no serialisation is timed);
- the peak resident memory of the process.

The generated listings and the built screener are moved out of the garbage collector's reach
(``gc.freeze``) before timing: a caller streaming listings holds no million of them, and without it every
full collection walks them all (about a fifth of the time at a million listings).
- the peers, on the same titles: an exact Aho-Corasick scan (pyahocorasick) of every mark text and term,
  lower-cased, over the lower-cased titles joined, hits mapped to listings — no folding, no look-alikes, no
  explanations: the ceiling of a scan in Python; and Python's ``re`` with one alternation of the same
  patterns (IGNORECASE), on a subset of the titles, extrapolated.

    .venv/bin/python benchmarks/screening_throughput.py                       # 1 M listings, 50,000 marks
    .venv/bin/python benchmarks/screening_throughput.py --listings 100000 --marks 5000
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import re
import resource
import time
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

import ahocorasick

from ipbridge.engine.screening import (
    Catalogue,
    GITerm,
    Listing,
    ProtectedMark,
    Screener,
    default_gi_terms,
    default_risk_terms,
)
from ipbridge.engine.synthetic import marks as synthetic_marks
from ipbridge.engine.synthetic import perturb

SEED = 20270415
GI_TERMS = 5000

_ZH_PRODUCTS = [
    "运动鞋",
    "跑步鞋",
    "板鞋",
    "连衣裙",
    "T恤",
    "卫衣",
    "外套",
    "牛仔裤",
    "手机壳",
    "数据线",
    "充电宝",
    "蓝牙耳机",
    "保温杯",
    "口红",
    "面霜",
    "精华液",
    "双肩包",
    "手提包",
    "钱包",
    "手表",
    "太阳镜",
    "帽子",
    "围巾",
    "袜子",
    "床上用品",
    "四件套",
    "茶叶",
    "大米",
    "白酒",
    "红酒",
    "奶粉",
    "零食",
]
_ZH_WORDS = [
    "新款",
    "男女",
    "透气",
    "休闲",
    "夏季",
    "秋冬",
    "官方",
    "旗舰店",
    "百搭",
    "潮流",
    "韩版",
    "宽松",
    "修身",
    "学生",
    "情侣",
    "正品",
    "包邮",
    "现货",
    "特价",
    "清仓",
    "爆款",
    "网红",
    "同城",
    "加厚",
    "轻便",
    "防水",
    "大码",
    "小众",
    "设计感",
    "高级感",
    "礼盒装",
    "送礼",
    "家用",
    "办公室",
    "户外",
    "儿童",
]
_EN_PRODUCTS = [
    "shoes",
    "sneakers",
    "trainers",
    "dress",
    "hoodie",
    "jacket",
    "jeans",
    "phone",
    "case",
    "cable",
    "charger",
    "earbuds",
    "bottle",
    "lipstick",
    "cream",
    "serum",
    "backpack",
    "handbag",
    "wallet",
    "watch",
    "sunglasses",
    "cap",
    "scarf",
    "socks",
    "bedding",
    "tea",
    "rice",
    "wine",
]
_EN_WORDS = [
    "new",
    "men",
    "women",
    "kids",
    "casual",
    "running",
    "summer",
    "winter",
    "official",
    "store",
    "fashion",
    "slim",
    "fit",
    "black",
    "white",
    "red",
    "blue",
    "large",
    "small",
    "size",
    "breathable",
    "waterproof",
    "lightweight",
    "gift",
    "set",
    "for",
    "home",
    "office",
    "outdoor",
    "sale",
    "hot",
    "best",
]
_SIZES = ("XL", "XXL", "S", "M", "L", "36", "42", "43", "128GB", "500ml", "1kg", "2024", "2025", "3pcs")
_TRANSLITERATION_CHARS = "阿巴达尔克拉马纳诺普斯特维亚伊卡利索菲德罗莱芙蒂娜奥迪耐彪迈乔丹贝勒森林波凯杰"
_GI_PLACES = "东南西北山川河湖江海岭峰溪泉云龙凤金玉青白黄红安平宁昌"
_GI_PRODUCTS = ("大米", "茶", "香梨", "脐橙", "蜜桔", "火腿", "黄酒", "陈醋", "枸杞", "大枣", "龙虾", "螃蟹")


def _han(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def make_marks(count: int) -> list[ProtectedMark]:
    rng = random.Random(SEED)
    marks = []
    for mark in synthetic_marks(count, seed=SEED):
        transliterations: tuple[str, ...] = ()
        if mark.text.isascii() and rng.random() < 0.05:
            transliterations = (_han(rng, _TRANSLITERATION_CHARS, 3, 4),)
        marks.append(
            ProtectedMark(
                mark.id,
                mark.text,
                mark.office,
                f"{mark.office}{mark.id:09d}",
                frozenset({f"holder-{mark.id % 7919}"}),
                transliterations,
            )
        )
    return marks


def make_gi_terms(count: int) -> list[GITerm]:
    rng = random.Random(SEED + 1)
    terms = default_gi_terms()
    letters = "bcdfghlmnprstv"
    while len(terms) < count:
        if rng.random() < 0.5:
            name = _han(rng, _GI_PLACES, 2, 3) + rng.choice(_GI_PRODUCTS)
        else:
            word = "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(rng.randint(3, 4)))
            name = f"{word.capitalize()} {rng.choice(['Valley', 'di Monte', 'Hills', 'Coast'])}"
        terms.append(GITerm(name, name))
    return terms


def make_titles(count: int, marks: Sequence[ProtectedMark], gi_terms: Sequence[GITerm]) -> list[str]:
    rng = random.Random(SEED + 2)
    risk = [term.text for term in default_risk_terms()]
    titles = []
    for _ in range(count):
        shape = rng.random()
        parts: list[str] = []
        if shape < 0.45:
            parts += [rng.choice(_ZH_WORDS) for _ in range(rng.randint(4, 8))] + [rng.choice(_ZH_PRODUCTS)]
            if rng.random() < 0.5:
                parts.append(rng.choice(_SIZES))
            text = "".join(parts) if rng.random() < 0.5 else " ".join(parts)
        elif shape < 0.8:
            parts += [rng.choice(_ZH_WORDS) for _ in range(rng.randint(2, 5))] + [rng.choice(_ZH_PRODUCTS)]
            parts += [rng.choice(_EN_WORDS) for _ in range(rng.randint(1, 3))] + [rng.choice(_SIZES)]
            rng.shuffle(parts)
            text = " ".join(parts)
        else:
            parts += [rng.choice(_EN_WORDS).capitalize() for _ in range(rng.randint(3, 6))]
            parts += [rng.choice(_EN_PRODUCTS), rng.choice(_SIZES)]
            text = " ".join(parts)
        extra = rng.random()
        if extra < 0.012:
            text = f"{rng.choice(marks).text} {text}"
        elif extra < 0.024:
            text = f"{perturb(rng.choice(marks).text, rng)} {text}"
        elif extra < 0.027:
            mark = rng.choice(marks)
            text = f"{text} {mark.transliterations[0] if mark.transliterations else mark.text}"
        elif extra < 0.045:
            text = f"{text} {rng.choice(risk)}"
        elif extra < 0.05:
            text = f"{rng.choice(gi_terms).text} {text}"
        titles.append(text)
    return titles


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_SHARED: dict[str, object] = {}


def _worker(bounds: tuple[int, int]) -> int:
    screener = _SHARED["screener"]
    listings = _SHARED["listings"]
    assert isinstance(screener, Screener)
    assert isinstance(listings, list)
    start, end = bounds
    return sum(1 for result in screener.screen(listings[start:end]) if result.flags)


def two_workers(screener: Screener, listings: list[Listing]) -> float:
    _SHARED["screener"] = screener
    _SHARED["listings"] = listings
    half = len(listings) // 2
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        pool.map(_worker, [(0, 1), (1, 2)])  # the workers are up before the clock starts
        started = time.perf_counter()
        pool.map(_worker, [(0, half), (half, len(listings))])
        elapsed = time.perf_counter() - started
    return elapsed


def exact_scan(patterns: Sequence[str], titles: Sequence[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    automaton = ahocorasick.Automaton()
    for number, pattern in enumerate(patterns):
        automaton.add_word(pattern, number)
    automaton.make_automaton()
    build = time.perf_counter() - started
    started = time.perf_counter()
    joined = "\n".join(titles).lower()
    limits = list(accumulate(len(title) + 1 for title in titles))
    flagged = {bisect_right(limits, end) for end, _ in automaton.iter(joined)}
    return build, time.perf_counter() - started, len(flagged)


def regex_scan(patterns: Sequence[str], titles: Sequence[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    expression = re.compile("|".join(map(re.escape, sorted(patterns, key=len, reverse=True))), re.IGNORECASE)
    build = time.perf_counter() - started
    started = time.perf_counter()
    flagged = sum(1 for title in titles if expression.search(title))
    return build, time.perf_counter() - started, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--marks", type=int, default=50_000)
    parser.add_argument("--regex-listings", type=int, default=2_000, help="titles the re peer screens")
    arguments = parser.parse_args()
    print(
        f"screening benchmark, {os.cpu_count()} cores, seed {SEED}: {arguments.listings:,} listings, "
        f"{arguments.marks:,} marks, {GI_TERMS:,} indication names"
    )
    started = time.perf_counter()
    marks = make_marks(arguments.marks)
    gi_terms = make_gi_terms(GI_TERMS)
    titles = make_titles(arguments.listings, marks, gi_terms)
    listings = [Listing(str(number), title, marketplace="m", shop_id="s") for number, title in enumerate(titles)]
    print(
        f"generated in {time.perf_counter() - started:.0f} s; titles average "
        f"{sum(map(len, titles)) / len(titles):.1f} characters"
    )
    catalogue = Catalogue(marks=marks, risk_terms=default_risk_terms(), gi_terms=gi_terms)
    Screener(Catalogue())  # the character tables, built once per process, are not the catalogue's
    gc.collect()
    gc.freeze()
    rows: list[tuple[str, str, str, str]] = []

    started = time.perf_counter()
    plain = Screener(catalogue, lookalikes=False)
    plain_build = time.perf_counter() - started
    gc.freeze()
    started = time.process_time()
    results = plain.screen(listings)
    elapsed = time.process_time() - started
    flagged = sum(1 for result in results if result.flags)
    del results
    rows.append(
        (
            "Screener, no look-alikes, 1 core",
            f"{plain_build:.1f}",
            f"{len(listings) / elapsed:,.0f}",
            f"{flagged / len(listings):.2%}",
        )
    )
    del plain
    gc.collect()

    started = time.perf_counter()
    screener = Screener(catalogue)
    build = time.perf_counter() - started
    gc.freeze()
    started = time.process_time()
    results = screener.screen(listings)
    elapsed = time.process_time() - started
    flagged = sum(1 for result in results if result.flags)
    hows: dict[str, int] = {}
    for result in results:
        for flag in result.flags:
            hows[flag.how or flag.detector] = hows.get(flag.how or flag.detector, 0) + 1
    del results
    rows.append(
        (
            "Screener, look-alikes, 1 core",
            f"{build:.1f}",
            f"{len(listings) / elapsed:,.0f}",
            f"{flagged / len(listings):.2%}",
        )
    )
    gc.collect()
    elapsed = two_workers(screener, listings)
    rows.append(("Screener, look-alikes, 2 processes", "-", f"{len(listings) / elapsed:,.0f}", ""))
    peak = peak_mb()
    del screener
    gc.collect()

    patterns = sorted(
        {mark.text.lower() for mark in marks}
        | {t.lower() for mark in marks for t in mark.transliterations}
        | {term.text.lower() for term in default_risk_terms()}
        | {term.text.lower() for term in gi_terms}
    )
    build, elapsed, flagged = exact_scan(patterns, titles)
    rows.append(
        (
            "exact Aho-Corasick (pyahocorasick)",
            f"{build:.1f}",
            f"{len(titles) / elapsed:,.0f}",
            f"{flagged / len(titles):.2%}",
        )
    )
    subset = titles[: arguments.regex_listings]
    build, elapsed, flagged = regex_scan(patterns, subset)
    rows.append(
        (
            f"re alternation (on {len(subset):,}, extrapolated)",
            f"{build:.1f}",
            f"{len(subset) / elapsed:,.0f}",
            f"{flagged / len(subset):.2%}",
        )
    )

    print(f"\n{'method':<44} {'build s':>8} {'listings/s':>12} {'flagged':>8}")
    for name, built, rate, share in rows:
        print(f"{name:<44} {built:>8} {rate:>12} {share:>8}")
    print(f"\npeak RSS of the process (Screener with look-alikes built and run): {peak:,.0f} MB")
    print("flags by how or detector: " + ", ".join(f"{name} {count:,}" for name, count in sorted(hows.items())))


if __name__ == "__main__":
    main()
