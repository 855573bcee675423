"""Downloads of duty days: the compliance report (page and API) and a village's diary
feed, in the reader's language and inside the jurisdiction."""

import datetime

import pytest
from django.urls import reverse

from districts.access import SYSTEM
from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay

from ..factories import CadreFactory, DutyPhotoFactory
from ..files import filename, read_csv, read_xlsx
from ..html import parse

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
HEADERS = [
    "姓名",
    "职级",
    "部门",
    "责任区天数",
    "其他天数",
    "要求天数",
    "达标",
    "走访的农户",
    "重点户",
]


def logged(cadre, date, area, *households, in_zone=True, **fields) -> DutyDay:
    record = DutyDay.objects.create(cadre=cadre, date=date, area=area, in_zone=in_zone, **fields)
    record.households.add(*households)
    return record


@pytest.fixture
def march_report(tree, county_department, township_a_department, township_b_department):
    """March 2026: 岩甲 (department head of A) 2 days in zone, 1 elsewhere; 岩乙 (ordinary,
    no quota) none; 县甲 (county leader) 1 day in A; 扎甲 (B) 1 day in B."""
    a, b = tree.households_a, tree.households_b
    head = CadreFactory(name="岩甲", department=township_a_department, rank="department_head")
    CadreFactory(name="岩乙", department=township_a_department, rank="ordinary")
    county = CadreFactory(name="县甲", department=county_department, rank="county_leader")
    leader_b = CadreFactory(name="扎甲", department=township_b_department, rank="county_leader")
    logged(head, MARCH.replace(day=10), tree.group_a1, a[1], a[2])
    logged(head, MARCH.replace(day=11), tree.group_a2)
    logged(head, MARCH.replace(day=12), tree.group_b1, in_zone=False)
    logged(county, MARCH, tree.group_a1, a[0])
    logged(leader_b, MARCH.replace(day=15), tree.group_b1, b[1])
    compliance_recompute(month=MARCH, by=SYSTEM)
    return head


def export(client, fmt="csv", **query):
    params = {"month": "2026-03", **query}
    return client.get(reverse("duty-compliance-export", args=[fmt]), params)


def test_the_compliance_download_is_in_chinese(login, tree, admin_a, march_report):
    response = export(login(admin_a), all="1")
    assert filename(response) == "下基层履职情况-2026-03.csv"
    assert read_csv(response) == [
        HEADERS,
        ["岩甲", "部门负责人", "娜允镇党政办", "2", "1", "7", "否", "2", "0"],
        ["岩乙", "普通干部", "娜允镇党政办", "0", "0", "0", "—", "0", "0"],
    ]
    # As the page: without the switch, only the cadres with a quota.
    assert read_csv(export(login(admin_a))) == [
        HEADERS,
        ["岩甲", "部门负责人", "娜允镇党政办", "2", "1", "7", "否", "2", "0"],
    ]


def test_the_compliance_workbook_holds_the_tallies_too(
    login, tree, county_admin, township_a_department, march_report
):
    sheets = read_xlsx(export(login(county_admin), "xlsx", area=tree.town_a.pk, all="1"))
    assert list(sheets) == ["干部", "按部门", "按区域"]
    assert sheets["干部"] == [
        HEADERS,
        ["岩甲", "部门负责人", "娜允镇党政办", 2, 1, 7, "否", 2, 0],
        ["岩乙", "普通干部", "娜允镇党政办", 0, 0, 0, "—", 0, 0],
    ]
    # The share met's header is pinned in English (test_compliance_page) until its Chinese
    # joins the catalogue.
    assert [row[:4] for row in sheets["按部门"]] == [
        ["部门", "干部", "有天数要求", "达标"],
        ["娜允镇党政办", 2, 1, 0],
    ]
    assert sheets["按部门"][1][4] == "0%"
    assert sheets["按区域"] == [
        ["区域", "级别", "干部", "有天数要求", "达标"],
        ["娜允镇", "乡镇", 2, 1, 0],
    ]


def test_the_county_download_holds_every_cadre(login, tree, county_admin, march_report):
    rows = read_csv(export(login(county_admin), all="1"))
    assert sorted(r[0] for r in rows[1:]) == ["县甲", "岩乙", "岩甲", "扎甲"]
    county = next(r for r in rows if r[0] == "县甲")
    assert county[1:7] == ["县级领导", "县财政局", "1", "0", "5", "否"]


def test_the_compliance_download_stays_in_the_jurisdiction(login, tree, admin_a, march_report):
    client = login(admin_a)
    text = export(client).content.decode("utf-8-sig")
    assert not [name for name in ("县甲", "扎甲", "县财政局", "勐马镇") if name in text]
    assert export(client, area=tree.town_b.pk).status_code == 404
    assert export(client, area="x").status_code == 404
    assert export(client, month="2026-05").status_code == 404  # not computed


def test_the_api_csv_keeps_its_codes_and_labels_give_the_pages_form(
    login, tree, admin_a, march_report, api_for
):
    api = api_for(admin_a)
    coded = api.get("/api/v1/stats/duty-compliance/?month=2026-03&format=csv")
    assert coded["Content-Disposition"] == 'attachment; filename="duty-compliance-2026-03.csv"'
    assert read_csv(coded) == [
        ["cadre", "name", "rank", "department", "days_counted", "days_other", "days_required",
         "met", "households_visited", "special_households_visited"],
        [str(march_report.pk), "岩甲", "department_head", "娜允镇党政办", "2", "1", "7", "False",
         "2", "0"],
        [str(march_report.pk + 1), "岩乙", "ordinary", "娜允镇党政办", "0", "0", "0", "True",
         "0", "0"],
    ]  # fmt: skip
    labelled = api.get("/api/v1/stats/duty-compliance/?month=2026-03&format=csv&labels=1")
    # The API keeps every row; the page's download holds them with the switch on.
    assert labelled.content == export(login(admin_a), all="1").content
    assert read_csv(labelled)[0] == HEADERS


def test_the_compliance_page_links_to_its_downloads_for_the_month_shown(
    login, tree, admin_a, march_report
):
    page = parse(login(admin_a).get(reverse("duty-compliance"), {"month": "2026-03"}))
    links = page.find("div", class_="export-links").find_all("a")
    query = "month=2026-03&area=&department="
    assert [(a.text, a["href"]) for a in links] == [
        ("CSV", f"{reverse('duty-compliance-export', args=['csv'])}?{query}"),
        ("Excel", f"{reverse('duty-compliance-export', args=['xlsx'])}?{query}"),
    ]


# The diary feed ---------------------------------------------------------------------------------


@pytest.fixture
def diaries(tree, cadre_a, cadre_b):
    """Two diaries in 芒街村 (one visiting a household of B as well), one day without a
    diary, and one diary in 勐啊村."""
    a, b = tree.households_a, tree.households_b
    first = logged(
        cadre_a, MARCH, tree.group_a1, a[0], a[1], b[0],
        activities=["visited_households", "solved_problem"],
        diary="=走访岩罕家，了解到灌溉水渠堵塞。", problems="水渠堵塞",
    )  # fmt: skip
    DutyPhotoFactory(duty_day=first)
    logged(cadre_a, MARCH.replace(day=2), tree.village_a, in_zone=False, diary="参加村民大会。")
    logged(cadre_a, MARCH.replace(day=3), tree.village_a)
    logged(cadre_b, MARCH, tree.group_b1, b[1], diary="勐啊村院坝会。")
    return first


DIARY_HEADERS = ["日期", "干部", "部门", "地点", "活动", "走访的农户", "在本人责任区内",
                 "民情日记", "发现的问题", "照片"]  # fmt: skip


def diaries_url(area, fmt="csv") -> str:
    return reverse("area-diaries-export", args=[area.pk, fmt])


def test_the_diary_download_of_a_village(login, tree, admin_a, diaries):
    response = login(admin_a).get(diaries_url(tree.village_a))
    assert filename(response) == "芒街村-民情日记.csv"
    # Every day spent there, a day without a diary too (issue 8, item 1).
    assert read_csv(response) == [
        DIARY_HEADERS,
        ["2026-03-03", "岩温", "娜允镇党政办", "芒街村", "", "0", "是", "", "", "0"],
        ["2026-03-02", "岩温", "娜允镇党政办", "芒街村", "", "0", "否", "参加村民大会。", "", "0"],
        ["2026-03-01", "岩温", "娜允镇党政办", "芒街一组", "走访农户、帮助解决困难", "2", "是",
         "'=走访岩罕家，了解到灌溉水渠堵塞。", "水渠堵塞", "1"],
    ]  # fmt: skip


def test_the_diary_workbook_and_its_jurisdiction(login, tree, admin_b, county_admin, diaries):
    county = read_xlsx(login(county_admin).get(diaries_url(tree.county, "xlsx")))
    assert list(county) == ["民情日记"]
    assert [(row[0], row[3], row[5]) for row in county["民情日记"][1:]] == [
        (datetime.datetime(2026, 3, 3), "芒街村", 0),
        (datetime.datetime(2026, 3, 2), "芒街村", 0),
        (datetime.datetime(2026, 3, 1), "勐啊一组", 1),
        (datetime.datetime(2026, 3, 1), "芒街一组", 3),  # the county sees B's household too
    ]
    client = login(admin_b)
    assert client.get(diaries_url(tree.village_a)).status_code == 404
    assert client.get(diaries_url(tree.county)).status_code == 404
    rows = read_csv(client.get(diaries_url(tree.town_b)))
    assert [r[7] for r in rows[1:]] == ["勐啊村院坝会。"]


def test_the_diaries_page_links_to_its_downloads(login, tree, viewer_a, diaries):
    page = parse(login(viewer_a).get(reverse("area-diaries", args=[tree.village_a.pk])))
    assert [a["href"] for a in page.find("div", class_="export-links").find_all("a")] == [
        diaries_url(tree.village_a),
        diaries_url(tree.village_a, "xlsx"),
    ]


def test_a_long_diary_feed_is_read_in_a_few_queries(
    login, tree, county_admin, cadre_a, django_assert_max_num_queries
):
    for number in range(30):
        day = logged(cadre_a, MARCH + datetime.timedelta(days=number), tree.group_a1,
                     tree.households_a[number % 5], diary=f"第{number}天")  # fmt: skip
        DutyPhotoFactory(duty_day=day)
    client = login(county_admin)
    with django_assert_max_num_queries(14):
        rows = read_csv(client.get(diaries_url(tree.county)))
    assert len(rows) == 31
    assert {(r[5], r[9]) for r in rows[1:]} == {("1", "1")}
