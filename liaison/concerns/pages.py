"""The concern pages' place in the site: menu entries (with the count of unread
notifications) and the panels on the household and cadre pages."""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from districts.access import is_role, scope_for
from districts.models import Role
from liaison.common.registry import MenuEntry, register_menu, register_panel

from . import views
from .access import LIAISON_OFFICER

DETAIL_PAGES = ("concern-detail", "concern-act", "concern-notifications")
SECTION_PAGES = (
    "concern-queue",
    "concern-supervision",
    "concern-stats",
    "concern-boxes",
    "concern-box",
    "concern-box-new",
    "concern-box-open",
    "concern-officers",
    "open311-keys",
    "open311-key-revoke",
)


def _not_in_the_field(request: HttpRequest) -> bool:
    """Everyone but cadres (who have their own inbox) and liaison officers (their page)."""
    if not request.user.is_authenticated:
        return False
    return scope_for(request.user).role not in (Role.CADRE, LIAISON_OFFICER, None)


def _role_in(*roles: str) -> Callable[[HttpRequest], bool]:
    """Menu visibility: users of one of `roles`."""

    def check(request: HttpRequest) -> bool:
        return bool(request.user.is_authenticated) and scope_for(request.user).role in roles

    return check


def register() -> None:
    register_menu(
        MenuEntry(
            "concern-mine",
            _("My concerns"),
            "concern-mine",
            4,
            is_role(Role.CADRE),
            also_current=DETAIL_PAGES,
            badge=views.unread_count,
            badge_label=_("unread notifications"),
        )
    )
    register_menu(
        MenuEntry(
            "concerns",
            pgettext_lazy("menu", "Concerns"),
            "concern-list",
            15,
            _not_in_the_field,
            # The concern pages' own navigation (templatetags/concerns_nav) leads on.
            also_current=(*DETAIL_PAGES, *SECTION_PAGES),
        )
    )
    register_panel("household", views.household_panel)
    # The cadre page's panel is the statistics' (statistics_pages.cadre_panel).
