"""The liaison core's actions and kinds of target, registered with the access funnel."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from districts.access import (
    ADMINS,
    ALL_ROLES,
    Scope,
    register_action,
    register_role_rule,
    register_target,
)
from districts.models import Role

from .lockouts import Lockout, lockout_visible
from .models import (
    Cadre,
    CoverageJob,
    Department,
    DepartmentVillageLink,
    Pairing,
    ZoneLeadership,
)

register_action("view_departments", ALL_ROLES, read=True)
register_action("view_cadres", ALL_ROLES, read=True)
register_action("view_pairings", ALL_ROLES, read=True)
register_action("manage_cadres", ADMINS)
register_action("manage_pairings", ADMINS)
register_action("manage_users", ADMINS)
# Security of the accounts one manages: lifting login lockouts, revoking API tokens. Only
# superusers (who see everything) lift lockouts of addresses, which lie in no jurisdiction.
register_action("lift_lockouts", ADMINS)
register_action("revoke_tokens", ADMINS)
register_action("view_coverage_jobs", (Role.ADMINISTRATOR,), read=True)
# The home page's dashboard of the jurisdiction (coverage, gaps, compliance, trends): for
# those who run or watch the work; cadres, the organisation department and inspectors get
# their own work on theirs.
register_action("view_dashboard", (*ADMINS, Role.VIEWER), read=True)


def _cadre_visible(scope: Scope, cadre: Cadre, actor: Any) -> bool:
    # A township sees the county's cadres: most of its households are theirs in practice.
    return scope.reaches(cadre.area)


def _cadre_writable(scope: Scope, cadre: Cadre, actor: Any) -> bool:
    # …but transferring, marking as left or ending a leadership is for whoever covers the
    # cadre's own area: a township must not end a county leader's zone in another township.
    return scope.contains(cadre.area)


register_target(
    Cadre,
    visible=_cadre_visible,
    writable=_cadre_writable,
    not_found=_("No such cadre."),
    read_only=_(
        "This cadre serves above your jurisdiction; ask an administrator of the cadre's "
        "area to change their record."
    ),
)
register_target(
    Department, visible=lambda s, d, u: s.contains(d.area), not_found=_("No such department.")
)
register_target(
    Pairing,
    visible=lambda s, p, u: s.contains_household(p.household),
    not_found=_("No such pairing."),
)
register_target(
    DepartmentVillageLink,
    visible=lambda s, link, u: s.contains(link.village),
    not_found=_("No such link."),
)
register_target(
    CoverageJob,
    visible=lambda s, job, u: s.everything or job.requested_by_id == getattr(u, "pk", None),
    not_found=_("No such recompute job."),
)


def cadre_serves(scope: Scope, household: Any, actor: Any) -> bool:
    """Return whether `actor`'s cadre serves `household` today: paired with it, or leading
    the zone that covers its group, village or township (DOMAIN.md: 一个领导负责一个责任区)."""
    user_id = getattr(actor, "pk", None)
    if user_id is None:
        return False
    cadre = Cadre.objects.filter(user_id=user_id, left_date__isnull=True)
    cadre_id = cadre.values_list("pk", flat=True).first()
    if cadre_id is None:
        return False
    if Pairing.objects.active().filter(cadre_id=cadre_id, household_id=household.pk).exists():
        return True
    places = [household.group_id, household.village_id, household.township_id]
    return ZoneLeadership.objects.filter(
        cadre_id=cadre_id, end_date__isnull=True, zone__zone_areas__area_id__in=places
    ).exists()


# A cadre reveals the numbers of their own households and of the zones they lead; the
# rest of the township is the administrators' (districts refuses until this is registered).
register_role_rule(
    "reveal_personal_data",
    Role.CADRE,
    cadre_serves,
    refused=_("You may see the numbers of the households you serve only."),
)


def _token_visible(scope: Scope, token: Token, actor: Any) -> bool:
    # A token is placed by its account: visible to whoever manages the account.
    if scope.everything:
        return True
    from .accounts import user_list

    return user_list(user=actor).filter(pk=token.user_id).exists()


register_target(Token, visible=_token_visible, not_found=_("No such token."))
register_target(Lockout, visible=lockout_visible, not_found=_("No such lockout."))
