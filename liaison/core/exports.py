"""Downloads of the liaison core: coverage, the gap lists, and the responsible cadre column
it adds to household lists.

Each table is described once by its columns (liaison.common.exports.Column): the API's CSV
writes their codes; the pages and the API's `labels=1` their labels and displayed values.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from districts.models import AreaLevel, Household, Zone
from liaison.common.exports import Column, Sheet, choice_label, local_time, table
from liaison.common.registry import ExportColumns

from .models import Cadre, CoverageSnapshot, Rank
from .selectors import current_cadres

if TYPE_CHECKING:
    from .selectors import AreaCoverage


def coverage_row(snapshot: CoverageSnapshot) -> dict[str, Any]:
    """Return one area's coverage as the API and the downloads give it."""
    area = snapshot.area
    return {
        "area": {"id": area.pk, "code": area.code, "name": area.name, "level": area.level},
        "as_of": snapshot.as_of,
        "computed_at": timezone.localtime(snapshot.computed_at),
        "households": snapshot.households,
        "covered_households": snapshot.covered_households,
        "household_coverage": snapshot.household_coverage,
        "cadres": snapshot.cadres,
        "cadres_with_households": snapshot.cadres_with_households,
        "cadre_coverage": snapshot.cadre_coverage,
        "zones": snapshot.zones,
        "zones_with_leader": snapshot.zones_with_leader,
    }


def coverage_payload(coverage: "AreaCoverage") -> dict:
    """Return an area's coverage with its children's (the API's body, the downloads' rows):
    `live` when counted just now, `pending` when read from a snapshot that a committed
    change is still replacing."""
    payload = coverage_row(coverage.figures)
    payload["live"] = coverage.live
    payload["pending"] = coverage.pending
    payload["children"] = [coverage_row(s) for s in coverage.children]
    return payload


def _count(key: str, label: Any) -> Column[dict[str, Any]]:
    return Column(key, label, lambda row: row[key])


def _rate(key: str, label: Any, part: str, whole: str) -> Column[dict[str, Any]]:
    return Column(
        key,
        label,
        lambda row: row[key],
        lambda row: CoverageSnapshot.percent(row[part], row[whole]),
    )


# The API's CSV has had these columns, in this order, since it was published: keep them.
COVERAGE_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("area_id", _("area"), lambda row: row["area"]["id"]),
    Column("code", _("code"), lambda row: row["area"]["code"]),
    Column("name", _("name"), lambda row: row["area"]["name"]),
    Column(
        "level",
        _("level"),
        lambda row: row["area"]["level"],
        lambda row: choice_label(AreaLevel, row["area"]["level"]),
    ),
    Column("as_of", _("as of"), lambda row: row["as_of"]),
    Column(
        "computed_at",
        _("computed at"),
        lambda row: row["computed_at"],
        lambda row: local_time(row["computed_at"]),
    ),
    _count("households", _("households")),
    _count("covered_households", _("covered households")),
    _rate("household_coverage", _("Household coverage"), "covered_households", "households"),
    _count("cadres", _("cadres")),
    _count("cadres_with_households", _("cadres with households")),
    _rate("cadre_coverage", _("Cadre coverage"), "cadres_with_households", "cadres"),
    _count("zones", _("zones")),
    _count("zones_with_leader", _("zones with a leader")),
]
# People read areas by code and name; the internal id is for systems.
COVERAGE_LABEL_COLUMNS = COVERAGE_COLUMNS[1:]


def coverage_sheet(payload: dict[str, Any], *, labels: bool) -> Sheet:
    """Return an area's coverage and its children's (the API payload) as a table."""
    columns = COVERAGE_LABEL_COLUMNS if labels else COVERAGE_COLUMNS
    rows = [payload, *payload["children"]]
    return table(_("Coverage"), columns, rows, labels=labels)


def coverage_filename(payload: dict[str, Any], *, labels: bool) -> str:
    if labels:
        title = _("Coverage")
        return f"{title}-{payload['area']['name']}-{payload['as_of']}"
    return f"coverage-{payload['area']['code']}-{payload['as_of']}"


# Gap lists -----------------------------------------------------------------------------------

IDLE_CADRE_COLUMNS: list[Column[Cadre]] = [
    Column("name", _("Name"), lambda c: c.name),
    Column("rank", _("Rank"), lambda c: c.rank, lambda c: choice_label(Rank, c.rank)),
    Column("department", _("Department"), lambda c: c.department.name),
    Column("area", _("Area"), lambda c: c.area.name),
]
LEADERLESS_ZONE_COLUMNS: list[Column[Zone]] = [
    Column("name", _("Zone"), lambda z: z.name),
    Column("level", _("Level"), lambda z: z.level, lambda z: choice_label(Zone.Level, z.level)),
    Column(
        "areas",
        _("Areas covered"),
        lambda z: ";".join(a.code for a in z.areas.all()),
        lambda z: "、".join(a.name for a in z.areas.all()),
    ),
]


# The responsible cadre of each household, added to the household downloads of districts.


def _cadre_values(request: HttpRequest, households: Sequence[Household]) -> list[list[Any]]:
    cadres = current_cadres(households)
    return [[cadres[h.pk].name if h.pk in cadres else ""] for h in households]


RESPONSIBLE_CADRE = ExportColumns(
    headers=lambda: [_("Responsible cadre")],
    values=_cadre_values,
)
