"""Derive the compact Nice Classification file the engine ships from WIPO's master files.

    python scripts/build_nice_data.py TOP_STRUCTURE.xml EN_TEXTS.xml

Writes src/ipbridge/engine/data/nice.json: the 45 class headings and every goods/services term with its
class and basic number. Source: WIPO, Nice Classification master files (CC BY 4.0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lxml import etree

NS = "{http://www.wipo.int/classifications/ncl}"
OUT = Path(__file__).resolve().parents[1] / "src" / "ipbridge" / "engine" / "data" / "nice.json"


def main(structure_path: str, texts_path: str) -> None:
    structure = etree.parse(structure_path, etree.XMLParser(resolve_entities=False, no_network=True))
    texts = etree.parse(texts_path, etree.XMLParser(resolve_entities=False, no_network=True))
    root = structure.getroot()
    class_of: dict[str, int] = {}
    basic_of: dict[str, str] = {}
    kinds: dict[int, str] = {}
    class_ids: dict[str, int] = {}
    for klass in root.iter(f"{NS}Class"):
        number = int(klass.get("classNumber"))
        kinds[number] = klass.get("isGoodOrService")
        class_ids[klass.get("id")] = number
        for item in klass.iter(f"{NS}GoodOrService"):
            class_of[item.get("id")] = number
            basic_of[item.get("id")] = item.get("basicNumber")
    headings: dict[int, list[str]] = {}
    for class_texts in texts.getroot().iter(f"{NS}ClassTexts"):
        number = class_ids[class_texts.get("idRef")]
        headings[number] = [" ".join("".join(h.itertext()).split()) for h in class_texts.iter(f"{NS}HeadingItem")]
    terms = []
    for item in texts.getroot().iter(f"{NS}GoodOrServiceTexts"):
        ref = item.get("idRef")
        for label in item.iter(f"{NS}Label"):
            text = " ".join("".join(label.itertext()).split()).rstrip("*").strip()
            terms.append([class_of[ref], basic_of[ref], text])
    document = {
        "edition": "NCL 12-2024",
        "source": "WIPO, Nice Classification master files, version 2024 (in force 2024-01-01)",
        "licence": "CC BY 4.0 — attribution to WIPO; no endorsement by WIPO implied",
        "classes": {str(n): {"kind": kinds[n], "heading": headings[n]} for n in sorted(kinds)},
        "terms": sorted(terms, key=lambda t: (t[0], t[1], t[2])),
    }
    OUT.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(document['classes'])} classes, {len(terms)} terms -> {OUT.name}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
