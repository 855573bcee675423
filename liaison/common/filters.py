"""Filter helpers shared by the apps' FilterSets."""

import django_filters

from .ids import IdFormField


class IdFilter(django_filters.NumberFilter):
    """Filter by an id: a whole number that fits an id column.

    Anything else is a form error (a 400 in the API) instead of reaching the database.
    """

    field_class = IdFormField
