"""Two first posts of the same cadre and day merge into one record, never a 500 or a 400.

A phone that sends the day twice, or two visits logged at once, both arrive before either
is stored: the service locks the cadre's row, so the second finds the first's record; a
writer that does not take that lock loses to the unique constraint and is merged.
"""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from dutydays import services
from dutydays.models import DutyDay

from ..conftest import api_client_for
from ..factories import user_with_role

TODAY = timezone.localdate()


@pytest.fixture
def cadre_user(tree, cadre_a):
    user = user_with_role("cadre", tree.town_a, username="yanwen")
    cadre_a.user = user
    cadre_a.save()
    return user


@pytest.mark.django_db
def test_a_record_stored_after_the_lookup_is_merged_into(tree, cadre_a, cadre_user, monkeypatch):
    # Another writer stored the day after this post looked for it (the lookup saw nothing):
    # the insert then hits the unique (cadre, date), and the post adds to that record.
    other = services.dutyday_log(
        cadre=cadre_a,
        date=TODAY,
        area=tree.group_a1,
        activities=["talked_with_cadres"],
        households=tree.households_a[:1],
        diary="上午",
        by=cadre_user,
    )
    real_lookup = services._day_locked
    lookups = []

    def lookup_before_the_other_commit(cadre, date):
        lookups.append(date)
        return None if len(lookups) == 1 else real_lookup(cadre, date)

    monkeypatch.setattr(services, "_day_locked", lookup_before_the_other_commit)
    day = services.dutyday_log(
        cadre=cadre_a,
        date=TODAY,
        area=tree.group_a2,
        activities=["farm_work"],
        households=tree.households_a[3:4],
        diary="下午",
        by=cadre_user,
    )
    assert len(lookups) == 2  # the lost insert looked again
    assert day.pk == other.pk
    stored = DutyDay.objects.get()
    assert stored.area == tree.group_a1  # the day keeps its first place
    assert stored.diary == "上午\n\n下午"
    assert stored.activities == ["visited_households", "talked_with_cadres", "farm_work"]
    assert set(stored.households.all()) == {tree.households_a[0], tree.households_a[3]}


@pytest.mark.django_db
def test_an_integrity_error_that_is_not_the_lost_race_still_fails(
    tree, cadre_a, cadre_user, monkeypatch
):
    from django.db import IntegrityError

    monkeypatch.setattr(DutyDay, "save", _raise_integrity_error)
    with pytest.raises(IntegrityError, match="not the day"):
        services.dutyday_log(
            cadre=cadre_a, date=TODAY, area=tree.group_a1, households=tree.households_a[:1],
            by=cadre_user,
        )  # fmt: skip
    assert not DutyDay.objects.exists()


def _raise_integrity_error(self, *args, **kwargs):
    from django.db import IntegrityError

    raise IntegrityError("not the day's unique constraint")


@pytest.mark.django_db(transaction=True)
def test_two_first_posts_at_once_both_succeed_and_merge(tree, cadre_a, cadre_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (SQLite serialises writers)")
    rounds = 4  # several days, so that the two posts really meet at least once
    outcomes: list[tuple[int, int]] = []

    def post(date: datetime.date, household, diary: str, barrier: threading.Barrier):
        client = api_client_for(cadre_user)
        client.raise_request_exception = False
        try:
            barrier.wait()
            response = client.post(
                "/api/v1/duty-days/",
                {
                    "date": date.isoformat(),
                    "area": tree.group_a1.pk,
                    "households": [household.pk],
                    "diary": diary,
                },
                format="json",
            )
            outcomes.append((date.toordinal(), response.status_code))
        finally:
            connections.close_all()

    for offset in range(rounds):
        date = TODAY - datetime.timedelta(days=offset)
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=post, args=(date, tree.households_a[0], "第一次", barrier)),
            threading.Thread(target=post, args=(date, tree.households_a[1], "第二次", barrier)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(code for _, code in outcomes) == [201] * (2 * rounds)
    assert DutyDay.objects.filter(cadre=cadre_a).count() == rounds
    for day in DutyDay.objects.filter(cadre=cadre_a):
        assert sorted(day.diary.split("\n\n")) == ["第一次", "第二次"]
        assert set(day.households.all()) == set(tree.households_a[:2])
