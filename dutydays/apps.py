from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutydaysConfig(AppConfig):
    name = "dutydays"
    verbose_name = _("Duty days")

    def ready(self) -> None:
        from districts import panels

        from . import views

        panels.register("household", views.household_panel)
        panels.register("area", views.area_panel)
