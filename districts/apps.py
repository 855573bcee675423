from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistrictsConfig(AppConfig):
    name = "districts"
    verbose_name = _("Areas and households")

    def ready(self) -> None:
        from liaison.common.registry import MenuEntry, register_menu

        from .access import has_permission, signed_in

        register_menu(MenuEntry("areas", _("Areas"), "dashboard", 10, signed_in))
        register_menu(MenuEntry("zones", _("Zones"), "zone-list", 60, signed_in))
        register_menu(MenuEntry("import", _("Import"), "import-list", 70, has_permission("import")))
        register_menu(MenuEntry("api", _("API"), "api-docs", 90, signed_in))
