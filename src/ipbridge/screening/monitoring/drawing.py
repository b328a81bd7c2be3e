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
MIN_VIEW = 360

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
    view_box: str  # "x y width height": the part of the square the shops take, with room for their labels
    nodes: list[DrawnNode]
    edges: list[DrawnEdge]


def _view_box(points: list[tuple[float, float]]) -> str:
    """The box around the shops, ``MARGIN`` wider on each side and at least ``MIN_VIEW`` across, so that a graph of
    one or two shops is not drawn huge."""
    box = []
    for values in zip(*points, strict=True):
        low, high = min(values) - MARGIN, max(values) + MARGIN
        grow = max(0.0, MIN_VIEW - (high - low)) / 2
        box.append((low - grow, high + grow))
    (x0, x1), (y0, y1) = box
    return f"{x0:.0f} {y0:.0f} {x1 - x0:.0f} {y1 - y0:.0f}"


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _angles(graph: ShopGraph) -> dict[str, float]:
    """Each shop's angle around the middle: the first ring evenly spread, each shop further out within the sector
    of the nearer shop it is associated with first, so that edges run outwards instead of across the drawing."""
    neighbours: dict[str, list[str]] = {node.shop_id: [] for node in graph.nodes}
    for edge in graph.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    order = {node.shop_id: position for position, node in enumerate(graph.nodes)}
    depth = {node.shop_id: node.depth for node in graph.nodes}
    angles: dict[str, float] = {}
    widths: dict[str, float] = {}
    rings: dict[int, list[str]] = {}
    for node in graph.nodes:
        rings.setdefault(node.depth, []).append(node.shop_id)
    for ring, shops in sorted(rings.items()):
        if ring == 0:
            for shop in shops:
                angles[shop], widths[shop] = -math.pi / 2, 2 * math.pi
            continue
        children: dict[str, list[str]] = {}
        for shop in shops:
            parents = [n for n in neighbours[shop] if depth[n] == ring - 1]
            parent = min(parents, key=order.__getitem__) if parents else graph.nodes[0].shop_id
            children.setdefault(parent, []).append(shop)
        for parent, group in children.items():
            width = widths[parent] if ring > 1 else 2 * math.pi
            start = angles[parent] - width / 2 if ring > 1 else -math.pi / 2
            step = width / len(group)
            for position, shop in enumerate(group):
                # The first ring starts at the top; further rings centre each group on its parent.
                angles[shop] = start + step * (position + (0.5 if ring > 1 else 0))
                widths[shop] = step
    return angles


def graph_drawing(graph: ShopGraph) -> Drawing:
    """Coordinates for every shop and edge of ``graph`` in a square of ``SIZE`` units."""
    centre = SIZE / 2
    deepest = max((node.depth for node in graph.nodes), default=0)
    angles = _angles(graph)
    positions: dict[str, tuple[float, float]] = {}
    for node in graph.nodes:
        radius = (centre - MARGIN) * node.depth / deepest if deepest else 0.0
        angle = angles[node.shop_id]
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
    return Drawing(_view_box(list(positions.values())), drawn_nodes, drawn_edges)
