"""Menu entries of the channels' entry pages (registered from ConcernsConfig.ready).

The boxes' and liaison officers' pages for administrators are reached from the concern
pages' own navigation (templatetags/concerns_nav), not the main menu."""

from django.utils.translation import gettext_lazy as _

from districts.access import is_role
from districts.models import Role
from liaison.common.registry import MenuEntry, register_menu

from .access import HOTLINE_OPERATOR, LIAISON_OFFICER


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
