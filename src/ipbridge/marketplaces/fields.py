"""The fields of a marketplace profile, in the order the pages show them, and how each value is checked: the one
place that says what a profile holds. Every refusal names the field (``channels.1.address``) and the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ipbridge.core.errors import ValidationFailed
from ipbridge.core.validation import email_field, text_field, url_field
from ipbridge.marketplaces.vocabulary import Category, ChannelKind, RightType, Size, countries, languages

MAX_LONG_TEXT = 5000
MAX_LIST = 250
MAX_DAYS = 3650
MAX_PROGRAMMES = 10
MAX_REQUIREMENTS = 30


@dataclass(frozen=True)
class ProfileField:
    name: str
    label: str | Promise
    kind: str
    help: str | Promise = ""

    @property
    def empty(self) -> Any:
        return EMPTY[self.kind]


EMPTY: dict[str, Any] = {
    "text": "",
    "contact": "",
    "url": "",
    "long_text": "",
    "countries": [],
    "languages": [],
    "categories": [],
    "boolean": None,
    "size": "",
    "days": None,
    "channels": [],
    "programmes": [],
}

FIELDS: tuple[ProfileField, ...] = (
    ProfileField("name", gettext_lazy("Name"), "text"),
    ProfileField("website", gettext_lazy("Website"), "url"),
    ProfileField(
        "countries",
        gettext_lazy("Countries"),
        "countries",
        gettext_lazy("Where it sells: ISO 3166 codes, e.g. CN, DE."),
    ),
    ProfileField(
        "languages",
        gettext_lazy("Languages"),
        "languages",
        gettext_lazy("The languages it works in: ISO 639-1 codes, e.g. zh, en."),
    ),
    ProfileField("categories", gettext_lazy("Categories"), "categories"),
    ProfileField("live_streaming", gettext_lazy("Live-streaming commerce"), "boolean"),
    ProfileField("size", pgettext_lazy("marketplace", "Size"), "size"),
    ProfileField("ip_policy_url", gettext_lazy("IP policy"), "url"),
    ProfileField("ip_policy_summary", gettext_lazy("IP policy in brief"), "long_text"),
    ProfileField(
        "channels",
        gettext_lazy("Notice channels"),
        "channels",
        gettext_lazy("How right holders send notices, and what each channel requires per right type."),
    ),
    ProfileField("counter_notice_procedure", gettext_lazy("Counter-notice procedure"), "long_text"),
    ProfileField(
        "counter_notice_window_days",
        gettext_lazy("Counter-notice window (days)"),
        "days",
        gettext_lazy("How long the procedure's window is, in days."),
    ),
    ProfileField("appeal_procedure", gettext_lazy("Appeal procedure"), "long_text"),
    ProfileField("appeal_window_days", gettext_lazy("Appeal window (days)"), "days"),
    ProfileField("repeat_infringer_policy", gettext_lazy("Repeat-infringer policy"), "long_text"),
    ProfileField("proactive_measures", gettext_lazy("Proactive measures"), "long_text"),
    ProfileField(
        "contact_point",
        gettext_lazy("Contact point"),
        "contact",
        gettext_lazy("Where right holders reach its IP team: an e-mail address, a web address or a description."),
    ),
    ProfileField(
        "programmes",
        gettext_lazy("Programmes for right holders"),
        "programmes",
        gettext_lazy("For instance a brand registry or a good-faith programme."),
    ),
)
BY_NAME = {f.name: f for f in FIELDS}
NAMES = tuple(f.name for f in FIELDS)


def _refuse(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, field=field)


def _strings(value: Any, field: str) -> list[str]:
    """A list of strings, or one string of them separated by commas or spaces."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
        raise _refuse(field, "invalid_list", _("Give a list of codes."))
    return [part.strip() for part in value if part.strip()]


def _codes(value: Any, field: str, known: set[str] | dict[str, Any], *, upper: bool) -> list[str]:
    found: list[str] = []
    for part in _strings(value, field):
        code = part.upper() if upper else part.lower()
        if code not in known:
            raise _refuse(field, "unknown_code", _("“%(code)s” is not a code this field accepts.") % {"code": part})
        if code not in found:
            found.append(code)
    if len(found) > MAX_LIST:
        raise _refuse(field, "too_many", _("At most %(n)d entries.") % {"n": MAX_LIST})
    return found


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _refuse(field, "invalid_text", _("Give a text."))
    return text_field(value, field=field, max_length=max_length, required=required)


def _url(value: Any, field: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _refuse(field, "invalid_url", _("Enter a web address starting with http:// or https://."))
    return url_field(value, field=field, max_length=500, required=False)


def _boolean(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("", "yes", "no", "true", "false"):
        text = value.strip().lower()
        return None if not text else text in ("yes", "true")
    raise _refuse(field, "invalid_boolean", _("Say yes, no, or leave it unknown."))


def _days(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise _refuse(field, "invalid_days", _("Give a whole number of days from 0 to %(n)d.") % {"n": MAX_DAYS})
    return value


def _choice(value: Any, field: str, choices: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or (value and value not in choices):
        raise _refuse(field, "invalid_choice", _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
    return value


def _lines(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise _refuse(field, "invalid_list", _("Give a list of texts."))
    lines = [text_field(line, field=field, max_length=300, required=False) for line in value]
    lines = [line for line in lines if line]
    if len(lines) > MAX_REQUIREMENTS:
        raise _refuse(field, "too_many", _("At most %(n)d entries.") % {"n": MAX_REQUIREMENTS})
    return lines


def _mapping(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _refuse(field, "invalid_object", _("Give an object."))
    return value


def _channel(value: Any, field: str) -> dict[str, Any]:
    data = _mapping(value, field)
    unknown = set(data) - {"kind", "address", "notes", "requirements"}
    if unknown:
        raise _refuse(
            f"{field}.{sorted(unknown)[0]}", "unknown_field", _("This field is not part of a notice channel.")
        )
    kind = _choice(data.get("kind"), f"{field}.kind", ChannelKind.values)
    if not kind:
        raise _refuse(f"{field}.kind", "required", _("This field is required."))
    address = data.get("address") or ""
    if kind == ChannelKind.EMAIL:
        if not isinstance(address, str):
            raise _refuse(f"{field}.address", "invalid_email", _("Enter a valid e-mail address."))
        address = email_field(address, field=f"{field}.address", required=False)
    elif kind in (ChannelKind.WEB_FORM, ChannelKind.API):
        address = _url(address, f"{field}.address")
    else:
        address = _url(address, f"{field}.address")
    requirements: dict[str, dict[str, list[str]]] = {}
    for right, needs in _mapping(data.get("requirements") or {}, f"{field}.requirements").items():
        where = f"{field}.requirements.{right}"
        _choice(right, where, RightType.values)
        needs = _mapping(needs, where)
        if set(needs) - {"fields", "documents"}:
            raise _refuse(where, "unknown_field", _("Give the fields and the documents it requires."))
        listed = {
            "fields": _lines(needs.get("fields"), f"{where}.fields"),
            "documents": _lines(needs.get("documents"), f"{where}.documents"),
        }
        if listed["fields"] or listed["documents"]:
            requirements[right] = listed
    return {
        "kind": kind,
        "address": address,
        "notes": _text(data.get("notes"), f"{field}.notes", 2000),
        "requirements": {right: requirements[right] for right in RightType.values if right in requirements},
    }


def _channels(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _refuse(field, "invalid_list", _("Give a list of notice channels."))
    channels = [_channel(entry, f"{field}.{index}") for index, entry in enumerate(value)]
    seen: set[str] = set()
    for index, channel in enumerate(channels):
        if channel["kind"] in seen:
            raise _refuse(f"{field}.{index}.kind", "duplicate", _("Each kind of channel is listed once."))
        seen.add(channel["kind"])
    order = ChannelKind.values
    return sorted(channels, key=lambda c: order.index(c["kind"]))


def _programme(value: Any, field: str) -> dict[str, str]:
    data = _mapping(value, field)
    if set(data) - {"name", "url", "description"}:
        raise _refuse(field, "unknown_field", _("A programme has a name, an address and a description."))
    return {
        "name": _text(data.get("name"), f"{field}.name", 200, required=True),
        "url": _url(data.get("url"), f"{field}.url"),
        "description": _text(data.get("description"), f"{field}.description", 2000),
    }


def _programmes(value: Any, field: str) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _refuse(field, "invalid_list", _("Give a list of programmes."))
    if len(value) > MAX_PROGRAMMES:
        raise _refuse(field, "too_many", _("At most %(n)d entries.") % {"n": MAX_PROGRAMMES})
    return [_programme(entry, f"{field}.{index}") for index, entry in enumerate(value)]


CLEANERS: dict[str, Callable[[Any, str], Any]] = {
    "text": lambda value, field: _text(value, field, 200, required=True),
    "contact": lambda value, field: _text(value, field, 500),
    "url": _url,
    "long_text": lambda value, field: _text(value, field, MAX_LONG_TEXT),
    "countries": lambda value, field: _codes(value, field, countries(), upper=True),
    "languages": lambda value, field: _codes(value, field, languages(), upper=False),
    "categories": lambda value, field: _codes(value, field, set(Category.values), upper=False),
    "boolean": _boolean,
    "size": lambda value, field: _choice(value, field, Size.values),
    "days": _days,
    "channels": _channels,
    "programmes": _programmes,
}


def value_clean(name: str, value: Any) -> Any:
    """The field's value as stored, or the refusal naming the field (or the part of it) at fault."""
    field = BY_NAME.get(name)
    if field is None:
        raise _refuse(name, "unknown_field", _("A marketplace profile has no such field."))
    return CLEANERS[field.kind](value, name)
