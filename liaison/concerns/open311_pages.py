"""The administrators' page of Open311 keys (/open311/keys/): issue (the key is shown
once) and revoke; its menu entry."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from districts import selectors as district_selectors
from districts.access import require
from districts.models import AreaLevel
from liaison.common.forms import add_service_errors, bootstrap, choice_field
from liaison.common.ids import register_id_converter

from . import open311
from .models import Channel

register_id_converter()


class KeyForm(forms.Form):
    name = forms.CharField(label=_("Client"), max_length=100)
    area = forms.ChoiceField(label=_("Jurisdiction"), choices=())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial="hotline")
    default_area = forms.CharField(
        label=_("Default place (code of a village or group)"),
        max_length=20,
        required=False,
        help_text=_("Used for requests that give an address_string instead of an address_id."),
    )

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "area").choices = areas
        bootstrap(self)


@login_required
def keys(request: HttpRequest) -> HttpResponse:
    """The keys of the jurisdiction; a new one is issued here and shown once."""
    require(request.user, "manage_open311_keys")
    jurisdictions = district_selectors.area_list(user=request.user).filter(
        level__in=(AreaLevel.COUNTY, AreaLevel.TOWNSHIP)
    )
    form = KeyForm(
        request.POST or None, areas=[(a.pk, f"{a.name} ({a.code})") for a in jurisdictions]
    )
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = district_selectors.area_get(user=request.user, pk=data["area"])
        default_area = None
        if data["default_area"]:
            default_area = (
                district_selectors.area_list(user=request.user)
                .filter(code=data["default_area"])
                .first()
            )
            if default_area is None:
                form.add_error("default_area", _("No such place."))
        if not form.errors:
            try:
                key, raw = open311.key_issue(
                    by=request.user,
                    name=data["name"],
                    area=area,
                    channel=data["channel"],
                    default_area=default_area,
                )
                issued = {"key": key, "raw": raw}
                form = KeyForm(areas=[(a.pk, f"{a.name} ({a.code})") for a in jurisdictions])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
    response = render(
        request,
        "concerns/open311_keys.html",
        {"keys": open311.key_list(user=request.user), "form": form, "issued": issued},
    )
    if issued is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "manage_open311_keys")
    key = get_object_or_404(open311.key_list(user=request.user), pk=pk)
    open311.key_revoke(key=key, by=request.user)
    messages.success(request, _("Key revoked: %(name)s.") % {"name": key.name})
    return redirect("open311-keys")


urlpatterns = [
    path("keys/", keys, name="open311-keys"),
    path("keys/<id:pk>/revoke/", key_revoke, name="open311-key-revoke"),
]
