"""Pages for login accounts: the list, create and edit, deactivate, one-time passwords,
cadre accounts in bulk, and the password change that a one-time password leads to.

One-time passwords are shown once, in the response to the POST that made them (a
printable sheet, not cached); they are never stored in clear, not even in the session.
"""

from collections import defaultdict
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districts.access import can, role_label
from districts.models import Area, role_choices
from districts.selectors import area_list
from liaison.common.forms import add_service_errors
from liaison.common.ids import parse_id
from liaison.common.pagination import SeekPaginator, query_without_page

from . import accounts, selectors, tokens
from .filters import UserFilter
from .forms import UserForm
from .models import AccountEvent, Cadre

# Above this many cadres without an account, the form asks for a cadre's number instead.
CADRE_CHOICES_MAX = 1000


def _require_manager(request: HttpRequest) -> None:
    if not can(request.user, "manage_users"):
        raise PermissionDenied


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def linked_cadre(user: Any) -> Cadre | None:
    """Return the cadre linked to `user`, or None."""
    try:
        return user.cadre
    except Cadre.DoesNotExist:
        return None


# Choices -------------------------------------------------------------------------------


def _role_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return [(r, str(role_label(r))) for r in accounts.grantable_roles(user=request.user)]


def _area_choices(request: HttpRequest, current: list[Area]) -> list[tuple[int, str]]:
    areas = {a.pk: a for a in accounts.grantable_areas(user=request.user)}
    areas.update({a.pk: a for a in current})
    ordered = sorted(areas.values(), key=lambda a: a.path)
    top = min((a.depth for a in ordered), default=0)
    # Indented by level with ideographic spaces, which a <label> keeps.
    return [(a.pk, f"{'　' * (a.depth - top)}{a.name}　{a.code}") for a in ordered]


def _cadre_choices(
    request: HttpRequest, current: Cadre | None
) -> list[tuple[str, list[tuple[int, str]]]] | None:
    """Return cadres without an account (and the current one) by department, or None if
    there are too many for a list."""
    cadres = list(
        accounts.linkable_cadres(user=request.user)
        .select_related("department")
        .order_by("department__name", "name", "pk")[: CADRE_CHOICES_MAX + 1]
    )
    if len(cadres) > CADRE_CHOICES_MAX:
        return None
    if current is not None and current.pk not in {c.pk for c in cadres}:
        cadres.insert(0, current)
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for c in cadres:
        groups[c.department.name].append((c.pk, f"{c.name} · {c.get_rank_display()}"))
    return list(groups.items())


def _form(request: HttpRequest, *, user: Any = None, data: Any = None) -> UserForm:
    jurisdiction = getattr(user, "jurisdiction", None) if user is not None else None
    current_areas = list(jurisdiction.areas.all()) if jurisdiction is not None else []
    cadre = linked_cadre(user) if user is not None else None
    initial: dict[str, Any] = {}
    if user is not None:
        initial = {
            "role": jurisdiction.role if jurisdiction is not None else "",
            "areas": [a.pk for a in current_areas],
            "cadre": cadre.pk if cadre else None,
            "is_active": user.is_active,
        }
    return UserForm(
        data,
        initial=initial,
        roles=_role_choices(request),
        areas=_area_choices(request, current_areas),
        cadres=_cadre_choices(request, cadre),
        creating=user is None,
    )


def _resolve(request: HttpRequest, form: UserForm) -> tuple[list[Area], Cadre | None]:
    """Return the form's areas and cadre, through the signed-in user's selectors."""
    areas = list(area_list(user=request.user).filter(pk__in=form.cleaned_data["areas"]))
    if len(areas) < len(set(form.cleaned_data["areas"])):
        raise ValidationError({"areas": _("No such area.")})
    cadre = None
    if form.cleaned_data.get("cadre"):
        cadre = (
            selectors.cadre_list(user=request.user).filter(pk=form.cleaned_data["cadre"]).first()
        )
        if cadre is None:
            raise ValidationError({"cadre": _("No such cadre.")})
    return areas, cadre


def _sheet(request: HttpRequest, rows: list[dict[str, Any]], back: str) -> HttpResponse:
    """The printable one-time passwords: shown in this response only, never cached."""
    response = render(
        request,
        "liaison/account_sheet.html",
        {"rows": rows, "back": back, "login_url": request.build_absolute_uri(reverse("login"))},
    )
    add_never_cache_headers(response)
    return response


def _sheet_row(user: Any, password: str, cadre: Cadre | None = None) -> dict[str, Any]:
    jurisdiction = user.jurisdiction
    return {
        "username": user.username,
        "cadre": cadre,
        "department": cadre.department.name if cadre else "",
        "role": role_label(jurisdiction.role),
        "areas": [a.name for a in jurisdiction.areas.all()],
        "password": password,
        "password_groups": [password[i : i + 4] for i in range(0, len(password), 4)],
    }


# Pages ---------------------------------------------------------------------------------


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    """The accounts inside the signed-in user's jurisdiction, with filters."""
    _require_manager(request)
    users = (
        accounts.user_list(user=request.user)
        .select_related("jurisdiction", "cadre", "cadre__department")
        .prefetch_related("jurisdiction__areas")
    )
    user_filter = UserFilter(request.GET or None, queryset=users)
    page = SeekPaginator(user_filter.qs.order_by("username", "pk"), 50).page(
        request.GET.get("page")
    )
    rows = [(u, linked_cadre(u)) for u in page.object_list]
    return render(
        request,
        "liaison/user_list.html",
        {
            "filter": user_filter,
            "page": page,
            "rows": rows,
            "roles": role_choices(),
            "query_without_page": query_without_page(request),
        },
    )


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = _form(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            areas, cadre = _resolve(request, form)
            user, issued = accounts.user_create(
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                areas=areas,
                cadre=cadre,
                password=form.cleaned_data["password"] or None,
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if issued is None:
                messages.success(
                    request, _("Account %(username)s created.") % {"username": user.username}
                )
                return redirect("user-list")
            return _sheet(request, [_sheet_row(user, issued, cadre)], reverse("user-list"))
    return render(request, "liaison/user_form.html", {"form": form, "account": None})


@login_required
def user_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an account's role, areas, cadre and active flag; deactivate; new password."""
    user = accounts.user_get(user=request.user, pk=pk)
    accounts.user_require_manageable(user=user, by=request.user)
    form = _form(request, user=user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            areas, cadre = _resolve(request, form)
            accounts.user_update(
                user=user,
                role=form.cleaned_data["role"],
                areas=areas,
                is_active=form.cleaned_data["is_active"],
                cadre=cadre,
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Account %(username)s saved.") % {"username": user.username}
            )
            return redirect("user-list")
    events = AccountEvent.objects.filter(user=user).select_related("actor")[:20]
    return render(
        request,
        "liaison/user_form.html",
        {"form": form, "account": user, "events": events, "is_self": user.pk == request.user.pk},
    )


@login_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then deactivate an account (POST)."""
    user = accounts.user_get(user=request.user, pk=pk)
    accounts.user_require_manageable(user=user, by=request.user)
    if request.method == "POST":
        try:
            accounts.user_deactivate(user=user, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return redirect("user-update", pk=user.pk)
        messages.success(
            request, _("Account %(username)s deactivated.") % {"username": user.username}
        )
        return redirect("user-list")
    return render(request, "liaison/user_confirm.html", {"account": user, "action": "deactivate"})


@login_required
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then give an account a new one-time password and print it (POST)."""
    user = accounts.user_get(user=request.user, pk=pk)
    accounts.user_require_manageable(user=user, by=request.user)
    if request.method == "POST":
        try:
            issued = accounts.user_reset_password(user=user, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return redirect("user-update", pk=user.pk)
        return _sheet(
            request,
            [_sheet_row(user, issued, linked_cadre(user))],
            reverse("user-update", args=[user.pk]),
        )
    return render(request, "liaison/user_confirm.html", {"account": user, "action": "reset"})


@login_required
@require_POST
def cadre_accounts_create(request: HttpRequest) -> HttpResponse:
    """Create accounts for the cadres ticked on the cadre list; print their passwords."""
    _require_manager(request)
    back = _safe_next(request, reverse("cadre-list"))
    values = set(request.POST.getlist("cadres"))
    # Ids beyond 64 bits cannot exist; treat them (and junk) as missing cadres.
    ids = {i for i in map(parse_id, values) if i}
    cadres = list(selectors.cadre_list(user=request.user).filter(pk__in=ids))
    try:
        if len(cadres) < len(values):
            raise ValidationError(_("No such cadre."))
        created = accounts.cadre_accounts_create(cadres=cadres, by=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return HttpResponseRedirect(back)
    rows = [_sheet_row(user, issued, cadre) for cadre, user, issued in created]
    return _sheet(request, rows, back)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change your own password; required after a one-time password."""

    template_name = "registration/password_change_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        jurisdiction = getattr(self.request.user, "jurisdiction", None)
        context["must_change"] = bool(jurisdiction and jurisdiction.must_change_password)
        context["next"] = _safe_next(self.request, "")
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            accounts.user_password_change(
                user=self.request.user,
                password=form.cleaned_data["new_password1"],
                by=self.request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        # Keep this session signed in (the password hash is part of it). That gives the
        # session a new key: remember it, so that deactivation can still end it.
        update_session_auth_hash(self.request, cast(Any, self.request.user))
        tokens.session_remember(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(_safe_next(self.request, reverse("dashboard")))
