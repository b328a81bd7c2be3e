from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "ipbridge.sharing"
    label = "sharing"
    verbose_name = _("Shared information")
    default_auto_field = "django.db.models.BigAutoField"
