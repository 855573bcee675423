from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutydaysConfig(AppConfig):
    name = "dutydays"
    verbose_name = _("Duty days")
