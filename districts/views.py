"""Pages: home, areas, households, zones, imports."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.common.exports import export_response, table
from liaison.common.forms import add_service_errors
from liaison.common.limits import RateLimited
from liaison.common.pagination import SeekPaginator, query_without_page
from liaison.common.registry import (
    columns_for,
    home_for,
    home_scripts,
    importer_for,
    importers,
    panels_for,
    rows_with_cells,
)

from . import jobs, selectors, services
from .access import allowed, can
from .audit import client_ip
from .exports import (
    AUDIT_COLUMNS,
    REVEAL_COLUMNS,
    audit_details,
    household_sheet,
    import_errors_sheet,
    import_template,
)
from .filters import AuditFilter, HouseholdFilter, RevealFilter, ZoneFilter
from .forms import HouseholdForm, ImportForm
from .history import history_with_changes
from .imports import column_label
from .models import (
    Area,
    AreaLevel,
    AuditEntry,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    VillageCategory,
)
from .validators import mask_id_number, mask_phone

HOUSEHOLDS_PER_PAGE = 25


def _children_with_counts(area: Area) -> list[dict[str, Any]]:
    counts = selectors.household_counts_by_child(area)
    return [
        {"area": child, "households": counts.get(child.pk, 0)}
        for child in Area.objects.filter(parent=area).order_by("code")
    ]


@login_required
def dashboard(request):
    """The home page: what the user's role needs first, from the widgets the apps register
    (liaison.common.registry.register_home) — figures and trends for those who run or watch
    the work, a cadre's households and log button, the work lists of other roles."""
    blocks = home_for(request)
    return render(
        request,
        "districts/home.html",
        {
            "roots": selectors.area_roots(user=request.user),
            "blocks": blocks,
            "scripts": home_scripts(blocks),
        },
    )


@login_required
def area_tree(request):
    """The user's jurisdiction: each top area with its children and household counts."""
    roots = selectors.area_roots(user=request.user)
    trees = []
    for root in roots:
        children = _children_with_counts(root)
        trees.append(
            {
                "area": root,
                "children": children,
                "households": sum(c["households"] for c in children)
                if root.child_level
                else selectors.household_count(root),
            }
        )
    return render(request, "districts/area_tree.html", {"trees": trees})


@login_required
def area_children(request, pk):
    """htmx fragment: the children of an area, for expanding the tree in place."""
    area = selectors.area_get(user=request.user, pk=pk)
    return render(
        request,
        "districts/_area_children.html",
        {"parent": area, "children": _children_with_counts(area)},
    )


def _area_households(request: HttpRequest, area: Area) -> HouseholdFilter:
    """The households of an area the page lists (and downloads): the user's, filtered."""
    households = selectors.household_list(user=request.user).in_area(area)
    return HouseholdFilter(request.GET or None, queryset=households)


@login_required
def area_detail(request, pk):
    area = selectors.area_get(user=request.user, pk=pk)
    children = _children_with_counts(area) if area.child_level else []
    household_filter = _area_households(request, area)
    page = SeekPaginator(
        household_filter.qs.select_related("group").order_by("code"), HOUSEHOLDS_PER_PAGE
    ).page(request.GET.get("page"))
    # Later apps add columns (the responsible cadre), each in one query for the page.
    columns = columns_for("households", request, page.object_list)
    zone = (
        getattr(getattr(area, "zone_area", None), "zone", None)
        if area.level
        in (
            AreaLevel.TOWNSHIP,
            AreaLevel.VILLAGE,
            AreaLevel.GROUP,
        )
        else None
    )
    return render(
        request,
        "districts/area_detail.html",
        {
            "area": area,
            "breadcrumbs": selectors.area_breadcrumbs(user=request.user, area=area),
            "children": children,
            "total_households": sum(c["households"] for c in children)
            if children
            else selectors.household_count(area),
            "filter": household_filter,
            "page": page,
            "columns": columns,
            "rows": rows_with_cells(page.object_list, columns),
            "zone": zone,
            "query_without_page": query_without_page(request),
            "can_add": can(request.user, "manage_households") and area.level == AreaLevel.GROUP,
            "history": _history(area),
            "panels": panels_for("area", request, area),
        },
    )


@login_required
def area_households_export(request, pk, fmt):
    """Download the households the area page lists (same filters), as people read them."""
    area = selectors.area_get(user=request.user, pk=pk)
    households = _area_households(request, area).qs.order_by("code")
    title = _("Households")
    sheet = household_sheet(request, households, title=title)
    return export_response(fmt, f"{area.name}-{title}", [sheet], request=request)


def _history(obj: Area | Household) -> list[tuple[Any, list[dict[str, str]]]]:
    """Return (history record, its changes) pairs, newest first."""
    records, changes = history_with_changes(obj)
    return [(r, changes.get(r.history_id, [])) for r in records]


def _masked(household: Household) -> dict[str, str]:
    return {
        "id_number": mask_id_number(household.id_number),
        "phone": mask_phone(household.phone),
    }


@login_required
def household_detail(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    return render(
        request,
        "districts/household_detail.html",
        {
            "household": household,
            "masked": _masked(household),
            "breadcrumbs": [
                *selectors.area_breadcrumbs(user=request.user, area=household.group),
                (household.group, True),
            ],
            "history": _history(household),
            "panels": panels_for("household", request, household),
            "can_edit": can(request.user, "manage_households"),
            "can_reveal": allowed(request.user, "reveal_personal_data", household),
        },
    )


@login_required
@require_POST
def household_reveal(request, pk):
    """htmx: replace the masked numbers with the real ones, and record the access."""
    household = selectors.household_get(user=request.user, pk=pk)
    try:
        numbers = services.household_reveal(
            household=household, by=request.user, ip=client_ip(request)
        )
    except RateLimited as exc:
        response = _reveal_refused(request, household, str(exc), 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except PermissionDenied as exc:
        reason = str(exc) or _("Your role may not see personal data.")
        return _reveal_refused(request, household, reason, 403)
    return render(
        request, "districts/_personal_data.html", {"household": household, "numbers": numbers}
    )


def _reveal_refused(
    request: HttpRequest, household: Household, reason: str, status: int
) -> HttpResponse:
    """The masked numbers again, with the reason of the refusal (app.js lets htmx show it)."""
    context = {
        "household": household,
        "numbers": _masked(household),
        "masked_view": True,
        "refusal": reason,
    }
    return render(request, "districts/_personal_data.html", context, status=status)


def _save_household(
    request: HttpRequest,
    form: HouseholdForm,
    *,
    household: Household | None = None,
    group: Area | None = None,
) -> Household | None:
    """Create or update through the service; None (errors put on the form) if it refuses."""
    data = form.service_data()
    try:
        if household is None:
            data["group"] = group
            return services.household_create(data=data, by=request.user)
        return services.household_update(household=household, data=data, by=request.user)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@login_required
def household_create(request, area_pk):
    group = selectors.area_get(user=request.user, pk=area_pk)
    if not can(request.user, "manage_households") or group.level != AreaLevel.GROUP:
        raise PermissionDenied
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        household = _save_household(request, form, group=group)
        if household is not None:
            messages.success(request, _("Household %(name)s added.") % {"name": household})
            return redirect("household-detail", pk=household.pk)
    return render(
        request, "districts/household_form.html", {"form": form, "group": group, "household": None}
    )


@login_required
def household_update(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    if not can(request.user, "manage_households"):
        raise PermissionDenied
    form = HouseholdForm(request.POST or None, instance=household, keep_personal=True)
    if request.method == "POST" and form.is_valid():
        saved = _save_household(request, form, household=household)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("household-detail", pk=household.pk)
    return render(
        request,
        "districts/household_form.html",
        {"form": form, "group": household.group, "household": household},
    )


@login_required
def zone_list(request):
    zones = selectors.zone_list(user=request.user).prefetch_related(
        Prefetch("areas", queryset=Area.objects.order_by("code"))
    )
    zone_filter = ZoneFilter(request.GET or None, queryset=zones)
    # By the stored natural key: 第二 before 第十 on every page, not only within one.
    page = SeekPaginator(zone_filter.qs.order_by("level", "sort_key", "pk"), 50).page(
        request.GET.get("page")
    )
    columns = columns_for("zones", request, page.object_list)
    return render(
        request,
        "districts/zone_list.html",
        {
            "filter": zone_filter,
            "page": page,
            "columns": columns,
            "rows": rows_with_cells(page.object_list, columns),
            "query_without_page": query_without_page(request),
        },
    )


@login_required
def import_list(request):
    if not can(request.user, "import"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.import_job_create(
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc.message_dict.get("file") or exc.messages)
        else:
            return redirect("import-detail", pk=job.pk)
    recent = selectors.import_job_list(user=request.user)[:20]
    return render(
        request,
        "districts/import_list.html",
        {
            "form": form,
            "jobs": recent,
            "kinds": [
                (i.kind, i.label, [column_label(c) for c in i.spec], [n() for n in i.notes])
                for i in importers()
            ],
            "levels": _names(AreaLevel),
            "village_categories": _names(VillageCategory),
            "categories": _names(HouseholdCategory),
            "statuses": _names(HouseholdStatus),
        },
    )


def _names(choices: Any) -> str:
    """Return "县 (county)、…": how a file may write each value (synonyms are not listed)."""
    return "、".join(f"{label} ({code})" for code, label in choices.choices)


MAX_ERRORS_ON_PAGE = 500


@login_required
def import_detail(request, pk):
    job = selectors.import_job_get(user=request.user, pk=pk)
    if jobs.import_job_is_stale(job):
        # Embedded mode runs no beat: the page the user watches notices a dead run too.
        jobs.import_jobs_reap()
        job.refresh_from_db()
    context = {
        "job": job,
        "progress": jobs.import_job_progress(job),
        "errors": job.errors[:MAX_ERRORS_ON_PAGE],
        "errors_hidden": max(job.error_count - MAX_ERRORS_ON_PAGE, 0),
        "panels": panels_for("import", request, job) if job.is_finished else [],
    }
    template = (
        "districts/_import_status.html"
        if request.headers.get("HX-Request")
        else "districts/import_detail.html"
    )
    response = render(request, template, context)
    if job.is_finished and request.headers.get("HX-Request"):
        # Stop the polling: reload the whole page once with the final report.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_retry(request, pk):
    """Run a failed import again on the same file, then follow it on its page."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    try:
        jobs.import_job_retry(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import runs again."))
    return redirect("import-detail", pk=job.pk)


@login_required
def import_errors_csv(request, pk):
    job = selectors.import_job_get(user=request.user, pk=pk)
    return export_response(
        "csv", f"import-{job.pk}-errors", [import_errors_sheet(job)], request=request
    )


@login_required
def import_template_file(request, kind, fmt):
    """An import file to fill in: the Chinese header, the code header, a sample row."""
    if not can(request.user, "import"):
        raise PermissionDenied
    importer = importer_for(kind)
    if importer is None:
        raise Http404(_("Choose what the file holds."))
    label = importer.label
    example = _("example file")  # outside the f-string, where makemessages can find it
    return export_response(fmt, f"{label}-{example}", [import_template(kind)], request=request)


# The logs: reveals of personal data, and the audit log -------------------------------

LOG_PER_PAGE = 50


def _log_page(request: HttpRequest, selector: Any, filter_class: Any, template: str) -> Any:
    log_filter = filter_class(request.GET or None, queryset=selector(user=request.user))
    page = SeekPaginator(log_filter.qs, LOG_PER_PAGE).page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            "filter": log_filter,
            "page": page,
            "rows": [(row, _row_details(row)) for row in page.object_list],
            "query_without_page": query_without_page(request),
        },
    )


def _row_details(row: Any) -> str:
    return audit_details(row) if isinstance(row, AuditEntry) else ""


@login_required
def reveal_log(request):
    """Who revealed which household's numbers, when (administrators, their jurisdiction)."""
    return _log_page(request, selectors.reveal_list, RevealFilter, "districts/reveal_log.html")


@login_required
def reveal_log_export(request, fmt):
    """Download the reveal log as the page filters it."""
    log_filter = RevealFilter(
        request.GET or None, queryset=selectors.reveal_list(user=request.user)
    )
    title = _("Reveal log")
    sheet = table(title, REVEAL_COLUMNS, log_filter.qs.iterator(chunk_size=2000), labels=True)
    return export_response(
        fmt, f"{title}-{timezone.localdate():%Y-%m-%d}", [sheet], request=request
    )


@login_required
def audit_log(request):
    """Sign-ins, reveals, downloads, permission changes and erasures of the jurisdiction."""
    return _log_page(request, selectors.audit_list, AuditFilter, "districts/audit_log.html")


@login_required
def audit_log_export(request, fmt):
    """Download the audit log as the page filters it."""
    log_filter = AuditFilter(request.GET or None, queryset=selectors.audit_list(user=request.user))
    title = _("Audit log")
    sheet = table(title, AUDIT_COLUMNS, log_filter.qs.iterator(chunk_size=2000), labels=True)
    return export_response(
        fmt, f"{title}-{timezone.localdate():%Y-%m-%d}", [sheet], request=request
    )
