"""Forms of the concern pages: one small form per action of a concern's page."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.common.forms import BootstrapBoundField, bootstrap, choice_field

from .models import Feedback

# The fields each action's form asks for (and which are required), in order.
ACTION_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "assign": (("cadre", True), ("note", False)),
    "accept": (("note", False),),
    "request-info": (("note", False),),
    "resume": (("note", False),),
    "resolve": (("note", True),),
    "feedback": (("result", True), ("note", False)),
    "close": (("note", False),),
    "extend": (("reason", True),),
    "duplicate": (("of", True), ("reason", False)),
    "refer": (("to", True), ("reason", True)),
    "reject": (("reason", True),),
}

NOTE_LABELS = {
    "resolve": _("How it was resolved"),
    "request-info": _("What information is needed"),
}


class ConcernActionForm(forms.Form):
    """The form of one action (`action`): only the fields it needs."""

    bound_field_class = BootstrapBoundField

    cadre = forms.TypedChoiceField(label=_("Cadre to take it"), coerce=int, choices=())
    result = forms.ChoiceField(
        label=_("The household's answer"), choices=Feedback.choices, widget=forms.RadioSelect
    )
    to = forms.CharField(label=_("Referred to"), max_length=100)
    of = forms.CharField(
        label=_("Tracking number of the concern it repeats"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "530827-2026-000123"}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        action: str,
        *args: Any,
        cadre_choices: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        wanted = dict(ACTION_FIELDS[action])
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
            else:
                self.fields[name].required = wanted[name]
        if "cadre" in self.fields:
            field = choice_field(self, "cadre")
            field.choices = [("", _("Choose a cadre")), *(cadre_choices or [])]
        if "note" in self.fields and action in NOTE_LABELS:
            self.fields["note"].label = NOTE_LABELS[action]
        bootstrap(self)
        if "result" in self.fields:
            self.fields["result"].widget.attrs["class"] = "form-check-input"

    def params(self) -> dict[str, Any]:
        """The cleaned values as the service's parameters (cadre and `of` resolved by the
        view)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
