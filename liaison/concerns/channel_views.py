"""The channels' entry pages: liaison officers (phone page and daily report), the contact
card, opinion boxes and their openings, the hotline (keyboard only)."""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from districts import selectors as district_selectors
from districts.access import can, require, scope_for
from districts.models import Area, AreaLevel, Household
from districts.validators import mask_id_number, mask_phone
from liaison.common.forms import add_service_errors
from liaison.core import selectors as core_selectors

from . import access, channel_selectors, channel_services, services
from .channel_forms import (
    MAX_SLIPS,
    BoxForm,
    CardForm,
    HotlineForm,
    OfficerConcernForm,
    OfficerReportForm,
    OpeningForm,
    slip_formset,
)
from .models import Concern, ConcernPolicy

if TYPE_CHECKING:
    from django.http import HttpRequest


def detail_url(concern: Concern) -> str | None:
    """The concern's page, once the pages' module is there (merged separately)."""
    try:
        return reverse("concern-detail", args=[concern.pk])
    except NoReverseMatch:
        return None


def _entered(request: "HttpRequest", concern: Concern) -> None:
    """Say the concern was entered, with its tracking number (a link to its page)."""
    url = detail_url(concern)
    number = (
        format_html('<a class="alert-link" href="{}">{}</a>', url, concern.tracking_number)
        if url
        else concern.tracking_number
    )
    owner = concern.owner.name if concern.owner else _("the township's queue")
    messages.success(
        request,
        format_html(
            "{} {}{}",
            _("Entered: tracking number"),
            number,
            _(", to %(owner)s.") % {"owner": owner},
        ),
    )


def _place_label(area: Area, with_township: bool = False) -> str:
    """ "芒街村 · 芒街一组" (with the township in front for county-wide pages)."""
    levels = {AreaLevel.GROUP, AreaLevel.VILLAGE}
    if with_township:
        levels.add(AreaLevel.TOWNSHIP)
    names = []
    node: Area | None = area
    while node is not None and node.level in levels:
        names.append(node.name)
        node = node.parent
    return " · ".join(reversed(names))


def _household_label(h: Household) -> str:
    return f"{h.head_name} · {h.group.name}"


def _service_call(form: Any, call: Any) -> Any:
    """Run a service call; its refusals go on the form. Return the result or None."""
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    return None


# Household search (officers and the hotline) ---------------------------------------------


SEARCH_PAGES = {"officer": "concern-officer", "hotline": "concern-hotline"}


def _matches(request: "HttpRequest", page: str) -> dict[str, Any]:
    """The search's results as the fragment shows them: links to the entry page with the
    household picked (and the caller's number kept)."""
    query = request.GET.get("q", "").strip()[:30]
    found = channel_selectors.household_search(user=request.user, query=query)
    keep: dict[str, str] = (
        {"caller": request.GET.get("caller", "").strip()[:20]} if page == "hotline" else {}
    )
    base = reverse(SEARCH_PAGES[page])
    rows = [
        {
            "household": h,
            "label": _household_label(h),
            "place": _place_label(h.group, with_township=page == "hotline"),
            "phone": mask_phone(h.phone),
            "id_number": mask_id_number(h.id_number),
            "url": f"{base}?{urlencode({**keep, 'household': str(h.pk)})}",
        }
        for h in found[: channel_selectors.SEARCH_LIMIT]
    ]
    return {
        "query": query,
        "matches": rows,
        "more": len(found) > channel_selectors.SEARCH_LIMIT,
        "limit": channel_selectors.SEARCH_LIMIT,
    }


@login_required
def household_search(request, page):
    """htmx fragment: households matching a name, a phone or an ID tail, in the user's scope."""
    if page not in SEARCH_PAGES:
        raise Http404
    require(request.user, "create_concerns")
    return render(request, "concerns/channels/_household_results.html", _matches(request, page))


def _picked(request: "HttpRequest") -> Household | None:
    value = request.POST.get("household") or request.GET.get("household")
    if not value:
        return None
    return district_selectors.household_get(user=request.user, pk=value)


# Liaison officers ------------------------------------------------------------------------


def _officer_village(request: "HttpRequest") -> Area:
    require(request.user, "report_as_officer")
    village = channel_services.officer_village(request.user)
    if village is None:
        raise PermissionDenied(_("Your account is not linked to a village."))
    return village


@login_required
def officer(request):
    """A liaison officer's phone page: a concern for a household or group of the village."""
    village = _officer_village(request)
    household = _picked(request)
    if household is not None and household.village_id != village.pk:
        raise Http404(_("No such household."))
    groups = list(
        district_selectors.area_list(user=request.user)
        .filter(parent=village, level=AreaLevel.GROUP)
        .order_by("path")
    )
    # The village itself only for an officer of the whole village (not of one group).
    whole = scope_for(request.user).contains(village)
    places = [*([(village.pk, village.name)] if whole else []), *((g.pk, g.name) for g in groups)]
    form = OfficerConcernForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "household": household.pk if household else None,
            "area": household.group_id if household else (groups[0].pk if groups else village.pk),
        },
    )
    form.set_places(places)
    if request.method == "POST" and form.is_valid():
        area = next(a for a in [village, *groups] if a.pk == form.cleaned_data["area"])
        concern = _service_call(
            form,
            lambda: channel_services.officer_concern_create(
                by=request.user,
                area=household.group if household else area,
                household=household,
                **form.concern_values(),
            ),
        )
        if concern is not None:
            _entered(request, concern)
            return redirect("concern-officer")
    return render(
        request,
        "concerns/channels/officer.html",
        {
            "form": form,
            "village": village,
            "household": household,
            "report": channel_selectors.officer_report_today(user=request.user),
            "search": _matches(request, "officer") if request.GET.get("q") else None,
        },
    )


@login_required
def officer_report(request):
    """Today's report: concerns submitted count by themselves; else a zero report (零报告)."""
    village = _officer_village(request)
    today = timezone.localdate()
    report = channel_selectors.officer_report_today(user=request.user)
    form = OfficerReportForm(request.POST or None, initial={"note": report.note if report else ""})
    if request.method == "POST" and form.is_valid():
        saved = _service_call(
            form,
            lambda: channel_services.officer_report_record(
                by=request.user, zero="zero" in request.POST, note=form.cleaned_data["note"]
            ),
        )
        if saved is not None:
            messages.success(
                request, _("Zero report recorded.") if saved.zero else _("Report recorded.")
            )
            return redirect("concern-officer-report")
    submitted = channel_selectors.officer_submitted(user=request.user, day=today)
    return render(
        request,
        "concerns/channels/officer_report.html",
        {
            "form": form,
            "village": village,
            "today": today,
            "report": report,
            "submitted": list(submitted),
            "recent": channel_selectors.officer_recent_reports(user=request.user),
        },
    )


@login_required
def officers(request):
    """The township's liaison officers and who has not reported this week (Mon–today)."""
    if not can(request.user, "view_dashboard"):
        raise PermissionDenied(_("Your role does not allow this."))
    today = timezone.localdate()
    rows = channel_selectors.officer_weeks(user=request.user, today=today)
    return render(
        request,
        "concerns/channels/officers.html",
        {
            "rows": rows,
            "days": channel_selectors.week_days(today),
            "silent": [r for r in rows if r.silent],
        },
    )


# Contact card ----------------------------------------------------------------------------


@login_required
def card(request):
    """A call on the contact card in two taps: the household (a big button), then what."""
    require(request.user, "create_concerns")
    cadre = access.own_cadre(request.user)
    if cadre is None:
        return render(request, "concerns/channels/card.html", {"no_cadre": True})
    pairings = list(core_selectors.own_pairings(cadre))
    own = {p.household_id: p.household for p in pairings}
    wanted = request.POST.get("household") or request.GET.get("household")
    household = None
    if wanted:
        household = own.get(int(wanted)) if wanted.isascii() and wanted.isdigit() else None
        if household is None:
            raise Http404(_("No such household."))
    form = CardForm(
        request.POST or None,
        request.FILES or None,
        initial={"household": household.pk if household else None},
    )
    if request.method == "POST" and household is not None and form.is_valid():
        concern = _service_call(
            form,
            lambda: services.concern_create(
                by=request.user,
                channel="contact_card",
                household=household,
                owner=cadre,
                **form.concern_values(),
            ),
        )
        if concern is not None:
            _entered(request, concern)
            return redirect("concern-card")
    return render(
        request,
        "concerns/channels/card.html",
        {"cadre": cadre, "households": list(own.values()), "household": household, "form": form},
    )


# Hotline ---------------------------------------------------------------------------------


def _hotline_places(request: "HttpRequest") -> list[tuple[int, str]]:
    areas = (
        district_selectors.area_list(user=request.user)
        .filter(level__in=(AreaLevel.VILLAGE, AreaLevel.GROUP))
        .select_related("parent", "parent__parent")
        .order_by("path")[:3000]
    )
    return [(a.pk, _place_label(a, with_township=True)) for a in areas]


@login_required
def hotline(request):
    """The hotline page, keyboard only: find the household (name, phone or ID tail) and
    pick it with Enter, or choose an anonymous caller's place; then kind, category, what
    happened; Ctrl+Enter (or Enter in the last field) enters it."""
    require(request.user, "create_concerns")
    household = _picked(request)
    caller = request.GET.get("caller", "").strip()[:20]
    form = HotlineForm(
        request.POST or None,
        initial={"household": household.pk if household else None, "reporter_phone": caller},
    )
    form.set_places([("", _("— choose —")), *_hotline_places(request)])  # type: ignore[list-item]
    if household is not None:
        form.fields["kind"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        area = None
        if household is None:
            area = district_selectors.area_get(user=request.user, pk=form.cleaned_data["area"])
        concern = _service_call(
            form,
            lambda: services.concern_create(
                by=request.user,
                channel="hotline",
                household=household,
                area=area,
                **form.concern_values(),
            ),
        )
        if concern is not None:
            _entered(request, concern)
            return redirect("concern-hotline")
    return render(
        request,
        "concerns/channels/hotline.html",
        {
            "form": form,
            "household": household,
            "household_place": _place_label(household.group, True) if household else "",
            "caller": caller,
            "search": _matches(request, "hotline") if request.GET.get("q") else None,
        },
    )


# Opinion boxes ---------------------------------------------------------------------------


@login_required
def boxes(request):
    """The opinion boxes of the jurisdiction; those not opened within the policy's days are
    flagged."""
    return render(
        request,
        "concerns/channels/boxes.html",
        {
            "boxes": channel_selectors.boxes_with_flags(user=request.user),
            "days": ConcernPolicy.current().box_open_days,
            "can_manage": can(request.user, "manage_opinion_boxes"),
        },
    )


@login_required
def box_new(request):
    """Register an opinion box: its place, where it stands, its keyholder."""
    require(request.user, "manage_opinion_boxes")
    places = [
        (a.pk, _place_label(a, with_township=True))
        for a in channel_selectors.box_places(user=request.user).select_related("parent__parent")
    ]
    form = BoxForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        area = district_selectors.area_get(user=request.user, pk=form.cleaned_data["area"])
        box = _service_call(
            form,
            lambda: channel_services.opinion_box_create(
                by=request.user,
                area=area,
                location=form.cleaned_data["location"],
                keyholder=form.cleaned_data["keyholder"],
                keyholder_phone=form.cleaned_data["keyholder_phone"],
            ),
        )
        if box is not None:
            messages.success(request, _("Opinion box registered."))
            return redirect("concern-box", pk=box.pk)
    return render(request, "concerns/channels/box_form.html", {"form": form})


@login_required
def box(request, pk):
    """An opinion box with its openings and the slips entered from each."""
    item = channel_selectors.box_get(user=request.user, pk=pk)
    policy = ConcernPolicy.current()
    openings = list(channel_selectors.box_openings(item).prefetch_related("concerns"))
    return render(
        request,
        "concerns/channels/box.html",
        {
            "box": item,
            "openings": openings,
            "overdue": channel_selectors.box_overdue(
                item, timezone.localdate(), policy.box_open_days
            ),
            "days": policy.box_open_days,
            "can_manage": can(request.user, "manage_opinion_boxes"),
        },
    )


def _slip_rows(request: "HttpRequest") -> int:
    value = request.GET.get("slips", "")
    if value.isascii() and value.isdigit():
        return min(int(value), MAX_SLIPS)
    return 1


@login_required
def box_open(request, pk):
    """Record an opening: when, by whom, how many slips, and each slip as a concern, on one
    page (all or nothing). The number of slips found must equal the slips entered."""
    item = channel_selectors.box_get(user=request.user, pk=pk)
    require(request.user, "manage_opinion_boxes", item)
    rows = _slip_rows(request)
    form = OpeningForm(request.POST or None, initial={"slips": rows, "opened_by": item.keyholder})
    formset = slip_formset(rows)(request.POST or None, request.FILES or None, prefix="slip")
    if request.method == "POST":
        form_ok = form.is_valid()
        rows_ok = formset.is_valid()
        filled = formset.filled() if rows_ok else []
        if form_ok and rows_ok:
            slips = [{**f.concern_values()} for f in filled]
            opening = _service_call(
                form,
                lambda: channel_services.box_opening_record(
                    box=item,
                    opened_on=form.cleaned_data["opened_on"],
                    opened_by=form.cleaned_data["opened_by"],
                    slips=slips,
                    count=form.cleaned_data["slips"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                ),
            )
            if opening is not None:
                messages.success(
                    request,
                    _("Opening recorded: %(n)d slips entered as concerns.") % {"n": opening.slips},
                )
                return redirect("concern-box", pk=item.pk)
    return render(
        request,
        "concerns/channels/box_open.html",
        {"box": item, "form": form, "formset": formset, "rows": rows},
    )
