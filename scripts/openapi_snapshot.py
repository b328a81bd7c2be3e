"""Keep docs/openapi.json equal to the API's OpenAPI document.

python scripts/openapi_snapshot.py --check   # fails when the API changed without its snapshot
python scripts/openapi_snapshot.py --write   # records the current document
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def current_document() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipbridge.config.settings")
    import django

    django.setup()
    from ipbridge.config.urls import api

    return (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true")
    group.add_argument("--write", action="store_true")
    args = parser.parse_args()
    document = current_document()
    if args.write:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(document, encoding="utf-8")
        print(f"wrote {SNAPSHOT.name}")
        return 0
    if not SNAPSHOT.exists() or SNAPSHOT.read_text(encoding="utf-8") != document:
        print(
            "docs/openapi.json differs from the API: review the change, then run "
            "`python scripts/openapi_snapshot.py --write`",
            file=sys.stderr,
        )
        return 1
    print("OpenAPI snapshot is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
