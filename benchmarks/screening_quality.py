"""Screening quality: the listing screener's flags and alerts against a labelled set of marketplace listings.

``benchmarks/data/screening_eval.jsonl`` holds one listing a line with its truth: ``labels``, the detectors that
should flag it (empty for a clean listing), and ``infringing``, whether it should raise an alert. Its first part
was written by hand (counterfeits, look-alikes, transliterations, authorised shops, accessories, common words,
risk words in an innocent sense, geographical indications, long descriptions); the rest is generated from the
evaluation catalogue with a fixed seed by this script's ``--write-synthetic``. The catalogue
(``screening_eval_catalogue.json``: fictional marks, reference prices, authorised shops, geographical
indications and their producers) is screened with the shipped risk terms and GIs laid under it.

Every listing is screened by ``Screener`` and, as a check, by the slow ``ReferenceScreener``: they should agree.
A detector "predicts" a listing when any flag of it is present; the listing is predicted infringing when its
risk score reaches ``Thresholds().alert``. The script prints precision, recall and F1 per detector and
overall, the share of each kind of listing alerted, and the worst misses and false alarms with their flags.

    .venv/bin/python benchmarks/screening_quality.py
    .venv/bin/python benchmarks/screening_quality.py --json           # the figures as JSON as well
    .venv/bin/python benchmarks/screening_quality.py --write-synthetic # regenerate the synthetic listings
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipbridge.engine.screening import (
    DETECTORS,
    Catalogue,
    GITerm,
    Listing,
    ProtectedMark,
    ReferencePrice,
    ReferenceScreener,
    Result,
    Screener,
    Thresholds,
    default_gi_terms,
    default_risk_terms,
)
from ipbridge.engine.text import has_han, normalise

DATA = Path(__file__).parent / "data"
ITEMS_PATH = DATA / "screening_eval.jsonl"
CATALOGUE_PATH = DATA / "screening_eval_catalogue.json"
SEED = 20261207
LISTING_FIELDS = ("id", "title", "description", "marketplace", "price_minor", "currency", "category")
SHOP_FIELDS = ("shop_id", "shop_name", "shop_domain")


@dataclass(frozen=True)
class Item:
    listing: Listing
    labels: frozenset[str]
    infringing: bool
    kind: str
    note: str


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, *, truth: bool, predicted: bool) -> None:
        if truth:
            self.tp += predicted
            self.fn += not predicted
        else:
            self.fp += predicted
            self.tn += not predicted

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }

    def row(self, name: str) -> str:
        return (
            f"{name:<26} {self.tp:>5} {self.fp:>5} {self.fn:>5} {self.tn:>5} "
            f"{self.precision:>9.3f} {self.recall:>7.3f} {self.f1:>7.3f}"
        )


# --- the evaluation set ------------------------------------------------------------------------------------


def read_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def build_catalogue(data: dict[str, Any]) -> Catalogue:
    """The evaluation catalogue with the shipped risk terms, and the shipped GIs except those the set names
    itself (with its own producers)."""
    gi_terms = [
        GITerm(text=text, gi=gi["gi"], producers=frozenset((m, s) for m, s, _ in gi["producers"]))
        for gi in data["gi_terms"]
        for text in gi["texts"]
    ]
    own_names = {normalise(term.gi) for term in gi_terms} | {normalise(term.text) for term in gi_terms}
    shipped = default_gi_terms()
    overridden = {term.gi for term in shipped if normalise(term.gi) in own_names or normalise(term.text) in own_names}
    return Catalogue(
        marks=[
            ProtectedMark(
                id=mark["id"],
                text=mark["text"],
                office=mark["office"],
                number=mark["number"],
                holders=frozenset(mark["holders"]),
                transliterations=tuple(mark["transliterations"]),
            )
            for mark in data["marks"]
        ],
        risk_terms=default_risk_terms(),
        gi_terms=[*gi_terms, *(term for term in shipped if term.gi not in overridden)],
        reference_prices=[ReferencePrice(**price) for price in data["reference_prices"]],
        authorised={(a["marketplace"], a["shop_id"]): frozenset(a["holders"]) for a in data["authorised"]},
        price_ratio=data["price_ratio"],
    )


def read_lines(path: Path = ITEMS_PATH) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_items(path: Path = ITEMS_PATH) -> list[Item]:
    items = []
    for line in read_lines(path):
        unknown = set(line["labels"]) - set(DETECTORS)
        if unknown:
            raise ValueError(f"{line['id']}: unknown labels {sorted(unknown)}")
        fields = {key: line[key] for key in (*LISTING_FIELDS, *SHOP_FIELDS) if key in line}
        items.append(
            Item(
                listing=Listing(**fields),
                labels=frozenset(line["labels"]),
                infringing=line["infringing"],
                kind=line.get("kind", ""),
                note=line.get("note", ""),
            )
        )
    if len({item.listing.id for item in items}) != len(items):
        raise ValueError("duplicate ids in the evaluation set")
    return items


# --- the synthetic part -------------------------------------------------------------------------------------

CURRENCY = {"dragonmall": "CNY", "livebuy": "CNY", "megamart": "EUR"}
RISK_ZH = (
    "高仿", "复刻", "A货", "超A", "精仿", "原单", "1:1", "一比一", "纯原", "顶级复刻", "仿品", "外贸原单", "公司级",
)  # fmt: skip
RISK_EN = ("replica", "fake", "1:1 copy", "mirror quality", "AAA quality", "super clone", "knockoff", "high copy")
EXTRA_ZH = ("2024新款", "现货", "百搭", "时尚", "经典款", "送礼", "热卖", "限时特价", "现货速发")
EXTRA_EN = ("free shipping", "new", "best seller", "gift idea", "fast delivery", "limited offer", "in stock")
LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "l": "1", "g": "9", "b": "8"}
HOMOGLYPHS = {
    "A": "АΑ", "B": "ВΒ", "C": "С", "E": "ЕΕ", "H": "НΗ", "I": "ІΙ", "K": "КΚ", "M": "МΜ", "N": "Ν",
    "O": "ОΟ", "P": "РΡ", "T": "ТΤ", "X": "ХΧ", "Y": "Υ", "Z": "Ζ",
    "a": "а", "c": "с", "e": "е", "i": "і", "o": "оο", "p": "р", "x": "х", "y": "у",
}  # fmt: skip
# Words one edit from a mark that are words of their own: a typo must not produce them.
NOT_TYPOS = frozenset({"velveteen", "luxor", "marlow", "mirabelle", "glacial", "bolt", "jolt"})
ACCESSORY_CATEGORIES = frozenset(
    {"electronics", "drones", "tools", "appliances", "instruments", "gaming", "scooters", "car", "audio", "cycling"}
)
ACCESSORIES_EN = ("Protective case", "Replacement cable", "Storage bag", "Wall mount", "Spare parts kit")
ACCESSORIES_ZH = ("保护套", "充电线", "收纳包", "支架", "配件包")


class Synthesiser:
    """Listings generated from the evaluation catalogue: each kind labelled by how it was made."""

    def __init__(self, data: dict[str, Any], seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.data = data
        self.marks = data["marks"]
        self.authorised = {(a["marketplace"], a["shop_id"]): set(a["holders"]) for a in data["authorised"]}
        self.shop_names = {(a["marketplace"], a["shop_id"]): a["shop_name"] for a in data["authorised"]}
        self.shops = data["synthesis"]["shops"]
        self.base_price = data["synthesis"]["base_price_cny"]
        self.cny_per_eur = data["synthesis"]["cny_per_eur"]
        self.lines: list[dict[str, Any]] = []

    # The price rule, as the labels state it: a listing of the mark naming a referenced product, from a shop
    # not authorised for the mark, under the ratio of the reference price in the same currency.
    def reference(self, mark: dict[str, Any], title: str, currency: str, shop: tuple[str, str] | None = None) -> int:
        """The highest reference price the listing names, for its mark or another mark its title spells out
        (AURORA inside AURORA LUMIÈRE); 0 if none. Marks ``shop`` may use are left out."""
        folded = normalise(title)
        allowed = self.authorised.get(shop, set()) if shop else set()
        marks = {
            m["id"]
            for m in self.marks
            if (m is mark or normalise(m["text"]) in folded) and not set(m["holders"]) & allowed
        }
        prices = [
            ref["price_minor"]
            for ref in self.data["reference_prices"]
            if ref["mark_id"] in marks
            and ref["currency"] == currency
            and all(word in folded for word in normalise(ref["product"]).split())
        ]
        return max(prices, default=0)

    def price(self, mark: dict[str, Any] | None, title: str, marketplace: str, *, category: str, share: str) -> int:
        """A price in minor units: "far_under" the reference price, "usual" (at least 55 % of it), or "part"
        (an accessory's: a few per cent of the product's)."""
        currency = CURRENCY[marketplace]
        reference = self.reference(mark, title, currency) if mark and share != "part" else 0
        if reference:
            low, high = (0.05, 0.3) if share == "far_under" else (0.55, 1.2)
            return int(round(reference * self.rng.uniform(low, high), -1))
        base = self.base_price[category] * (100 if currency == "CNY" else 100 / self.cny_per_eur)
        low, high = (0.02, 0.1) if share == "part" else (0.3, 1.4)
        return int(round(base * self.rng.uniform(low, high), -1))

    def add(
        self,
        kind: str,
        title: str,
        marketplace: str,
        labels: Iterable[str],
        *,
        mark: dict[str, Any] | None = None,
        category: str = "",
        shop: tuple[str, str] | None = None,
        share: str = "usual",
    ) -> None:
        shop_id, shop_name = shop or tuple(self.rng.choice(self.shops[marketplace]))
        category = category or (mark["category"] if mark else "fashion")
        price = self.price(mark, title, marketplace, category=category, share=share)
        found = set(labels)
        reference = self.reference(mark, title, CURRENCY[marketplace], (marketplace, shop_id)) if mark else 0
        if "mark" in found and price < self.data["price_ratio"] * reference:
            found.add("price")
        line = {
            "id": f"s{len(self.lines) + 1:03d}",
            "title": title,
            "marketplace": marketplace,
            "shop_id": shop_id,
            "shop_name": shop_name,
            "price_minor": int(price),
            "currency": CURRENCY[marketplace],
            "labels": [d for d in DETECTORS if d in found],
            "infringing": bool(found),
            "kind": kind,
            "source": "synthetic",
        }
        self.lines.append(line)

    def title(self, mark_form: str, product: str, *, chinese: bool, extra: str = "") -> str:
        rng = self.rng
        if chinese:
            extras = rng.sample(EXTRA_ZH, 2)
            shapes = (
                f"{mark_form} {product} {extras[0]} {extras[1]}",
                f"【{mark_form}】{product} {extras[0]} 包邮",
                f"{mark_form}{product} {extras[0]}",
                f"新款 {mark_form} {product} {extras[1]}",
            )
        else:
            extras = rng.sample(EXTRA_EN, 2)
            shapes = (
                f"{mark_form} {product}, {extras[0]}, {extras[1]}",
                f"{mark_form} {product} - {extras[0]}",
                f"New {mark_form} {product} 2024, {extras[0]}",
            )
        title = rng.choice(shapes)
        if extra:
            title = f"{title} {extra}" if rng.random() < 0.6 else f"{extra} {title}"
        return title

    def plain_title(self, product: str, *, chinese: bool) -> str:
        """A title naming a product and no mark."""
        if chinese:
            first, second = self.rng.sample(EXTRA_ZH, 2)
            return self.rng.choice((f"{product} {first} {second}", f"{first} {product} {second} 包邮"))
        first, second = self.rng.sample(EXTRA_EN, 2)
        return self.rng.choice((f"{product.capitalize()}, {first}, {second}", f"{product.capitalize()} - {first}"))

    def goods(self, mark: dict[str, Any], *, chinese: bool) -> str:
        return str(self.rng.choice(mark["goods_zh"] if chinese else mark["goods_en"]))

    def marketplace(self, *, chinese: bool) -> str:
        return self.rng.choice(("dragonmall", "dragonmall", "livebuy")) if chinese else "megamart"

    def lookalike(self, text: str, how: str) -> str:
        rng = self.rng
        letters = [i for i, char in enumerate(text) if char.isalpha()]
        if how == "leetspeak":
            spots = [i for i in letters if text[i].lower() in LEET]
            chars = list(text)
            for i in rng.sample(spots, min(len(spots), rng.choice((1, 1, 2)))):
                chars[i] = rng.choice(LEET[text[i].lower()])
            return "".join(chars)
        if how == "homoglyph":
            spots = [i for i in letters if text[i] in HOMOGLYPHS]
            chars = list(text)
            for i in rng.sample(spots, min(len(spots), rng.choice((1, 2, 3)))):
                chars[i] = rng.choice(HOMOGLYPHS[text[i]])
            return "".join(chars)
        if how == "spaced":
            if rng.random() < 0.25:
                cut = rng.randrange(2, len(text) - 1)
                return f"{text[:cut]} {text[cut:]}"
            return rng.choice((" ", ".", "-", "*", "_", "·", " . ")).join(text)
        if how == "fullwidth":
            return "".join(chr(ord(char) + 0xFEE0) if char.isascii() and char.isalnum() else char for char in text)
        while True:  # a one-letter typo that is no word of its own
            at = rng.randrange(1, len(text))
            edit = rng.choice(("substitute", "insert", "delete", "swap"))
            if edit == "substitute":
                pool = "aeiou" if text[at].lower() in "aeiou" else "bcdfgklmnprstvz"
                letter = rng.choice(pool.replace(text[at].lower(), ""))
                typo = text[:at] + (letter.upper() if text[at].isupper() else letter) + text[at + 1 :]
            elif edit == "insert":
                typo = text[:at] + text[at] + text[at:]
            elif edit == "delete":
                typo = text[:at] + text[at + 1 :]
            else:
                typo = text[: at - 1] + text[at] + text[at - 1] + text[at + 1 :] if text[at] != text[at - 1] else text
            if typo.lower() != text.lower() and typo.lower() not in NOT_TYPOS:
                return typo

    def styled(self, text: str) -> str:
        return text if self.rng.random() < 0.5 else text.title()

    def generate(self) -> list[dict[str, Any]]:
        rng = self.rng
        latin = [m for m in self.marks if m["text"].isascii() and m["text"].isalpha()]
        for mark in latin:
            hows = ["leetspeak", "homoglyph", "spaced", "fullwidth"] + (["typo"] * 2 if len(mark["text"]) >= 6 else [])
            for how in sorted(set(rng.sample(hows, 2))):
                form = self.lookalike(self.styled(mark["text"]) if how != "homoglyph" else mark["text"], how)
                chinese = rng.random() < 0.4
                title = self.title(form, self.goods(mark, chinese=chinese), chinese=chinese)
                self.add(f"lookalike_{how}", title, self.marketplace(chinese=chinese), ["mark"], mark=mark)
        for mark in self.marks:
            homophones = rng.sample(mark["homophones"], min(len(mark["homophones"]), 2))
            for kind, spellings in (("pinyin", homophones), ("traditional", mark["traditional"])):
                for spelling in spellings:
                    title = self.title(spelling, self.goods(mark, chinese=True), chinese=True)
                    self.add(kind, title, self.marketplace(chinese=True), ["mark"], mark=mark)
        for _ in range(40):
            mark = rng.choice(self.marks)
            chinese = rng.random() < 0.55
            form = rng.choice(
                [f for f in (mark["text"], *mark["transliterations"]) if has_han(f) == chinese] or [mark["text"]]
            )
            risk = rng.choice(RISK_ZH if chinese else RISK_EN)
            title = self.title(form, self.goods(mark, chinese=chinese), chinese=chinese, extra=risk)
            self.add("counterfeit", title, self.marketplace(chinese=chinese), ["mark", "risk_keyword"], mark=mark)
        for _ in range(20):
            chinese = rng.random() < 0.55
            mark = rng.choice(self.marks)
            title = self.plain_title(self.goods(mark, chinese=chinese), chinese=chinese)
            risk = rng.choice(RISK_ZH if chinese else RISK_EN)
            if rng.random() < 0.5:
                title = f"{title} {risk}"
            else:
                title = f"{risk[0].upper()}{risk[1:]} {title[0].lower()}{title[1:]}"
            marketplace = self.marketplace(chinese=chinese)
            self.add("risk_only", title, marketplace, ["risk_keyword"], category=mark["category"])
        self.geographical_indications()
        self.authorised_listings()
        priced = sorted({ref["mark_id"] for ref in self.data["reference_prices"]})
        for _ in range(20):
            mark_id = rng.choice(priced)
            mark = next(m for m in self.marks if m["id"] == mark_id)
            ref = rng.choice([r for r in self.data["reference_prices"] if r["mark_id"] == mark["id"]])
            chinese = ref["currency"] == "CNY"
            form = rng.choice(
                [f for f in (mark["text"], *mark["transliterations"]) if has_han(f) == chinese] or [mark["text"]]
            )
            title = self.title(form, ref["product"], chinese=chinese)
            self.add("price", title, "dragonmall" if chinese else "megamart", ["mark"], mark=mark, share="far_under")
        devices = [m for m in self.marks if m["category"] in ACCESSORY_CATEGORIES]
        for _ in range(15):
            mark = rng.choice(devices)
            chinese = rng.random() < 0.5
            product = self.goods(mark, chinese=chinese)
            if chinese:
                form = rng.choice([f for f in mark["transliterations"] if has_han(f)] or [mark["text"]])
                title = rng.choice(
                    (
                        f"适用于{form}{product} {rng.choice(ACCESSORIES_ZH)}",
                        f"{rng.choice(ACCESSORIES_ZH)} 适配{form} {product}",
                    )
                )
            else:
                accessory = rng.choice(ACCESSORIES_EN)
                title = rng.choice(
                    (
                        f"{accessory} for {mark['text'].title()} {product}",
                        f"{accessory} compatible with {mark['text'].title()} {product}",
                    )
                )
            self.add("accessory", title, self.marketplace(chinese=chinese), [], category=mark["category"], share="part")
        for _ in range(30):
            chinese = rng.random() < 0.5
            mark = rng.choice(self.marks)
            title = self.plain_title(self.goods(mark, chinese=chinese), chinese=chinese)
            self.add("clean", title, self.marketplace(chinese=chinese), [], category=mark["category"])
        return self.lines

    def geographical_indications(self) -> None:
        rng = self.rng
        for count, producing in ((26, False), (12, True)):
            for _ in range(count):
                gi = rng.choice(self.data["gi_terms"])
                text = rng.choice(gi["texts"])
                chinese = has_han(text)
                tails = [t for t in gi["title_tails"] if has_han(t) == chinese] or gi["title_tails"]
                prefix = rng.choice(
                    ("正宗", "产地直发", "特级", "", "") if chinese else ("Authentic", "Premium", "", "")
                )
                title = f"{prefix} {text} {rng.choice(tails)}".strip()
                if producing:
                    marketplace, shop_id, shop_name = rng.choice(gi["producers"])
                    self.add("gi_producer", title, marketplace, [], category="food", shop=(shop_id, shop_name))
                else:
                    labels = ["geographical_indication"]
                    self.add("gi", title, self.marketplace(chinese=chinese), labels, category="food")

    def authorised_listings(self) -> None:
        rng = self.rng
        shops = sorted(self.authorised.items())
        for _ in range(25):
            (marketplace, shop_id), holders = rng.choice(shops)
            marks = [m for m in self.marks if set(m["holders"]) & holders]
            if not marks:
                continue
            mark = rng.choice(marks)
            chinese = marketplace != "megamart"
            form = rng.choice(
                [f for f in (mark["text"], *mark["transliterations"]) if has_han(f) == chinese] or [mark["text"]]
            )
            title = self.title(form, self.goods(mark, chinese=chinese), chinese=chinese)
            shop = (shop_id, self.shop_names[marketplace, shop_id])
            self.add(
                "authorised", title, marketplace, [], mark=mark, shop=shop, share=rng.choice(("usual", "far_under"))
            )


def write_synthetic(path: Path = ITEMS_PATH) -> None:
    hand = [line for line in read_lines(path) if line.get("source") != "synthetic"]
    lines = Synthesiser(read_catalogue()).generate()
    with path.open("w", encoding="utf-8") as f:
        for line in (*hand, *lines):
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{path}: {len(hand)} hand-written and {len(lines)} synthetic listings")


# --- the evaluation -----------------------------------------------------------------------------------------


def flag_key(result: Result) -> tuple[float, list[tuple[str, str, int, int, str, str]]]:
    flags = sorted((f.detector, f.field, f.start, f.end, f.term, f.how) for f in result.flags)
    return round(result.risk_score, 6), flags


def screened(name: str, screen: Any, listings: Sequence[Listing]) -> list[Result]:
    started = time.perf_counter()
    results: list[Result] = screen(listings)
    elapsed = time.perf_counter() - started
    print(f"{name}: {len(listings)} listings in {elapsed * 1e3:,.0f} ms ({elapsed / len(listings) * 1e6:,.0f} µs each)")
    return results


def describe(item: Item, result: Result, width: int = 72) -> list[str]:
    title = item.listing.title if len(item.listing.title) <= width else item.listing.title[: width - 1] + "…"
    flags = ", ".join(
        f"{f.detector}{'/' + f.how if f.how else ''} {f.matched_text!r}→{f.term!r} ({f.field})" for f in result.flags
    )
    lines = [
        f"  {item.listing.id} {result.risk_score:.2f} [{item.kind}] {title}",
        f"      labels: {', '.join(sorted(item.labels)) or '-'}; flags: {flags or '-'}",
    ]
    if item.note:
        lines.append(f"      note: {item.note}")
    return lines


def evaluate(items: Sequence[Item], catalogue: Catalogue, *, worst: int = 10) -> dict[str, Any]:
    listings = [item.listing for item in items]
    results = screened("Screener", Screener(catalogue).screen, listings)
    reference = screened("ReferenceScreener", ReferenceScreener(catalogue).screen, listings)
    disagreements = [
        (item, fast, slow)
        for item, fast, slow in zip(items, results, reference, strict=True)
        if flag_key(fast) != flag_key(slow)
    ]
    print(f"fast and reference screeners disagree on {len(disagreements)} of {len(items)} listings")
    for item, fast, slow in disagreements[:3]:
        print(*describe(item, fast), sep="\n")
        print(*describe(item, slow)[1:2], sep="\n")

    alert = Thresholds().alert
    detectors = {detector: Counts() for detector in DETECTORS}
    overall = Counts()
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for item, result in zip(items, results, strict=True):
        fired = {flag.detector for flag in result.flags}
        for detector, counts in detectors.items():
            counts.add(truth=detector in item.labels, predicted=detector in fired)
        alerted = result.risk_score >= alert
        overall.add(truth=item.infringing, predicted=alerted)
        kind = kinds[item.kind]
        kind["n"] += 1
        kind["infringing"] += item.infringing
        kind["alerted"] += alerted
        kind["right"] += alerted == item.infringing
        kind["flags_right"] += fired == set(item.labels)

    sources = Counter("synthetic" if item.listing.id.startswith("s") else "hand-written" for item in items)
    print(
        f"\n{len(items)} listings ({sources['hand-written']} hand-written, {sources['synthetic']} synthetic), "
        f"{sum(item.infringing for item in items)} infringing; alert threshold {alert:.2f}"
    )
    print(f"{'detector':<26} {'tp':>5} {'fp':>5} {'fn':>5} {'tn':>5} {'precision':>9} {'recall':>7} {'f1':>7}")
    for detector, counts in detectors.items():
        print(counts.row(detector))
    print(overall.row(f"overall (score >= {alert:.2f})"))

    print(f"\n{'kind':<22} {'n':>4} {'infringing':>10} {'alerted':>8} {'right':>6} {'flags exact':>11}")
    for name in sorted(kinds):
        kind = kinds[name]
        print(
            f"{name:<22} {kind['n']:>4} {kind['infringing']:>10} {kind['alerted']:>8} "
            f"{kind['right'] / kind['n']:>6.0%} {kind['flags_right'] / kind['n']:>11.0%}"
        )

    pairs = list(zip(items, results, strict=True))
    misses = sorted(
        ((item, result) for item, result in pairs if item.infringing and result.risk_score < alert),
        key=lambda pair: (pair[1].risk_score, pair[0].listing.id),
    )
    false_alarms = sorted(
        ((item, result) for item, result in pairs if not item.infringing and result.risk_score >= alert),
        key=lambda pair: (-pair[1].risk_score, pair[0].listing.id),
    )
    print(f"\nworst misses ({min(worst, len(misses))} of {len(misses)}: infringing, lowest scores)")
    for item, result in misses[:worst]:
        print(*describe(item, result), sep="\n")
    print(f"\nworst false alarms ({min(worst, len(false_alarms))} of {len(false_alarms)}: clean, highest scores)")
    for item, result in false_alarms[:worst]:
        print(*describe(item, result), sep="\n")

    return {
        "listings": len(items),
        "infringing": sum(item.infringing for item in items),
        "alert_threshold": alert,
        "disagreements": len(disagreements),
        "detectors": {detector: counts.figures() for detector, counts in detectors.items()},
        "overall": overall.figures(),
        "kinds": {name: dict(sorted(kinds[name].items())) for name in sorted(kinds)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON after the tables")
    parser.add_argument("--worst", type=int, default=10, help="misses and false alarms to show")
    parser.add_argument(
        "--write-synthetic", action="store_true", help=f"regenerate the synthetic listings (seed {SEED})"
    )
    arguments = parser.parse_args()
    if arguments.write_synthetic:
        write_synthetic()
        return
    items = read_items()
    figures = evaluate(items, build_catalogue(read_catalogue()), worst=arguments.worst)
    if arguments.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
