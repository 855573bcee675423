"""Menu entries of the channels' entry pages (registered from ConcernsConfig.ready)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from districts.access import ADMINS, has_permission, is_role, scope_for
from districts.models import Role
from liaison.common.registry import MenuEntry, register_menu

from .access import HOTLINE_OPERATOR, LIAISON_OFFICER


def _box_keepers(request: HttpRequest) -> bool:
    """Administrators, area administrators and viewers (cadres reach a box from its page)."""
    return scope_for(request.user).role in (*ADMINS, Role.VIEWER)


def register() -> None:
    register_menu(
        MenuEntry(
            "concern-officer",
            _("Report a concern"),
            "concern-officer",
            1,
            is_role(LIAISON_OFFICER),
        )
    )
    register_menu(
        MenuEntry(
            "concern-officer-report",
            _("Daily report"),
            "concern-officer-report",
            2,
            is_role(LIAISON_OFFICER),
        )
    )
    register_menu(
        MenuEntry("concern-hotline", _("Hotline"), "concern-hotline", 1, is_role(HOTLINE_OPERATOR))
    )
    register_menu(MenuEntry("concern-card", _("Card call"), "concern-card", 4, is_role(Role.CADRE)))
    register_menu(
        MenuEntry(
            "concern-boxes",
            _("Opinion boxes"),
            "concern-boxes",
            65,
            _box_keepers,
            also_current=("concern-box", "concern-box-new", "concern-box-open"),
        )
    )
    register_menu(
        MenuEntry(
            "concern-officers",
            _("Liaison officers"),
            "concern-officers",
            66,
            has_permission("view_dashboard"),
        )
    )
