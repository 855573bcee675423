import datetime

import pytest
from django.urls import reverse

from districts.access import SYSTEM
from liaison.core.coverage import coverage_recompute
from liaison.core.models import Pairing, ZoneLeadership

from ..factories import CadreFactory, ContactInfoFactory, ZoneFactory
from ..html import parse

pytestmark = pytest.mark.django_db

NOT_COMPUTED = "该区域的覆盖率尚未计算。系统每晚自动计算，管理员也可立即计算。"
NOT_LINKED = "您的账号尚未关联干部，请联系管理员关联。"


def test_assign_page_lists_households_and_assigns_ticked_ones(
    login, tree, admin_a, cadre_a, django_capture_on_commit_callbacks
):
    client = login(admin_a)
    url = reverse("assign", args=[tree.group_a1.pk])
    page = parse(client.get(url))
    in_group = tree.households_a[:3]
    assert page.table_rows("#assign-households") == [
        ["", f"{h.head_name} {h.code}", "芒街一组", "—", "无"] for h in in_group
    ]
    assert [i["value"] for i in page.find_all("input", name="households")] == [
        str(h.pk) for h in in_group
    ]
    # The picker offers nothing until asked; a search (here without JavaScript: the page
    # itself with ?cadre_q=) shows what tells two cadres apart.
    assert page.radios("cadre") == []
    found = parse(client.get(url + "?cadre_q=岩"))
    assert found.radios("cadre") == [
        (
            str(cadre_a.pk),
            f"岩温 · 普通干部 · 娜允镇党政办 · 娜允镇 · 0 户 · ****{cadre_a.phone[-4:]}",
        )
    ]
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
    page = parse(client.get(url + "?uncovered=1"))
    assert page.messages() == ["已将 2 户农户分配给岩温。"]
    last = in_group[2]
    assert page.table_rows("#assign-households") == [
        ["", f"{last.head_name} {last.code}", "芒街一组", "—", "无"]
    ]
    everyone = parse(client.get(url)).table_rows("#assign-households")
    assert [row[-1] for row in everyone] == ["岩温 娜允镇党政办", "岩温 娜允镇党政办", "无"]


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
    taken = tree.households_a[0]
    assert parse(response).form_errors() == [
        f"{taken.head_name} ({taken.code}) 已有责任干部：玉香。"
    ]
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
    suggestions = parse(client.get(url)).find(id="suggestions")
    assert suggestions.table_rows(".table") == [
        ["", f"{poor.head_name} {poor.code}", f"{cadre.name} 娜允镇党政办", "类别与部门相符"]
    ]
    assert [i["value"] for i in suggestions.find_all("input", name="accept")] == [
        f"{poor.pk}:{cadre.pk}"
    ]
    client.post(url, {"action": "accept", "accept": [f"{poor.pk}:{cadre.pk}"]})
    assert Pairing.objects.active().get(household=poor).cadre == cadre


def test_coverage_dashboard_and_drill_down(login, tree, county_admin, cadre_a):
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    coverage_recompute(by=SYSTEM)
    client = login(county_admin)
    page = parse(client.get(reverse("coverage")))
    assert page.find("h1").text == "覆盖率 · 孟连县"
    assert page.find(id="coverage-summary").texts(class_="card-body") == [
        "有责任干部的农户 14.2% 1 / 7 6 户无责任干部",
        "有联系农户的干部 100.0% 1 / 1 0 名无联系农户",
        "有负责人的责任区 — 0 / 0 0 个无负责人",
    ]
    assert page.table_rows("#coverage-children") == [
        ["娜允镇", "5", "20.0%", "1/1", "0/0"],
        ["勐马镇", "2", "0.0%", "0/0", "0/0"],
    ]
    drill = parse(client.get(reverse("coverage"), {"area": tree.town_a.pk}))
    assert drill.find("h1").text == "覆盖率 · 娜允镇"
    assert drill.table_rows("#coverage-children") == [["芒街村", "5", "20.0%", "0/0", "0/0"]]


def test_coverage_dashboard_without_snapshot_says_so(login, tree, county_admin):
    page = parse(login(county_admin).get(reverse("coverage")))
    assert page.messages() == [NOT_COMPUTED]
    assert page.find_all(id="coverage-summary") == []


def test_gap_lists_link_to_fixes(login, tree, admin_a, cadre_a):
    zone = ZoneFactory(name="A片", areas=[tree.group_a1])
    client = login(admin_a)
    households = parse(client.get(reverse("gaps", args=["households"])))
    assert households.find(id="count-households").text == "5"
    assert households.table_rows("#gap-list") == [
        [f"{h.head_name} {h.code}", f"娜允镇 · 芒街村 · {h.group.name}", "—", "无", "分配责任干部"]
        for h in tree.households_a
    ]
    assert households.find(id="gap-list").links() == [
        link
        for h in tree.households_a
        for link in (
            reverse("household-detail", args=[h.pk]),
            reverse("assign", args=[h.group_id]) + "?uncovered=1",
        )
    ]
    cadres = parse(client.get(reverse("gaps", args=["cadres"])))
    assert cadres.table_rows("#gap-list") == [
        ["岩温", "普通干部", "娜允镇党政办 · 娜允镇", "分配农户"]
    ]
    zones = parse(client.get(reverse("gaps", args=["zones"])))
    assert zones.table_rows("#gap-list") == [["A片", "村组责任区", "芒街一组", "设置负责人"]]
    assert zones.find(id="gap-list").links() == [reverse("zone-leader", args=[zone.pk])]
    assert client.get(reverse("gaps", args=["nonsense"])).status_code == 404


def test_zone_leader_page_sets_a_leader(login, tree, admin_a, cadre_a):
    zone = ZoneFactory(name="A片", areas=[tree.group_a1])
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
    page = parse(client.get(reverse("cadre-detail", args=[cadre_a.pk])))
    assert page.table_rows("#cadre-households") == [
        [h.head_name, f"芒街村 · {h.group.name}", "2026-01-01"] for h in tree.households_a[:3]
    ]
    found = parse(client.get(reverse("cadre-detail", args=[cadre_a.pk]) + "?to_q=玉"))
    assert found.radios("to") == [
        (
            str(cadre_a2.pk),
            f"玉香 · 普通干部 · 娜允镇党政办 · 娜允镇 · 0 户 · ****{cadre_a2.phone[-4:]}",
        )
    ]
    url = reverse("cadre-detail", args=[cadre_a.pk])
    # First a confirmation, with nothing moved yet; then the transfer.
    review = client.post(url, {"to": cadre_a2.pk, "date": "2026-04-01", "leave": "on"})
    assert review.status_code == 200
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 3
    confirm = parse(review).select("#transfer-confirm")
    assert confirm.find(id="confirm-households").text == "3"
    assert confirm.find(id="confirm-to").text.startswith("玉香 · 普通干部 · 娜允镇党政办")
    response = client.post(
        url, {"to": cadre_a2.pk, "date": "2026-04-01", "leave": "on", "action": "confirm"}
    )
    assert response.status_code == 302
    assert Pairing.objects.active().filter(cadre=cadre_a2).count() == 3
    cadre_a.refresh_from_db()
    assert cadre_a.left_date == datetime.date(2026, 4, 1)


def test_cadres_of_another_township_are_404(login, tree, admin_a, cadre_a, cadre_b):
    client = login(admin_a)
    assert client.get(reverse("cadre-detail", args=[cadre_b.pk])).status_code == 404
    page = parse(client.get(reverse("cadre-list")))
    assert page.table_rows("#cadres") == [
        ["", "岩温", "普通干部", "娜允镇党政办", "0", "在职", "无"]
    ]


def test_contact_cards(login, tree, viewer_a, cadre_a):
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    ContactInfoFactory(
        area=tree.county, hotline="0879-8722110", mailbox="mzx@example.cn", liaison_officer=""
    )
    ContactInfoFactory(
        area=tree.group_a1, hotline="", mailbox="", liaison_officer="岩保",
        liaison_officer_phone="13900009999",
    )  # fmt: skip
    page = parse(login(viewer_a).get(reverse("contact-cards", args=[tree.group_a1.pk])))
    cards = [
        dict(zip(card.texts("dt"), card.texts("dd"), strict=True))
        for card in page.find_all("article", class_="card")
    ]
    common = {
        "民情联络员": "岩保 13900009999",
        "民情电话": "0879-8722110",
        "民情邮箱": "mzx@example.cn",
    }
    assert cards == [
        {
            "农户": f"{h.head_name} {h.code}",
            "村民小组": "芒街村 芒街一组",
            "您的联系干部": "岩温" if h == tree.households_a[0] else "待分配",
            "干部电话": cadre_a.phone if h == tree.households_a[0] else "—",
            **common,
        }
        for h in tree.households_a[:3]
    ]
    # The print CSS lives in static/css/cards.css, not in the page.
    assert page.find_all("style") == []
    assert [link["href"] for link in page.find_all("link", rel="stylesheet")] == [
        "/static/css/cards.css"
    ]


def test_household_page_shows_its_cadre(login, tree, viewer_a, cadre_a):
    household = tree.households_a[0]
    Pairing.objects.create(cadre=cadre_a, household=household, start_date="2026-01-01")
    page = parse(login(viewer_a).get(reverse("household-detail", args=[household.pk])))
    panel = page.find(id="household-cadre")
    assert panel.texts("p") == ["岩温 · 娜允镇党政办", f"自 2026-01-01 起 · {cadre_a.phone}"]
    assert panel.links() == [reverse("cadre-detail", args=[cadre_a.pk])]


def test_list_pages_have_constant_query_counts(
    login, tree, county_admin, django_assert_max_num_queries, township_a_department
):
    CadreFactory.create_batch(30, department=township_a_department)
    client = login(county_admin)
    for url in (reverse("cadre-list"), reverse("gaps", args=["households"])):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_a_cadre_sees_their_own_households(login, tree, cadre_a, cadre_user_a):
    for h in tree.households_a[:2]:
        Pairing.objects.create(cadre=cadre_a, household=h, start_date="2026-01-01")
    client = login(cadre_user_a)
    menu = parse(client.get(reverse("dashboard"))).find("ul", class_="navbar-nav")
    assert reverse("my-households") in menu.links()
    page = parse(client.get(reverse("my-households")))
    mine = page.find(id="my-households")
    assert mine.links() == [reverse("household-detail", args=[h.pk]) for h in tree.households_a[:2]]
    assert mine.texts("strong") == [h.head_name for h in tree.households_a[:2]]


def test_my_households_without_a_linked_cadre(login, tree, viewer_a):
    page = parse(login(viewer_a).get(reverse("my-households")))
    assert page.messages() == [NOT_LINKED]
    assert page.find_all(id="my-households") == []


def test_cadre_page_lists_only_households_in_jurisdiction(login, tree, admin_a, county_department):
    county_cadre = CadreFactory(department=county_department)
    Pairing.objects.create(
        cadre=county_cadre, household=tree.households_a[0], start_date="2026-01-01"
    )
    Pairing.objects.create(
        cadre=county_cadre, household=tree.households_b[0], start_date="2026-01-01"
    )
    page = parse(login(admin_a).get(reverse("cadre-detail", args=[county_cadre.pk])))
    inside = tree.households_a[0]
    assert page.table_rows("#cadre-households") == [
        [inside.head_name, "芒街村 · 芒街一组", "2026-01-01"]
    ]


def test_recompute_redirects_only_to_this_site(login, tree, county_admin):
    response = login(county_admin).post(
        reverse("coverage-recompute"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("coverage")


def test_no_transfer_form_for_a_cadre_serving_above_the_jurisdiction(
    login, tree, admin_a, county_admin, county_department, cadre_a
):
    """A township sees the county's cadres but does not transfer them (the service would
    refuse with 403), so its page offers no form; the county's page does."""
    county_cadre = CadreFactory(name="叶惹布", department=county_department, area=tree.county)
    url = reverse("cadre-detail", args=[county_cadre.pk])
    assert parse(login(admin_a).get(url)).find_all("form", id="transfer-form") == []
    assert len(parse(login(county_admin).get(url)).find_all("form", id="transfer-form")) == 1
