from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutydaysConfig(AppConfig):
    name = "dutydays"
    verbose_name = _("Duty days")

    def ready(self) -> None:
        from districts.access import is_role, signed_in
        from districts.models import Role
        from liaison.common.registry import MenuEntry, register_menu, register_panel

        from . import access, home, views

        del access  # imported for its registrations
        home.register()

        register_panel("household", views.household_panel)
        register_panel("area", views.area_panel)
        register_panel("cadre", views.cadre_panel)
        register_panel("coverage", views.coverage_panel)
        register_panel("concern", views.concern_panel)
        register_menu(MenuEntry("duty-log", _("Log a day"), "duty-log", 1, is_role(Role.CADRE)))
        register_menu(
            MenuEntry(
                "duty-month",
                _("My month"),
                "duty-month",
                2,
                is_role(Role.CADRE),
                also_current=("duty-edit",),
            )
        )
        register_menu(
            MenuEntry("duty-compliance", _("Duty days"), "duty-compliance", 50, signed_in)
        )
