"""The deadline engine: Chinese working days, and due dates counted in them.

One module answers "is this a working day", "what date is N working days after that one"
and "how many working days lie between" for every feature with a deadline (concerns,
meeting follow-ups, inspection rectifications, the promotions' weekend rule).

Where the answer comes from, first match wins:

1. the override table (`WorkdayOverride`, edited in the admin): a date declared a working
   day or a day off, whatever else says;
2. the `chinese-calendar` package: statutory holidays and the adjusted working weekends
   (调休) as the State Council published them;
3. for a year the package does not know (the next year's calendar is published only in
   November or December): Monday to Friday. Nothing stops; `missing_years` tells the
   administrators' dashboard which years to enter.

A `Calendar` reads the override table once; pass one to a loop (the escalation job, the
demo) instead of asking the database for every date.
"""

import datetime
from collections.abc import Iterable
from functools import lru_cache

import chinese_calendar

ONE_DAY = datetime.timedelta(days=1)
# A bound on how far a count may run (a thousand working days is four years): a bad input
# fails instead of looping.
MAX_WORKING_DAYS = 1000


@lru_cache(maxsize=4096)
def _package_answer(day: datetime.date) -> bool | None:
    """Return the package's answer for `day` (True = working day), or None outside its years."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def package_knows(year: int) -> bool:
    """Return whether the chinese-calendar package has the published calendar of `year`."""
    return _package_answer(datetime.date(year, 6, 1)) is not None


class Calendar:
    """Working days as the override table, the package and the fallback say (in that order)."""

    def __init__(self, overrides: dict[datetime.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})

    @classmethod
    def load(cls) -> "Calendar":
        """Read the override table (a few dozen rows) once."""
        from .models import WorkdayOverride

        return cls(dict(WorkdayOverride.objects.values_list("date", "is_working_day")))

    def is_working_day(self, day: datetime.date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        answer = _package_answer(day)
        if answer is not None:
            return answer
        return day.weekday() < 5

    def is_day_off(self, day: datetime.date) -> bool:
        """A weekend or statutory holiday (not an adjusted working weekend)."""
        return not self.is_working_day(day)

    def is_holiday(self, day: datetime.date) -> bool:
        """A statutory holiday (a day off that is not a plain weekend), as far as known."""
        override = self.overrides.get(day)
        if override is not None:
            return not override and day.weekday() < 5
        try:
            return bool(chinese_calendar.is_holiday(day)) and day.weekday() < 5
        except NotImplementedError:
            return False

    def add_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """Return the date `count` working days after `start`, counting from the day after.

        `count` 0 gives `start` itself if it is a working day, else the next working day
        (the deadline of an urgent concern).
        """
        if count < 0:
            raise ValueError("count must not be negative")
        if count > MAX_WORKING_DAYS:
            raise ValueError(f"count must not exceed {MAX_WORKING_DAYS}")
        day = start
        if count == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
            return day
        left = count
        while left:
            day += ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def subtract_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """Return the date `count` working days before `start` (counting from the day before)."""
        if count < 0 or count > MAX_WORKING_DAYS:
            raise ValueError("count out of range")
        day, left = start, count
        while left:
            day -= ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Return the working days d with start < d <= end (0 when end <= start)."""
        if end <= start:
            return 0
        if (end - start).days > MAX_WORKING_DAYS * 2:
            raise ValueError("range too long")
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """Return the years among `years` that neither the package nor the override table
        knows: their dates fall back to Monday–Friday until an administrator enters them."""
        entered = {day.year for day in self.overrides}
        return sorted(y for y in set(years) if not package_knows(y) and y not in entered)


def calendar() -> Calendar:
    """The calendar as it stands now (reads the override table)."""
    return Calendar.load()


def is_working_day(day: datetime.date) -> bool:
    return calendar().is_working_day(day)


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    return calendar().add_working_days(start, count)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return calendar().working_days_between(start, end)


def years_in_use(today: datetime.date) -> list[int]:
    """This year, and the next from November (when deadlines start to reach into it)."""
    return [today.year, today.year + 1] if today.month >= 11 else [today.year]
