"""The association graph of a shop laid out for an SVG drawn on the server: the shop in the middle, the shops
associated with it on a ring per step out, each coloured by its confirmed alerts, each edge labelled with the kinds
of identifiers the two shops share."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ipbridge.screening.models import IdentifierKind
from ipbridge.screening.monitoring.shops import ShopGraph, ShopNode

SIZE = 640
MARGIN = 70
NODE_RADIUS = 16

# Confirmed alerts → colour band: (lowest count, name, fill). Bootstrap's grey, yellow, orange and red.
BANDS = (
    (0, "none", "#adb5bd"),
    (1, "one", "#ffc107"),
    (2, "some", "#fd7e14"),
    (5, "many", "#dc3545"),
)


def band(confirmed: int) -> tuple[str, str]:
    """The colour band (name, fill) of a shop with ``confirmed`` confirmed alerts."""
    chosen = BANDS[0]
    for entry in BANDS:
        if confirmed >= entry[0]:
            chosen = entry
    return chosen[1], chosen[2]


def legend() -> list[dict[str, str]]:
    labels = {
        "none": _("no confirmed alert"),
        "one": _("1 confirmed alert"),
        "some": _("2 to 4 confirmed alerts"),
        "many": _("5 or more confirmed alerts"),
    }
    return [{"band": name, "fill": fill, "label": labels[name]} for _low, name, fill in BANDS]


@dataclass(frozen=True)
class DrawnNode:
    node: ShopNode
    x: float
    y: float
    r: int
    band: str
    fill: str
    label: str


@dataclass(frozen=True)
class DrawnEdge:
    x1: float
    y1: float
    x2: float
    y2: float
    label_x: float
    label_y: float
    kinds: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Drawing:
    size: int
    nodes: list[DrawnNode]
    edges: list[DrawnEdge]


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def graph_drawing(graph: ShopGraph) -> Drawing:
    """Coordinates for every shop and edge of ``graph`` in a square of ``SIZE`` units."""
    centre = SIZE / 2
    rings: dict[int, list[ShopNode]] = {}
    for node in graph.nodes:
        rings.setdefault(node.depth, []).append(node)
    deepest = max(rings) if rings else 0
    positions: dict[str, tuple[float, float]] = {}
    for depth, nodes in rings.items():
        if depth == 0:
            for node in nodes:
                positions[node.shop_id] = (centre, centre)
            continue
        radius = (centre - MARGIN) * depth / deepest
        # Each ring turned a little from the one inside it, so that spokes do not line up.
        offset = -math.pi / 2 + (depth - 1) * math.pi / max(3, len(nodes))
        for i, node in enumerate(nodes):
            angle = offset + 2 * math.pi * i / len(nodes)
            positions[node.shop_id] = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    drawn_nodes = []
    for node in graph.nodes:
        x, y = positions[node.shop_id]
        name, fill = band(node.alerts.confirmed)
        drawn_nodes.append(
            DrawnNode(
                node,
                round(x, 1),
                round(y, 1),
                NODE_RADIUS + (4 if node.depth == 0 else 0),
                name,
                fill,
                _short(node.shop_name or node.shop_id),
            )
        )
    drawn_edges = []
    for edge in graph.edges:
        (x1, y1), (x2, y2) = positions[edge.source], positions[edge.target]
        drawn_edges.append(
            DrawnEdge(
                round(x1, 1),
                round(y1, 1),
                round(x2, 1),
                round(y2, 1),
                round((x1 + x2) / 2, 1),
                round((y1 + y2) / 2 - 4, 1),
                edge.kinds,
                " · ".join(str(IdentifierKind(kind).label) for kind in edge.kinds),
            )
        )
    return Drawing(SIZE, drawn_nodes, drawn_edges)
