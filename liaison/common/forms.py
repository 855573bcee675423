"""Form helpers: Bootstrap classes, native date inputs, service errors on a form."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where they exist."""
    errors: Iterable[tuple[str | None, list[str]]] = (
        exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    )
    for field, messages in errors:
        form.add_error(field if field in form.fields else None, messages)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """Return the form's own copy of choice field `name` (to give it choices per request)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name!r} is not a choice field of {type(form).__name__}")
    return field


def date_input() -> forms.DateInput:
    """A native date picker; its value must be ISO (YYYY-MM-DD) whatever the language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def bootstrap(form: forms.BaseForm) -> None:
    """Give every widget its Bootstrap class."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = css


class BootstrapBoundField(BoundField):
    """Mark a field's widget invalid when it has errors (including ones added by a view)."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors:
            attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return attrs
