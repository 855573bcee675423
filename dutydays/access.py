"""Duty days' actions and kind of target, registered with the access funnel."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from districts.access import ADMINS, ALL_ROLES, Scope, register_action, register_target

from .models import DutyDay

register_action("view_duty_days", ALL_ROLES, read=True)
# Any account linked to a cadre logs that cadre's own days (in its own zones too).
register_action("log_own_duty_days", ALL_ROLES)
# Administrators record and correct days on a cadre's behalf, without the edit window.
register_action("manage_duty_days", ADMINS)


def _day_visible(scope: Scope, day: DutyDay, actor: Any) -> bool:
    own = day.cadre.user_id is not None and day.cadre.user_id == getattr(actor, "pk", None)
    return own or scope.contains(day.area)


register_target(DutyDay, visible=_day_visible, not_found=_("No such duty day."))
