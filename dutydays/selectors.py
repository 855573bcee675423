"""Reads of duty days and compliance, through the user's jurisdiction."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from districts.access import scope_for
from liaison.core.selectors import cadre_list

from .models import DutyDay, MonthlyCompliance


def dutyday_list(*, user) -> QuerySet[DutyDay]:
    """Return duty days in places the user may see, or of cadres the user may see.

    A cadre account always sees its own days.
    """
    scope = scope_for(user)
    if scope.everything:
        return DutyDay.objects.all()
    own = Q(cadre__user=user) if user.is_authenticated else Q(pk__in=[])
    return DutyDay.objects.filter(scope.area_q("area__") | own)


def dutyday_get(*, user, pk) -> DutyDay:
    from django.http import Http404
    from django.utils.translation import gettext as _

    try:
        return dutyday_list(user=user).select_related("cadre", "area").get(pk=pk)
    except (DutyDay.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such duty day.")) from None


def compliance_list(*, user, month) -> QuerySet[MonthlyCompliance]:
    """Return the month's compliance rows of the cadres the user may see."""
    visible = cadre_list(user=user).filter(pk=OuterRef("cadre_id"))
    return MonthlyCompliance.objects.filter(month=month).filter(Exists(visible))


def household_visits(household) -> QuerySet[DutyDay]:
    return DutyDay.objects.filter(households=household).select_related("cadre").order_by("-date")
