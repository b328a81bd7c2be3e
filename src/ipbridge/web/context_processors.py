from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ipbridge.accounts import selectors
from ipbridge.web.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {}
    actor = getattr(request, "actor", None) or selectors.actor_for_user(user)
    if actor is None:
        return {}
    return {
        "actor": actor,
        "nav_items": items_for(actor),
        "my_memberships": selectors.memberships_for_user(user=user),
    }
