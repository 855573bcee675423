from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistrictsConfig(AppConfig):
    name = "districts"
    verbose_name = _("Areas and households")

    def ready(self) -> None:
        from liaison.common.registry import Importer, MenuEntry, register_importer, register_menu

        from . import audit, exports, imports
        from .access import has_permission, signed_in
        from .models import ImportJob

        register_importer(
            Importer(
                ImportJob.Kind.AREAS,
                ImportJob.Kind.AREAS.label,
                imports.import_areas,
                imports.AREA_SPEC,
                exports.AREA_SAMPLES,
            )
        )
        register_importer(
            Importer(
                ImportJob.Kind.HOUSEHOLDS,
                ImportJob.Kind.HOUSEHOLDS.label,
                imports.import_households,
                imports.HOUSEHOLD_SPEC,
                exports.HOUSEHOLD_SAMPLES,
            )
        )

        audit.connect()  # sign-ins and downloads go to the audit log
        register_menu(MenuEntry("home", _("Home"), "dashboard", 0, signed_in))
        register_menu(
            MenuEntry(
                "areas",
                _("Areas"),
                "area-tree",
                10,
                signed_in,
                also_current=(
                    "area-detail",
                    "household-detail",
                    "household-update",
                    "household-create",
                ),
            )
        )
        register_menu(
            MenuEntry(
                "zones", _("Zones"), "zone-list", 60, signed_in, also_current=("zone-leader",)
            )
        )
        register_menu(
            MenuEntry(
                "import",
                _("Import"),
                "import-list",
                70,
                has_permission("import"),
                also_current=("import-detail",),
            )
        )
        register_menu(
            MenuEntry(
                "audit",
                _("Audit log"),
                "audit-log",
                85,
                has_permission("view_audit_log"),
                also_current=("reveal-log",),
            )
        )
        register_menu(
            MenuEntry(
                "api", _("API"), "api-docs", 90, has_permission("view_api_docs"), new_tab=True
            )
        )
