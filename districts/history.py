"""Change history of households and areas, as readable diffs (personal numbers masked)."""

import itertools
from typing import Any

from django.db import models

from .fields import FlagsField
from .models import Area, Household
from .validators import mask_id_number, mask_phone

_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def _display(model: type[models.Model], field_name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field_name in _MASKS:
        return _MASKS[field_name](str(value))
    field = model._meta.get_field(field_name)
    if not isinstance(field, models.Field):  # a reverse relation: never in a history diff
        return str(value)
    related = field.related_model
    if field.is_relation and isinstance(related, type):
        name = related._default_manager.filter(pk=value).values_list("name", flat=True).first()
        return name or str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, FlagsField):
        labels = dict(field.flags.choices)
        codes = field.codes_of(value) if isinstance(value, int) else value
        return "、".join(str(labels.get(c, c)) for c in codes)
    return str(value)


def _label(model: type[models.Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    return str(field.verbose_name) if isinstance(field, models.Field) else field_name


def history_with_changes(
    obj: Area | Household, limit: int = 100
) -> tuple[list[Any], dict[int, list[dict[str, str]]]]:
    """Return (records newest first, {history_id: [{"field","label","old","new"}]})."""
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    changes: dict[int, list[dict[str, str]]] = {}
    for newer, older in itertools.pairwise(records):
        delta = newer.diff_against(older)
        changes[newer.history_id] = [
            {
                "field": c.field,
                "label": _label(model, c.field),
                "old": _display(model, c.field, c.old),
                "new": _display(model, c.field, c.new),
            }
            for c in delta.changes
        ]
    return records[:limit], changes
