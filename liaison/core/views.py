"""Pages of the liaison core: coverage, assignment, cadres, gaps, zone leaders, contact cards."""

import datetime
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from districts import selectors as district_selectors
from districts.access import allowed, area_chain, can, require, scope_for
from districts.exports import HOUSEHOLD_GAP_COLUMNS, household_sheet
from districts.models import Area, AreaLevel, Household, HouseholdCategory, ImportJob, Zone
from districts.selectors import area_ancestors
from liaison.common.charts import Series, chart_spec
from liaison.common.exports import Sheet, export_response, table
from liaison.common.forms import add_service_errors
from liaison.common.ids import is_id
from liaison.common.pagination import SeekPaginator, query_without_page
from liaison.common.registry import Column, panels_for

from . import exports, jobs, selectors, services
from .filters import CadreFilter
from .forms import AssignForm, TransferForm, ZoneLeaderForm
from .models import Cadre, ContactInfo, CoverageSnapshot, Pairing, ZoneLeadership
from .suggestions import suggest_assignments, suggest_departments, village_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from django.db.models import QuerySet
    from django.http import HttpRequest

    from .models import CadreQuerySet
    from .selectors import AreaCoverage, LoadedCadre


def _require(request: "HttpRequest", action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied


# Coverage ------------------------------------------------------------------------------

# Chart colours, each at least 3:1 against white (WCAG 1.4.11 for graphics).
HOUSEHOLDS_COLOR = "#198754"
CADRES_COLOR = "#0a58ca"
ZONES_COLOR = "#087990"


def _coverage_charts(
    children: list[CoverageSnapshot], trend: list[CoverageSnapshot]
) -> dict[str, dict[str, Any]]:
    """Return the specs of the by-area bars and the trend lines (rates, axes zoomed)."""
    pct = CoverageSnapshot.percent_value
    return {
        "children": chart_spec(
            kind="bar",
            horizontal=True,
            value_labels=True,
            zoom=True,
            unit="%",
            ceiling=100,
            labels=[c.area.name for c in children],
            series=[
                Series(
                    _("Households with a cadre"),
                    [pct(c.covered_households, c.households) for c in children],
                    HOUSEHOLDS_COLOR,
                ),
                Series(
                    _("Cadres with households"),
                    [pct(c.cadres_with_households, c.cadres) for c in children],
                    CADRES_COLOR,
                ),
            ],
        ),
        "trend": chart_spec(
            kind="line",
            zoom=True,
            unit="%",
            ceiling=100,
            labels=[s.as_of.isoformat() for s in trend],
            series=[
                Series(
                    _("Households with a cadre"),
                    [pct(s.covered_households, s.households) for s in trend],
                    HOUSEHOLDS_COLOR,
                ),
                Series(
                    _("Cadres with households"),
                    [pct(s.cadres_with_households, s.cadres) for s in trend],
                    CADRES_COLOR,
                ),
                Series(
                    _("Zones with a leader"),
                    [pct(s.zones_with_leader, s.zones) for s in trend],
                    ZONES_COLOR,
                ),
            ],
        ),
    }


def _coverage_of(request: "HttpRequest") -> tuple[Area | None, "AreaCoverage | None"]:
    """The area (?area=, else the user's top area) and its coverage with its children's (as
    of ?as_of=): what the coverage page shows and downloads."""
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
    return area, selectors.coverage_of(area, as_of) if area else None


@login_required
def coverage_dashboard(request):
    """Coverage of an area and its children, with the trend over time: today's counted
    live for a small area, else the latest snapshot, saying which and as of when."""
    area, coverage = _coverage_of(request)
    snapshot = coverage.figures if coverage else None
    children = coverage.children if coverage else []
    trend = selectors.coverage_trend(area) if area else []
    dates = list(
        CoverageSnapshot.objects.filter(area=area).order_by("-as_of").values_list(
            "as_of", flat=True
        )[:60]
    ) if area else []  # fmt: skip
    if coverage and coverage.live and snapshot and snapshot.as_of not in dates:
        dates.insert(0, snapshot.as_of)
    within = f"?within={area.pk}" if area else ""
    return render(
        request,
        "liaison/coverage.html",
        {
            "area": area,
            "coverage": coverage,
            "snapshot": snapshot,
            "children": children,
            "dates": dates,
            "charts": _coverage_charts(children, trend),
            "trend": trend[::-1],
            "breadcrumbs": district_selectors.area_breadcrumbs(user=request.user, area=area)
            if area
            else [],
            "can_recompute": can(request.user, "recompute_statistics"),
            "panels": panels_for("coverage", request, area) if area else [],
            "export_query": _export_query(area, snapshot),
            # Each gap figure opens the list of the same area.
            "gap_urls": {kind: reverse("gaps", args=[kind]) + within for kind in GAP_KINDS},
        },
    )


def _export_query(area: Area | None, snapshot: CoverageSnapshot | None) -> str:
    if area is None or snapshot is None:
        return ""
    return urlencode({"area": str(area.pk), "as_of": snapshot.as_of.isoformat()})


@login_required
def coverage_export(request, fmt):
    """Download the coverage the page shows, with headers and values people read."""
    area, coverage = _coverage_of(request)
    if area is None or coverage is None:
        raise Http404(
            _("No coverage has been computed for this area and date yet; ask for a recompute.")
        )
    payload = exports.coverage_payload(coverage)
    sheet = exports.coverage_sheet(payload, labels=True)
    return export_response(
        fmt, exports.coverage_filename(payload, labels=True), [sheet], request=request
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


def _candidate_base(request: "HttpRequest", area: Area) -> "CadreQuerySet":
    """Cadres who may take households of `area`: active, of its county, township or the
    village itself, as far as the user may see them."""
    ancestors = [a.pk for a in area_ancestors(area)]
    village = village_of(area)
    return (
        selectors.cadre_list(user=request.user)
        .active()
        .filter(Q(area_id__in=ancestors) | Q(area__path__startswith=village.path))
    )


def _transfer_base(request: "HttpRequest", cadre: Cadre) -> "CadreQuerySet":
    """Cadres who may take over `cadre`'s households: active, serving in the same area."""
    return (
        selectors.cadre_list(user=request.user)
        .active()
        .exclude(pk=cadre.pk)
        .filter(area=cadre.area)
    )


def _load_label(cadre: "LoadedCadre") -> str:
    """A cadre's household count for a choice label, marked when it is only the part inside
    the user's jurisdiction (see selectors.cadres_with_load)."""
    if cadre.households_partial:
        return _("%(n)d households in your jurisdiction") % {"n": cadre.households}
    return _("%(n)d households") % {"n": cadre.households}


# Cadre picker --------------------------------------------------------------------------

PICKER_LIMIT = 20
PICKER_FIELDS = ("cadre", "to")


def phone_tail(phone: str) -> str:
    """The last four digits of a phone number, masked: ****1234 (empty without a phone)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"****{digits[-4:]}" if digits else ""


def cadre_option_parts(cadre: "LoadedCadre") -> list[str]:
    """What tells two cadres of the same name apart: name, rank, department, area, current
    households (as far as the user sees them) and the phone's last four digits."""
    parts = [
        cadre.name,
        cadre.get_rank_display(),
        cadre.department.name,
        cadre.area.name,
        _load_label(cadre),
    ]
    tail = phone_tail(cadre.phone)
    return [*parts, tail] if tail else parts


def _search_cadres(
    request: "HttpRequest", base: "CadreQuerySet", q: str, selected: int | None
) -> tuple[list[tuple[int, list[str]]], bool]:
    """Up to PICKER_LIMIT cadres of `base` matching `q` (a name or department in part, or
    the last digits of a phone), the selected cadre first; and whether more matched."""
    q = " ".join(q.split())[:50]
    found: list[LoadedCadre] = []
    more = False
    if selected is not None:
        found = list(
            selectors.cadres_with_load(base.filter(pk=selected), user=request.user).select_related(
                "department", "area"
            )
        )
    if q:
        match = Q(name__icontains=q) | Q(department__name__icontains=q)
        digits = q.replace(" ", "").replace("-", "")
        if digits.isdigit() and len(digits) >= 3:
            match |= Q(phone__endswith=digits)
        rows = list(
            selectors.cadres_with_load(
                base.filter(match).exclude(pk=selected or 0), user=request.user
            )
            .select_related("department", "area")
            .annotate(
                exact=Case(
                    When(name=q, then=Value(0)),
                    When(name__startswith=q, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("exact", "name", "department__name", "pk")[: PICKER_LIMIT + 1]
        )
        more = len(rows) > PICKER_LIMIT
        found += rows[:PICKER_LIMIT]
    return [(c.pk, cadre_option_parts(c)) for c in found], more


def _selected(value: str | None) -> int | None:
    try:
        pk = int(value or "")
    except ValueError:
        return None
    return pk if is_id(pk) else None


def _picker(
    request: "HttpRequest",
    field: str,
    label: str,
    base: "CadreQuerySet",
    context: dict[str, str | int],
    errors: "Iterable[str]" = (),
) -> dict[str, Any]:
    """The context of the cadre picker (liaison/_cadre_picker.html) for a page.

    Without JavaScript the picker's search button sends the form with GET to the page
    itself, which shows the results of `<field>_q`; with it, htmx asks `cadre-search`.
    """
    data = request.POST if request.method == "POST" else request.GET
    q = data.get(f"{field}_q", "")
    selected = _selected(data.get(field))
    options, more = _search_cadres(request, base, q, selected)
    query = {"field": field, **{key: str(value) for key, value in context.items()}}
    return {
        "field": field,
        "label": label,
        "q": q,
        "options": options,
        "more": more,
        "selected": selected,
        "limit": PICKER_LIMIT,
        "url": f"{reverse('cadre-search')}?{urlencode(query)}",
        "errors": list(errors),
    }


@login_required
def cadre_search(request):
    """The options of the cadre picker (an htmx fragment): `?field=cadre&area=<village or
    group>` for the assign page, `?field=to&from=<cadre>` for a transfer; the query in
    `<field>_q`, the chosen cadre (kept first) in `<field>`."""
    _require(request, "manage_pairings")
    field = request.GET.get("field", "")
    if field not in PICKER_FIELDS:
        raise Http404(_("No such cadre picker."))
    if "area" in request.GET:
        area = district_selectors.area_get(user=request.user, pk=request.GET["area"])
        if area.level not in (AreaLevel.VILLAGE, AreaLevel.GROUP):
            raise Http404(_("Households are assigned by village or group."))
        base = _candidate_base(request, area)
    elif "from" in request.GET:
        base = _transfer_base(
            request, selectors.cadre_get(user=request.user, pk=request.GET["from"])
        )
    else:
        raise Http404(_("No such cadre picker."))
    q = request.GET.get(f"{field}_q", "")
    selected = _selected(request.GET.get(field))
    options, more = _search_cadres(request, base, q, selected)
    return render(
        request,
        "liaison/_cadre_options.html",
        {
            "field": field,
            "q": q,
            "options": options,
            "more": more,
            "selected": selected,
            "limit": PICKER_LIMIT,
        },
    )


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
    candidates = _candidate_base(request, area)
    form = AssignForm(
        request.POST if request.POST.get("action") == "assign" else None,
        household_ids=[h.pk for h in page.object_list],
    )
    chosen_ok = form.is_bound and form.is_valid()
    if chosen_ok and not candidates.filter(pk=form.cleaned_data["cadre"]).exists():
        form.add_error("cadre", _("Choose one of the cadres the search offers."))
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
    cadre_cells = household_cadres(request, page.object_list)
    village = village_of(area)
    return render(
        request,
        "liaison/assign.html",
        {
            "area": area,
            "breadcrumbs": district_selectors.area_breadcrumbs(user=request.user, area=area),
            "page": page,
            "rows": [(h, cadre_cells.get(h.pk)) for h in page.object_list],
            "form": form,
            "picker": _picker(
                request,
                "cadre",
                _("Cadre"),
                candidates,
                {"area": area.pk},
                [str(e) for e in form["cadre"].errors],
            ),
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
    cadre_filter = CadreFilter(
        request.GET or None, queryset=selectors.cadre_list(user=request.user), request=request
    )
    cadres = cadre_filter.qs.order_by("name", "pk")
    page = SeekPaginator(
        selectors.cadres_with_load(cadres, user=request.user).select_related(
            "department", "area", "user"
        ),
        50,
        # The load of each cadre only decorates the rows: counting them needs no GROUP BY.
        count_queryset=cadres,
    ).page(request.GET.get("page"))
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
    active = [p for p in pairings if p.end_date is None]
    form = None
    picker = None
    confirm = None
    action = request.POST.get("action", "review")
    if request.method == "POST" and action == "undo":
        try:
            restored = services.cadre_transfer_undo(cadre=cadre, by=request.user)
            messages.success(
                request,
                _("The transfer is undone: %(n)d households are back with %(cadre)s.")
                % {"n": len(restored), "cadre": cadre.name},
            )
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        return redirect("cadre-detail", pk=cadre.pk)
    if can_manage and cadre.is_active:
        base = _transfer_base(request, cadre)
        form = TransferForm(request.POST or None)
        if form.is_bound and form.is_valid():
            to = (
                selectors.cadres_with_load(
                    base.filter(pk=form.cleaned_data["to"]), user=request.user
                )
                .select_related("department", "area")
                .first()
            )
            if to is None:
                form.add_error("to", _("Choose one of the cadres the search offers."))
            elif action == "confirm":
                try:
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
            else:
                from_load = (
                    selectors.cadres_with_load(Cadre.objects.filter(pk=cadre.pk), user=request.user)
                    .select_related("department", "area")
                    .get()
                )
                confirm = {
                    "from": cadre_option_parts(from_load),
                    "to": cadre_option_parts(to),
                    "to_cadre": to,
                    "households": len(active),
                    "date": form.cleaned_data["date"],
                    "leave": form.cleaned_data["leave"],
                }
        picker = _picker(
            request, "to", str(TransferForm.base_fields["to"].label), base,
            {"from": cadre.pk}, [str(e) for e in form["to"].errors],
        )  # fmt: skip
    transfer = selectors.transfer_of_today(cadre) if can_manage else []
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
            "picker": picker,
            "confirm": confirm,
            "transfer": {
                "day": transfer[0][0].end_date,
                "households": len(transfer),
                "to": sorted({new.cadre.name for _old, new in transfer if new is not None}),
                "undoable": all(new is not None for _old, new in transfer),
            }
            if transfer
            else None,
        },
    )


# Gaps ----------------------------------------------------------------------------------


GAP_KINDS = ("households", "cadres", "zones")


def _gap_area(request: "HttpRequest") -> Area | None:
    """The area (?within=, as in the API) the gap list is narrowed to; 404 outside the
    user's jurisdiction."""
    area_id = request.GET.get("within")
    if not area_id:
        return None
    return district_selectors.area_get(user=request.user, pk=area_id)


def _gap_rows(request: "HttpRequest", kind: str, area: Area | None) -> "QuerySet[Any]":
    """The rows of a gap list, as the page lists them and downloads them."""
    if kind not in GAP_KINDS:
        raise Http404
    if kind == "households":
        households = selectors.uncovered_households(user=request.user)
        if area is not None:
            households = households.in_area(area)
        return households.select_related("group", "village", "township")
    if kind == "cadres":
        return selectors.idle_cadres(user=request.user, area=area).select_related(
            "department", "area"
        )
    return selectors.leaderless_zones(user=request.user, area=area).prefetch_related("areas")


@login_required
def gaps(request, kind="households"):
    """Households without a cadre, cadres without households, zones without a leader (in
    one area with ?within=). The tabs give each list's size by the coverage figures of the
    same area (the coverage and home pages' figures), saying as of when."""
    if kind not in GAP_KINDS:
        raise Http404
    area = _gap_area(request)
    rows = _gap_rows(request, kind, area)
    page = SeekPaginator(rows, 50).page(request.GET.get("page"))
    # Households without a cadre: who had them last, for whoever assigns the next one.
    previous = (
        {
            pk: _cadre_cell(request, p.cadre, since=p.start_date, until=p.end_date)
            for pk, p in selectors.last_pairings(cast("list[Household]", page.object_list)).items()
        }
        if kind == "households"
        else {}
    )
    coverage = selectors.coverage_summary(user=request.user, area=area)
    counts = coverage.gaps if coverage else selectors.gap_counts(user=request.user, area=area)
    within = f"?within={area.pk}" if area else ""
    return render(
        request,
        "liaison/gaps.html",
        {
            "kind": kind,
            "page": page,
            "rows": [(row, previous.get(row.pk)) for row in page.object_list],
            "counts": counts,
            "coverage": coverage,
            "tabs": [(k, reverse("gaps", args=[k]) + within, counts[k]) for k in GAP_KINDS],
            "area": area,
            "can_fix": can(request.user, "manage_pairings"),
            "query_without_page": query_without_page(request),
        },
    )


GAP_TITLES = {
    "households": gettext_lazy("Households without a cadre"),
    "cadres": gettext_lazy("Cadres without households"),
    "zones": gettext_lazy("Zones without a leader"),
}


@login_required
def gaps_export(request, kind, fmt):
    """Download a gap list as the page lists it (the same rows, in the same order)."""
    area = _gap_area(request)
    rows = _gap_rows(request, kind, area)
    title = GAP_TITLES[kind]
    sheet: Sheet
    if kind == "households":
        sheet = household_sheet(
            request, rows, title=title, columns=HOUSEHOLD_GAP_COLUMNS, extra=False
        )
    elif kind == "cadres":
        sheet = table(title, exports.IDLE_CADRE_COLUMNS, rows.iterator(2000), labels=True)
    else:
        sheet = table(title, exports.LEADERLESS_ZONE_COLUMNS, rows.iterator(2000), labels=True)
    where = f"-{area.name}" if area else ""
    return export_response(
        fmt, f"{title}{where}-{timezone.localdate():%Y-%m-%d}", [sheet], request=request
    )


# Zone leaders --------------------------------------------------------------------------


@login_required
def zone_leader(request, pk):
    zone = district_selectors.zone_get(user=request.user, pk=pk)
    _require(request, "manage_pairings")
    # The page offers no form the service would refuse: a zone reaching beyond the
    # jurisdiction, or one whose current leader serves above it, is managed from above.
    require(request.user, "manage_pairings", zone)
    current = zone.leaderships.filter(end_date__isnull=True).select_related("cadre").first()
    if current is not None:
        require(request.user, "manage_pairings", current.cadre)
    from .models import ZONE_LEADER_RANKS

    areas = list(zone.areas.all())
    # Leaders serve at or above the zone's areas: their county, township or village.
    ancestor_ids = {a.pk for area in areas for a in area_chain(area)}
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


# Panels and columns on the districts pages ---------------------------------------------


def _cadre_cell(
    request: "HttpRequest",
    cadre: Cadre,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> dict[str, Any]:
    """What a table shows of a cadre: name, department, dates, and a link to the cadre's
    page when the user may open it (a cadre serving in or above the jurisdiction)."""
    return {
        "cadre": cadre,
        "link": scope_for(request.user).reaches(cadre.area),
        "since": since,
        "until": until,
    }


def household_cadres(
    request: "HttpRequest", households: "Sequence[Household]"
) -> dict[int, dict[str, Any]]:
    """Return {household id: cadre cell} for the households that have a cadre (one query)."""
    return {
        pk: _cadre_cell(request, cadre)
        for pk, cadre in selectors.current_cadres(households).items()
    }


def household_cadre_column(
    request: "HttpRequest", households: "Sequence[Household]"
) -> Column | None:
    """The responsible cadre of each household, on the districts' household tables."""
    if not can(request.user, "view_pairings"):
        return None
    return Column(
        _("Responsible cadre"), "liaison/_cadre_cell.html", household_cadres(request, households)
    )


def zone_leader_column(request: "HttpRequest", zones: "Sequence[Zone]") -> Column:
    """The current leader of each zone, on the zone list (one query); zones without one
    offer setting one to those who may."""
    leaderships: dict[int, ZoneLeadership] = selectors.zone_leaders(zones)
    can_set = can(request.user, "manage_pairings")
    return Column(
        _("Leader"),
        "liaison/_leader_cell.html",
        {
            zone.pk: {
                "leader": _cadre_cell(request, leadership.cadre, since=leadership.start_date)
                if (leadership := leaderships.get(zone.pk))
                else None,
                "can_set": can_set,
            }
            for zone in zones
        },
    )


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


IMPORT_PANEL_VILLAGES = 50


def import_panel(request: "HttpRequest", job: ImportJob) -> tuple[str, dict[str, Any]] | None:
    """On an import's result page: the villages that received new households, with how
    many households there still have no cadre, and links to assign them."""
    if job.status != ImportJob.Status.SUCCEEDED or not job.new_households:
        return None
    new = {int(k): v for k, v in job.new_households.items()}
    villages = list(
        district_selectors.area_list(user=request.user)
        .filter(pk__in=list(new))
        .select_related("parent")
    )
    if not villages:
        return None
    uncovered = dict(
        selectors.uncovered_households(user=request.user)
        .filter(village_id__in=[v.pk for v in villages])
        .order_by()
        .values_list("village_id")
        .annotate(n=Count("pk"))
        .values_list("village_id", "n")
    )
    rows = sorted(
        ({"village": v, "new": new[v.pk], "uncovered": uncovered.get(v.pk, 0)} for v in villages),
        key=lambda r: (-r["uncovered"], r["village"].path),
    )
    return "liaison/_import_panel.html", {
        "rows": rows[:IMPORT_PANEL_VILLAGES],
        "more": max(len(rows) - IMPORT_PANEL_VILLAGES, 0),
        "new": sum(r["new"] for r in rows),
        "uncovered": sum(r["uncovered"] for r in rows),
        "area": _common_area(request, villages),
        "can_assign": can(request.user, "manage_pairings"),
    }


def _common_area(request: "HttpRequest", areas: list[Area]) -> Area | None:
    """Return the lowest area above all of `areas` that the user may see, if any."""
    paths = [a.path.strip("/").split("/") for a in areas]
    common: list[str] = []
    for codes in zip(*paths, strict=False):
        if len(set(codes)) > 1:
            break
        common.append(codes[0])
    if not common:
        return None
    return district_selectors.area_list(user=request.user).filter(code=common[-1]).first()


def area_panel(request: "HttpRequest", area: Area) -> tuple[str, dict[str, Any]]:
    return "liaison/_area_panel.html", {
        "area": area,
        "coverage": selectors.coverage_summary(user=request.user, area=area),
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
