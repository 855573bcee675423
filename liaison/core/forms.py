"""Forms of the liaison pages."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.common.forms import BootstrapBoundField, bootstrap, choice_field, date_input

# (cadre id, label) pairs for a cadre drop-down.
CadreChoices = Iterable[tuple[int, str]]


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

    def __init__(
        self,
        *args: Any,
        cadre_choices: CadreChoices,
        household_ids: Iterable[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "cadre").choices = [("", _("Choose a cadre…")), *cadre_choices]
        choice_field(self, "households").choices = [(pk, pk) for pk in household_ids]
        bootstrap(self)


class TransferForm(forms.Form):
    bound_field_class = BootstrapBoundField
    to = forms.TypedChoiceField(label=_("Hand all households to"), coerce=int, choices=())
    date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())
    leave = forms.BooleanField(label=_("The cadre has left"), required=False)

    def __init__(self, *args: Any, cadre_choices: CadreChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "to").choices = [("", _("Choose a cadre…")), *cadre_choices]
        bootstrap(self)


class ZoneLeaderForm(forms.Form):
    bound_field_class = BootstrapBoundField
    cadre = forms.TypedChoiceField(label=_("Leader"), coerce=int, choices=())
    start_date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())

    def __init__(self, *args: Any, cadre_choices: CadreChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "cadre").choices = [("", _("Choose a cadre…")), *cadre_choices]
        bootstrap(self)
