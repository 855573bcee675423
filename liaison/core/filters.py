"""FilterSets of the liaison core, shared by pages and API."""

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from districts.models import role_choices

from .models import Cadre, CadreQuerySet, Department, DepartmentKind, Pairing, Rank
from .selectors import cadres_having_households


class DepartmentFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Department.Level.choices, label=_("level"))
    kind = django_filters.ChoiceFilter(choices=DepartmentKind.choices, label=_("kind"))
    area = django_filters.NumberFilter(field_name="area_id", label=_("area"))

    class Meta:
        model = Department
        fields = ["level", "kind", "area"]


class CadreFilter(django_filters.FilterSet):
    department = django_filters.NumberFilter(field_name="department_id", label=_("department"))
    rank = django_filters.ChoiceFilter(choices=Rank.choices, label=_("rank"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("in service"))
    has_households = django_filters.BooleanFilter(
        method="filter_has_households", label=_("has households")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("name"))

    class Meta:
        model = Cadre
        fields = ["department", "rank", "active", "has_households", "search"]

    def filter_active(self, queryset: CadreQuerySet, name: str, value: bool) -> CadreQuerySet:
        return queryset.filter(left_date__isnull=value)

    def filter_has_households(
        self, queryset: QuerySet[Cadre], name: str, value: bool
    ) -> QuerySet[Cadre]:
        # Households inside the viewer's jurisdiction only, as the `households` count: a
        # county cadre "has households" for a township viewer when some lie in the township.
        # Without a request (no viewer) nobody's households are visible.
        user = getattr(self.request, "user", None) or AnonymousUser()
        return cadres_having_households(queryset, user=user, value=value)

    def filter_search(self, queryset: CadreQuerySet, name: str, value: str) -> CadreQuerySet:
        return queryset.filter(name__startswith=value.strip()) if value.strip() else queryset


class PairingFilter(django_filters.FilterSet):
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("cadre"))
    household = django_filters.NumberFilter(field_name="household_id", label=_("household"))
    active = django_filters.BooleanFilter(
        field_name="end_date", lookup_expr="isnull", label=_("active")
    )

    class Meta:
        model = Pairing
        fields = ["cadre", "household", "active"]


class UserFilter(django_filters.FilterSet):
    """Filters of the account list (page and API)."""

    role = django_filters.ChoiceFilter(
        field_name="jurisdiction__role", choices=role_choices, label=_("role")
    )
    is_active = django_filters.BooleanFilter(label=_("active"))
    search = django_filters.CharFilter(method="filter_search", label=_("username"))

    class Meta:
        model = get_user_model()
        fields = ["role", "is_active", "search"]

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return queryset.filter(username__icontains=value) if value else queryset
