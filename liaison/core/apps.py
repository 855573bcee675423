from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonCoreConfig(AppConfig):
    """The liaison core. Its label stays `liaison` (tables, migrations, permissions)."""

    name = "liaison.core"
    label = "liaison"
    verbose_name = _("Liaison")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_save

        from districts.access import has_permission, is_role, signed_in
        from districts.events import HOUSEHOLDS_CHANGED, ZONES_CHANGED
        from districts.models import Role
        from liaison.common.registry import (
            MenuEntry,
            register_column,
            register_export_columns,
            register_menu,
            register_panel,
            subscribe,
        )

        from . import access, exports, home, tokens, views
        from .imports import register_importers
        from .jobs import coverage_recompute_later

        del access  # imported for its registrations
        # A deactivated account loses its tokens and sessions, also when the Django admin
        # (or any code) saves it inactive; logins are remembered so that their sessions can
        # be ended. (dispatch_uid: ready() may run more than once in tests.)
        post_save.connect(
            tokens.on_user_saved, sender=get_user_model(), dispatch_uid="liaison-user-saved"
        )
        user_logged_in.connect(tokens.on_logged_in, dispatch_uid="liaison-logged-in")
        user_logged_out.connect(tokens.on_logged_out, dispatch_uid="liaison-logged-out")
        home.register()
        # Imports and pages add, move and deregister households and change zones: the
        # coverage figures follow after commit.
        subscribe(HOUSEHOLDS_CHANGED, lambda **_: coverage_recompute_later())
        subscribe(ZONES_CHANGED, lambda **_: coverage_recompute_later())
        register_panel("household", views.household_panel)
        register_panel("area", views.area_panel)
        register_column("households", views.household_cadre_column)
        register_column("zones", views.zone_leader_column)
        register_panel("import", views.import_panel)
        register_importers()
        register_export_columns("households", exports.RESPONSIBLE_CADRE)
        register_menu(
            MenuEntry("my-households", _("My households"), "my-households", 3, is_role(Role.CADRE))
        )
        register_menu(MenuEntry("coverage", _("Coverage"), "coverage", 20, signed_in))
        register_menu(MenuEntry("gaps", _("Gaps"), "gaps", 30, signed_in, url_args=("households",)))
        register_menu(
            MenuEntry(
                "cadres",
                _("Cadres"),
                "cadre-list",
                40,
                signed_in,
                also_current=("cadre-detail", "cadre-accounts-create"),
            )
        )
        register_menu(
            MenuEntry(
                "users",
                _("Users"),
                "user-list",
                80,
                has_permission("manage_users"),
                also_current=(
                    "user-create",
                    "user-update",
                    "user-reset-password",
                    "lockout-list",
                    "token-list",
                ),
            )
        )
