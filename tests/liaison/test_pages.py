import pytest
from django.urls import reverse

from districts.models import Zone
from liaison.core.coverage import coverage_recompute
from liaison.core.models import ContactInfo, Pairing, ZoneLeadership

from ..factories import CadreFactory

pytestmark = pytest.mark.django_db


def test_assign_page_lists_households_and_assigns_ticked_ones(
    login, tree, admin_a, cadre_a, django_capture_on_commit_callbacks
):
    client = login(admin_a)
    url = reverse("assign", args=[tree.group_a1.pk])
    page = client.get(url).content.decode()
    for h in tree.households_a[:3]:
        assert h.head_name in page
    assert f'value="{cadre_a.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "assign",
                "cadre": cadre_a.pk,
                "households": [h.pk for h in tree.households_a[:2]],
                "start_date": "2026-03-01",
            },
        )
    assert response.status_code == 302
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 2
    page = client.get(url + "?uncovered=1").content.decode()
    assert tree.households_a[0].head_name not in page
    assert tree.households_a[2].head_name in page


def test_assign_page_shows_errors_and_writes_nothing(login, tree, admin_a, cadre_a, cadre_a2):
    Pairing.objects.create(cadre=cadre_a2, household=tree.households_a[0], start_date="2026-01-01")
    client = login(admin_a)
    response = client.post(
        reverse("assign", args=[tree.group_a1.pk]),
        {
            "action": "assign",
            "cadre": cadre_a.pk,
            "households": [h.pk for h in tree.households_a[:3]],
            "start_date": "2026-03-01",
        },
        follow=True,
    )
    assert "alert-danger" in response.content.decode()
    assert not Pairing.objects.filter(cadre=cadre_a).exists()


def test_assign_page_is_for_managers_in_jurisdiction(login, tree, admin_a, viewer_a):
    assert login(viewer_a).get(reverse("assign", args=[tree.group_a1.pk])).status_code == 403
    assert login(admin_a).get(reverse("assign", args=[tree.group_b1.pk])).status_code == 404
    assert login(admin_a).get(reverse("assign", args=[tree.town_a.pk])).status_code == 404


def test_suggestions_follow_the_five_links_and_can_be_accepted(
    login, tree, admin_a, township_a_department
):
    # A party-government cadre for the extreme-hardship household (five-links table).
    township_a_department.kind = "party_gov"
    township_a_department.save()
    cadre = CadreFactory(department=township_a_department)
    poor = tree.households_a[0]
    poor.categories = ["extreme_hardship"]
    poor.save()
    client = login(admin_a)
    url = reverse("assign", args=[tree.group_a1.pk])
    page = client.get(url).content.decode()
    assert f'value="{poor.pk}:{cadre.pk}"' in page
    client.post(url, {"action": "accept", "accept": [f"{poor.pk}:{cadre.pk}"]})
    assert Pairing.objects.active().get(household=poor).cadre == cadre


def test_coverage_dashboard_and_drill_down(login, tree, county_admin, cadre_a):
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    coverage_recompute()
    client = login(county_admin)
    page = client.get(reverse("coverage")).content.decode()
    assert "孟连县" in page and "娜允镇" in page
    assert "1 / 7" in page.replace(",", "")
    drill = client.get(reverse("coverage"), {"area": tree.town_a.pk}).content.decode()
    assert "芒街村" in drill


def test_coverage_dashboard_without_snapshot_says_so(login, tree, county_admin):
    page = login(county_admin).get(reverse("coverage")).content.decode()
    assert "alert-info" in page


def test_gap_lists_link_to_fixes(login, tree, admin_a, cadre_a):
    zone = Zone.objects.create(name="A片", level="group")
    zone.zone_areas.create(area=tree.group_a1)
    client = login(admin_a)
    households = client.get(reverse("gaps", args=["households"])).content.decode()
    assert all(h.head_name in households for h in tree.households_a)
    assert not any(h.head_name in households for h in tree.households_b)
    assert reverse("assign", args=[tree.group_a1.pk]) in households
    cadres = client.get(reverse("gaps", args=["cadres"])).content.decode()
    assert cadre_a.name in cadres
    zones = client.get(reverse("gaps", args=["zones"])).content.decode()
    assert reverse("zone-leader", args=[zone.pk]) in zones
    assert client.get(reverse("gaps", args=["nonsense"])).status_code == 404


def test_zone_leader_page_sets_a_leader(login, tree, admin_a, cadre_a):
    zone = Zone.objects.create(name="A片", level="group")
    zone.zone_areas.create(area=tree.group_a1)
    client = login(admin_a)
    response = client.post(
        reverse("zone-leader", args=[zone.pk]), {"cadre": cadre_a.pk, "start_date": "2026-02-01"}
    )
    assert response.status_code == 302
    assert ZoneLeadership.objects.get(zone=zone).cadre == cadre_a


def test_cadre_page_transfers_households(login, tree, admin_a, cadre_a, cadre_a2):
    for h in tree.households_a[:3]:
        Pairing.objects.create(cadre=cadre_a, household=h, start_date="2026-01-01")
    client = login(admin_a)
    page = client.get(reverse("cadre-detail", args=[cadre_a.pk])).content.decode()
    assert tree.households_a[0].head_name in page
    response = client.post(
        reverse("cadre-detail", args=[cadre_a.pk]),
        {"to": cadre_a2.pk, "date": "2026-04-01", "leave": "on"},
    )
    assert response.status_code == 302
    assert Pairing.objects.active().filter(cadre=cadre_a2).count() == 3
    cadre_a.refresh_from_db()
    assert cadre_a.left_date is not None


def test_cadres_of_another_township_are_404(login, tree, admin_a, cadre_b):
    client = login(admin_a)
    assert client.get(reverse("cadre-detail", args=[cadre_b.pk])).status_code == 404
    assert cadre_b.name not in client.get(reverse("cadre-list")).content.decode()


def test_contact_cards(login, tree, viewer_a, cadre_a):
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    ContactInfo.objects.create(area=tree.county, hotline="0879-8722110", mailbox="mzx@example.cn")
    ContactInfo.objects.create(
        area=tree.group_a1, liaison_officer="岩保", liaison_officer_phone="13900009999"
    )
    page = login(viewer_a).get(reverse("contact-cards", args=[tree.group_a1.pk])).content.decode()
    assert page.count('class="card"') == 3
    assert cadre_a.name in page and cadre_a.phone in page
    assert "0879-8722110" in page and "岩保" in page
    assert "@page" not in page  # print CSS lives in static/css/cards.css


def test_household_page_shows_its_cadre(login, tree, viewer_a, cadre_a):
    household = tree.households_a[0]
    Pairing.objects.create(cadre=cadre_a, household=household, start_date="2026-01-01")
    page = login(viewer_a).get(reverse("household-detail", args=[household.pk])).content.decode()
    assert 'id="household-cadre"' in page and cadre_a.name in page


def test_list_pages_have_constant_query_counts(
    login, tree, county_admin, django_assert_max_num_queries, township_a_department
):
    CadreFactory.create_batch(30, department=township_a_department)
    client = login(county_admin)
    for url in (reverse("cadre-list"), reverse("gaps", args=["households"])):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_a_cadre_sees_their_own_households(login, tree, cadre_a):
    from ..factories import user_with_role

    user = user_with_role("cadre", tree.village_a, username="yanwen")
    cadre_a.user = user
    cadre_a.save()
    for h in tree.households_a[:2]:
        Pairing.objects.create(cadre=cadre_a, household=h, start_date="2026-01-01")
    client = login(user)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert reverse("my-households") in dashboard
    page = client.get(reverse("my-households")).content.decode()
    assert tree.households_a[0].head_name in page and tree.households_a[2].head_name not in page


def test_my_households_without_a_linked_cadre(login, tree, viewer_a):
    page = login(viewer_a).get(reverse("my-households")).content.decode()
    assert "alert-info" in page


def test_cadre_page_lists_only_households_in_jurisdiction(login, tree, admin_a, county_department):
    county_cadre = CadreFactory(department=county_department)
    Pairing.objects.create(
        cadre=county_cadre, household=tree.households_a[0], start_date="2026-01-01"
    )
    Pairing.objects.create(
        cadre=county_cadre, household=tree.households_b[0], start_date="2026-01-01"
    )
    page = login(admin_a).get(reverse("cadre-detail", args=[county_cadre.pk])).content.decode()
    assert tree.households_a[0].head_name in page
    assert tree.households_b[0].head_name not in page


def test_recompute_redirects_only_to_this_site(login, tree, county_admin):
    response = login(county_admin).post(
        reverse("coverage-recompute"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("coverage")
