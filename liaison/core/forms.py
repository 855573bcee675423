"""Forms of the liaison pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.common.forms import BootstrapBoundField, bootstrap, date_input


class AssignForm(forms.Form):
    """Assign the ticked households to one cadre."""

    bound_field_class = BootstrapBoundField
    cadre = forms.TypedChoiceField(label=_("Cadre"), coerce=int, choices=())
    households = forms.TypedMultipleChoiceField(
        label=_("Households"),
        coerce=int,
        choices=(),
        error_messages={"required": _("Tick at least one household.")},
    )
    start_date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())
    replace = forms.BooleanField(
        label=_("Also move households that have another cadre"), required=False
    )

    def __init__(self, *args, cadre_choices, household_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", _("Choose a cadre…")), *cadre_choices]
        self.fields["households"].choices = [(pk, pk) for pk in household_ids]
        bootstrap(self)


class TransferForm(forms.Form):
    bound_field_class = BootstrapBoundField
    to = forms.TypedChoiceField(label=_("Hand all households to"), coerce=int, choices=())
    date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())
    leave = forms.BooleanField(label=_("The cadre has left"), required=False)

    def __init__(self, *args, cadre_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", _("Choose a cadre…")), *cadre_choices]
        bootstrap(self)


class ZoneLeaderForm(forms.Form):
    bound_field_class = BootstrapBoundField
    cadre = forms.TypedChoiceField(label=_("Leader"), coerce=int, choices=())
    start_date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())

    def __init__(self, *args, cadre_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", _("Choose a cadre…")), *cadre_choices]
        bootstrap(self)
