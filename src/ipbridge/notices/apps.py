from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "ipbridge.notices"
    label = "notices"
    verbose_name = _("Notices and cases")
    default_auto_field = "django.db.models.BigAutoField"
