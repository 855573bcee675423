"""FilterSets of the liaison core, shared by pages and API."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from liaison.common.filters import IdFilter

from .models import Cadre, Department, DepartmentKind, Pairing, Rank


class DepartmentFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Department.Level.choices, label=_("level"))
    kind = django_filters.ChoiceFilter(choices=DepartmentKind.choices, label=_("kind"))
    area = IdFilter(field_name="area_id", label=_("area"))

    class Meta:
        model = Department
        fields = ["level", "kind", "area"]


class CadreFilter(django_filters.FilterSet):
    department = IdFilter(field_name="department_id", label=_("department"))
    rank = django_filters.ChoiceFilter(choices=Rank.choices, label=_("rank"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("in service"))
    has_households = django_filters.BooleanFilter(
        method="filter_has_households", label=_("has households")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("name"))

    class Meta:
        model = Cadre
        fields = ["department", "rank", "active", "has_households", "search"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(left_date__isnull=value)

    def filter_has_households(self, queryset, name, value):
        busy = Pairing.objects.filter(cadre=OuterRef("pk"), end_date__isnull=True)
        return queryset.filter(Exists(busy) if value else ~Exists(busy))

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__startswith=value.strip()) if value.strip() else queryset


class PairingFilter(django_filters.FilterSet):
    cadre = IdFilter(field_name="cadre_id", label=_("cadre"))
    household = IdFilter(field_name="household_id", label=_("household"))
    active = django_filters.BooleanFilter(
        field_name="end_date", lookup_expr="isnull", label=_("active")
    )

    class Meta:
        model = Pairing
        fields = ["cadre", "household", "active"]
