"""Forms of the liaison pages."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.common.forms import BootstrapBoundField, bootstrap, choice_field, date_input

# (cadre id, label) pairs for a cadre drop-down.
CadreChoices = Iterable[tuple[int, str]]


class AssignForm(forms.Form):
    """Assign the ticked households to one cadre (picked with the cadre picker)."""

    bound_field_class = BootstrapBoundField
    cadre = forms.IntegerField(
        label=_("Cadre"), min_value=1, error_messages={"required": _("Choose a cadre.")}
    )
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

    def __init__(self, *args: Any, household_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "households").choices = [(pk, pk) for pk in household_ids]
        bootstrap(self)


class TransferForm(forms.Form):
    """Hand all of a cadre's households to another (picked with the cadre picker)."""

    bound_field_class = BootstrapBoundField
    to = forms.IntegerField(
        label=_("Hand all households to"),
        min_value=1,
        error_messages={"required": _("Choose a cadre.")},
    )
    date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())
    leave = forms.BooleanField(label=_("The cadre has left"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


class ZoneLeaderForm(forms.Form):
    bound_field_class = BootstrapBoundField
    cadre = forms.TypedChoiceField(label=_("Leader"), coerce=int, choices=())
    start_date = forms.DateField(label=_("From"), initial=timezone.localdate, widget=date_input())

    def __init__(self, *args: Any, cadre_choices: CadreChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "cadre").choices = [("", _("Choose a cadre…")), *cadre_choices]
        bootstrap(self)


class UserForm(forms.Form):
    """An account: username and password when created; role, areas, cadre, active.

    The choices are what the signed-in user may give (liaison.core.accounts); the service
    checks again, so a forged choice fails there.
    """

    bound_field_class = BootstrapBoundField
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    areas = forms.TypedMultipleChoiceField(
        label=_("Jurisdiction"),
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The account sees these areas and everything below them."),
        error_messages={"required": _("Choose at least one area.")},
    )
    cadre = forms.TypedChoiceField(
        label=_("Cadre"),
        coerce=int,
        empty_value=None,
        choices=(),
        required=False,
        help_text=_("For a cadre's own account: the cadre it belongs to."),
    )
    is_active = forms.BooleanField(label=_("Active (may log in)"), required=False, initial=True)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to print a one-time password, to be changed at first login."),
    )

    def __init__(
        self,
        *args,
        roles: list[tuple[str, str]],
        areas: list[tuple[int, str]],
        cadres: list[tuple[str, list[tuple[int, str]]]] | None,
        creating: bool,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", _("Choose a role…")), *roles]
        cast(forms.ChoiceField, self.fields["areas"]).choices = areas
        if cadres is None:
            # Too many cadres for a list: the cadre's number (on the cadre list).
            self.fields["cadre"] = forms.IntegerField(
                label=_("Cadre number"),
                required=False,
                min_value=1,
                help_text=_("For a cadre's own account: the number on the cadre's page."),
            )
        else:
            cast(forms.ChoiceField, self.fields["cadre"]).choices = [("", _("No cadre")), *cadres]
        if creating:
            del self.fields["is_active"]
        else:
            del self.fields["username"]
            del self.fields["password"]
        bootstrap(self)

    def clean_password(self) -> str:
        # The service checks again; here so that every problem shows on the first submit.
        password = self.cleaned_data.get("password") or ""
        if password:
            user = get_user_model()(username=self.data.get("username", ""))
            password_validation.validate_password(password, user)
        return password
