"""Concerns' roles, actions and kind of target, registered with the access funnel."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from districts.access import (
    ADMINS,
    ALL_ROLES,
    Scope,
    register_action,
    register_role,
    register_role_rule,
    register_target,
)
from districts.models import Role
from liaison.core.accounts import register_area_admin_grant

from .models import Concern, OpinionBox

# Villagers who pass on what their neighbours raise (民情联络员), scoped to their village;
# hotline operators (民情电话), county-wide.
LIAISON_OFFICER = "liaison_officer"
HOTLINE_OPERATOR = "hotline_operator"
register_role(LIAISON_OFFICER, _("Liaison officer"))
register_role(HOTLINE_OPERATOR, _("Hotline operator"))
# A township's area administrators register its villages' liaison officers; hotline
# operators serve the county and are given by the county's administrators.
register_area_admin_grant(LIAISON_OFFICER)

register_action("view_concerns", ALL_ROLES, read=True)
# Entering a concern: the channels' people (cadres log contact-card calls and duty visits).
register_action("create_concerns", (*ADMINS, Role.CADRE, LIAISON_OFFICER, HOTLINE_OPERATOR))
# Working a concern: accept, ask for information, resume, resolve (a cadre: their own).
register_action("handle_concerns", (*ADMINS, Role.CADRE))
# Routing: assign, mark as duplicate, refer outside, reject.
register_action("route_concerns", ADMINS)
# Closing after the call-back (the township).
register_action("close_concerns", ADMINS)
# The call-back (回访): the owner or a hotline operator.
register_action("record_feedback", (*ADMINS, Role.CADRE, HOTLINE_OPERATOR))
# One extension: an area administrator of the township, or a township or county leader.
register_action("extend_concerns", (Role.AREA_ADMIN, Role.ADMINISTRATOR, Role.CADRE))
# The reporter's phone number (personal data), as households' numbers.
register_action("reveal_reporter", (*ADMINS, Role.CADRE, HOTLINE_OPERATOR))
# A liaison officer's daily report (零报告 included).
register_action("report_as_officer", (LIAISON_OFFICER,))
# Opinion boxes: registering them and recording openings.
register_action("manage_opinion_boxes", (*ADMINS, Role.CADRE))


_NO_CADRE = object()


def own_cadre(actor: Any) -> Any:
    """The cadre linked to the actor's account, or None (cached on the user object)."""
    pk = getattr(actor, "pk", None)
    if pk is None:
        return None
    cached = getattr(actor, "_concerns_cadre", None)
    if cached is None:
        from liaison.core.models import Cadre

        cached = Cadre.objects.filter(user_id=pk).first() or _NO_CADRE
        setattr(actor, "_concerns_cadre", cached)  # noqa: B010
    return None if cached is _NO_CADRE else cached


def _own_cadre_id(actor: Any) -> int | None:
    cadre = own_cadre(actor)
    return cadre.pk if cadre is not None else None


def _owns(scope: Scope, concern: Concern, actor: Any) -> bool:
    return concern.owner_id is not None and concern.owner_id == _own_cadre_id(actor)


def _concern_visible(scope: Scope, concern: Concern, actor: Any) -> bool:
    return scope.contains(concern.area) or _owns(scope, concern, actor)


def _leader_rank(scope: Scope, concern: Concern, actor: Any) -> bool:
    from liaison.core.models import Rank

    cadre = own_cadre(actor)
    return cadre is not None and cadre.rank in (Rank.TOWNSHIP_LEADER, Rank.COUNTY_LEADER)


def _township_admin(scope: Scope, concern: Concern, actor: Any) -> bool:
    return scope.contains(concern.township)


register_target(Concern, visible=_concern_visible, not_found=_("No such concern."))
register_target(
    OpinionBox,
    visible=lambda scope, box, actor: scope.contains(box.area),
    not_found=_("No such opinion box."),
)

register_role_rule(
    "handle_concerns",
    Role.CADRE,
    _owns,
    refused=_("You may work only on the concerns assigned to you."),
)
register_role_rule(
    "record_feedback",
    Role.CADRE,
    _owns,
    refused=_("You may record the call-back only of the concerns assigned to you."),
)
register_role_rule(
    "reveal_reporter",
    Role.CADRE,
    _owns,
    refused=_("You may see the reporter's number only of the concerns assigned to you."),
)
register_role_rule(
    "extend_concerns",
    Role.CADRE,
    _leader_rank,
    refused=_("Only a township or county leader may extend a deadline."),
)
register_role_rule(
    "extend_concerns",
    Role.AREA_ADMIN,
    _township_admin,
    refused=_("Only an administrator of the concern's township may extend its deadline."),
)
