"""Concern statistics: received, resolved (on time), open overdue, median working days to
resolve, reopen rate and call-back satisfaction, by area, month, channel and category.

Set-based like coverage (liaison/core/coverage.py): one `INSERT … SELECT` computes every
area at village, township and county level (prefectures and provinces through the counties'
paths) for the months asked, and writes the snapshot rows (`ConcernStats`). The same SQL
runs on PostgreSQL and SQLite (no GROUPING SETS, no percentile functions): concerns are
aggregated once by village, month, channel, category and days to resolve; the levels and
breakdowns sum those rows; the median is read from the days' histogram with running sums.

What the figures count, for a month M of an area (its subtree):

- `received`: concerns received (local time) in M.
- `resolved`: concerns whose current resolution (`resolved_at`) falls in M; a concern
  reopened and resolved again counts in the month of its last resolution. Those closed
  after the call-back keep their resolution and count.
- `resolved_on_time`: of those, resolved on or before their due date (the local day of the
  resolution <= `due`, a date counted in working days by the Calendar).
- `open_overdue`: a stock, not a flow. For the current month: open now and due before
  today. For a past month: received before the month ended, neither resolved nor closed
  by then, and due before the month's last day. Read from the concerns' current fields: a
  concern since reopened, or whose deadline was extended, counts by its current dates.
- `median_days_to_resolve`: the median of `Concern.days_to_resolve` (working days from the
  day received to the day resolved, set by the resolve service) of the resolved concerns.
- `reopened`: of the resolved concerns, those reopened at least once (an unsatisfied
  call-back); `reopen_rate` = reopened / resolved.
- `callbacks`: the call-backs of the resolved concerns that reached the household: every
  reopening (an unsatisfied call-back) and the current feedback unless "could not be
  reached"; `callbacks_satisfied`: the current feedback satisfied or basically satisfied;
  `callback_satisfaction` = satisfied / callbacks. These figures of a month grow as its
  call-backs come in: the nightly run recomputes the last twelve months.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from districts.access import Actor, require
from districts.models import Area, AreaLevel

from .models import Concern, ConcernStats, Feedback
from .workdays import MAX_WORKING_DAYS, Calendar

# The levels that get snapshot rows; groups are summed into their villages only.
LEVELS = (
    AreaLevel.PROVINCE,
    AreaLevel.PREFECTURE,
    AreaLevel.COUNTY,
    AreaLevel.TOWNSHIP,
    AreaLevel.VILLAGE,
)
# The figures of a snapshot row, in the order the SQL writes them.
COUNTS = (
    "received",
    "resolved",
    "resolved_on_time",
    "open_overdue",
    "reopened",
    "callbacks",
    "callbacks_satisfied",
)
# How many months the nightly run recomputes (the page's charts show as many).
MONTHS_SHOWN = 12


def days_to_resolve(
    received_at: datetime.datetime, resolved_at: datetime.datetime, cal: Calendar
) -> int:
    """Return the working days from the local day received to the local day resolved (0 for
    the same day); a span beyond what the calendar counts gives the field's maximum."""
    start, end = timezone.localdate(received_at), timezone.localdate(resolved_at)
    if (end - start).days > 2 * MAX_WORKING_DAYS:
        return 32767
    return cal.working_days_between(start, end)


# Months ------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def last_months(count: int, today: datetime.date | None = None) -> list[datetime.date]:
    """Return the first days of the `count` months up to this one, oldest first."""
    month = month_start(today or timezone.localdate())
    out = [month]
    for _ in range(count - 1):
        month = month_start(month - datetime.timedelta(days=1))
        out.append(month)
    return out[::-1]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _month_params(months: Sequence[datetime.date], now: datetime.datetime) -> dict[str, Any]:
    """Each month's first day, its bounds (aware), the cut-off of `open_overdue` (the month's
    end, or now for the month running) and the day its overdue concerns are counted on."""
    today = timezone.localdate(now)
    date_field = ConcernStats._meta.get_field("month")
    time_field = Concern._meta.get_field("received_at")

    def d(value: datetime.date) -> Any:
        return date_field.get_db_prep_save(value, connection)

    def t(value: datetime.datetime) -> Any:
        return time_field.get_db_prep_save(value, connection)

    params: dict[str, Any] = {}
    for i, month in enumerate(months):
        end = next_month(month)
        start_at, end_at = _local_midnight(month), _local_midnight(end)
        params[f"m{i}"] = d(month)
        params[f"s{i}"] = t(start_at)
        params[f"e{i}"] = t(end_at)
        params[f"c{i}"] = t(min(now, end_at))
        params[f"a{i}"] = d(min(today, end - datetime.timedelta(days=1)))
    return params


# SQL ---------------------------------------------------------------------------------------


def _tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    return {
        "concern": qn(Concern._meta.db_table),
        "area": qn(Area._meta.db_table),
        "stats": qn(ConcernStats._meta.db_table),
    }


def _typed(name: str, kind: str) -> str:
    """A parameter, typed on PostgreSQL (a VALUES list has no column types to go by)."""
    if connection.vendor == "postgresql":
        return f"CAST(%({name})s AS {'date' if kind == 'date' else 'timestamptz'})"
    return f"%({name})s"


def _local_date(column: str) -> str:
    """The local calendar day of a stored time (UTC), as a date comparable with a DateField."""
    if connection.vendor == "postgresql":
        return f"CAST(({column} AT TIME ZONE %(tz)s) AS date)"
    return f"date({column}, %(tz)s)"


def _tz_param() -> str:
    if connection.vendor == "postgresql":
        return str(settings.TIME_ZONE)
    offset = timezone.localtime(timezone.now()).utcoffset() or datetime.timedelta()
    return f"{int(offset.total_seconds() // 60):+d} minutes"


_FIGURES = (
    "received",
    "resolved",
    "on_time",
    "overdue",
    "reopened",
    "callbacks",
    "satisfied",
    "timed",
)


def _sum(prefix: str = "") -> str:
    # Integers all the way (PostgreSQL sums a bigint as a slow numeric).
    return ", ".join(f"CAST(SUM({prefix}{f}) AS INTEGER) AS {f}" for f in _FIGURES)


# Where the final SELECT starts (the recompute puts its INSERT just before).
FINAL = "SELECT area_id, month, channel, category_id, received, resolved, on_time,"


def stats_sql(month_count: int, t: dict[str, str] | None = None, *, stamp: bool = False) -> str:
    """Return the SELECT of (area_id, month, channel, category_id, received, resolved,
    resolved_on_time, open_overdue, reopened, callbacks, callbacks_satisfied, median[,
    %(now)s with `stamp`]) for every area at LEVELS and the months %(m0)s … (parameters
    from `_month_params`)."""
    t = t or _tables()
    now = ", %(now)s" if stamp else ""
    values = ", ".join(
        f"({_typed(f'm{i}', 'date')}, {_typed(f's{i}', 'ts')}, {_typed(f'e{i}', 'ts')}, "
        f"{_typed(f'c{i}', 'ts')}, {_typed(f'a{i}', 'date')})"
        for i in range(month_count)
    )
    place = "m.month, c.village_id, c.township_id, c.channel, c.category_id"
    satisfied = f"'{Feedback.SATISFIED}', '{Feedback.BASICALLY_SATISFIED}'"
    fed_back = f"{satisfied}, '{Feedback.UNSATISFIED}'"
    figures = ", ".join(_FIGURES)
    levels = ", ".join(f"'{level}'" for level in LEVELS)
    return f"""
    WITH m (month, s, e, cutoff, as_of) AS (VALUES {values}),
    src AS (
        SELECT {place}, 1 AS received, 0 AS resolved, 0 AS on_time, 0 AS overdue,
               0 AS reopened, 0 AS callbacks, 0 AS satisfied, 0 AS timed,
               CAST(NULL AS INTEGER) AS days
        FROM {t["concern"]} c JOIN m ON c.received_at >= m.s AND c.received_at < m.e
        UNION ALL
        SELECT {place}, 0, 1,
               CASE WHEN {_local_date("c.resolved_at")} <= c.due THEN 1 ELSE 0 END, 0,
               CASE WHEN c.reopen_count > 0 THEN 1 ELSE 0 END,
               c.reopen_count + CASE WHEN c.feedback IN ({fed_back}) THEN 1 ELSE 0 END,
               CASE WHEN c.feedback IN ({satisfied}) THEN 1 ELSE 0 END,
               CASE WHEN c.days_to_resolve IS NULL THEN 0 ELSE 1 END, c.days_to_resolve
        FROM {t["concern"]} c JOIN m ON c.resolved_at >= m.s AND c.resolved_at < m.e
        UNION ALL
        SELECT {place}, 0, 0, 0, 1, 0, 0, 0, 0, NULL
        FROM {t["concern"]} c JOIN m ON c.received_at < m.cutoff AND c.due < m.as_of
             AND (c.resolved_at IS NULL OR c.resolved_at >= m.cutoff)
             AND (c.closed_at IS NULL OR c.closed_at >= m.cutoff)
    ),
    vb AS MATERIALIZED (
        SELECT month, village_id, township_id, channel, category_id, days, {_sum()}
        FROM src GROUP BY month, village_id, township_id, channel, category_id, days
    ),
    tb AS MATERIALIZED (
        SELECT month, township_id, channel, category_id, days, {_sum()}
        FROM vb GROUP BY month, township_id, channel, category_id, days
    ),
    lv AS (
        SELECT village_id AS area_id, month, channel, category_id, days, {figures} FROM vb
        UNION ALL
        SELECT township_id, month, channel, category_id, days, {figures} FROM tb
        UNION ALL
        SELECT tw.parent_id, tb.month, tb.channel, tb.category_id, tb.days,
               {", ".join(f"tb.{f}" for f in _FIGURES)}
        FROM tb JOIN {t["area"]} tw ON tw.id = tb.township_id
        UNION ALL
        SELECT anc.id, tb.month, tb.channel, tb.category_id, tb.days,
               {", ".join(f"tb.{f}" for f in _FIGURES)}
        FROM tb JOIN {t["area"]} tw ON tw.id = tb.township_id
        JOIN {t["area"]} cty ON cty.id = tw.parent_id
        JOIN {t["area"]} anc ON anc.level IN ('province', 'prefecture')
             AND SUBSTR(cty.path, 1, LENGTH(anc.path)) = anc.path
    ),
    grouped AS MATERIALIZED (
        SELECT area_id, month, '' AS channel, CAST(NULL AS INTEGER) AS category_id, days,
               {_sum()}
        FROM lv GROUP BY area_id, month, days
        UNION ALL
        SELECT area_id, month, channel, CAST(NULL AS INTEGER), days, {_sum()}
        FROM lv GROUP BY area_id, month, channel, days
        UNION ALL
        SELECT area_id, month, '', category_id, days, {_sum()}
        FROM lv GROUP BY area_id, month, category_id, days
    ),
    w AS (
        SELECT g.*,
               CAST(SUM(timed) OVER (PARTITION BY area_id, month, channel, category_id
                                     ORDER BY days ROWS UNBOUNDED PRECEDING) AS INTEGER) AS cum,
               CAST(SUM(timed) OVER (PARTITION BY area_id, month, channel, category_id)
                    AS INTEGER) AS total
        FROM grouped g
    ),
    agg AS MATERIALIZED (
        SELECT area_id, month, channel, category_id,
               SUM(received) AS received, SUM(resolved) AS resolved, SUM(on_time) AS on_time,
               SUM(overdue) AS overdue, SUM(reopened) AS reopened,
               SUM(callbacks) AS callbacks, SUM(satisfied) AS satisfied,
               (MIN(CASE WHEN timed > 0 AND cum - timed < (total + 1) / 2
                          AND cum >= (total + 1) / 2 THEN days END)
                + MIN(CASE WHEN timed > 0 AND cum - timed < total / 2 + 1
                            AND cum >= total / 2 + 1 THEN days END)) / 2.0 AS median
        FROM w GROUP BY area_id, month, channel, category_id
    )
    {FINAL} overdue,
           reopened, callbacks, satisfied, median{now}
    FROM agg
    UNION ALL
    SELECT a.id, m.month, '', NULL, 0, 0, 0, 0, 0, 0, 0, NULL{now}
    FROM {t["area"]} a CROSS JOIN m
    WHERE a.level IN ({levels}) AND NOT EXISTS (
        SELECT 1 FROM agg x WHERE x.area_id = a.id AND x.month = m.month
        AND x.channel = '' AND x.category_id IS NULL
    )"""


def _months_checked(months: Iterable[datetime.date]) -> list[datetime.date]:
    from liaison.common.dates import check_month

    out = sorted({month_start(m) for m in months})
    for month in out:
        check_month(month, field="months")
    return out


@transaction.atomic
def concern_stats_recompute(
    *,
    months: Iterable[datetime.date] | None = None,
    by: Actor,
    now: datetime.datetime | None = None,
) -> int:
    """Recompute the snapshot rows of every area for `months` (default: the last twelve);
    rerunning replaces, never duplicates. Return the number of rows written. `now` (tests,
    the benchmark) is the moment the current month's open concerns are counted at.

    Raise PermissionDenied unless the actor may recompute statistics (tasks act as SYSTEM),
    ValidationError (keyed by `months`) for a month before 2000 or after this one.
    """
    require(by, "recompute_statistics")
    now = now or timezone.now()
    chosen = _months_checked(
        months if months is not None else last_months(MONTHS_SHOWN, timezone.localdate(now))
    )
    if not chosen:
        return 0
    t = _tables()
    if connection.vendor == "postgresql":
        # The nightly run and one on demand take turns instead of interleaving their rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [5308, 10])
    ConcernStats.objects.filter(month__in=chosen).delete()
    params = _month_params(chosen, now)
    params["tz"] = _tz_param()
    params["now"] = ConcernStats._meta.get_field("computed_at").get_db_prep_save(now, connection)
    select = stats_sql(len(chosen), t, stamp=True)
    # The INSERT takes the CTEs of the SELECT: split "WITH …" from the final SELECT.
    head, _, tail = select.rpartition(FINAL)
    sql = (
        f"{head}INSERT INTO {t['stats']} (area_id, month, channel, category_id, received, "
        f"resolved, resolved_on_time, open_overdue, reopened, callbacks, callbacks_satisfied, "
        f"median_days_to_resolve, computed_at) {FINAL}{tail}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
    return ConcernStats.objects.filter(month__in=chosen).count()


def stats_select(
    months: Sequence[datetime.date], now: datetime.datetime | None = None
) -> list[tuple[Any, ...]]:
    """Run the statistics' SELECT without writing (tests, the benchmark's comparison)."""
    chosen = sorted({month_start(m) for m in months})
    params = _month_params(chosen, now or timezone.now())
    params["tz"] = _tz_param()
    with connection.cursor() as cursor:
        cursor.execute(stats_sql(len(chosen)), params)
        return cursor.fetchall()


# Reading -----------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole rounded to four places, None when `whole` is 0 (as coverage rates)."""
    return round(part / whole, 4) if whole else None


def figures(row: ConcernStats | None) -> dict[str, Any]:
    """Return a snapshot row's figures with their rates (zeros for no row)."""
    values = {name: getattr(row, name) if row is not None else 0 for name in COUNTS}
    median = row.median_days_to_resolve if row is not None else None
    return {
        "received": values["received"],
        "resolved": values["resolved"],
        "resolved_on_time": values["resolved_on_time"],
        "on_time_rate": rate(values["resolved_on_time"], values["resolved"]),
        "open_overdue": values["open_overdue"],
        "median_days_to_resolve": median,
        "reopened": values["reopened"],
        "reopen_rate": rate(values["reopened"], values["resolved"]),
        "callbacks": values["callbacks"],
        "callbacks_satisfied": values["callbacks_satisfied"],
        "callback_satisfaction": rate(values["callbacks_satisfied"], values["callbacks"]),
    }


def area_ref(area: Area) -> dict[str, Any]:
    return {"id": area.pk, "code": area.code, "name": area.name, "level": area.level}


def _totals(rows: Iterable[ConcernStats]) -> dict[int, ConcernStats]:
    return {r.area_id: r for r in rows if r.channel == "" and r.category_id is None}


def stats_payload(area: Area, month: datetime.date) -> dict[str, Any] | None:
    """Return the figures of `area` (checked by the caller) for `month`, with its breakdown
    by channel and by category and its children's totals; None when the month has not been
    computed for the area."""
    from .models import Category, Channel

    month = month_start(month)
    rows = list(ConcernStats.objects.filter(area=area, month=month))
    total = _totals(rows).get(area.pk)
    if total is None:
        return None
    children = list(Area.objects.filter(parent=area, level__in=LEVELS).order_by("code"))
    child_rows = _totals(
        ConcernStats.objects.filter(
            area__in=children, month=month, channel="", category__isnull=True
        )
    )
    categories = {c.pk: c for c in Category.objects.all()}
    by_channel = {r.channel: r for r in rows if r.channel}
    by_category = {r.category_id: r for r in rows if r.category_id is not None}
    return {
        "area": area_ref(area),
        "month": f"{month:%Y-%m}",
        "computed_at": timezone.localtime(total.computed_at),
        **figures(total),
        "by_channel": [
            {"channel": code, **figures(by_channel[code])}
            for code in Channel.values
            if code in by_channel
        ],
        "by_category": [
            {
                "category": {"id": c.pk, "code": c.code, "name": c.label},
                **figures(by_category[c.pk]),
            }
            for c in sorted(categories.values(), key=lambda c: (c.order, c.code))
            if c.pk in by_category
        ],
        "children": [
            {"area": area_ref(child), **figures(child_rows.get(child.pk))} for child in children
        ],
    }


def stats_trend(area: Area, months: Sequence[datetime.date]) -> list[dict[str, Any]]:
    """Return the area's totals month by month (`computed` False for a month not computed)."""
    rows = {
        r.month: r
        for r in ConcernStats.objects.filter(
            area=area, month__in=months, channel="", category__isnull=True
        )
    }
    return [{"month": m, "computed": m in rows, **figures(rows.get(m))} for m in months]


def stats_area(*, user: Actor, area_id: Any = None) -> Area:
    """Return the area whose statistics the user asked for: `area_id` if the user may see it
    (Http404 otherwise, as for a missing one), else the top of the user's jurisdiction."""
    from django.http import Http404
    from django.utils.translation import gettext as _

    from districts import selectors as district_selectors

    if area_id is None:
        roots = district_selectors.area_roots(user=user)
        if not roots:
            raise Http404(_("You have no jurisdiction."))
        return roots[0]
    return district_selectors.area_get(user=user, pk=area_id)
