"""`{% concerns_nav %}`: the concern pages' own navigation (the main menu has one entry)."""

from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


def section_links(request: HttpRequest) -> list[dict[str, Any]]:
    """The concern pages this user may open, the current one marked."""
    from districts.access import can, scope_for
    from districts.models import Role

    from ..access import HOTLINE_OPERATOR, LIAISON_OFFICER
    from ..views import QUEUE_ROLES, SUPERVISION_ROLES

    role = scope_for(request.user).role
    staff = role not in (Role.CADRE, LIAISON_OFFICER, None)
    entries = [
        ("concern-list", _("All concerns"), staff),
        ("concern-queue", _("To do"), role in QUEUE_ROLES),
        ("concern-supervision", _("Supervision"), role in SUPERVISION_ROLES),
        ("concern-stats", _("Statistics"), staff and role != HOTLINE_OPERATOR),
        (
            "concern-boxes",
            _("Opinion boxes"),
            role in (Role.ADMINISTRATOR, Role.AREA_ADMIN, Role.VIEWER),
        ),
        ("concern-officers", _("Liaison officers"), can(request.user, "view_dashboard")),
        ("concern-notifications", _("Notifications"), True),
        # Keys of other systems (Open311), issued by the county's administrators.
        ("open311-keys", _("Open311 keys"), can(request.user, "manage_open311_keys")),
    ]
    current = getattr(request.resolver_match, "url_name", "")
    return [
        {"url": reverse(name), "label": label, "current": name == current, "key": name}
        for name, label, shown in entries
        if shown
    ]


@register.inclusion_tag("concerns/_section_nav.html", takes_context=True)
def concerns_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    links = section_links(request) if request is not None else []
    return {"links": links if len(links) > 1 else []}
