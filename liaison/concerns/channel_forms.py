"""Forms of the channels' entry pages."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.validators import validate_phone
from liaison.common.forms import BootstrapBoundField, bootstrap, choice_field, date_input

from .models import Kind
from .selectors import categories

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


def _category_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Category"), queryset=categories(), empty_label=_("— choose —")
    )


class ConcernFields(forms.Form):
    """What every channel asks: kind, category, what happened, who raised it."""

    bound_field_class = BootstrapBoundField
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.HELP)
    category = _category_field()
    description = forms.CharField(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories()  # type: ignore[attr-defined]
        bootstrap(self)

    def concern_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        photo = data.get("photo")
        return {
            "kind": data["kind"],
            "category": data["category"],
            "description": data["description"],
            "reporter_name": data.get("reporter_name", ""),
            "reporter_phone": data.get("reporter_phone", ""),
            "attachments": [photo] if photo else [],
        }


class PlaceMixin(forms.Form):
    """A village or group from a list, and optionally a household (its id)."""

    area = forms.TypedChoiceField(label=_("Village or group"), coerce=int, choices=())
    household = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def set_places(self, places: Iterable[tuple[int, str]]) -> None:
        choice_field(self, "area").choices = list(places)
        self.fields["area"].widget.attrs["class"] = "form-select"


class OfficerConcernForm(PlaceMixin, ConcernFields):
    """A liaison officer's concern: a group (or the village) of theirs, maybe a household."""

    field_order = ["area", "household", "kind", "category", "description"]


class OfficerReportForm(forms.Form):
    bound_field_class = BootstrapBoundField
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class CardForm(ConcernFields):
    """A call on the contact card: the household is chosen before (a button)."""

    household = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The caller is the household's own: no name or number to take down.
        for name in ("reporter_name", "reporter_phone"):
            del self.fields[name]


class HotlineForm(PlaceMixin, ConcernFields):
    """A hotline call: a household found by the search, or an anonymous caller's place."""

    field_order = ["household", "area", "kind", "category", "description", "reporter_name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["photo"]
        self.fields["area"].required = False
        self.fields["reporter_phone"].label = _("Caller's number")
        self.fields["reporter_name"].label = _("Caller's name")

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and not data.get("household") and not data.get("area"):
            self.add_error(
                "area", _("Find the household, or choose the caller's village or group.")
            )
        return data


class BoxForm(forms.Form):
    bound_field_class = BootstrapBoundField
    area = forms.TypedChoiceField(label=_("Village or group"), coerce=int, choices=())
    location = forms.CharField(
        label=_("Location"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. at the village committee's door")}),
    )
    keyholder = forms.CharField(label=_("Keyholder"), max_length=50)
    keyholder_phone = forms.CharField(
        label=_("Keyholder's phone"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args: Any, places: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "area").choices = list(places)
        bootstrap(self)


MAX_SLIPS = 100


class OpeningForm(forms.Form):
    """When, by whom and how many slips (each slip is a row of the formset below it)."""

    bound_field_class = BootstrapBoundField
    opened_on = forms.DateField(
        label=_("Opened on"), initial=timezone.localdate, widget=date_input()
    )
    opened_by = forms.CharField(label=_("Opened by"), max_length=50)
    slips = forms.IntegerField(
        label=_("Slips found"), min_value=0, max_value=MAX_SLIPS, initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        self.fields["opened_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class SlipForm(ConcernFields):
    """One slip: what it says; anonymous unless the writer gave a name or number."""

    field_order = ["kind", "category", "description", "photo", "reporter_name", "reporter_phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 3
        self.fields["kind"].initial = Kind.SUGGESTION
        self.fields["photo"].label = _("Photo of the slip")
        self.fields["photo"].widget.attrs.pop("capture", None)

    def has_changed(self) -> bool:
        """A row holds a slip when anything but its kind was filled in (the kind always has
        a value): an empty row is left out rather than refused."""
        filled = ("category", "description", "reporter_name", "reporter_phone")
        return any(str(self.data.get(self.add_prefix(n), "")).strip() for n in filled) or bool(
            self.files.get(self.add_prefix("photo"))
        )


class BaseSlipFormSet(forms.BaseFormSet):
    def filled(self) -> list[SlipForm]:
        """The rows that hold a slip (an untouched row is no slip)."""
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]


def slip_formset(rows: int) -> type[BaseSlipFormSet]:
    """The slips' formset with `rows` empty rows (a posted one keeps the rows it sent)."""
    formset = forms.formset_factory(
        SlipForm,
        formset=BaseSlipFormSet,
        extra=rows,
        max_num=MAX_SLIPS,
        absolute_max=MAX_SLIPS,
        validate_max=True,
    )
    return cast("type[BaseSlipFormSet]", formset)
