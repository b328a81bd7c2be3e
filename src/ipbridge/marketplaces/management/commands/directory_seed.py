"""``ipbridge manage directory_seed``: add the seed profiles of well-known marketplaces the directory lacks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ipbridge.marketplaces.services import seed_profiles_load


class Command(BaseCommand):
    help = (
        "Add the seed profiles (written from the marketplaces' public IP policies, each field with its source) "
        "that the directory does not have yet. Profiles already there are left as they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        added = seed_profiles_load()
        self.stdout.write(f"{added} profile(s) added to the marketplace directory.")
