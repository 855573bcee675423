"""Forms of the districts pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from .models import Household, HouseholdCategory, ImportJob


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where they exist."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, messages)


def date_input() -> forms.DateInput:
    """A native date picker; its value must be ISO (YYYY-MM-DD) whatever the language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def bootstrap(form: forms.Form) -> None:
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

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors:
            attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return attrs


class ImportForm(forms.Form):
    bound_field_class = BootstrapBoundField
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030) or XLSX, first row the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)


class HouseholdForm(forms.ModelForm):
    """Edit a household. ID and phone are left blank to keep the stored (hidden) values."""

    bound_field_class = BootstrapBoundField
    categories = forms.MultipleChoiceField(
        label=_("categories"),
        choices=HouseholdCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Household
        fields = [
            "code",
            "head_name",
            "members",
            "id_number",
            "phone",
            "address",
            "categories",
            "status",
            "status_date",
        ]
        widgets = {"status_date": date_input()}

    def __init__(self, *args, keep_personal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.keep_personal = keep_personal
        if keep_personal:
            for name in ("id_number", "phone"):
                self.initial[name] = ""
                self.fields[name].widget.attrs["placeholder"] = _("unchanged (hidden)")
                self.fields[name].help_text = _("Leave blank to keep the stored number.")

    def _post_clean(self):
        # The service validates the whole model (with the group and its ancestors).
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.keep_personal:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name, None)
        return data
