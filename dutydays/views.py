"""Pages: log today (phone first), my month, compliance report, village diaries."""

import calendar
import datetime
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from districts import selectors as district_selectors
from districts.access import can, require, scope_for
from districts.models import Area, AreaLevel, Household
from liaison.common import dates
from liaison.common.charts import Series, chart_spec
from liaison.common.exports import export_response, table
from liaison.common.forms import add_service_errors
from liaison.common.ids import parse_id
from liaison.common.pagination import SeekPaginator, query_without_page
from liaison.common.uploads import kept_upload_discard, kept_upload_open
from liaison.concerns import selectors as concern_selectors
from liaison.concerns.channel_views import detail_url
from liaison.core import selectors as liaison_selectors
from liaison.core.models import Cadre, Pairing

from . import selectors, services
from .compliance import FUTURE_MONTH, month_bounds
from .forms import MAX_PHOTOS, DutyDayForm
from .models import DutyDay, DutyPhoto, DutySettings
from .reports import (
    DIARY_COLUMNS,
    compliance_filename,
    compliance_report,
    compliance_sheets,
    days_left,
    met_status,
    percent_label,
    percent_met,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _cadre_for(request: "HttpRequest", *, write: bool = True) -> Cadre | None:
    """The cadre the page acts for: the user's own, or ?cadre= for someone who may see the
    cadre (to read) or manage the cadre's records (to write)."""
    wanted = request.GET.get("cadre") or request.POST.get("cadre")
    if wanted and (not write or can(request.user, "manage_duty_days")):
        return liaison_selectors.cadre_get(user=request.user, pk=wanted)
    user = request.user
    if not user.is_authenticated:
        return None
    return Cadre.objects.filter(user=user).select_related("department").first()


def _places(request: "HttpRequest", cadre: Cadre, day: datetime.date) -> list[Area]:
    """The cadre's own places first (zones, paired households' groups and villages), then
    the other villages the user may see."""
    paths = services.zone_paths(cadre, day)
    own = list(
        Area.objects.filter(path__in=paths, level__in=services.PLACE_LEVELS).order_by("path")
    )
    # A township zone: its villages are the cadre's places.
    wide = [p for p in paths if p not in {a.path for a in own}]
    for path in wide:
        own += list(
            Area.objects.filter(path__startswith=path, level=AreaLevel.VILLAGE).order_by("path")
        )
    own = list({a.pk: a for a in own}.values())
    if cadre.user_id != getattr(request.user, "pk", None):
        # Recording for someone else: only places of the recorder's own jurisdiction.
        scope = scope_for(request.user)
        own = [a for a in own if scope.contains(a)]
    others = (
        district_selectors.area_list(user=request.user)
        .filter(level=AreaLevel.VILLAGE)
        .exclude(pk__in=[a.pk for a in own])
        .order_by("path")[:300]
    )
    return own + list(others)


SEARCH_LIMIT = 30


def _household_choices(
    cadre: Cadre,
    area: Area | None,
    user: "AbstractBaseUser | AnonymousUser",
    keep: Iterable[int] = (),
) -> list[tuple[int, str]]:
    """The cadre's own households of a place (★), then the `keep` ids the user may see
    (those ticked before a failed submit, or already on the record). The others of the place
    are found on demand (`log_household_search`): a village has hundreds."""
    if area is None:
        return []
    mine = Pairing.objects.active().filter(cadre=cadre, household=OuterRef("pk"))
    visible = district_selectors.household_list(user=user)
    households = list(
        visible.in_area(area)
        .active()
        .filter(Exists(mine))
        .annotate(mine=Exists(mine))
        .select_related("group")
        .order_by("code")
    )
    missing = set(keep) - {h.pk for h in households}
    if missing:
        extra = visible.filter(pk__in=missing).select_related("group").order_by("code")
        households += list(extra.annotate(mine=Exists(mine)))
    return [(h.pk, _household_label(h)) for h in households]


def _household_label(h: Household) -> str:
    return f"{'★ ' if getattr(h, 'mine', False) else ''}{h.head_name} · {h.group.name}"


def _ids(values: Iterable[str]) -> list[int]:
    """The numeric ids among posted values (anything else is left to the form to refuse)."""
    return [i for i in map(parse_id, values) if i]


def _date_param(request: "HttpRequest", today: datetime.date) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return today
    return day if day <= today else today


def _log_with_photos(form: DutyDayForm, values: dict[str, Any]) -> DutyDay:
    """Log the day with the new photos and those kept from the last attempt (which are
    then no longer kept)."""
    kept = [kept_upload_open(name) for _token, name in form.kept]
    try:
        day = services.dutyday_log(**values, photos=[*form.good_photos, *kept])
    finally:
        for f in kept:
            f.close()
    for _token, name in form.kept:
        transaction.on_commit(partial(kept_upload_discard, name))
    return day


def _kept_for_page(form: DutyDayForm, by: Any) -> list[dict[str, str]]:
    """After a failed submit: keep the photos that passed their checks, and list every kept
    photo (token and address of its preview) for the page to send back."""
    kept = [token for token, _name in form.kept]
    room = max(MAX_PHOTOS - len(kept), 0)
    kept += [services.photo_keep(photo=p, by=by) for p in form.good_photos[:room]]
    return [{"token": t, "url": reverse("duty-kept-photo", args=[t])} for t in kept]


@login_required
def log_day(request):
    """Log a day in the field: place, activities, households, diary, photos.

    Every error shows at once: a refused photo does not hide the service's rules, and the
    photos that passed are kept for the next submit. A date the cadre may no longer log
    (before the edit window) shows as locked, with the reason, before anyone types.
    """
    cadre = _cadre_for(request)
    if cadre is None:
        return render(request, "dutydays/no_cadre.html")
    today = timezone.localdate()
    first_date = services.first_editable_date(cadre=cadre, by=request.user)
    policy = DutySettings.current()
    locked_reason = services.locked_message(policy.edit_days) if first_date else None
    places = _places(request, cadre, today)
    place_ids = {a.pk for a in places}
    try:
        chosen = int(request.POST.get("area") or request.GET.get("area") or 0)
    except ValueError:
        chosen = 0
    area = next((a for a in places if a.pk == chosen), places[0] if places else None)
    wanted_date = _date_param(request, today)
    form = DutyDayForm(
        request.POST or None,
        request.FILES or None,
        place_choices=[(a.pk, a.name) for a in places],
        household_choices=_household_choices(
            cadre, area, request.user, keep=_ids(request.POST.getlist("households"))
        ),
        initial={"area": area.pk if area else None, "date": wanted_date},
        user=request.user,
        first_date=first_date,
    )
    kept: list[dict[str, str]] = []
    if request.method == "POST":
        form.is_valid()
        fields_valid = form.only_photos_failed()
        if fields_valid and (area is None or form.cleaned_data["area"] not in place_ids):
            form.add_error("area", _("Choose a place from the list."))
        elif fields_valid:
            values = {
                "cadre": cadre,
                "date": form.cleaned_data["date"],
                "area": area,
                "activities": form.cleaned_data["activities"],
                "households": Household.objects.filter(pk__in=form.cleaned_data["households"]),
                "diary": form.cleaned_data["diary"],
                "problems": form.cleaned_data["problems"],
                "by": request.user,
            }
            try:
                if form.errors:
                    # A photo was refused: say what else is wrong now, not after the next try.
                    services.dutyday_check(**values)
                    day = None
                else:
                    day = _log_with_photos(form, values)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                if day is not None:
                    messages.success(
                        request,
                        _("Saved: %(date)s in %(place)s.")
                        % {"date": day.date, "place": day.area.name},
                    )
                    if request.GET.get("cadre"):
                        return redirect(f"{reverse('duty-month')}?cadre={cadre.pk}")
                    return redirect("duty-month")
        kept = _kept_for_page(form, request.user)
    return render(
        request,
        "dutydays/log.html",
        {
            "form": form,
            "cadre": cadre,
            "area": area,
            "on_behalf": cadre.user_id != request.user.pk,
            "kept_photos": kept,
            "policy": policy,
            # The reason a date before the window is locked (the page shows it as soon as
            # such a date is chosen); `locked`: the date asked for is one of them.
            "locked_reason": locked_reason,
            "locked": request.method == "GET" and bool(first_date and wanted_date < first_date),
        },
    )


@login_required
def log_households(request):
    """htmx fragment: the cadre's own households of a place, and the search for the others."""
    cadre = _cadre_for(request)
    if cadre is None:
        raise Http404
    area = district_selectors.area_get(user=request.user, pk=request.GET.get("area"))
    form = DutyDayForm(
        place_choices=[(area.pk, area.name)],
        household_choices=_household_choices(cadre, area, request.user),
    )
    return render(
        request,
        "dutydays/_households.html",
        {
            "form": form,
            "area": area,
            "cadre": cadre,
            "on_behalf": cadre.user_id != request.user.pk,
        },
    )


@login_required
def log_household_search(request):
    """htmx fragment: up to SEARCH_LIMIT households of a place matching a name or a code,
    among those the user may see; each is a checkbox the page adds to the ticked list."""
    cadre = _cadre_for(request)
    if cadre is None:
        raise Http404
    area = district_selectors.area_get(user=request.user, pk=request.GET.get("area"))
    query = request.GET.get("q", "").strip()[:30]
    matches: list[Household] = []
    if query:
        mine = Pairing.objects.active().filter(cadre=cadre, household=OuterRef("pk"))
        matches = list(
            district_selectors.household_list(user=request.user)
            .in_area(area)
            .active()
            .filter(Q(head_name__icontains=query) | Q(code__startswith=query))
            .annotate(mine=Exists(mine))
            .select_related("group")
            .order_by("-mine", "code")[: SEARCH_LIMIT + 1]
        )
    return render(
        request,
        "dutydays/_household_matches.html",
        {
            "query": query,
            "matches": [(h.pk, _household_label(h)) for h in matches[:SEARCH_LIMIT]],
            "more": len(matches) > SEARCH_LIMIT,
            "limit": SEARCH_LIMIT,
        },
    )


def _parse_month(value: str | None, default: datetime.date) -> datetime.date:
    try:
        month = datetime.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        return default.replace(day=1)
    # Keep month arithmetic (previous / next month) away from year 9999, and before the
    # months the system records.
    return month if month >= dates.EARLIEST and month.year <= 2999 else default.replace(day=1)


@login_required
def my_month(request):
    """A calendar of the month's logged days and the progress towards the quota."""
    cadre = _cadre_for(request, write=False)
    if cadre is None:
        return render(request, "dutydays/no_cadre.html")
    today = timezone.localdate()
    month = _parse_month(request.GET.get("month"), today)
    start, end = month_bounds(month)
    visible_days = selectors.with_visible_households(
        selectors.dutyday_list(user=request.user), user=request.user
    )
    days = {
        d.date: d
        for d in visible_days.filter(cadre=cadre, date__gte=start, date__lt=end).select_related(
            "area"
        )
    }
    progress = selectors.month_progress(
        cadre=cadre, month=start, in_zone=[d.in_zone for d in days.values()], today=today
    )
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(start.year, start.month)
    first_date = services.first_editable_date(cadre=cadre, by=request.user)
    earliest = first_date or datetime.date.min
    previous = (start - datetime.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "dutydays/month.html",
        {
            "cadre": cadre,
            "month": start,
            # A day is open to log when it is in the month, not to come and, for the cadre
            # themselves, not before the edit window.
            "weeks": [
                [
                    (d, days.get(d), d.month == start.month and d <= today and d >= earliest)
                    for d in w
                ]
                for w in weeks
            ],
            "first_date": first_date,
            "locked_reason": services.locked_message(DutySettings.current().edit_days),
            "required": progress.required,
            "counted": progress.counted,
            "other": progress.other,
            "percent": progress.percent,
            "leave": progress.leave,
            "previous": previous,
            "next": end if end <= today else None,
            "entries": sorted(days.values(), key=lambda d: d.date, reverse=True),
            "cadre_param": f"&cadre={cadre.pk}" if cadre.user_id != request.user.pk else "",
            # The cadre reads "your"; anyone else (an administrator) reads the cadre's name.
            "own": cadre.user_id == request.user.pk,
            # Someone else's month shows only the days whose place lies in the jurisdiction
            # (selectors.dutyday_list): say so next to the figures when that leaves some out.
            "partial": selectors.cadre_days_partial(
                user=request.user, cadre=cadre, start=start, end=end
            ),
            "weekdays": [
                pgettext("weekday", "Mon"),
                pgettext("weekday", "Tue"),
                pgettext("weekday", "Wed"),
                pgettext("weekday", "Thu"),
                pgettext("weekday", "Fri"),
                pgettext("weekday", "Sat"),
                pgettext("weekday", "Sun"),
            ],
        },
    )


def _compliance_filters(
    request: "HttpRequest",
) -> tuple[datetime.date, str | None, str | None, bool]:
    """The month (default: last month), area id, department id and the switch "every
    cadre" (`all=1`; default: only cadres with a quota) the page shows. Raise Http404 for an
    id that is not a number."""
    today = timezone.localdate()
    default = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month = _parse_month(request.GET.get("month"), default)
    area_id = request.GET.get("area") or None
    department_id = request.GET.get("department") or None
    for value in (area_id, department_id):
        if value and not (value.isascii() and value.isdigit()):
            raise Http404
    return month, area_id, department_id, request.GET.get("all") == "1"


def _compliance_query(
    month: datetime.date, area_id: str | None, department_id: str | None, show_all: bool
) -> str:
    """The page's filters as a query string (the download, the return from a recompute)."""
    query = {"month": f"{month:%Y-%m}", "area": area_id or "", "department": department_id or ""}
    return urlencode({**query, "all": "1"} if show_all else query)


@login_required
def compliance(request):
    """Who met the quota: month, area and department filters, sorted by shortfall; only the
    cadres with a quota unless the switch asks for all. A month still running reads "in
    progress" where a quota is not met yet."""
    month, area_id, department_id, show_all = _compliance_filters(request)
    today = timezone.localdate()
    try:
        report = compliance_report(
            user=request.user,
            month=month,
            area_id=area_id,
            department_id=department_id,
            with_quota_only=not show_all,
        )
    except Http404:
        report = None
    rows = report["rows"] if report else []
    page = SeekPaginator(rows, 100).page(request.GET.get("page"))
    left = days_left(month, today)
    return render(
        request,
        "dutydays/compliance.html",
        {
            "month": month,
            "report": report,
            "page": page,
            "rows": [(r, *met_status(r, left)) for r in page.object_list],
            "departments_met": [
                (d, percent_label(percent_met(d)))
                for d in (report["by_department"] if report else [])
                if d["with_quota"]
            ],
            "days_left": left,
            "show_all": show_all,
            "without_quota": report["totals"]["cadres"] - report["totals"]["with_quota"]
            if report
            else 0,
            "query_without_page": query_without_page(request),
            # Counties and townships, and the area asked for (a village from its coverage).
            "areas": district_selectors.area_list(user=request.user)
            .filter(
                Q(level__in=[AreaLevel.COUNTY, AreaLevel.TOWNSHIP])
                | Q(pk=parse_id(area_id) if area_id else None)
            )
            .order_by("path"),
            # Whose cadres the totals count: the area asked for, else the jurisdiction.
            "area": district_selectors.area_get(user=request.user, pk=area_id)
            if area_id and report
            else None,
            "departments": liaison_selectors.department_list(user=request.user).order_by("name"),
            "area_id": int(area_id) if area_id else None,
            "department_id": int(department_id) if department_id else None,
            # Recompute acts on the month shown; a month to come has nothing to compute.
            "can_recompute": can(request.user, "recompute_statistics") and month <= today,
            # The download shows the month and the rows on the page even when the address
            # names neither.
            "export_query": _compliance_query(month, area_id, department_id, show_all),
        },
    )


@login_required
def compliance_recompute_view(request):
    """Recompute the month the page shows (posted with its filters, to return to them)."""
    if request.method != "POST" or not can(request.user, "recompute_statistics"):
        raise PermissionDenied
    from liaison.common.tasks import enqueue

    from .tasks import compliance_recompute_task

    url = reverse("duty-compliance")
    month = dates.month_from_text(request.POST.get("month"))
    if month is None:
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect(url)
    area_id = request.POST.get("area") or None
    department_id = request.POST.get("department") or None
    for value in (area_id, department_id):
        if value and not (value.isascii() and value.isdigit()):
            raise Http404
    query = _compliance_query(month, area_id, department_id, request.POST.get("all") == "1")
    if month > timezone.localdate():
        messages.error(request, str(FUTURE_MONTH))
        return redirect(f"{url}?{query}")
    if (refused := dates.month_error(month)) is not None:
        messages.error(request, refused)
        return redirect(url)
    enqueue(compliance_recompute_task, f"{month:%Y-%m}")
    messages.success(
        request, _("Compliance for %(month)s is being computed.") % {"month": f"{month:%Y-%m}"}
    )
    return redirect(f"{url}?{query}")


@login_required
def diaries(request, pk):
    """Every duty day spent in a village (or any area), newest first: what was done, the
    households visited (those the user may see) and the diary, when there is one."""
    area = district_selectors.area_get(user=request.user, pk=pk)
    days = selectors.diary_list(user=request.user, area=area).prefetch_related("photos")
    page = SeekPaginator(days, 20).page(request.GET.get("page"))
    return render(
        request,
        "dutydays/diaries.html",
        {
            "area": area,
            "page": page,
            "breadcrumbs": district_selectors.area_breadcrumbs(user=request.user, area=area),
            "query_without_page": "",
        },
    )


@login_required
def diaries_export(request, pk, fmt):
    """Download an area's diary feed: the same days as the page, with their activities."""
    area = district_selectors.area_get(user=request.user, pk=pk)
    days = selectors.diary_list(user=request.user, area=area).prefetch_related("photos")
    title = _("Diaries")
    sheet = table(title, DIARY_COLUMNS, days.iterator(chunk_size=2000), labels=True)
    return export_response(fmt, f"{area.name}-{title}", [sheet], request=request)


@login_required
def compliance_export(request, fmt):
    """Download the compliance report the page shows (same month, area, department and
    switch): the cadres' rows and, in the XLSX, the tallies by department and by area."""
    month, area_id, department_id, show_all = _compliance_filters(request)
    report = compliance_report(
        user=request.user,
        month=month,
        area_id=area_id,
        department_id=department_id,
        with_quota_only=not show_all,
    )
    left = days_left(month, timezone.localdate())
    sheets = compliance_sheets(report, labels=True, left=left)
    return export_response(fmt, compliance_filename(report, labels=True), sheets, request=request)


def household_panel(request: "HttpRequest", household: Household) -> tuple[str, dict[str, Any]]:
    visits = list(selectors.household_visits(household, user=request.user)[:50])
    return "dutydays/_household_visits.html", {"visits": visits}


def cadre_panel(request: "HttpRequest", cadre: Cadre) -> tuple[str, dict[str, Any]]:
    """The cadre page's duty-day summary for this month (the days the viewer may see)."""
    start, end = month_bounds(timezone.localdate())
    days = selectors.dutyday_list(user=request.user).filter(
        cadre=cadre, date__gte=start, date__lt=end
    )
    return "dutydays/_cadre_panel.html", {
        "cadre": cadre,
        "month": start,
        "days": days.count(),
        "days_in_zone": days.filter(in_zone=True).count(),
        # As on the month page: a cadre serving above the jurisdiction is seen in part.
        "partial": selectors.cadre_days_partial(
            user=request.user, cadre=cadre, start=start, end=end
        ),
    }


# Chart colours, at least 3:1 against white (WCAG 1.4.11 for graphics).
DAYS_COLOR = "#6f42c1"
REQUIRED_COLOR = "#6c757d"


def coverage_panel(request: "HttpRequest", area: Area) -> tuple[str, dict[str, Any]]:
    """The coverage page's duty-day trend: days in own zones per month, against the quotas,
    of the cadres serving in the area (as the compliance page counts them)."""
    months = selectors.compliance_trend(user=request.user, area=area)
    this_month = timezone.localdate().replace(day=1)
    chart = chart_spec(
        kind="bar",
        value_labels=True,
        labels=[
            _("%(month)s (in progress)") % {"month": f"{m['month']:%Y-%m}"}
            if m["month"] == this_month
            else f"{m['month']:%Y-%m}"
            for m in months
        ],
        series=[
            Series(_("Days in own zones"), [m["days_counted"] for m in months], DAYS_COLOR),
            Series(
                _("Days required"),
                [m["days_required"] for m in months],
                REQUIRED_COLOR,
                dashed=True,
            ),
        ],
    )
    return "dutydays/_coverage_trend.html", {
        "area": area,
        "months": months[::-1],
        "chart": chart,
        "this_month": this_month,
    }


def area_panel(request: "HttpRequest", area: Area) -> tuple[str, dict[str, Any]] | None:
    if area.level not in (AreaLevel.VILLAGE, AreaLevel.GROUP, AreaLevel.TOWNSHIP):
        return None
    return "dutydays/_area_links.html", {"area": area}


@login_required
def photo(request, pk):
    """Serve a duty-day photo to those who may see the day (photos are not public files)."""
    picture = DutyPhoto.objects.select_related("duty_day").filter(pk=pk).first()
    if (
        picture is None
        or not selectors.dutyday_list(user=request.user).filter(pk=picture.duty_day_id).exists()
    ):
        raise Http404
    content_type = PHOTO_TYPES.get((picture.image.name or "").rsplit(".", 1)[-1].lower())
    if content_type is None:
        raise Http404
    try:
        return FileResponse(picture.image.open("rb"), content_type=content_type)
    except FileNotFoundError:
        raise Http404 from None


@login_required
def edit_day(request, pk):
    """Correct a day's record: activities, households, diary, problems (within the window).

    A record the cadre may no longer correct shows read-only, with the reason, from the start.
    """
    day = selectors.dutyday_get(user=request.user, pk=pk)
    if day.cadre.user_id != request.user.pk:
        # Another's day: only for whoever manages that cadre (not a county cadre's day seen
        # from a township), before any form is shown.
        require(request.user, "manage_duty_days", day.cadre)
    first_date = services.first_editable_date(cadre=day.cadre, by=request.user)
    locked = first_date is not None and day.date < first_date
    # Households outside the user's jurisdiction are neither named here nor removed on save.
    visible = [h.pk for h in selectors.dutyday_households(day, user=request.user)]
    form = DutyDayForm(
        request.POST or None,
        place_choices=[(day.area_id, day.area.name)],
        household_choices=_household_choices(
            day.cadre,
            day.area,
            request.user,
            keep=[*visible, *_ids(request.POST.getlist("households"))],
        ),
        initial={
            "date": day.date,
            "area": day.area_id,
            "activities": day.activities,
            "households": visible,
            "diary": day.diary,
            "problems": day.problems,
        },
        user=request.user,
    )
    # The date and the place of a record stay; log another day for another date.
    form.fields["date"].disabled = form.fields["area"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.dutyday_update(
                duty_day=day,
                activities=form.cleaned_data["activities"],
                households=Household.objects.filter(pk__in=form.cleaned_data["households"]),
                diary=form.cleaned_data["diary"],
                problems=form.cleaned_data["problems"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            suffix = f"?cadre={day.cadre_id}&month={day.date:%Y-%m}"
            return redirect(reverse("duty-month") + suffix)
    policy = DutySettings.current()
    return render(
        request,
        "dutydays/log.html",
        {
            "form": form,
            "cadre": day.cadre,
            "area": day.area,
            "editing": day,
            "on_behalf": day.cadre.user_id != request.user.pk,
            "policy": policy,
            "locked": locked,
            "locked_reason": services.locked_message(policy.edit_days) if locked else None,
            "day_concerns": _day_concerns(request, day),
        },
    )


def _day_concerns(request: "HttpRequest", day: DutyDay) -> list[dict[str, Any]]:
    """The concerns the day's problems became, as the user may see them (with their page)."""
    linked = concern_selectors.concern_list(user=request.user).filter(duty_days=day)
    return [{"concern": c, "url": detail_url(c)} for c in linked.order_by("pk")]


@login_required
@require_POST
def raise_concern(request, pk):
    """Make the day's problems a concern (转为民情事项), linked to the day, in one tap."""
    day = selectors.dutyday_get(user=request.user, pk=pk)
    try:
        concern = services.dutyday_raise_concern(duty_day=day, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("duty-edit", pk=day.pk)
    messages.success(
        request,
        _("The problems are now concern %(number)s, assigned to %(cadre)s.")
        % {"number": concern.tracking_number, "cadre": day.cadre.name},
    )
    return redirect(detail_url(concern) or reverse("duty-edit", args=[day.pk]))


def concern_panel(request: "HttpRequest", concern: Any) -> tuple[str, dict[str, Any]] | None:
    """The concern page's panel: the duty day(s) whose problems it came from."""
    days = list(
        selectors.dutyday_list(user=request.user)
        .filter(concerns=concern)
        .select_related("cadre", "area")
        .order_by("date", "pk")
    )
    if not days:
        return None
    return "dutydays/_concern_panel.html", {"duty_days": days}


@login_required
def kept_photo(request, token):
    """Show a photo kept from the user's own log form that failed (only to that user)."""
    name = selectors.kept_photo_get(user=request.user, token=token)
    content_type = PHOTO_TYPES.get(name.rsplit(".", 1)[-1].lower())
    if content_type is None:
        raise Http404
    response = FileResponse(kept_upload_open(name), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
