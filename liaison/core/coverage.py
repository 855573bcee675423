"""Coverage statistics: households with a cadre, cadres with households, zones with a leader.

One statement computes every area at every level as of a date and writes the snapshot rows
(DESIGN.md: keep the work in SQL, write snapshots in one statement). Group-level aggregates
are materialised once, then summed by each ancestor column; prefectures and provinces sum
their counties. The same SQL runs on PostgreSQL and SQLite.
"""

import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from districts.access import Actor, require
from districts.models import Area, Household, Zone, ZoneArea
from liaison.common.dates import check_date

from .models import Cadre, CoverageSnapshot, Pairing, ZoneLeadership

LEVEL_COLUMNS = ("county_id", "township_id", "village_id", "group_id")
# The levels `coverage_count` can count by themselves (households carry their ids).
COUNTABLE_LEVELS = ("county", "township", "village", "group")


# When the last change that coverage counts was committed (a POSIX timestamp), for every
# process: a snapshot computed before it is being replaced (`coverage_pending`).
CHANGED_KEY = "liaison:coverage:changed-at"


def mark_changed() -> None:
    cache.set(CHANGED_KEY, timezone.now().timestamp(), timeout=None)


def coverage_pending(computed_at: datetime.datetime) -> bool:
    """Whether a change committed after `computed_at` still waits for its recompute."""
    changed = cache.get(CHANGED_KEY)
    return changed is not None and computed_at.timestamp() < changed


def _tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    return {
        "area": qn(Area._meta.db_table),
        "household": qn(Household._meta.db_table),
        "pairing": qn(Pairing._meta.db_table),
        "cadre": qn(Cadre._meta.db_table),
        "zone": qn(Zone._meta.db_table),
        "zonearea": qn(ZoneArea._meta.db_table),
        "leadership": qn(ZoneLeadership._meta.db_table),
        "snapshot": qn(CoverageSnapshot._meta.db_table),
        "group": qn("group_id"),
    }


def _chain_sql(t: dict[str, str], within: bool = False) -> str:
    """Each area with the ids of its county, township, village and group (itself included);
    `within`: only the areas under %(path)s (the area counted live and its descendants)."""

    def pick(level: str) -> str:
        return (
            f"CASE '{level}' WHEN a0.level THEN a0.id WHEN a1.level THEN a1.id "
            f"WHEN a2.level THEN a2.id WHEN a3.level THEN a3.id END"
        )

    return f"""
    chain AS MATERIALIZED (
        SELECT a0.id AS area_id, {pick("county")} AS county_id, {pick("township")} AS township_id,
               {pick("village")} AS village_id, {pick("group")} AS group_id
        FROM {t["area"]} a0
        LEFT JOIN {t["area"]} a1 ON a1.id = a0.parent_id
        LEFT JOIN {t["area"]} a2 ON a2.id = a1.parent_id
        LEFT JOIN {t["area"]} a3 ON a3.id = a2.parent_id
        {_IN_PATH.format(alias="a0") if within else ""}
    )"""


# The subtree of one area: its path is a prefix of theirs (SUBSTR is the same on PostgreSQL
# and SQLite, and needs no LIKE escaping).
_IN_PATH = "WHERE SUBSTR({alias}.path, 1, %(path_length)s) = %(path)s"


def _base_sql(t: dict[str, str], within: str = "") -> str:
    """Group-level aggregates of households, cadres and zones as of %(d)s; `within`: the
    household column (county_id … group_id) that must equal %(within)s."""
    in_force = "{p}start_date <= %(d)s AND ({p}end_date IS NULL OR {p}end_date > %(d)s)"
    if within:
        # One area: an index probe per household beats reading every pairing.
        covered = (
            f"SUM(CASE WHEN EXISTS (SELECT 1 FROM {t['pairing']} p "
            f"WHERE p.household_id = h.id AND {in_force.format(p='p.')}) "
            f"THEN 1 ELSE 0 END)"
        )
        join, where = "", f"AND h.{within} = %(within)s"
    else:
        covered = "COUNT(cv.household_id)"
        join = f"""LEFT JOIN (
            SELECT DISTINCT household_id FROM {t["pairing"]} WHERE {in_force.format(p="")}
        ) cv ON cv.household_id = h.id"""
        where = ""
    return f"""
    hh AS MATERIALIZED (
        SELECT h.county_id, h.township_id, h.village_id, h.{t["group"]} AS group_id,
               COUNT(*) AS households, {covered} AS covered
        FROM {t["household"]} h
        {join}
        WHERE (h.status = 'active' OR h.status_date > %(d)s) {where}
        GROUP BY h.county_id, h.township_id, h.village_id, h.{t["group"]}
    ),
    cb AS MATERIALIZED (
        -- A cadre has households if one active pairing leads to an active household: an
        -- index probe per cadre (tens of thousands) beats hashing every pairing (millions).
        SELECT ch.county_id, ch.township_id, ch.village_id, ch.group_id,
               COUNT(*) AS cadres,
               SUM(CASE WHEN EXISTS (
                   SELECT 1 FROM {t["pairing"]} p
                   JOIN {t["household"]} h ON h.id = p.household_id
                   WHERE p.cadre_id = c.id
                     AND p.start_date <= %(d)s AND (p.end_date IS NULL OR p.end_date > %(d)s)
                     AND (h.status = 'active' OR h.status_date > %(d)s)
               ) THEN 1 ELSE 0 END) AS cadres_with
        FROM {t["cadre"]} c
        JOIN chain ch ON ch.area_id = c.area_id
        WHERE c.left_date IS NULL OR c.left_date > %(d)s
        GROUP BY ch.county_id, ch.township_id, ch.village_id, ch.group_id
    ),
    zb AS MATERIALIZED (
        SELECT DISTINCT za.zone_id, CASE WHEN zl.zone_id IS NULL THEN 0 ELSE 1 END AS led,
               ch.county_id, ch.township_id, ch.village_id, ch.group_id
        FROM {t["zonearea"]} za
        JOIN chain ch ON ch.area_id = za.area_id
        LEFT JOIN (
            SELECT DISTINCT zone_id FROM {t["leadership"]}
            WHERE start_date <= %(d)s AND (end_date IS NULL OR end_date > %(d)s)
        ) zl ON zl.zone_id = za.zone_id
    )"""


def _per_area_sql() -> str:
    parts = []
    for col in LEVEL_COLUMNS:
        parts.append(
            f"SELECT {col} AS area_id, SUM(households) AS households, SUM(covered) AS covered, "
            f"0 AS cadres, 0 AS cadres_with, 0 AS zones, 0 AS zones_led "
            f"FROM hh WHERE {col} IS NOT NULL GROUP BY {col}"
        )
        parts.append(
            f"SELECT {col}, 0, 0, SUM(cadres), SUM(cadres_with), 0, 0 "
            f"FROM cb WHERE {col} IS NOT NULL GROUP BY {col}"
        )
        parts.append(
            f"SELECT {col}, 0, 0, 0, 0, COUNT(DISTINCT zone_id), "
            f"COUNT(DISTINCT CASE WHEN led = 1 THEN zone_id END) "
            f"FROM zb WHERE {col} IS NOT NULL GROUP BY {col}"
        )
    return "per_area AS MATERIALIZED (\n        " + "\n        UNION ALL ".join(parts) + "\n    )"


def coverage_sql(t: dict[str, str] | None = None) -> str:
    """Return the SELECT of (area_id, households, covered, cadres, cadres_with, zones, zones_led)
    for every area, as of %(d)s."""
    t = t or _tables()
    return f"""
    WITH {_chain_sql(t).strip()},
    {_base_sql(t).strip()},
    {_per_area_sql()},
    upper AS (
        SELECT anc.id AS area_id, pa.households, pa.covered, pa.cadres, pa.cadres_with,
               pa.zones, pa.zones_led
        FROM per_area pa
        JOIN {t["area"]} cty ON cty.id = pa.area_id AND cty.level = 'county'
        JOIN {t["area"]} anc ON anc.level IN ('province', 'prefecture')
             AND cty.path LIKE anc.path || '%%'
    ),
    everything AS (
        SELECT * FROM per_area UNION ALL SELECT * FROM upper
    )
    SELECT a.id AS area_id,
           COALESCE(SUM(e.households), 0), COALESCE(SUM(e.covered), 0),
           COALESCE(SUM(e.cadres), 0), COALESCE(SUM(e.cadres_with), 0),
           COALESCE(SUM(e.zones), 0), COALESCE(SUM(e.zones_led), 0)
    FROM {t["area"]} a
    LEFT JOIN everything e ON e.area_id = a.id
    GROUP BY a.id"""


def _area_sql(t: dict[str, str], area: Area) -> str:
    """The SELECT of `coverage_sql`, counting only what lies in `area` (a county or below):
    rows for the area and its children."""
    column = t["group"] if area.level == "group" else connection.ops.quote_name(f"{area.level}_id")
    return f"""
    WITH {_chain_sql(t, within=True).strip()},
    {_base_sql(t, within=column).strip()},
    {_per_area_sql()}
    SELECT a.id AS area_id,
           COALESCE(SUM(e.households), 0), COALESCE(SUM(e.covered), 0),
           COALESCE(SUM(e.cadres), 0), COALESCE(SUM(e.cadres_with), 0),
           COALESCE(SUM(e.zones), 0), COALESCE(SUM(e.zones_led), 0)
    FROM {t["area"]} a
    LEFT JOIN per_area e ON e.area_id = a.id
    WHERE a.id = %(within)s OR a.parent_id = %(within)s
    GROUP BY a.id"""


def coverage_count(area: Area, as_of: datetime.date | None = None) -> dict[int, CoverageSnapshot]:
    """Count the coverage of `area` (a county or below) and of its children as of a date
    (default today), now: the snapshot's own SQL, restricted to the area.

    Return {area id: unsaved snapshot, `computed_at` now}; the figures are those a
    recompute at this moment would write. Reads only: no permission is needed beyond
    seeing the area, which the caller has checked.
    """
    if area.level not in COUNTABLE_LEVELS:
        raise ValueError(f"{area.level} areas are counted by coverage_recompute only")
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    params = {
        "d": CoverageSnapshot._meta.get_field("as_of").get_db_prep_save(as_of, connection),
        "within": area.pk,
        "path": area.path,
        "path_length": len(area.path),
    }
    with connection.cursor() as cursor:
        cursor.execute(_area_sql(_tables(), area), params)
        rows = cursor.fetchall()
    return {
        row[0]: CoverageSnapshot(
            area_id=row[0],
            as_of=as_of,
            computed_at=now,
            households=row[1],
            covered_households=row[2],
            cadres=row[3],
            cadres_with_households=row[4],
            zones=row[5],
            zones_with_leader=row[6],
        )
        for row in rows
    }


@transaction.atomic
def coverage_recompute(*, as_of: datetime.date | None = None, by: Actor) -> int:
    """Recompute the snapshot of every area as of a date; rerunning replaces, never duplicates.

    Return the number of snapshot rows written. Raise PermissionDenied unless the actor
    may recompute statistics (tasks act as SYSTEM), ValidationError for a date before
    2000-01-01 or after today (a snapshot to come would become everyone's latest).
    """
    require(by, "recompute_statistics")
    as_of = as_of or timezone.localdate()
    check_date(as_of, field="as_of")
    t = _tables()
    if connection.vendor == "postgresql":
        # Two recomputes of one date (nightly and on demand) take turns instead of colliding
        # on the unique (area, as_of). SQLite serialises writers anyway.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [5308, as_of.toordinal()])
    CoverageSnapshot.objects.filter(as_of=as_of).delete()
    select = coverage_sql(t)
    # The INSERT takes the CTEs of the SELECT: split "WITH …" from the final SELECT.
    head, _, tail = select.rpartition("SELECT a.id AS area_id,")
    sql = (
        f"{head}INSERT INTO {t['snapshot']} (area_id, as_of, computed_at, households, "
        f"covered_households, cadres, cadres_with_households, zones, zones_with_leader) "
        f"SELECT a.id AS area_id, %(d)s, %(now)s,{tail}"
    )
    now = CoverageSnapshot._meta.get_field("computed_at").get_db_prep_save(
        timezone.now(), connection
    )
    day = CoverageSnapshot._meta.get_field("as_of").get_db_prep_save(as_of, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One big analytic statement: JIT compilation costs more than it saves here, and
            # enough sort memory keeps the group-level aggregates off disk (this transaction only).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, {"d": day, "now": now})
    # rowcount is -1 on SQLite for INSERT … SELECT with CTEs: count what was written.
    return CoverageSnapshot.objects.filter(as_of=as_of).count()
