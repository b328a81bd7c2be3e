"""English and 简体中文 are complete: every catalogue entry is translated, compiled, and shown."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from tests.factories import member, verified_client

LOCALE = Path(__file__).resolve().parents[2] / "src" / "ipbridge" / "locale" / "zh_Hans" / "LC_MESSAGES"


def catalogue() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry but the header, read from the .po file."""
    return [(msgid, msgstr, fuzzy) for _context, msgid, msgstr, fuzzy in catalogue_with_context()]


def catalogue_with_context() -> list[tuple[str, str, str, bool]]:
    """(msgctxt, msgid, msgstr, fuzzy) of every entry but the header; msgctxt is "" without a context."""

    def unquote(block: str) -> str:
        return (
            "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
            .encode()
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8")
        )

    entries = []
    for chunk in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        match = re.search(r'^msgid (".*?)^msgstr (".*)', chunk, re.S | re.M)
        if match is None:
            continue
        context = re.search(r'^msgctxt (".*?)^msgid ', chunk, re.S | re.M)
        msgid, msgstr = unquote(match.group(1)), unquote(match.group(2))
        if msgid:
            entries.append((unquote(context.group(1)) if context else "", msgid, msgstr, "#, fuzzy" in chunk))
    return entries


def test_every_string_is_translated_and_none_is_fuzzy() -> None:
    entries = catalogue()

    assert len(entries) > 200
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)

    def compiled(context: str, msgid: str) -> str:
        return translations.pgettext(context, msgid) if context else translations.gettext(msgid)

    assert [msgid for context, msgid, msgstr, _ in catalogue_with_context() if compiled(context, msgid) != msgstr] == []


def test_placeholders_survive_translation() -> None:
    pattern = re.compile(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}")

    assert [
        msgid for msgid, msgstr, _ in catalogue() if sorted(pattern.findall(msgid)) != sorted(pattern.findall(msgstr))
    ] == []


@pytest.mark.django_db
def test_the_dashboard_speaks_chinese() -> None:
    membership = member(kind="marketplace")
    client = verified_client(membership.user)
    client.post("/accounts/language/", {"language": "zh-hans", "next": "/dashboard/"})

    html = client.get("/dashboard/").content.decode()

    assert '<html lang="zh-hans">' in html
    for english, chinese in [
        ("Dashboard", "工作台"),
        ("Members", "成员"),
        ("API keys", "API 密钥"),
        ("Marketplace", "电商平台"),
        ("Next steps", None),
    ]:
        assert f">{english}<" not in html
        if chinese:
            assert chinese in html
