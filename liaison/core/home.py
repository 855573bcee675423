"""The liaison core's widgets on the home page (registered in apps.py).

For those who run or watch the work (`view_dashboard`): the jurisdiction's coverage and the
gap lists' sizes, by the same figures as the coverage and gap pages (`coverage_summary`:
counted now for a small jurisdiction, else its latest snapshot, saying which), and twelve
months of coverage. For cadres: their own households. For the
organisation department and inspectors: their work lists, which the modules that bring
those capabilities will fill; until then each says what will appear.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.access import has_permission, is_role
from districts.models import Role
from liaison.common.charts import Series, month_chart, percent_value
from liaison.common.registry import HomeWidget, register_home

from . import selectors

if TYPE_CHECKING:
    from .models import Cadre
    from .selectors import AreaCoverage

TILE = "districts/_home_tile.html"
CHART = "districts/_home_chart.html"
HOUSEHOLDS_SHOWN = 8
# The same colour for a figure in its tile and in the trend chart.
COLORS = {"households": "#198754", "cadres": "#0d6efd", "zones": "#6f42c1"}
_UNSET = object()


def request_cadre(request: HttpRequest) -> "Cadre | None":
    """The cadre linked to the user's account, read once for the widgets of one request."""
    cached = getattr(request, "_home_cadre", _UNSET)
    if cached is _UNSET:
        cached = selectors.own_cadre(user=request.user)
        setattr(request, "_home_cadre", cached)  # noqa: B010  (not a declared attribute)
    return cached  # type: ignore[return-value]


def _summary(request: HttpRequest) -> "AreaCoverage | None":
    """The jurisdiction's coverage, read once for the tiles and gaps of one request."""
    cached = getattr(request, "_home_coverage", _UNSET)
    if cached is _UNSET:
        cached = selectors.coverage_summary(user=request.user)
        setattr(request, "_home_coverage", cached)  # noqa: B010  (not a declared attribute)
    return cached  # type: ignore[return-value]


def when(coverage: "AreaCoverage") -> str:
    """How fresh the figures are, in a few words (a tile's note)."""
    figures = coverage.figures
    if coverage.live:
        return _("Counted now (%(at)s)") % {
            "at": f"{timezone.localtime(figures.computed_at):%H:%M}"
        }
    note = _("As of %(day)s") % {"day": f"{figures.as_of:%Y-%m-%d}"}
    if not coverage.pending:
        return note
    updating = _("updating")
    return f"{note} · {updating}"


def _coverage_tile(
    request: HttpRequest, figure: str, label: str, part: str, whole: str
) -> tuple[str, dict[str, Any]]:
    coverage = _summary(request)
    context: dict[str, Any] = {
        "figure": figure,
        "label": label,
        "url": reverse("coverage"),
        "color": COLORS[figure],
    }
    if coverage is None:
        context["note"] = _("Not computed yet; coverage is computed every night.")
        return TILE, context
    snapshot = coverage.figures
    part_value, whole_value = getattr(snapshot, part), getattr(snapshot, whole)
    context.update(
        value=snapshot.percent(part_value, whole_value),
        part=part_value,
        whole=whole_value,
        note=when(coverage),
    )
    return TILE, context


def household_coverage_tile(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    return _coverage_tile(
        request, "households", _("Households with a cadre"), "covered_households", "households"
    )


def cadre_coverage_tile(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    return _coverage_tile(
        request, "cadres", _("Cadres with households"), "cadres_with_households", "cadres"
    )


def zone_coverage_tile(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    return _coverage_tile(request, "zones", _("Zones with a leader"), "zones_with_leader", "zones")


def gaps_widget(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    coverage = _summary(request)
    counts = coverage.gaps if coverage else selectors.gap_counts(user=request.user)
    return "liaison/_home_gaps.html", {
        "note": when(coverage) if coverage else "",
        "gaps": [
            ("households", counts["households"], reverse("gaps", args=["households"])),
            ("cadres", counts["cadres"], reverse("gaps", args=["cadres"])),
            ("zones", counts["zones"], reverse("gaps", args=["zones"])),
        ],
    }


def coverage_trend_widget(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    rows = selectors.coverage_by_month(user=request.user, today=timezone.localdate())
    months = [month for month, _snapshot in rows]

    def values(part: str, whole: str) -> list[float | None]:
        return [
            percent_value(getattr(s, part), getattr(s, whole)) if s is not None else None
            for _month, s in rows
        ]

    context = month_chart(
        key="coverage-trend",
        kind="line",
        months=months,
        series=[
            Series(
                _("Households with a cadre"),
                values("covered_households", "households"),
                COLORS["households"],
            ),
            Series(
                _("Cadres with households"),
                values("cadres_with_households", "cadres"),
                COLORS["cadres"],
            ),
            Series(_("Zones with a leader"), values("zones_with_leader", "zones"), COLORS["zones"]),
        ],
    )
    context.update(
        title=_("Coverage, month by month"),
        note=_("Each month's last snapshot."),
        url=reverse("coverage"),
        link_text=_("Open coverage"),
    )
    return CHART, context


def my_households_widget(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    cadre = request_cadre(request)
    if cadre is None:
        return None  # duty days' widget says the account is not linked to a cadre
    pairings = selectors.own_pairings(cadre)
    return "liaison/_home_households.html", {
        "cadre": cadre,
        "total": pairings.count(),
        "pairings": list(pairings[:HOUSEHOLDS_SHOWN]),
    }


# Work lists still to come ----------------------------------------------------------------


@dataclass(frozen=True)
class Coming:
    """A work list a later module brings, and what it will show (the widget's key is the
    one that module registers its own widget under, replacing this one)."""

    key: str
    role: str
    order: int
    title: Any
    what: Any
    module: Any

    def render(self, request: HttpRequest) -> tuple[str, dict[str, Any]]:
        return "liaison/_home_coming.html", {
            "key": self.key,
            "title": self.title,
            "what": self.what,
            "module": self.module,
            "meanwhile": [
                (_("Cadres"), reverse("cadre-list")),
                (_("Coverage"), reverse("coverage")),
                (_("Gaps"), reverse("gaps", args=["households"])),
            ],
        }


COMING = (
    Coming(
        "work-campaigns",
        Role.ORG_DEPARTMENT,
        30,
        gettext_lazy("Satisfaction campaigns"),
        gettext_lazy(
            "The satisfaction campaigns you run, how many households have answered so far "
            "and each cadre's satisfaction rate."
        ),
        gettext_lazy("the survey module"),
    ),
    Coming(
        "work-dossiers",
        Role.ORG_DEPARTMENT,
        31,
        gettext_lazy("Promotion dossiers"),
        gettext_lazy(
            "Cadres proposed for promotion whose field check, public survey or assessment "
            "verdict awaits you."
        ),
        gettext_lazy("the promotions module"),
    ),
    Coming(
        "work-inspections",
        Role.INSPECTOR,
        30,
        gettext_lazy("Inspections"),
        gettext_lazy(
            "Your inspections of areas and departments, and the reports you still have to file."
        ),
        gettext_lazy("the inspections module"),
    ),
    Coming(
        "work-rectifications",
        Role.INSPECTOR,
        31,
        gettext_lazy("Items to follow up"),
        gettext_lazy("The rectification items from your inspections, with their deadlines."),
        gettext_lazy("the inspections module"),
    ),
)


def register() -> None:
    """Register the core's home widgets (from LiaisonCoreConfig.ready)."""
    dashboard = has_permission("view_dashboard")
    register_home(HomeWidget("coverage-households", 10, household_coverage_tile, dashboard, "tile"))
    register_home(HomeWidget("coverage-cadres", 11, cadre_coverage_tile, dashboard, "tile"))
    register_home(HomeWidget("coverage-zones", 12, zone_coverage_tile, dashboard, "tile"))
    register_home(HomeWidget("gaps", 20, gaps_widget, dashboard, "full"))
    register_home(HomeWidget("coverage-trend", 40, coverage_trend_widget, dashboard, "half"))
    register_home(HomeWidget("my-households", 6, my_households_widget, is_role(Role.CADRE)))
    for coming in COMING:
        register_home(HomeWidget(coming.key, coming.order, coming.render, is_role(coming.role)))
