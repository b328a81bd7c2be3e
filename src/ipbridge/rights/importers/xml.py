"""Streaming, hostile-input-safe XML reading shared by the ST.66 and ST.86 parsers.

The parser never resolves entities, never loads a DTD, never touches the network and keeps libxml2's size
limits (``huge_tree=False``). Register files need no DOCTYPE at all, so a file declaring one is refused
outright: an external entity (XXE) or an entity bomb (billion laughs) gets a clear error and is never expanded.
Each record element is handed over once complete, then cleared and unlinked with everything before it, so memory
stays flat however large the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from ipbridge.rights.importers.common import ImportFileError

__all__ = ["children", "first", "first_in", "index", "index_of", "iter_records", "local", "text", "texts", "walk"]

Element = Any  # lxml's _Element; the parsers only read it


_REFUSED = (
    "The file declares a DOCTYPE (document type or entities). Register files never need one, and "
    "entity declarations can be used to read server files or exhaust memory; the file was refused."
)
_PROLOG_BYTES = 64 * 1024
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _refuse_doctype(element: Element) -> None:
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.doctype or info.system_url or info.public_id:
        raise ImportFileError(_REFUSED)


class _Prefixed:
    """A stream whose first bytes were read ahead to check the prolog."""

    def __init__(self, head: bytes, rest: Any):
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0 or size >= len(self.head):
                data, self.head = self.head, b""
                return data + (self.rest.read(size - len(data)) if size > len(data) else b"")
            data, self.head = self.head[:size], self.head[size:]
            return data
        return bytes(self.rest.read(size))


def _checked_prolog(stream: Any) -> _Prefixed:
    """Refuse a DOCTYPE before libxml2 sees it: even unexpanded, an entity bomb would make it give up with an
    obscure error. UTF-16 files are checked too (their NUL bytes are dropped for the check)."""
    head = bytes(stream.read(_PROLOG_BYTES))
    probe = head.replace(b"\x00", b"")
    start = _FIRST_ELEMENT.search(probe)
    prolog = probe[: start.start()] if start else probe
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise ImportFileError(_REFUSED)
    return _Prefixed(head, stream)


def iter_records(stream: Any, tags: Iterable[str], *, unless_inside: str = "") -> Iterator[Element]:
    """Yield every element whose local name is in ``tags``, in document order, each once it is complete.
    Elements inside an ``unless_inside`` element are left for that element (which must be in ``tags``).

    The caller must be done with an element before asking for the next one: it is cleared afterwards.
    """
    enclosing = f"{{*}}{unless_inside}" if unless_inside else ""
    context = etree.iterparse(
        _checked_prolog(stream),
        events=("end",),
        tag=[f"{{*}}{tag}" for tag in tags],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for _event, element in context:
            if not checked:
                _refuse_doctype(element)
                checked = True
            if enclosing and next(element.iterancestors(enclosing), None) is not None:
                continue
            yield element
            _release(element)
        root = getattr(context, "root", None)
        if not checked and root is not None:
            _refuse_doctype(root)
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(f"The file is not well-formed XML: {exc.msg or exc}") from exc


def _release(element: Element) -> None:
    """Clear a finished record and unlink everything before it, up the ancestors, so nothing piles up."""
    element.clear(keep_tail=False)
    node = element
    parent = node.getparent()
    while parent is not None:
        while node.getprevious() is not None:
            del parent[0]
        node, parent = parent, parent.getparent()


# Local names by qualified tag, so that each tag string is split once. Bounded: a hostile file can hold any number
# of distinct tags, and the cache must not grow with it.
_LOCAL_NAMES: dict[str, str] = {}
_MAX_LOCAL_NAMES = 10_000
_ELEMENTS = etree.Element  # as a tag filter: elements only, no comments or processing instructions


def _local_name(tag: str) -> str:
    name = tag.rpartition("}")[2]
    if len(_LOCAL_NAMES) < _MAX_LOCAL_NAMES:
        _LOCAL_NAMES[tag] = name
    return name


def local(element: Element) -> str:
    tag = element.tag
    if tag.__class__ is not str:
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _local_name(tag)
    return name


def text(element: Element | None) -> str:
    """All the text inside an element, whitespace collapsed (ST.96 nests numbers one level deeper)."""
    if element is None:
        return ""
    own = element.text
    if own is not None and len(element) == 0:
        return " ".join(own.split())
    return " ".join(" ".join(element.itertext()).split())


def index(element: Element) -> dict[str, list[Element]]:
    """Every element of a subtree (itself included) by local name, in document order: one pass, then lookups
    are dictionary reads rather than tree walks."""
    return index_of(walk(element))


def walk(element: Element) -> list[tuple[str, Element]]:
    """Every element of a subtree (itself first) with its local name, in document order."""
    names = _LOCAL_NAMES
    walked: list[tuple[str, Element]] = []
    for descendant in element.iter(_ELEMENTS):
        tag = descendant.tag
        name = names.get(tag)
        if name is None:
            name = _local_name(tag)
        walked.append((name, descendant))
    return walked


def index_of(walked: list[tuple[str, Element]]) -> dict[str, list[Element]]:
    """``index`` of a subtree already walked."""
    found: dict[str, list[Element]] = {}
    for name, element in walked:
        bucket = found.get(name)
        if bucket is None:
            found[name] = [element]
        else:
            bucket.append(element)
    return found


def first_in(found: dict[str, list[Element]], *names: str) -> str:
    """The first non-empty text among elements of an ``index`` with these local names (name order first)."""
    for name in names:
        elements = found.get(name)
        if elements:
            for element in elements:
                if content := text(element):
                    return content
    return ""


def children(element: Element) -> dict[str, list[Element]]:
    """Direct children by local name."""
    found: dict[str, list[Element]] = {}
    names = _LOCAL_NAMES
    for child in element.iterchildren(_ELEMENTS):
        tag = child.tag
        name = names.get(tag)
        if name is None:
            name = _local_name(tag)
        bucket = found.get(name)
        if bucket is None:
            found[name] = [child]
        else:
            bucket.append(child)
    return found


def first(element: Element, *names: str) -> Element | None:
    """The first descendant (document order) with one of these local names and some text."""
    for name in names:
        for found in element.iter(f"{{*}}{name}"):
            if text(found):
                return found
    return None


def texts(element: Element, name: str) -> list[str]:
    return [value for found in element.iter(f"{{*}}{name}") if (value := text(found))]
