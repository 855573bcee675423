"""Change history of households and areas, as readable diffs (personal numbers masked)."""

import itertools

from .validators import mask_id_number, mask_phone

_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def _display(model, field_name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field_name in _MASKS:
        return _MASKS[field_name](str(value))
    field = model._meta.get_field(field_name)
    if field.is_relation:
        name = field.related_model.objects.filter(pk=value).values_list("name", flat=True).first()
        return name or str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    flags = getattr(field, "flags", None)
    if flags is not None:
        labels = dict(flags.choices)
        codes = field.codes_of(value) if isinstance(value, int) else value
        return "、".join(str(labels.get(c, c)) for c in codes)
    return str(value)


def history_with_changes(obj, limit: int = 100):
    """Return (records newest first, {history_id: [{"field","label","old","new"}]})."""
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    changes: dict[int, list[dict]] = {}
    for newer, older in itertools.pairwise(records):
        delta = newer.diff_against(older)
        changes[newer.history_id] = [
            {
                "field": c.field,
                "label": str(model._meta.get_field(c.field).verbose_name),
                "old": _display(model, c.field, c.old),
                "new": _display(model, c.field, c.new),
            }
            for c in delta.changes
        ]
    return records[:limit], changes
