import datetime
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from liaison.core import services
from liaison.core.models import DepartmentVillageLink, Pairing, ZoneLeadership

from ..factories import CadreFactory, DepartmentFactory, HouseholdFactory, ZoneFactory

pytestmark = pytest.mark.django_db


def test_bulk_assign_pairs_households_and_records_history(tree, admin_a, cadre_a, day):
    pairings = services.pairings_bulk_assign(
        cadre=cadre_a, households=tree.households_a, start_date=day, by=admin_a
    )
    assert len(pairings) == 5
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 5
    assert Pairing.history.filter(history_type="+", history_user=admin_a).count() == 5


def test_a_household_has_at_most_one_active_cadre(tree, admin_a, cadre_a, cadre_a2, day):
    household = tree.households_a[0]
    services.pairing_create(cadre=cadre_a, household=household, start_date=day, by=admin_a)
    taken = f"{household.head_name} ({household.code}) 已有责任干部：岩温。"
    with pytest.raises(ValidationError, match=re.escape(taken)):
        services.pairing_create(cadre=cadre_a2, household=household, start_date=day, by=admin_a)
    assert Pairing.objects.filter(household=household).count() == 1


def test_the_database_refuses_a_second_active_pairing(tree, cadre_a, cadre_a2, day):
    from django.db import IntegrityError, transaction

    household = tree.households_a[0]
    Pairing.objects.create(cadre=cadre_a, household=household, start_date=day)
    # SQLite and PostgreSQL word it differently; both name the rule.
    refused = (
        r"UNIQUE constraint failed: liaison_pairing\.household_id|pairing_one_active_per_household"
    )
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        Pairing.objects.create(cadre=cadre_a2, household=household, start_date=day)


def test_bulk_assign_is_all_or_nothing(tree, admin_a, cadre_a, cadre_a2, day):
    taken = tree.households_a[2]
    services.pairing_create(cadre=cadre_a2, household=taken, start_date=day, by=admin_a)
    message = f"{taken.head_name} ({taken.code}) 已有责任干部：玉香。"
    with pytest.raises(ValidationError, match=re.escape(message)) as exc:
        services.pairings_bulk_assign(
            cadre=cadre_a, households=tree.households_a, start_date=day, by=admin_a
        )
    assert exc.value.message_dict == {"households": [message]}
    assert Pairing.objects.filter(cadre=cadre_a).count() == 0


def test_bulk_assign_with_replace_moves_without_gap(tree, admin_a, cadre_a, cadre_a2, day):
    household = tree.households_a[0]
    services.pairing_create(cadre=cadre_a2, household=household, start_date=day, by=admin_a)
    later = day + datetime.timedelta(days=10)
    services.pairings_bulk_assign(
        cadre=cadre_a, households=[household], start_date=later, replace=True, by=admin_a
    )
    for offset in range(0, 20):
        on = day + datetime.timedelta(days=offset)
        assert Pairing.objects.active(on).filter(household=household).count() == 1
    old = Pairing.objects.get(cadre=cadre_a2)
    assert old.end_date == later


def test_moved_out_households_cannot_be_assigned(tree, admin_a, cadre_a, day):
    household = tree.households_a[0]
    household.status, household.status_date = "moved_out", day
    household.save()
    gone = f"{household.head_name} ({household.code}) 已迁出或已注销。"
    with pytest.raises(ValidationError, match=re.escape(gone)):
        services.pairing_create(cadre=cadre_a, household=household, start_date=day, by=admin_a)
    assert not Pairing.objects.exists()


def test_township_admin_cannot_assign_another_townships_households_or_cadres(
    tree, admin_a, cadre_a, cadre_b, day
):
    # Another township's household or cadre reads as missing.
    with pytest.raises(Http404, match=r"^该农户不存在。$"):
        services.pairing_create(
            cadre=cadre_a, household=tree.households_b[0], start_date=day, by=admin_a
        )
    with pytest.raises(Http404, match=r"^该干部不存在。$"):
        services.pairing_create(
            cadre=cadre_b, household=tree.households_a[0], start_date=day, by=admin_a
        )
    assert not Pairing.objects.exists()


def test_viewer_cannot_assign(tree, viewer_a, cadre_a, day):
    with pytest.raises(PermissionDenied, match="您的角色无权执行此操作"):
        services.pairing_create(
            cadre=cadre_a, household=tree.households_a[0], start_date=day, by=viewer_a
        )
    assert not Pairing.objects.exists()


def test_ending_a_pairing_keeps_it(tree, admin_a, cadre_a, day):
    pairing = services.pairing_create(
        cadre=cadre_a, household=tree.households_a[0], start_date=day, by=admin_a
    )
    end = day + datetime.timedelta(days=5)
    services.pairing_end(pairing=pairing, end_date=end, reason="调岗", by=admin_a)
    pairing.refresh_from_db()
    assert (pairing.end_date, pairing.end_reason) == (end, "调岗")
    assert Pairing.objects.active(day).count() == 1
    assert Pairing.objects.active(end).count() == 0
    with pytest.raises(ValidationError, match="该结对帮扶已结束"):
        services.pairing_end(pairing=pairing, by=admin_a)
    pairing.refresh_from_db()
    assert (pairing.end_date, pairing.end_reason) == (end, "调岗")


def test_transfer_leaves_no_gap_and_marks_the_cadre_left(tree, admin_a, cadre_a, cadre_a2, day):
    services.pairings_bulk_assign(
        cadre=cadre_a, households=tree.households_a, start_date=day, by=admin_a
    )
    on = day + datetime.timedelta(days=30)
    services.cadre_transfer(cadre=cadre_a, to=cadre_a2, date=on, leave=True, by=admin_a)
    cadre_a.refresh_from_db()
    assert cadre_a.left_date == on
    for d in (day, on - datetime.timedelta(days=1), on, on + datetime.timedelta(days=1)):
        covered = Pairing.objects.active(d).values_list("household_id", flat=True)
        assert sorted(covered) == sorted(h.pk for h in tree.households_a)
    assert Pairing.objects.active().filter(cadre=cadre_a2).count() == 5
    with pytest.raises(ValidationError, match=f"岩温已于 {on:%Y-%m-%d} 离任，不能再分配农户。"):
        services.pairing_create(
            cadre=cadre_a, household=tree.households_a[0], by=admin_a, start_date=on
        )


def test_transfer_with_assignments_must_cover_every_household(
    tree, admin_a, cadre_a, cadre_a2, day
):
    services.pairings_bulk_assign(
        cadre=cadre_a, households=tree.households_a[:2], start_date=day, by=admin_a
    )
    first, second = tree.households_a[:2]
    with pytest.raises(ValidationError, match="请为该干部联系的 2 户农户逐户指定新的责任干部"):
        services.cadre_transfer(
            cadre=cadre_a, assignments={first.pk: cadre_a2}, date=day, by=admin_a
        )
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 2
    other = CadreFactory(department=cadre_a2.department)
    services.cadre_transfer(
        cadre=cadre_a, assignments={first.pk: cadre_a2, second.pk: other}, date=day, by=admin_a
    )
    assert Pairing.objects.active().get(household=second).cadre == other


def test_zone_leader_rank_must_fit_the_zone_level(tree, county_admin, cadre_a, day):
    township_zone = ZoneFactory(name="娜允镇责任区", level="township", areas=[tree.town_a])
    with pytest.raises(ValidationError, match="乡镇责任区应由县级领导负责；岩温是普通干部。"):
        services.zone_leader_set(zone=township_zone, cadre=cadre_a, start_date=day, by=county_admin)
    leader = CadreFactory(department=cadre_a.department, rank="county_leader")
    services.zone_leader_set(zone=township_zone, cadre=leader, start_date=day, by=county_admin)
    successor = CadreFactory(department=cadre_a.department, rank="county_leader")
    later = day + datetime.timedelta(days=3)
    services.zone_leader_set(zone=township_zone, cadre=successor, start_date=later, by=county_admin)
    assert ZoneLeadership.objects.get(cadre=leader).end_date == later
    assert ZoneLeadership.objects.get(end_date__isnull=True).cadre == successor


def test_department_link_rules(tree, county_admin, county_department, township_b_department):
    link = services.department_link_create(
        department=county_department, village=tree.village_a, by=county_admin
    )
    assert link.end_date is None
    with pytest.raises(ValidationError, match="该部门已挂钩此村。"):
        services.department_link_create(
            department=county_department, village=tree.village_a, by=county_admin
        )
    # A township's department links its own villages only.
    with pytest.raises(ValidationError, match="该村不在部门所属区域内。"):
        services.department_link_create(
            department=township_b_department, village=tree.village_a, by=county_admin
        )
    assert list(DepartmentVillageLink.objects.all()) == [link]


@pytest.mark.django_db(transaction=True)
def test_two_administrators_assigning_at_once_cannot_both_win(tree, county_admin, day):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (SQLite serialises writers)")
    department = DepartmentFactory(area=tree.town_a, level="township", kind="party_gov")
    first, second = CadreFactory(department=department), CadreFactory(department=department)
    households = [HouseholdFactory(group=tree.group_a1) for _ in range(20)]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(cadre):
        from django.db import connections

        try:
            barrier.wait()
            services.pairings_bulk_assign(
                cadre=cadre, households=households, start_date=day, by=county_admin
            )
            outcomes.append("won")
        except ValidationError:
            outcomes.append("lost")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost", "won"]
    assert Pairing.objects.active().filter(household__in=households).count() == 20
    assert Pairing.objects.active().values("cadre").distinct().count() == 1


def test_dates_in_the_future_are_refused(tree, admin_a, cadre_a, cadre_a2, day):
    from django.utils import timezone

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    pairing = services.pairing_create(
        cadre=cadre_a, household=tree.households_a[0], start_date=day, by=admin_a
    )
    with pytest.raises(ValidationError, match="该日期晚于今天。") as exc:
        services.pairing_end(pairing=pairing, end_date=tomorrow, by=admin_a)
    assert set(exc.value.message_dict) == {"end_date"}
    with pytest.raises(ValidationError, match="该日期晚于今天。") as exc:
        services.cadre_transfer(cadre=cadre_a, to=cadre_a2, date=tomorrow, by=admin_a)
    assert set(exc.value.message_dict) == {"date"}
    assert Pairing.objects.active().get().cadre == cadre_a


def test_a_new_pairing_cannot_overlap_an_ended_one(tree, admin_a, cadre_a, cadre_a2, day):
    household = tree.households_a[0]
    pairing = services.pairing_create(
        cadre=cadre_a, household=household, start_date=day, by=admin_a
    )
    ended = day + datetime.timedelta(days=30)
    services.pairing_end(pairing=pairing, end_date=ended, by=admin_a)
    overlap = f"{household.head_name} ({household.code}) 在 {ended} 之前已有责任干部"
    with pytest.raises(ValidationError, match=re.escape(overlap)):
        services.pairing_create(
            cadre=cadre_a2, household=household, start_date=day + datetime.timedelta(days=10),
            by=admin_a,
        )  # fmt: skip
    assert Pairing.objects.filter(household=household).count() == 1
    services.pairing_create(cadre=cadre_a2, household=household, start_date=ended, by=admin_a)
    for offset in range(0, 40):
        on = day + datetime.timedelta(days=offset)
        assert Pairing.objects.active(on).filter(household=household).count() == 1


def test_a_cadre_who_leaves_stops_leading_zones(tree, county_admin, cadre_a, cadre_a2, day):
    zone = ZoneFactory(name="A片", areas=[tree.group_a1])
    services.zone_leader_set(zone=zone, cadre=cadre_a, start_date=day, by=county_admin)
    services.cadre_transfer(cadre=cadre_a, to=cadre_a2, date=day, leave=True, by=county_admin)
    assert not ZoneLeadership.objects.filter(zone=zone, end_date__isnull=True).exists()


def test_township_admin_assigns_county_cadres_but_not_their_other_households(
    tree, admin_a, county_admin, county_department, cadre_a, day
):
    county_cadre = CadreFactory(department=county_department)
    services.pairing_create(
        cadre=county_cadre, household=tree.households_a[0], start_date=day, by=admin_a
    )
    services.pairing_create(
        cadre=county_cadre, household=tree.households_b[0], start_date=day, by=county_admin
    )
    with pytest.raises(PermissionDenied, match="该干部在您的管辖范围之上任职"):
        services.cadre_transfer(cadre=county_cadre, to=cadre_a, date=day, by=admin_a)
    assert Pairing.objects.active().filter(cadre=county_cadre).count() == 2
    # The county can.
    services.cadre_transfer(cadre=county_cadre, to=cadre_a, date=day, by=county_admin)
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 2
