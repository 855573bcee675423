"""Coverage against a small hand-counted tree, including as-of dates and moved-out households."""

import datetime

import pytest

from districts.access import SYSTEM
from liaison.core.coverage import coverage_recompute
from liaison.core.models import CoverageSnapshot, Pairing, ZoneLeadership

from ..factories import AreaFactory, CadreFactory, ZoneFactory

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


@pytest.fixture
def world(tree, cadre_a, cadre_a2, cadre_b):
    """Township A: 5 households, B: 2. Pairings and leaders on known dates.

    - A1[0], A1[1]: cadre_a from JAN (A1[1] ended FEB)
    - A2[0]: cadre_a2 from FEB
    - B1[0]: cadre_b from JAN; B1[1] moved out on FEB (never paired)
    - cadre_b2 (township B) never has households; cadre_a2 left on MAR
    """
    a = tree.households_a
    b = tree.households_b
    Pairing.objects.create(cadre=cadre_a, household=a[0], start_date=JAN)
    Pairing.objects.create(cadre=cadre_a, household=a[1], start_date=JAN, end_date=FEB)
    Pairing.objects.create(cadre=cadre_a2, household=a[3], start_date=FEB)
    Pairing.objects.create(cadre=cadre_b, household=b[0], start_date=JAN)
    b[1].status, b[1].status_date = "moved_out", FEB
    b[1].save()
    cadre_a2.left_date = MAR
    cadre_a2.save()
    CadreFactory(department=cadre_b.department)  # idle cadre of township B
    zone_a = ZoneFactory(name="A片", areas=[tree.group_a1, tree.group_a2])
    ZoneFactory(name="B片", areas=[tree.group_b1])
    ZoneLeadership.objects.create(zone=zone_a, cadre=cadre_a, start_date=FEB)
    return tree


def figures(area, day):
    s = CoverageSnapshot.objects.get(area=area, as_of=day)
    return (
        s.households,
        s.covered_households,
        s.cadres,
        s.cadres_with_households,
        s.zones,
        s.zones_with_leader,
    )


def test_coverage_by_level_and_date(world):
    t = world
    rows = coverage_recompute(as_of=JAN, by=SYSTEM)
    assert rows == 8  # every area gets a row
    # JAN: A has 5 households, 2 covered (a0, a1); B has 2 (b1 not yet moved), 1 covered.
    assert figures(t.town_a, JAN) == (5, 2, 2, 1, 1, 0)
    assert figures(t.town_b, JAN) == (2, 1, 2, 1, 1, 0)
    assert figures(t.county, JAN) == (7, 3, 4, 2, 2, 0)
    assert figures(t.group_a1, JAN) == (3, 2, 0, 0, 1, 0)
    assert figures(t.group_a2, JAN) == (2, 0, 0, 0, 1, 0)

    coverage_recompute(as_of=FEB, by=SYSTEM)
    # FEB: a1's pairing ended, a3 paired; b1 moved out; zone A got its leader.
    assert figures(t.town_a, FEB) == (5, 2, 2, 2, 1, 1)
    assert figures(t.town_b, FEB) == (1, 1, 2, 1, 1, 0)
    assert figures(t.county, FEB) == (6, 3, 4, 3, 2, 1)
    assert figures(t.village_a, FEB) == (5, 2, 0, 0, 1, 1)

    coverage_recompute(as_of=MAR, by=SYSTEM)
    # MAR: cadre_a2 has left; its pairing still stands (nobody ended it).
    assert figures(t.town_a, MAR) == (5, 2, 1, 1, 1, 1)


def test_rates(world):
    coverage_recompute(as_of=FEB, by=SYSTEM)
    s = CoverageSnapshot.objects.get(area=world.county, as_of=FEB)
    assert (s.household_coverage, s.cadre_coverage) == (0.5, 0.75)


def test_recompute_is_idempotent(world):
    coverage_recompute(as_of=FEB, by=SYSTEM)
    first = list(CoverageSnapshot.objects.order_by("area_id").values_list("area_id", "households"))
    coverage_recompute(as_of=FEB, by=SYSTEM)
    second = list(CoverageSnapshot.objects.order_by("area_id").values_list("area_id", "households"))
    assert first == second
    assert CoverageSnapshot.objects.filter(as_of=FEB).count() == 8


def test_province_and_prefecture_sum_their_counties(world):
    from districts import services

    province = AreaFactory(code="530000", level="province", name="云南省")
    prefecture = AreaFactory(code="530800", level="prefecture", parent=province, name="普洱市")
    services.area_update(area=world.county, data={"parent": prefecture}, by=SYSTEM)
    coverage_recompute(as_of=FEB, by=SYSTEM)
    assert figures(prefecture, FEB) == figures(world.county, FEB)
    assert figures(province, FEB) == figures(world.county, FEB)


def test_coverage_matches_a_python_count(world):
    """The SQL agrees with counting the rows one by one in Python."""
    from districts.models import Household

    coverage_recompute(as_of=FEB, by=SYSTEM)
    for area in [world.county, world.town_a, world.town_b, world.village_a, world.group_a1]:
        households = [
            h for h in Household.objects.in_area(area)
            if h.status == "active" or (h.status_date is not None and h.status_date > FEB)
        ]  # fmt: skip
        covered = [h for h in households if Pairing.objects.active(FEB).filter(household=h)]
        snapshot = CoverageSnapshot.objects.get(area=area, as_of=FEB)
        assert (snapshot.households, snapshot.covered_households) == (
            len(households),
            len(covered),
        )


def test_recompute_command(world, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("recompute_coverage", "--as-of", "2026-02-01")
    assert "8 areas" in capsys.readouterr().out
    assert figures(world.county, FEB) == (6, 3, 4, 3, 2, 1)
    with pytest.raises(CommandError, match=r"Write --as-of as YYYY-MM-DD\."):
        call_command("recompute_coverage", "--as-of", "01/02/2026")


def test_five_links_defaults_are_policy_rows():
    from liaison.core.models import FiveLinksRule

    assert sorted(FiveLinksRule.objects.values_list("department_kind", "household_category")) == [
        ("agri_science", "large_producer"),
        ("economic", "poor"),
        ("education_culture", "education_lagging"),
        ("party_gov", "extreme_hardship"),
        ("political_legal", "problem"),
    ]


def test_only_a_role_that_may_recompute_statistics_recomputes_coverage(tree, viewer_a):
    from django.core.exceptions import PermissionDenied

    from liaison.core.models import CoverageSnapshot

    with pytest.raises(PermissionDenied, match=r"^您的角色无权执行此操作。$"):
        coverage_recompute(by=viewer_a)
    assert not CoverageSnapshot.objects.exists()
