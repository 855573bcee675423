"""Forms of the districts pages."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.common.forms import BootstrapBoundField, bootstrap, date_input

from .models import Household, HouseholdCategory, ImportJob


class ImportForm(forms.Form):
    bound_field_class = BootstrapBoundField
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GB18030) or XLSX, first row the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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

    def __init__(self, *args: Any, keep_personal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.keep_personal = keep_personal
        if keep_personal:
            for name in ("id_number", "phone"):
                self.initial[name] = ""
                self.fields[name].widget.attrs["placeholder"] = _("unchanged (hidden)")
                self.fields[name].help_text = _("Leave blank to keep the stored number.")

    def _post_clean(self) -> None:
        # The service validates the whole model (with the group and its ancestors).
        pass

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.keep_personal:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name, None)
        return data
