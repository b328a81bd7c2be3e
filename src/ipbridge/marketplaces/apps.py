from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplacesConfig(AppConfig):
    name = "ipbridge.marketplaces"
    label = "marketplaces"
    verbose_name = _("Marketplace directory")
    default_auto_field = "django.db.models.BigAutoField"
