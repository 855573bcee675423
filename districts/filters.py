"""FilterSets shared by the pages and the API.

Area-valued filters take ids (IdFilter), never a <select> of a table that can hold
millions of rows.
"""

from typing import TYPE_CHECKING

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.common.filters import IdFilter

from .models import (
    Area,
    AreaLevel,
    AreaQuerySet,
    AuditEntry,
    Household,
    HouseholdCategory,
    HouseholdQuerySet,
    HouseholdStatus,
    PersonalDataAccess,
    Zone,
)

if TYPE_CHECKING:
    # Type-checking only, on purpose: drf-spectacular reads the filter methods' hints at
    # runtime and, unable to resolve this one, keeps documenting the ids as it did.
    from decimal import Decimal


def _area_or_none(pk: "Decimal") -> Area | None:
    # An unknown id filters to nothing; the queryset is already scoped to the user, so an
    # area outside the jurisdiction also yields nothing and reveals nothing.
    return Area.objects.filter(pk=int(pk)).only("pk", "level", "path").first()


class AreaFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=AreaLevel.choices, label=_("level"))
    parent = IdFilter(field_name="parent_id", label=_("parent"))
    code = django_filters.CharFilter(label=_("code"))
    within = IdFilter(method="filter_within", label=_("within area"))
    q = django_filters.CharFilter(method="filter_q", label=_("search"))

    class Meta:
        model = Area
        fields = ["level", "parent", "code", "within", "q"]

    def filter_within(self, queryset: AreaQuerySet, name: str, value: "Decimal") -> AreaQuerySet:
        area = _area_or_none(value)
        return queryset.within(area) if area else queryset.none()

    def filter_q(self, queryset: AreaQuerySet, name: str, value: str) -> AreaQuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class HouseholdFilter(django_filters.FilterSet):
    within = IdFilter(method="filter_within", label=_("within area"))
    group = IdFilter(field_name="group_id", label=_("village group"))
    category = django_filters.MultipleChoiceFilter(
        choices=HouseholdCategory.choices, method="filter_category", label=_("category")
    )
    status = django_filters.ChoiceFilter(choices=HouseholdStatus.choices, label=_("status"))
    search = django_filters.CharFilter(method="filter_search", label=_("name or code"))

    class Meta:
        model = Household
        fields = ["within", "group", "category", "status", "search"]

    def filter_within(
        self, queryset: HouseholdQuerySet, name: str, value: "Decimal"
    ) -> HouseholdQuerySet:
        area = _area_or_none(value)
        return queryset.in_area(area) if area else queryset.none()

    def filter_category(
        self, queryset: HouseholdQuerySet, name: str, value: list[str]
    ) -> HouseholdQuerySet:
        return queryset.filter(categories__has=value) if value else queryset

    def filter_search(
        self, queryset: HouseholdQuerySet, name: str, value: str
    ) -> HouseholdQuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(head_name__startswith=value) | Q(code__startswith=value))


class ZoneFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Zone.Level.choices, label=_("level"))
    area = IdFilter(field_name="areas", label=_("covers area"))

    class Meta:
        model = Zone
        fields = ["level", "area"]


class _LogFilter(django_filters.FilterSet):
    """The filters the two logs share: dates (inclusive, in the local time zone)."""

    date_after = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("from (date)")
    )
    date_before = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("to (date)")
    )


class RevealFilter(_LogFilter):
    user = django_filters.CharFilter(field_name="user__username", label=_("username"))
    household = django_filters.CharFilter(field_name="household__code", label=_("household code"))

    class Meta:
        model = PersonalDataAccess
        fields = ["user", "household", "date_after", "date_before"]


class AuditFilter(_LogFilter):
    kind = django_filters.ChoiceFilter(choices=AuditEntry.Kind.choices, label=_("kind"))
    user = django_filters.CharFilter(field_name="username", label=_("username"))

    class Meta:
        model = AuditEntry
        fields = ["kind", "user", "date_after", "date_before"]
