import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from districts.models import Zone
from liaison.core import services
from liaison.core.models import Pairing, ZoneLeadership

from ..factories import CadreFactory, HouseholdFactory

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
    with pytest.raises(ValidationError, match="岩温"):
        services.pairing_create(cadre=cadre_a2, household=household, start_date=day, by=admin_a)
    assert Pairing.objects.filter(household=household).count() == 1


def test_the_database_refuses_a_second_active_pairing(tree, cadre_a, cadre_a2, day):
    from django.db import IntegrityError, transaction

    household = tree.households_a[0]
    Pairing.objects.create(cadre=cadre_a, household=household, start_date=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(cadre=cadre_a2, household=household, start_date=day)


def test_bulk_assign_is_all_or_nothing(tree, admin_a, cadre_a, cadre_a2, day):
    services.pairing_create(
        cadre=cadre_a2, household=tree.households_a[2], start_date=day, by=admin_a
    )
    with pytest.raises(ValidationError) as exc:
        services.pairings_bulk_assign(
            cadre=cadre_a, households=tree.households_a, start_date=day, by=admin_a
        )
    assert len(exc.value.message_dict["households"]) == 1
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
    with pytest.raises(ValidationError, match="已迁出或已注销"):
        services.pairing_create(cadre=cadre_a, household=household, start_date=day, by=admin_a)


def test_township_admin_cannot_assign_another_townships_households_or_cadres(
    tree, admin_a, cadre_a, cadre_b, day
):
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
    with pytest.raises(PermissionDenied):
        services.pairing_create(
            cadre=cadre_a, household=tree.households_a[0], start_date=day, by=viewer_a
        )


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
    with pytest.raises(ValidationError):
        services.pairing_end(pairing=pairing, by=admin_a)


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
    with pytest.raises(ValidationError, match="离任"):
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
    with pytest.raises(ValidationError):
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
    township_zone = Zone.objects.create(name="娜允镇责任区", level="township")
    township_zone.zone_areas.create(area=tree.town_a)
    with pytest.raises(ValidationError, match="县级领导"):
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
    with pytest.raises(ValidationError):
        services.department_link_create(
            department=county_department, village=tree.village_a, by=county_admin
        )
    with pytest.raises(ValidationError):  # a township's department links its own villages
        services.department_link_create(
            department=township_b_department, village=tree.village_a, by=county_admin
        )


@pytest.mark.django_db(transaction=True)
def test_two_administrators_assigning_at_once_cannot_both_win(tree, county_admin, day):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (SQLite serialises writers)")
    from ..factories import DepartmentFactory

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
    with pytest.raises(ValidationError):
        services.pairing_end(pairing=pairing, end_date=tomorrow, by=admin_a)
    with pytest.raises(ValidationError):
        services.cadre_transfer(cadre=cadre_a, to=cadre_a2, date=tomorrow, by=admin_a)
    assert Pairing.objects.active().get().cadre == cadre_a


def test_a_new_pairing_cannot_overlap_an_ended_one(tree, admin_a, cadre_a, cadre_a2, day):
    household = tree.households_a[0]
    pairing = services.pairing_create(
        cadre=cadre_a, household=household, start_date=day, by=admin_a
    )
    services.pairing_end(pairing=pairing, end_date=day + datetime.timedelta(days=30), by=admin_a)
    with pytest.raises(ValidationError):
        services.pairing_create(
            cadre=cadre_a2, household=household, start_date=day + datetime.timedelta(days=10),
            by=admin_a,
        )  # fmt: skip
    services.pairing_create(
        cadre=cadre_a2,
        household=household,
        start_date=day + datetime.timedelta(days=30),
        by=admin_a,
    )
    for offset in range(0, 40):
        on = day + datetime.timedelta(days=offset)
        assert Pairing.objects.active(on).filter(household=household).count() == 1


def test_a_cadre_who_leaves_stops_leading_zones(tree, county_admin, cadre_a, cadre_a2, day):
    zone = Zone.objects.create(name="A片", level="group")
    zone.zone_areas.create(area=tree.group_a1)
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
