from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "ipbridge.rights"
    label = "rights"
    verbose_name = _("Rights register")
    default_auto_field = "django.db.models.BigAutoField"
