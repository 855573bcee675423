"""Rules of concerns at the service: intake, routing, every transition, escalation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from districts.access import SYSTEM
from districts.models import Role
from liaison.concerns.models import (
    Concern,
    ConcernEvent,
    ConcernPolicy,
    Notification,
    State,
)
from liaison.concerns.services import (
    TRANSITIONS,
    TransitionRefused,
    allowed_actions,
    concern_act,
    escalate_concerns,
)
from liaison.concerns.workdays import Calendar
from tests.factories import (
    CadreFactory,
    ZoneFactory,
    ZoneLeadershipFactory,
    user_with_role,
)

D = datetime.date
# Messages pinned in English.
pytestmark = pytest.mark.usefixtures("english")


def _states(concern):
    concern.refresh_from_db()
    return concern.state


# Intake ----------------------------------------------------------------------------------


def test_a_tracking_number_is_county_year_sequence(raise_concern):
    first, second = raise_concern(), raise_concern()
    year = timezone.localdate().year
    assert first.tracking_number == f"530827-{year}-000001"
    assert second.tracking_number == f"530827-{year}-000002"


def test_creation_is_the_first_event_and_says_where_it_went(raise_concern):
    concern = raise_concern()
    event = ConcernEvent.objects.get(concern=concern)
    assert (event.action, event.from_state, event.to_state) == ("create", "", "received")
    assert "the township's queue" in event.note


def test_received_at_may_be_earlier_but_never_in_the_future(raise_concern):
    earlier = timezone.now() - datetime.timedelta(days=3)
    assert raise_concern(received_at=earlier).received_at == earlier
    with pytest.raises(ValidationError, match="future"):
        raise_concern(received_at=timezone.now() + datetime.timedelta(days=1))


def test_a_concern_is_raised_in_a_village_or_group(raise_concern, tree):
    with pytest.raises(ValidationError, match="village"):
        raise_concern(area=tree.town_a)
    assert raise_concern(area=tree.village_a).village == tree.village_a


def test_the_household_must_live_in_the_place_given(raise_concern, tree):
    with pytest.raises(ValidationError, match="does not live"):
        raise_concern(area=tree.group_a2, household=tree.households_a[0])
    concern = raise_concern(household=tree.households_a[0])
    assert (concern.area, concern.township) == (tree.group_a1, tree.town_a)


def test_an_empty_description_is_refused(raise_concern):
    with pytest.raises(ValidationError, match="Say what"):
        raise_concern(description="   ")


def test_a_place_outside_the_jurisdiction_is_not_found(raise_concern, tree, admin_b):
    with pytest.raises(Http404, match="No such area"):
        raise_concern(area=tree.group_a1, by=admin_b)
    assert not Concern.objects.exists()


def test_a_viewer_may_not_enter_concerns(raise_concern, viewer_a):
    with pytest.raises(PermissionDenied, match="Your role does not allow this"):
        raise_concern(by=viewer_a)


def test_a_liaison_officer_enters_in_their_village_only(raise_concern, tree, officer_a):
    assert raise_concern(by=officer_a, channel="liaison_officer").created_by == officer_a
    with pytest.raises(Http404, match="No such area"):
        raise_concern(by=officer_a, area=tree.group_b1)


# Routing ---------------------------------------------------------------------------------


def test_routed_to_the_households_paired_cadre(raise_concern, paired_a, cadre_a):
    concern = raise_concern(household=paired_a)
    assert (concern.owner, concern.state) == (cadre_a, State.ASSIGNED)
    assert Notification.objects.filter(user=cadre_a.user, concern=concern).exists()


def test_else_the_leader_of_the_zone_of_the_group_then_village_then_township(
    raise_concern, tree, township_a_department
):
    assert raise_concern().owner is None  # no zone: the township's queue
    town_leader = ZoneLeadershipFactory(
        cadre=CadreFactory(department=township_a_department),
        zone=ZoneFactory(level="township", areas=[tree.town_a]),
    ).cadre
    assert raise_concern().owner == town_leader
    village_leader = ZoneLeadershipFactory(
        cadre=CadreFactory(department=township_a_department),
        zone=ZoneFactory(level="village", areas=[tree.village_a]),
    ).cadre
    assert raise_concern().owner == village_leader
    group_leader = ZoneLeadershipFactory(
        cadre=CadreFactory(department=township_a_department),
        zone=ZoneFactory(level="group", areas=[tree.group_a1]),
    ).cadre
    assert raise_concern().owner == group_leader
    # An unpaired household of the group goes to the group's leader too.
    assert raise_concern(household=tree.households_a[1]).owner == group_leader


def test_a_cadre_who_left_is_not_routed_to(raise_concern, paired_a, cadre_a):
    cadre_a.left_date = D(2026, 4, 1)
    cadre_a.save()
    assert raise_concern(household=paired_a).owner is None


# Transitions -----------------------------------------------------------------------------


@pytest.fixture
def owned(raise_concern, paired_a):
    """A concern of cadre A's household: assigned to cadre A."""
    return raise_concern(household=paired_a)


def _set_state(concern, state, **fields):
    Concern.objects.filter(pk=concern.pk).update(state=state, **fields)
    concern.refresh_from_db()
    return concern


ALL_STATES = [s.value for s in State]
EXPECTED_SOURCES = {
    "assign": {"received", "assigned", "in_progress", "awaiting_info"},
    "accept": {"assigned"},
    "request-info": {"in_progress"},
    "resume": {"awaiting_info"},
    "resolve": {"in_progress"},
    "feedback": {"resolved"},
    "close": {"resolved"},
    "extend": {"assigned", "in_progress", "awaiting_info"},
    "duplicate": {"received", "assigned", "in_progress", "awaiting_info"},
    "refer": {"received", "assigned", "in_progress", "awaiting_info"},
    "reject": {"received", "assigned", "in_progress", "awaiting_info"},
}


def _params(action, tree, other):
    return {
        "assign": {"cadre": other},
        "resolve": {"note": "修好了"},
        "feedback": {"result": "satisfied"},
        "extend": {"reason": "需要等材料"},
        "duplicate": {"of": None},
        "refer": {"to": "县水务局", "reason": "不属本级"},
        "reject": {"reason": "不属实"},
    }.get(action, {})


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("state", ALL_STATES)
def test_every_action_from_every_state(action, state, owned, raise_concern, tree, cadre_a2):
    """Allowed from its sources (by the county), refused from every other state with 400's
    list of what is allowed now."""
    from tests.factories import UserFactory

    cadre_a2.user = UserFactory()
    cadre_a2.save()
    concern = _set_state(owned, state, paused_on=timezone.localdate())
    params = _params(action, tree, cadre_a2)
    if action == "duplicate":
        params["of"] = raise_concern()
    if state in EXPECTED_SOURCES[action]:
        concern_act(concern=concern, action=action, by=SYSTEM, **params)
        assert ConcernEvent.objects.filter(concern=concern, action=action).exists()
    else:
        before = (concern.state, concern.due, concern.updated_at)
        with pytest.raises(TransitionRefused, match="cannot be") as refused:
            concern_act(concern=concern, action=action, by=SYSTEM, **params)
        assert refused.value.allowed == allowed_actions(concern, SYSTEM)
        concern.refresh_from_db()
        assert (concern.state, concern.due, concern.updated_at) == before


def test_table_of_sources_is_as_the_issue_says():
    assert {name: set(t.sources) for name, t in TRANSITIONS.items()} == EXPECTED_SOURCES


def test_the_happy_path_of_an_owner(owned, cadre_user_a, hotline):
    concern_act(concern=owned, action="accept", by=cadre_user_a)
    assert _states(owned) == State.IN_PROGRESS and owned.accepted_at is not None
    concern_act(concern=owned, action="resolve", by=cadre_user_a, note="已经修好水管")
    owned.refresh_from_db()
    assert owned.state == State.RESOLVED
    assert owned.callback_due == Calendar.load().add_working_days(timezone.localdate(), 3)
    concern_act(concern=owned, action="feedback", by=hotline, result="satisfied")
    assert _states(owned) == State.CLOSED
    actions = list(ConcernEvent.objects.filter(concern=owned).values_list("action", flat=True))
    assert actions == ["create", "accept", "resolve", "feedback"]


def test_resolve_needs_a_note(owned):
    _set_state(owned, State.IN_PROGRESS)
    with pytest.raises(ValidationError, match="required"):
        concern_act(concern=owned, action="resolve", by=SYSTEM, note=" ")


def test_unsatisfied_reopens_and_twice_goes_to_the_county(owned, cadre_user_a):
    for times in (1, 2):
        _set_state(owned, State.RESOLVED)
        concern_act(concern=owned, action="feedback", by=SYSTEM, result="unsatisfied")
        owned.refresh_from_db()
        assert (owned.state, owned.reopen_count) == (State.IN_PROGRESS, times)
    assert owned.escalation_level == 3
    assert Notification.objects.filter(concern=owned, kind="reopened").count() == 2


def test_unreachable_stays_resolved_and_closes_after_the_window(owned):
    _set_state(owned, State.IN_PROGRESS)
    concern_act(concern=owned, action="resolve", by=SYSTEM, note="已处理")
    concern_act(concern=owned, action="feedback", by=SYSTEM, result="unreachable")
    owned.refresh_from_db()
    assert (owned.state, owned.feedback) == (State.RESOLVED, "unreachable")
    escalate_concerns(today=owned.callback_due, by=SYSTEM)
    assert _states(owned) == State.RESOLVED
    escalate_concerns(today=owned.callback_due + datetime.timedelta(days=1), by=SYSTEM)
    assert _states(owned) == State.CLOSED


def test_an_anonymous_concern_closes_without_call_back(raise_concern):
    concern = _set_state(raise_concern(), State.IN_PROGRESS)
    concern_act(concern=concern, action="resolve", by=SYSTEM, note="已处理")
    concern.refresh_from_db()
    result = escalate_concerns(today=concern.callback_due + datetime.timedelta(days=1), by=SYSTEM)
    assert result.closed == 1 and _states(concern) == State.CLOSED


def test_waiting_for_information_moves_the_due_date(owned, monkeypatch):
    _set_state(owned, State.IN_PROGRESS, due=D(2026, 2, 25))
    monkeypatch.setattr(timezone, "localdate", lambda *a: D(2026, 2, 13))
    concern_act(concern=owned, action="request-info", by=SYSTEM)
    monkeypatch.setattr(timezone, "localdate", lambda *a: D(2026, 2, 25))
    concern_act(concern=owned, action="resume", by=SYSTEM)
    owned.refresh_from_db()
    # Waited Feb 14, 24, 25: three working days later than Feb 25 is Feb 28 (a working Saturday).
    assert (owned.state, owned.due, owned.paused_on) == (State.IN_PROGRESS, D(2026, 2, 28), None)


def test_extend_once_before_the_due_date_by_a_township_leader(owned, tree, monkeypatch):
    leader = user_with_role(Role.CADRE, tree.town_a, username="leader")
    CadreFactory(rank="township_leader", user=leader, area=tree.town_a)
    ordinary = user_with_role(Role.CADRE, tree.town_a, username="ordinary")
    CadreFactory(rank="ordinary", user=ordinary, area=tree.town_a)
    _set_state(owned, State.IN_PROGRESS, due=D(2026, 2, 25), deadline_days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *a: D(2026, 2, 24))
    with pytest.raises(PermissionDenied, match="township or county leader"):
        concern_act(concern=owned, action="extend", by=ordinary, reason="等材料")
    concern_act(concern=owned, action="extend", by=leader, reason="等材料")
    owned.refresh_from_db()
    assert (owned.due, owned.extended) == (D(2026, 2, 28), True)  # 26, 27, Sat 28
    with pytest.raises(TransitionRefused, match="already been extended"):
        concern_act(concern=owned, action="extend", by=leader, reason="再等")


def test_extend_is_refused_after_the_due_date(owned, admin_a, monkeypatch):
    _set_state(owned, State.IN_PROGRESS, due=D(2026, 2, 25))
    monkeypatch.setattr(timezone, "localdate", lambda *a: D(2026, 2, 26))
    with pytest.raises(TransitionRefused, match="before it passes"):
        concern_act(concern=owned, action="extend", by=admin_a, reason="等材料")


def test_another_township_administrator_may_not_extend(owned, admin_b):
    with pytest.raises(Http404, match="No such concern"):
        concern_act(concern=owned, action="extend", by=admin_b, reason="x")


def test_a_cadre_works_only_their_own_concerns(raise_concern, tree, cadre_user_a, cadre_a2):
    from tests.factories import UserFactory

    cadre_a2.user = UserFactory()
    cadre_a2.save()
    concern = raise_concern()
    concern_act(concern=concern, action="assign", by=SYSTEM, cadre=cadre_a2)
    with pytest.raises(PermissionDenied, match="assigned to you"):
        concern_act(concern=concern, action="accept", by=cadre_user_a)
    assert _states(concern) == State.ASSIGNED


def test_a_cadre_may_not_route(owned, cadre_user_a, cadre_a2):
    with pytest.raises(PermissionDenied, match="Your role does not allow this"):
        concern_act(concern=owned, action="reject", by=cadre_user_a, reason="x")


def test_assign_needs_a_cadre_with_an_account(raise_concern, cadre_a2):
    with pytest.raises(ValidationError, match="account"):
        concern_act(concern=raise_concern(), action="assign", by=SYSTEM, cadre=cadre_a2)


def test_duplicate_refer_reject_end_with_their_reason(raise_concern):
    first, second, third, fourth = (raise_concern() for _ in range(4))
    concern_act(concern=second, action="duplicate", by=SYSTEM, of=first)
    concern_act(concern=third, action="refer", by=SYSTEM, to="县水务局", reason="属县级")
    concern_act(concern=fourth, action="reject", by=SYSTEM, reason="反映不属实")
    assert [_states(c) for c in (second, third, fourth)] == ["duplicate", "referred", "rejected"]
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.duplicate_of == first and third.referred_to == "县水务局"
    with pytest.raises(ValidationError, match="itself"):
        concern_act(concern=first, action="duplicate", by=SYSTEM, of=first)


# Escalation ------------------------------------------------------------------------------


def test_escalation_levels_rise_with_the_days_and_a_rerun_changes_nothing(owned):
    _set_state(owned, State.IN_PROGRESS, due=D(2026, 3, 10))
    cal = Calendar.load()
    steps = [
        (D(2026, 3, 6), 0),  # Friday; the next working day is Monday 9th: not yet
        (D(2026, 3, 9), 1),  # the working day before the due date: reminded
        (D(2026, 3, 10), 1),
        (D(2026, 3, 11), 2),  # overdue
        (cal.add_working_days(D(2026, 3, 10), 4), 2),
        (cal.add_working_days(D(2026, 3, 10), 5), 3),  # five working days overdue
    ]
    for today, level in steps:
        escalate_concerns(today=today, by=SYSTEM)
        events = ConcernEvent.objects.filter(concern=owned).count()
        result = escalate_concerns(today=today, by=SYSTEM)
        owned.refresh_from_db()
        assert owned.escalation_level == level, today
        assert result.as_dict() == {"reminded": 0, "overdue": 0, "supervised": 0, "closed": 0}
        assert ConcernEvent.objects.filter(concern=owned).count() == events
    kinds = list(
        Notification.objects.filter(concern=owned).order_by("pk").values_list("kind", "level")
    )
    assert kinds == [("assigned", 0), ("due_tomorrow", 1), ("escalated", 2), ("escalated", 3)]


def test_a_concern_waiting_for_information_does_not_escalate(owned):
    _set_state(owned, State.AWAITING_INFO, due=D(2026, 3, 10))
    escalate_concerns(today=D(2026, 4, 30), by=SYSTEM)
    owned.refresh_from_db()
    assert owned.escalation_level == 0


def test_a_late_run_goes_straight_to_the_right_level(owned):
    _set_state(owned, State.IN_PROGRESS, due=D(2026, 3, 10))
    result = escalate_concerns(today=D(2026, 4, 30), by=SYSTEM)
    owned.refresh_from_db()
    assert owned.escalation_level == 3 and result.supervised == 1
    assert ConcernEvent.objects.filter(concern=owned, action="escalate").count() == 1


def test_the_policy_moves_the_county_threshold(owned):
    policy = ConcernPolicy.current()
    policy.county_after_days = 1
    policy.save()
    _set_state(owned, State.IN_PROGRESS, due=D(2026, 3, 10))
    escalate_concerns(today=D(2026, 3, 11), by=SYSTEM)
    owned.refresh_from_db()
    assert owned.escalation_level == 3


def test_escalation_needs_the_system_or_an_administrator(viewer_a):
    with pytest.raises(PermissionDenied, match="Your role does not allow this"):
        escalate_concerns(today=D(2026, 3, 11), by=viewer_a)


# Erasure ---------------------------------------------------------------------------------


def test_reporters_of_concerns_ended_past_the_retention_period_are_erased(raise_concern):
    from io import StringIO

    from django.core.management import call_command

    from tests.factories import QuarantinedMailFactory

    old = raise_concern(
        reporter_name="岩三", reporter_phone="13912345678", reporter_email="yan@example.cn"
    )
    held = QuarantinedMailFactory()
    QuarantinedMailFactory._meta.model.objects.filter(pk=held.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=365 * 6)
    )
    kept = QuarantinedMailFactory()
    recent = raise_concern(reporter_name="玉香", reporter_phone="13912345679")
    long_ago = timezone.now() - datetime.timedelta(days=365 * 6)
    Concern.objects.filter(pk=old.pk).update(state=State.CLOSED, closed_at=long_ago)
    Concern.objects.filter(pk=recent.pk).update(state=State.CLOSED, closed_at=timezone.now())
    out = StringIO()
    call_command("erase_personal_data", "--dry-run", stdout=out)
    assert "Concerns' reporters and held mail erased: 2" in out.getvalue()  # a concern, a held mail
    assert Concern.objects.get(pk=old.pk).reporter_name == "岩三"
    call_command("erase_personal_data", stdout=StringIO())
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.reporter_name, old.reporter_phone, old.reporter_email) == ("", "", "")
    remaining = QuarantinedMailFactory._meta.model.objects.values_list("pk", flat=True)
    assert list(remaining) == [kept.pk]
    assert (recent.reporter_name, recent.tracking_number) == ("玉香", recent.tracking_number)


def test_the_command_escalates_for_a_given_day_and_refuses_a_bad_one(owned):
    from io import StringIO

    from django.core.management import CommandError, call_command

    _set_state(owned, State.IN_PROGRESS, due=D(2026, 3, 10))
    out = StringIO()
    call_command("escalate_concerns", "--today", "2026-03-11", stdout=out)
    assert "overdue 1" in out.getvalue()
    owned.refresh_from_db()
    assert owned.escalation_level == 2
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("escalate_concerns", "--today", "11/03/2026")


def test_the_beat_runs_the_escalation_every_fifteen_minutes(settings):
    from liaison.concerns.tasks import escalate_task

    entry = settings.CELERY_BEAT_SCHEDULE["concerns-escalate"]
    assert (entry["task"], entry["schedule"]) == (escalate_task.name, 15 * 60)


def test_only_a_router_gives_a_new_concern_to_someone_else(
    raise_concern, cadre_user_a, cadre_a, cadre_a2
):
    mine = raise_concern(by=cadre_user_a, channel="contact_card", owner=cadre_a)
    assert (mine.owner, mine.state) == (cadre_a, State.ASSIGNED)
    with pytest.raises(PermissionDenied, match="Your role does not allow this"):
        raise_concern(by=cadre_user_a, channel="contact_card", owner=cadre_a2)


def test_a_department_outside_the_reach_is_not_found(raise_concern, admin_a, township_b_department):
    with pytest.raises(Http404, match="No such department"):
        raise_concern(by=admin_a, department=township_b_department)
    assert not Concern.objects.exists()


def test_every_concern_gets_a_lookup_code_and_published_notes_are_kept_apart(
    raise_concern, paired_a, cadre_user_a, cadre_a2
):
    from liaison.concerns.selectors import public_notes
    from liaison.concerns.services import LOOKUP_ALPHABET, concern_publish_note

    concern = raise_concern(household=paired_a)
    assert len(concern.lookup_code) == 8 and set(concern.lookup_code) <= set(LOOKUP_ALPHABET)
    assert raise_concern().lookup_code != concern.lookup_code
    concern_publish_note(concern=concern, note="已联系水务站，本周内修复。", by=cadre_user_a)
    concern_act(concern=concern, action="accept", by=cadre_user_a, note="内部：先看现场")
    assert [e.note for e in public_notes(concern)] == ["已联系水务站，本周内修复。"]
    with pytest.raises(ValidationError, match="Write the note"):
        concern_publish_note(concern=concern, note="  ", by=cadre_user_a)
    other = raise_concern()
    with pytest.raises(PermissionDenied, match="assigned to you"):
        concern_publish_note(concern=other, note="x", by=cadre_user_a)
