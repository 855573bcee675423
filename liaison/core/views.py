"""Pages of the liaison core: coverage, assignment, cadres, gaps, zone leaders, contact cards."""

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districts import selectors as district_selectors
from districts.access import allowed, can, scope_for
from districts.models import Area, AreaLevel, Household, HouseholdCategory
from districts.selectors import area_ancestors
from liaison.common.forms import add_service_errors
from liaison.common.ids import is_id
from liaison.common.pagination import SeekPaginator, query_without_page
from liaison.common.registry import panels_for

from . import jobs, selectors, services
from .filters import CadreFilter
from .forms import AssignForm, TransferForm, ZoneLeaderForm
from .models import Cadre, ContactInfo, CoverageSnapshot, Pairing
from .suggestions import suggest_assignments, suggest_departments, village_of

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from .selectors import LoadedCadre


def _require(request: "HttpRequest", action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied


# Coverage ------------------------------------------------------------------------------


@login_required
def coverage_dashboard(request):
    """Coverage of an area and its children, with the trend over time."""
    area_id = request.GET.get("area")
    area: Area | None
    if area_id:
        area = district_selectors.area_get(user=request.user, pk=area_id)
    else:
        roots = district_selectors.area_roots(user=request.user)
        area = roots[0] if roots else None
    as_of = None
    if request.GET.get("as_of"):
        try:
            as_of = datetime.date.fromisoformat(request.GET["as_of"])
        except ValueError:
            messages.error(request, _("Write dates as YYYY-MM-DD."))
    snapshot = selectors.coverage_snapshot(area, as_of) if area else None
    children = selectors.coverage_children(area, snapshot.as_of) if area and snapshot else []
    trend = selectors.coverage_trend(area) if area else []
    dates = list(
        CoverageSnapshot.objects.filter(area=area).order_by("-as_of").values_list(
            "as_of", flat=True
        )[:60]
    ) if area else []  # fmt: skip
    chart = {
        "children": {
            "labels": [c.area.name for c in children],
            "households": [round((c.household_coverage or 0) * 100, 1) for c in children],
            "cadres": [round((c.cadre_coverage or 0) * 100, 1) for c in children],
        },
        "trend": {
            "labels": [s.as_of.isoformat() for s in trend],
            "households": [round((s.household_coverage or 0) * 100, 2) for s in trend],
        },
    }
    return render(
        request,
        "liaison/coverage.html",
        {
            "area": area,
            "snapshot": snapshot,
            "children": children,
            "dates": dates,
            "chart": chart,
            "breadcrumbs": district_selectors.area_breadcrumbs(user=request.user, area=area)
            if area
            else [],
            "can_recompute": can(request.user, "recompute_statistics"),
        },
    )


@login_required
@require_POST
def coverage_recompute_view(request):
    _require(request, "recompute_statistics")
    jobs.coverage_job_create(as_of=timezone.localdate(), by=request.user)
    messages.success(
        request, _("Coverage is being recomputed; reload this page in a moment to see it.")
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "coverage"
    return redirect(target)


# Assignment ----------------------------------------------------------------------------


def _candidate_cadres(request: "HttpRequest", area: Area) -> "QuerySet[LoadedCadre]":
    """Cadres who may take households of `area`: of its county, township or the area itself.

    Each cadre carries `households`, their current number of households (see
    selectors.cadres_with_load).
    """
    ancestors = [a.pk for a in area_ancestors(area)]
    village = village_of(area)
    cadres = (
        selectors.cadre_list(user=request.user)
        .active()
        .filter(Q(area_id__in=ancestors) | Q(area__path__startswith=village.path))
        .select_related("department")
        .order_by("department__level", "department__name", "name", "pk")
    )
    return selectors.cadres_with_load(cadres, user=request.user)


def _load_label(cadre: "LoadedCadre") -> str:
    """A cadre's household count for a choice label, marked when it is only the part inside
    the user's jurisdiction (see selectors.cadres_with_load)."""
    if cadre.households_partial:
        return _("%(n)d households in your jurisdiction") % {"n": cadre.households}
    return _("%(n)d households") % {"n": cadre.households}


@login_required
def assign(request, pk):
    """Assign the households of a village or group to cadres, with five-links suggestions."""
    area = district_selectors.area_get(user=request.user, pk=pk)
    _require(request, "manage_pairings")
    if area.level not in (AreaLevel.VILLAGE, AreaLevel.GROUP):
        raise Http404(_("Households are assigned by village or group."))
    households = selectors.with_current_cadre(
        district_selectors.household_list(user=request.user).in_area(area).active()
    ).select_related("group")
    only_uncovered = request.GET.get("uncovered") == "1"
    if only_uncovered:
        households = households.filter(has_cadre=False)
    category = request.GET.get("category", "")
    if category in HouseholdCategory.values:
        households = households.filter(categories__has=category)
    page = SeekPaginator(households.order_by("code"), 100).page(request.GET.get("page"))
    cadres = list(_candidate_cadres(request, area))
    choices = [(c.pk, " · ".join([c.name, c.department.name, _load_label(c)])) for c in cadres]
    form = AssignForm(
        request.POST if request.POST.get("action") == "assign" else None,
        cadre_choices=choices,
        household_ids=[h.pk for h in page.object_list],
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign" and form.is_valid():
                cadre = selectors.cadre_get(user=request.user, pk=form.cleaned_data["cadre"])
                chosen = Household.objects.filter(pk__in=form.cleaned_data["households"])
                pairings = services.pairings_bulk_assign(
                    cadre=cadre,
                    households=chosen,
                    start_date=form.cleaned_data["start_date"],
                    replace=form.cleaned_data["replace"],
                    by=request.user,
                )
                messages.success(
                    request,
                    _("%(n)d households assigned to %(cadre)s.")
                    % {"n": len(pairings), "cadre": cadre.name},
                )
                return redirect(request.get_full_path())
            if action == "accept":
                accepted = services.suggestions_accept(
                    choices=_ticked_suggestions(request), by=request.user
                )
                messages.success(request, _("%(n)d suggestions accepted.") % {"n": accepted})
                return redirect(request.get_full_path())
            if action == "link":
                department = selectors.department_get(
                    user=request.user, pk=request.POST.get("department")
                )
                village = village_of(area)
                services.department_link_create(
                    department=department, village=village, by=request.user
                )
                messages.success(
                    request,
                    _("%(department)s is now linked to %(village)s.")
                    % {"department": department.name, "village": village.name},
                )
                return redirect(request.get_full_path())
        except ValidationError as exc:
            # ValidationError.messages flattens per-field errors too.
            for error in exc.messages:
                messages.error(request, error)
    current = selectors.current_cadres(page.object_list)
    village = village_of(area)
    return render(
        request,
        "liaison/assign.html",
        {
            "area": area,
            "breadcrumbs": district_selectors.area_breadcrumbs(user=request.user, area=area),
            "page": page,
            "rows": [(h, current.get(h.pk)) for h in page.object_list],
            "form": form,
            "only_uncovered": only_uncovered,
            "category": category,
            "categories": HouseholdCategory.choices,
            "suggestions": suggest_assignments(user=request.user, area=area, limit=200),
            "department_suggestions": suggest_departments(user=request.user, village=village),
            "query_without_page": query_without_page(request),
        },
    )


def _ticked_suggestions(request) -> list[tuple[int, int]]:
    """Return the ticked "household:cadre" pairs of the suggestions form."""
    pairs = []
    for value in request.POST.getlist("accept"):
        try:
            household_id, cadre_id = (int(x) for x in value.split(":"))
        except ValueError:
            continue
        if is_id(household_id) and is_id(cadre_id):  # a larger number names no row
            pairs.append((household_id, cadre_id))
    return pairs


# Cadres --------------------------------------------------------------------------------


@login_required
def cadre_list(request):
    cadres = selectors.cadres_with_load(
        selectors.cadre_list(user=request.user), user=request.user
    ).select_related("department", "area", "user")
    cadre_filter = CadreFilter(request.GET or None, queryset=cadres, request=request)
    page = SeekPaginator(cadre_filter.qs.order_by("name", "pk"), 50).page(request.GET.get("page"))
    # Account managers tick cadres without an account to create theirs (account_views).
    can_manage_users = can(request.user, "manage_users")
    scope = scope_for(request.user)
    return render(
        request,
        "liaison/cadre_list.html",
        {
            "filter": cadre_filter,
            "page": page,
            "any_partial": any(c.households_partial for c in page.object_list),
            "departments": selectors.department_list(user=request.user).order_by("level", "name"),
            "query_without_page": query_without_page(request),
            "can_manage_users": can_manage_users,
            "accountable": {
                c.pk
                for c in page.object_list
                if c.user_id is None and c.left_date is None and scope.contains(c.area)
            }
            if can_manage_users
            else set(),
        },
    )


@login_required
def cadre_detail(request, pk):
    cadre = selectors.cadre_get(user=request.user, pk=pk)
    pairings = (
        selectors.pairing_list(user=request.user)
        .filter(cadre=cadre)
        .select_related("household", "household__group", "household__village")
        .order_by("end_date", "household__code")
    )
    # A township sees the county's cadres but does not transfer them: no form to refuse.
    can_manage = allowed(request.user, "manage_pairings", cadre)
    form = None
    if can_manage and cadre.is_active:
        others = (
            selectors.cadres_with_load(
                selectors.cadre_list(user=request.user).active().exclude(pk=cadre.pk),
                user=request.user,
            )
            .filter(area=cadre.area)
            .select_related("department")
            .order_by("name")
        )
        choices = [(c.pk, f"{c.name} · {c.department.name} · {_load_label(c)}") for c in others]
        form = TransferForm(request.POST or None, cadre_choices=choices)
        if request.method == "POST" and form.is_valid():
            try:
                to = selectors.cadre_get(user=request.user, pk=form.cleaned_data["to"])
                moved = services.cadre_transfer(
                    cadre=cadre,
                    to=to,
                    date=form.cleaned_data["date"],
                    leave=form.cleaned_data["leave"],
                    by=request.user,
                )
                messages.success(
                    request,
                    _("%(n)d households handed to %(cadre)s.") % {"n": len(moved), "cadre": to},
                )
                return redirect("cadre-detail", pk=cadre.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
    active = [p for p in pairings if p.end_date is None]
    load = selectors.cadres_with_load(Cadre.objects.filter(pk=cadre.pk), user=request.user).get()
    return render(
        request,
        "liaison/cadre_detail.html",
        {
            "cadre": cadre,
            "active": active,
            # The same count as the cadre list and the API: active households only.
            "households": load.households,
            "households_partial": load.households_partial,
            "panels": panels_for("cadre", request, cadre),
            "ended": [p for p in pairings if p.end_date is not None][:100],
            # Only leaderships of zones the user may see: a county cadre's zones in other
            # townships are not a township user's to know.
            "leaderships": cadre.zone_leaderships.filter(
                zone__in=district_selectors.zone_list(user=request.user)
            )
            .select_related("zone")
            .order_by("-start_date"),
            "form": form,
        },
    )


# Gaps ----------------------------------------------------------------------------------


GAP_KINDS = ("households", "cadres", "zones")


@login_required
def gaps(request, kind="households"):
    """Households without a cadre, cadres without households, zones without a leader."""
    if kind not in GAP_KINDS:
        raise Http404
    rows: QuerySet[Any]
    if kind == "households":
        rows = selectors.uncovered_households(user=request.user).select_related(
            "group", "village", "township"
        )
    elif kind == "cadres":
        rows = selectors.idle_cadres(user=request.user).select_related("department", "area")
    else:
        rows = selectors.leaderless_zones(user=request.user).prefetch_related("areas")
    page = SeekPaginator(rows, 50).page(request.GET.get("page"))
    counts = selectors.gap_counts(user=request.user)
    return render(
        request,
        "liaison/gaps.html",
        {
            "kind": kind,
            "page": page,
            "counts": counts,
            "can_fix": can(request.user, "manage_pairings"),
            "query_without_page": query_without_page(request),
        },
    )


# Zone leaders --------------------------------------------------------------------------


@login_required
def zone_leader(request, pk):
    zone = district_selectors.zone_get(user=request.user, pk=pk)
    _require(request, "manage_pairings")
    from .models import ZONE_LEADER_RANKS

    areas = list(zone.areas.all())
    # Leaders serve at or above the zone's areas: their county, township or village.
    codes = {code for a in areas for code in a.path.strip("/").split("/")}
    ancestor_ids = set(Area.objects.filter(code__in=codes).values_list("pk", flat=True))
    cadres = (
        selectors.cadre_list(user=request.user)
        .active()
        .filter(rank__in=ZONE_LEADER_RANKS[zone.level], area_id__in=ancestor_ids)
        .select_related("department")
        .order_by("rank", "name")
    )
    choices = [(c.pk, f"{c.name} · {c.get_rank_display()} · {c.department.name}") for c in cadres]
    form = ZoneLeaderForm(request.POST or None, cadre_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            cadre = selectors.cadre_get(user=request.user, pk=form.cleaned_data["cadre"])
            services.zone_leader_set(
                zone=zone, cadre=cadre, start_date=form.cleaned_data["start_date"], by=request.user
            )
            messages.success(
                request, _("%(cadre)s now leads %(zone)s.") % {"cadre": cadre, "zone": zone}
            )
            return redirect("gaps", kind="zones")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "liaison/zone_leader.html",
        {
            "zone": zone,
            "areas": areas,
            "form": form,
            "leaderships": zone.leaderships.select_related("cadre").order_by("-start_date")[:20],
        },
    )


# Contact cards -------------------------------------------------------------------------


@login_required
def contact_cards(request, pk):
    """Printable contact cards (民情联系卡), one per household of a village or group."""
    area = district_selectors.area_get(user=request.user, pk=pk)
    if area.level not in (AreaLevel.VILLAGE, AreaLevel.GROUP):
        raise Http404(_("Contact cards are printed by village or group."))
    households = list(
        district_selectors.household_list(user=request.user)
        .in_area(area)
        .active()
        .select_related("group", "village")
        .order_by("code")[:2000]
    )
    cadres = selectors.current_cadres(households)
    chain = [*area_ancestors(area), area]
    infos = {c.area_id: c for c in ContactInfo.objects.filter(area__in=chain)}

    def nearest(field: str, start: list[Area]) -> str:
        for a in reversed(start):
            info = infos.get(a.pk)
            if info and getattr(info, field):
                return getattr(info, field)
        return ""

    group_infos = {
        c.area_id: c for c in ContactInfo.objects.filter(area__in={h.group_id for h in households})
    }
    cards = []
    for h in households:
        own = group_infos.get(h.group_id)
        cards.append(
            {
                "household": h,
                "cadre": cadres.get(h.pk),
                "officer": (own and own.liaison_officer) or nearest("liaison_officer", chain),
                "officer_phone": (own and own.liaison_officer_phone)
                or nearest("liaison_officer_phone", chain),
            }
        )
    return render(
        request,
        "liaison/contact_cards.html",
        {
            "area": area,
            "cards": cards,
            "hotline": nearest("hotline", chain),
            "mailbox": nearest("mailbox", chain),
            "opinion_box": nearest("opinion_box", chain),
            "truncated": len(households) == 2000,
        },
    )


# Panels on the districts pages ---------------------------------------------------------


def household_panel(request: "HttpRequest", household: Household) -> tuple[str, dict[str, Any]]:
    pairings = list(
        Pairing.objects.filter(household=household)
        .select_related("cadre", "cadre__department")
        .order_by("-start_date", "-pk")[:20]
    )
    return "liaison/_household_panel.html", {
        "pairings": pairings,
        "current": next((p for p in pairings if p.end_date is None), None),
        "can_assign": can(request.user, "manage_pairings"),
        "household": household,
    }


def area_panel(request: "HttpRequest", area: Area) -> tuple[str, dict[str, Any]]:
    return "liaison/_area_panel.html", {
        "area": area,
        "snapshot": selectors.coverage_snapshot(area),
        "can_assign": can(request.user, "manage_pairings")
        and area.level in (AreaLevel.VILLAGE, AreaLevel.GROUP),
        "can_print": area.level in (AreaLevel.VILLAGE, AreaLevel.GROUP),
    }


@login_required
def my_households(request):
    """A cadre's own households (the account must be linked to a cadre)."""
    cadre = selectors.own_cadre(user=request.user)
    pairings = selectors.own_pairings(cadre) if cadre else Pairing.objects.none()
    return render(
        request, "liaison/my_households.html", {"cadre": cadre, "pairings": list(pairings)}
    )
