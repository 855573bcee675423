"""The same request through a page and through the API gives the same result and the same
side effects: the service, not the view, schedules the coverage recompute."""

import pytest
from django.urls import reverse
from django.utils import timezone

from districts.access import SYSTEM
from liaison.core import services
from liaison.core.models import CoverageSnapshot, Pairing

from ..conftest import api_client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def covered_today(area) -> int | None:
    snapshot = CoverageSnapshot.objects.filter(area=area, as_of=TODAY).first()
    return None if snapshot is None else snapshot.covered_households


def test_assigning_through_the_api_recomputes_coverage(
    tree, admin_a, cadre_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client_for(admin_a).post(
            "/api/v1/pairings/",
            {"cadre": cadre_a.pk, "household": tree.households_a[0].pk},
            format="json",
        )
    assert response.status_code == 201
    assert len(callbacks) == 2  # the pages' "being counted" mark, then the recompute
    assert (covered_today(tree.county), covered_today(tree.town_a)) == (1, 1)


def test_assigning_through_the_page_does_the_same(
    client, tree, admin_a, cadre_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("assign", args=[tree.group_a1.pk]),
            {
                "action": "assign",
                "cadre": cadre_a.pk,
                "households": [tree.households_a[0].pk],
                "start_date": TODAY.isoformat(),
            },
        )
    assert response.status_code == 302
    assert len(callbacks) == 2  # the pages' "being counted" mark, then the recompute
    assert (covered_today(tree.county), covered_today(tree.town_a)) == (1, 1)


def test_ending_a_pairing_through_the_api_recomputes_coverage(
    tree, admin_a, cadre_a, django_capture_on_commit_callbacks
):
    pairing = services.pairing_create(
        cadre=cadre_a, household=tree.households_a[0], start_date=TODAY, by=SYSTEM
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client_for(admin_a).post(f"/api/v1/pairings/{pairing.pk}/end/", {})
    assert response.status_code == 200
    assert len(callbacks) == 2  # the pages' "being counted" mark, then the recompute
    assert Pairing.objects.active().count() == 0
    assert covered_today(tree.county) == 0


def test_an_import_recomputes_coverage(tree, county_admin, django_capture_on_commit_callbacks):
    import io

    from districts.imports import import_households

    data = "code,group_code,head_name\nH-NEW-1,530827100201001,岩香\n".encode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = import_households(io.BytesIO(data), "h.csv", by=county_admin)
    assert result.created == 1
    assert len(callbacks) == 2  # the pages' "being counted" mark, then the recompute
    snapshot = CoverageSnapshot.objects.get(area=tree.county, as_of=TODAY)
    assert (snapshot.households, snapshot.covered_households) == (8, 0)
