"""The demo concerns keep the rules the services keep: a timeline that starts with the
creation and chains its states, fields that fit the state, tracking numbers in sequence,
owners as routing gives them, escalation levels the job would have set by the demo day.

The demo county is loaded once for the module (about half a minute) and rolled back after.
"""

import datetime
import itertools
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from districts.access import SYSTEM
from districts.demo import load_demo_county
from liaison.concerns.demo import (
    FOCUS_VILLAGE,
    _Router,
    attach_demo_accounts,
    load_concerns_demo,
)
from liaison.concerns.models import (
    END_STATES,
    OPEN_STATES,
    Channel,
    Concern,
    ConcernEvent,
    ConcernPolicy,
    Feedback,
    Kind,
    Notification,
    OfficerReport,
    State,
    TrackingSequence,
)
from liaison.concerns.services import ESCALATING, escalate_concerns, route
from liaison.concerns.workdays import Calendar
from liaison.core.demo import load_liaison_demo
from liaison.core.models import Cadre

# (Marked so that pytest-django sets the test database up; the module's fixture loads.)
pytestmark = pytest.mark.django_db

# A day whose six months before take in the Spring Festival holidays of 2026.
DEMO_DAY = datetime.date(2026, 3, 18)


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county with its concerns as of DEMO_DAY, for the whole module."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                load_demo_county()
                load_liaison_demo(DEMO_DAY)
                summary = load_concerns_demo(DEMO_DAY)
                yield summary
                raise _Rollback
        except _Rollback:
            pass


@pytest.fixture
def demo_db(demo, django_db_blocker):
    """Each test reads the module's demo; whatever it writes is rolled back."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                yield demo
                raise _Rollback
        except _Rollback:
            pass


def _concerns() -> list[Concern]:
    return list(Concern.objects.order_by("pk"))


def _events() -> dict[int, list[ConcernEvent]]:
    by_concern: dict[int, list[ConcernEvent]] = defaultdict(list)
    for event in ConcernEvent.objects.order_by("at", "pk"):
        by_concern[event.concern_id].append(event)
    return by_concern


def test_the_demo_covers_every_channel_kind_category_and_end(demo_db):
    concerns = _concerns()
    assert demo_db.concerns == len(concerns) > 2500
    assert {c.channel for c in concerns} == set(Channel.values)
    assert {c.kind for c in concerns} == set(Kind.values)
    assert len({c.category_id for c in concerns}) == 10
    states = Counter(c.state for c in concerns)
    # Every place of the demo county has a zone leader: routing leaves nothing in a
    # township's queue, so no demo concern is still `received`.
    assert set(states) == set(State.values) - {State.RECEIVED}
    assert states[State.CLOSED] > len(concerns) / 2
    assert {c.feedback for c in concerns} == {"", *Feedback.values}
    today = DEMO_DAY
    open_ = [c for c in concerns if c.state in OPEN_STATES]
    assert sum(c.due < today for c in open_) >= 10  # overdue
    assert {c.escalation_level for c in open_} == {0, 1, 2, 3}
    assert sum(c.reopen_count > 0 for c in concerns) >= 30
    assert any(c.reopen_count >= 2 for c in concerns)
    assert any(c.extended for c in concerns)
    assert any(c.box_opening_id for c in concerns)
    assert sum(c.household_id is None and not c.reporter_phone for c in concerns) >= 50
    assert any(c.priority == "urgent" for c in concerns)


def test_every_timeline_starts_with_the_creation_and_chains_its_states(demo_db):
    events = _events()
    concerns = _concerns()
    assert sum(map(len, events.values())) == demo_db.events
    latest = timezone.make_aware(datetime.datetime.combine(DEMO_DAY, datetime.time(0, 30)))
    for c in concerns:
        timeline = events[c.pk]
        first = timeline[0]
        assert (first.action, first.from_state) == ("create", ""), c.tracking_number
        assert first.to_state in (State.RECEIVED, State.ASSIGNED)
        assert c.received_at <= first.at == c.created_at
        assert [e.action for e in timeline].count("create") == 1
        for before, after in itertools.pairwise(timeline):
            assert after.from_state == before.to_state, (c.tracking_number, after.action)
        assert timeline[-1].to_state == c.state, c.tracking_number
        assert timeline[-1].at == c.updated_at <= latest
        assert all(e.actor_id is None for e in timeline)


def test_the_fields_fit_the_state(demo_db):
    for c in Concern.objects.select_related("area", "household").order_by("pk"):
        number = c.tracking_number
        assert (c.owner_id is None) == (c.state == State.RECEIVED), number
        if c.state == State.IN_PROGRESS:
            assert c.accepted_at is not None, number
        if c.state == State.AWAITING_INFO:
            assert c.paused_on is not None and c.accepted_at is not None, number
        else:
            assert c.paused_on is None, number
        if c.state == State.RESOLVED:
            assert c.resolved_at and c.callback_due and c.resolution, number
            assert c.feedback in ("", Feedback.UNREACHABLE), number
        if c.state in END_STATES:
            assert c.closed_at is not None, number
        else:
            assert c.closed_at is None, number
        if c.state == State.CLOSED:
            assert c.resolved_at is not None, number
        assert (c.state == State.DUPLICATE) == (c.duplicate_of_id is not None), number
        if c.duplicate_of_id:
            original = Concern.objects.get(pk=c.duplicate_of_id)
            assert original.received_at < c.received_at
            assert (original.village_id, original.category_id) == (c.village_id, c.category_id)
        assert (c.state == State.REFERRED) == bool(c.referred_to), number
        assert c.area.level in ("village", "group")
        if c.household is not None:
            assert c.household.group_id == c.area_id
        assert (c.escalated_at is not None) >= (c.escalation_level > 0), number


def test_tracking_numbers_are_unique_and_run_in_sequence_per_county_and_year(demo_db):
    numbers: dict[str, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    seen = set()
    for c in _concerns():
        assert c.tracking_number not in seen
        seen.add(c.tracking_number)
        prefix, _sep, serial = c.tracking_number.rpartition("-")
        # The year and the order of entry (concern_create hands them out as it records).
        assert prefix == f"530827-{timezone.localdate(c.created_at).year}"
        numbers[prefix].append((c.created_at, int(serial)))
    assert set(numbers) == {"530827-2025", "530827-2026"}
    for prefix, rows in numbers.items():
        serials = [serial for _at, serial in sorted(rows)]
        assert serials == list(range(1, len(rows) + 1)), prefix
        assert TrackingSequence.objects.get(prefix=prefix).last == len(rows)


def test_owners_are_who_routing_names(demo_db):
    """The loader's router and services.route agree (on every fifth concern), and a concern
    nobody reassigned is still with the cadre routing named on the day it came in."""
    router = _Router()
    reassigned = set(
        ConcernEvent.objects.filter(action="assign").values_list("concern_id", flat=True)
    )
    checked = 0
    for c in Concern.objects.select_related("area", "household").order_by("pk")[::5]:
        day = timezone.localdate(c.received_at)
        expected = route(area=c.area, household=c.household, day=day)
        mirrored = router.route(area=c.area, household_id=c.household_id, day=day)
        assert (mirrored.owner, mirrored.reason) == (expected.owner, expected.reason)
        if c.pk not in reassigned:
            assert c.owner == expected.owner, c.tracking_number
            checked += 1
    assert checked > 400


def test_the_deadlines_are_the_policys(demo_db):
    from liaison.concerns.services import deadlines_for

    calendar, policy = Calendar.load(), ConcernPolicy.current()
    waited = set(
        ConcernEvent.objects.filter(action__in=["resume", "extend", "feedback"]).values_list(
            "concern_id", flat=True
        )
    )
    assigned = set(
        ConcernEvent.objects.filter(action="assign").values_list("concern_id", flat=True)
    )
    for c in Concern.objects.select_related("category").order_by("pk")[::3]:
        expected = deadlines_for(
            kind=c.kind,
            category=c.category,
            priority=c.priority,
            received=timezone.localdate(c.received_at),
            policy=policy,
            calendar=calendar,
        )
        assert c.deadline_days == expected.days
        if c.pk not in waited:
            assert c.due == expected.due, c.tracking_number
        if c.pk not in assigned:
            assert c.ack_due == expected.ack_due


def _level_on(c: Concern, day: datetime.date, calendar: Calendar, policy: ConcernPolicy) -> int:
    """The escalation job's levels, written out again (services.escalate_concerns)."""
    if c.due <= calendar.subtract_working_days(day, policy.county_after_days):
        return 3
    if c.reopen_count >= policy.county_after_reopens:
        return 3
    if c.due < day:
        return 2
    if c.due <= calendar.add_working_days(day, 1):
        return 1
    return 0


def test_escalation_levels_are_what_the_job_gives_on_the_demo_day(demo_db):
    calendar, policy = Calendar.load(), ConcernPolicy.current()
    escalating = Concern.objects.filter(state__in=ESCALATING)
    assert escalating.count() > 50
    for c in escalating:
        assert c.escalation_level >= _level_on(c, DEMO_DAY, calendar, policy), c.tracking_number
    # Each raise left its event (reopened twice, the call-back itself raised it to 3).
    raised = set(
        ConcernEvent.objects.filter(action="escalate").values_list("concern_id", flat=True)
    )
    for c in Concern.objects.filter(escalation_level__gt=0, reopen_count__lt=2):
        assert c.pk in raised, c.tracking_number
    # Nothing resolved is left past its call-back window with nobody to call back.
    assert not Concern.objects.filter(
        state=State.RESOLVED,
        callback_due__lt=DEMO_DAY,
        feedback=Feedback.UNREACHABLE,
    ).exists()
    assert not Concern.objects.filter(
        state=State.RESOLVED,
        callback_due__lt=DEMO_DAY,
        household__isnull=True,
        reporter_phone="",
    ).exists()


def _snapshot() -> tuple[list[Any], int, int]:
    rows = list(Concern.objects.order_by("pk").values())
    return rows, ConcernEvent.objects.count(), Notification.objects.count()


def test_the_escalation_job_on_the_demo_day_changes_nothing_twice(demo_db):
    before = _snapshot()
    for _run in range(2):
        result = escalate_concerns(today=DEMO_DAY, by=SYSTEM)
        assert result.as_dict() == {"reminded": 0, "overdue": 0, "supervised": 0, "closed": 0}
        assert _snapshot() == before
    # The next working day it has work: the demo is not frozen.
    after = escalate_concerns(today=DEMO_DAY + datetime.timedelta(days=1), by=SYSTEM)
    assert sum(after.as_dict().values()) > 0


def test_the_demo_accounts_get_their_concerns_and_reports(demo_db):
    from tests.factories import UserFactory

    officer, hotline = UserFactory(username="officer"), UserFactory(username="hotline")
    # The demo cadre account: the village cadre seed_demo links to it.
    cadre = UserFactory(username="cadre")
    own = Cadre.objects.filter(area__code=FOCUS_VILLAGE, user__isnull=True).first()
    assert own is not None
    own.user = cadre
    own.save(update_fields=["user"])
    created = attach_demo_accounts(officer=officer, hotline=hotline, cadre=cadre, today=DEMO_DAY)
    assert created > 10
    # A message about each concern the cadre must still act on, as the services send them.
    inbox = Concern.objects.filter(owner=own, state__in=OPEN_STATES)
    assert inbox.count() >= 5
    assert sorted(Notification.objects.filter(user=cadre).values_list("concern_id", "level")) == (
        sorted(inbox.values_list("pk", "escalation_level"))
    )
    assert inbox.filter(due__lt=DEMO_DAY).exists()
    reports = OfficerReport.objects.filter(officer=officer)
    assert reports.filter(zero=True).exists() and reports.filter(zero=False).exists()
    assert all(r.village.code == FOCUS_VILLAGE and r.date < DEMO_DAY for r in reports)
    entered = Concern.objects.filter(created_by=officer)
    assert entered.exists()
    assert set(entered.values_list("channel", "village__code").distinct()) == {
        ("liaison_officer", FOCUS_VILLAGE)
    }
    assert Concern.objects.filter(created_by=hotline, channel="hotline").exists()
    # A report counts the concerns passed on that day; a zero report, none.
    passed_on = Counter(
        timezone.localdate(at) for at in entered.values_list("received_at", flat=True)
    )
    for report in reports:
        assert report.zero == (passed_on[report.date] == 0), report.date
        assert report.zero or str(passed_on[report.date]) in report.note
    # Again: nothing more.
    messages = Notification.objects.count()
    assert attach_demo_accounts(officer=officer, hotline=hotline, cadre=cadre, today=DEMO_DAY) == 0
    assert Notification.objects.count() == messages
