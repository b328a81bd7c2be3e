"""Focused monitoring (重点监测): watchlists of reported products, products of their type and shops, which every
scan and stream consults; shops associated through shared identifiers (关联店铺); repeat infringers ranked."""

from __future__ import annotations

from ipbridge.screening.monitoring.shops import (
    IdentifiersRecorded,
    RepeatShop,
    ShopEdge,
    ShopGraph,
    ShopIdentifiersIn,
    ShopNode,
    associated_counts,
    identifier_digest,
    repeat_infringers,
    repeat_infringers_rendered,
    shop_alerts,
    shop_graph,
    shop_identifiers_record,
    shop_known,
)
from ipbridge.screening.monitoring.watches import (
    WatchMatcher,
    access_watch,
    keywords_split,
    shop_watch,
    watch_add,
    watch_end,
    watch_fields,
    watch_from_alert,
    watch_hits,
    watch_matcher,
    watches_for_marketplace,
)

__all__ = [
    "IdentifiersRecorded",
    "RepeatShop",
    "ShopEdge",
    "ShopGraph",
    "ShopIdentifiersIn",
    "ShopNode",
    "WatchMatcher",
    "access_watch",
    "associated_counts",
    "identifier_digest",
    "keywords_split",
    "repeat_infringers",
    "repeat_infringers_rendered",
    "shop_alerts",
    "shop_graph",
    "shop_identifiers_record",
    "shop_known",
    "shop_watch",
    "watch_add",
    "watch_end",
    "watch_fields",
    "watch_from_alert",
    "watch_hits",
    "watch_matcher",
    "watches_for_marketplace",
]
