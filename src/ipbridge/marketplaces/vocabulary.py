"""The words a marketplace profile is written in: countries (ISO 3166-1 alpha-2) and languages (ISO 639-1) with
their names in English and Simplified Chinese, the categories of goods, the sizes and the criterion they follow,
the kinds of notice channel and the right types a channel states its requirements for."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

DATA = Path(__file__).resolve().parent / "data"


class Size(models.TextChoices):
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")
    VERY_LARGE = "very_large", _("Very large")


SIZE_CRITERION = _(
    "By average monthly active recipients (buyers and visitors) as the marketplace or a regulator publishes "
    "them: small, under 1 million; medium, 1 to 10 million; large, 10 to 45 million; very large, 45 million or "
    "more (the EU Digital Services Act's threshold for very large online platforms)."
)


class ChannelKind(models.TextChoices):
    IPBRIDGE = "ipbridge", _("IPBridge integration")
    API = "api", _("API")
    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", _("E-mail")


class RightType(models.TextChoices):
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    DESIGN = "design", _("Design")
    PATENT = "patent", _("Patent")
    GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")


class Category(models.TextChoices):
    GENERAL = "general", _("General merchandise")
    FASHION = "fashion", _("Fashion and apparel")
    BEAUTY = "beauty", _("Beauty and cosmetics")
    ELECTRONICS = "electronics", _("Electronics")
    HOME = "home", _("Home and garden")
    LUXURY = "luxury", _("Luxury goods")
    HANDMADE = "handmade", _("Handmade and vintage")
    SECOND_HAND = "second_hand", _("Second-hand goods")
    WHOLESALE = "wholesale", _("Wholesale (B2B)")
    FOOD = "food", _("Food and drink")
    TOYS = "toys", _("Toys and games")
    SPORTS = "sports", _("Sports and outdoors")
    MEDIA = "media", _("Books, music and video")


@cache
def _codes(name: str) -> dict[str, tuple[str, str]]:
    rows = json.loads((DATA / name).read_text(encoding="utf-8"))["codes"]
    return {code: (english, chinese) for code, english, chinese in rows}


def countries() -> dict[str, tuple[str, str]]:
    """ISO 3166-1 alpha-2 code → (English name, Chinese name)."""
    return _codes("countries.json")


def languages() -> dict[str, tuple[str, str]]:
    """ISO 639-1 code → (English name, Chinese name)."""
    return _codes("languages.json")


def _in_current_language(names: tuple[str, str]) -> str:
    return names[1] if (translation.get_language() or "").startswith("zh") else names[0]


def country_name(code: str) -> str:
    names = countries().get(code)
    return _in_current_language(names) if names else code


def language_name(code: str) -> str:
    names = languages().get(code)
    return _in_current_language(names) if names else code
