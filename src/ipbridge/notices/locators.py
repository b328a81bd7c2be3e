"""How a listing is recognised again: the same listing sent twice must be one item, whatever the link's
decorations (case of the host, a trailing slash, tracking parameters, a fragment)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that say where a click came from, not which listing it is.
_TRACKING_PREFIXES = ("utm_", "spm", "scm", "mc_", "fbclid", "gclid", "yclid", "ref", "share")


def listing_locator(*, url: str, listing_id: str) -> str:
    """The marketplace's own id when there is one (it survives any change of link), else the normalised URL."""
    if listing_id.strip():
        return f"id:{listing_id.strip()}"
    parts = urlsplit(url.strip())
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(_TRACKING_PREFIXES)
    )
    path = parts.path.rstrip("/") or "/"
    return "url:" + urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))
