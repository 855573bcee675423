"""Downloads of the liaison core: coverage (page and API, codes and labels), the gap lists,
and the import result's way to the new households without a cadre."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from districts.access import SYSTEM
from districts.models import Household, ImportJob
from liaison.core.coverage import coverage_recompute
from liaison.core.models import CoverageSnapshot, Pairing, Rank

from ..factories import ImportJobFactory, ZoneFactory
from ..files import filename, read_csv, read_xlsx
from ..html import parse

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def cover(tree, cadre_a, cadre_b) -> None:
    """A: cadre_a has 3 of 5 households, cadre_a2 none; B: cadre_b has 1 of 2. One township
    zone over A without a leader; snapshots as of DAY."""
    for household in tree.households_a[:3]:
        Pairing.objects.create(cadre=cadre_a, household=household, start_date=DAY)
    Pairing.objects.create(cadre=cadre_b, household=tree.households_b[0], start_date=DAY)
    ZoneFactory(name="娜允镇责任区", level="township", areas=[tree.town_a])
    coverage_recompute(as_of=DAY, by=SYSTEM)


def computed(area) -> str:
    at = CoverageSnapshot.objects.get(area=area, as_of=DAY).computed_at
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def coverage_headers() -> list[str]:
    # "Household coverage" and "Cadre coverage" are new in this round: their Chinese comes
    # with the merged catalogue, so they are read through it here.
    return ["编码", "名称", "级别", "统计日期", "计算时间", "农户", "有责任干部的农户",
            gettext("Household coverage"), "干部", "有联系农户的干部", gettext("Cadre coverage"),
            "责任区", "有负责人的责任区"]  # fmt: skip


def coverage_rows(tree) -> list[list[str]]:
    return [
        ["530827", "孟连县", "县", "2026-03-01", computed(tree.county), "7", "4", "57.1%",
         "3", "2", "66.6%", "1", "0"],
        ["530827100", "娜允镇", "乡镇", "2026-03-01", computed(tree.town_a), "5", "3", "60.0%",
         "2", "1", "50.0%", "1", "0"],
        ["530827101", "勐马镇", "乡镇", "2026-03-01", computed(tree.town_b), "2", "1", "50.0%",
         "1", "1", "100.0%", "0", "0"],
    ]  # fmt: skip


# Coverage ---------------------------------------------------------------------------------------


def test_the_coverage_download_is_in_chinese(login, tree, county_admin, cadre_a, cadre_a2, cadre_b):
    cover(tree, cadre_a, cadre_b)
    client = login(county_admin)
    query = {"area": tree.county.pk, "as_of": "2026-03-01"}
    response = client.get(reverse("coverage-export", args=["csv"]), query)
    assert filename(response) == "覆盖率-孟连县-2026-03-01.csv"
    assert read_csv(response) == [coverage_headers(), *coverage_rows(tree)]
    sheets = read_xlsx(client.get(reverse("coverage-export", args=["xlsx"]), query))
    # In the workbook counts are numbers and the date a date; codes stay text.
    as_cells = [
        [*row[:3], datetime.datetime(2026, 3, 1), row[4], *map(int, row[5:7]), row[7],
         *map(int, row[8:10]), row[10], *map(int, row[11:])]
        for row in coverage_rows(tree)
    ]  # fmt: skip
    assert sheets == {"覆盖率": [coverage_headers(), *as_cells]}


def test_the_coverage_page_links_to_its_downloads(login, tree, county_admin, cadre_a, cadre_b):
    cover(tree, cadre_a, cadre_b)
    page = parse(login(county_admin).get(reverse("coverage"), {"area": tree.town_a.pk}))
    links = page.find("div", class_="export-links").find_all("a")
    # A township is counted now: its download is today's count.
    query = f"area={tree.town_a.pk}&as_of={timezone.localdate():%Y-%m-%d}"
    assert [(a.text, a["href"]) for a in links] == [
        ("CSV", f"{reverse('coverage-export', args=['csv'])}?{query}"),
        ("Excel", f"{reverse('coverage-export', args=['xlsx'])}?{query}"),
    ]


def test_the_coverage_download_stays_in_the_jurisdiction(
    login, tree, admin_a, cadre_a, cadre_a2, cadre_b
):
    cover(tree, cadre_a, cadre_b)
    client = login(admin_a)
    url = reverse("coverage-export", args=["csv"])
    assert client.get(url, {"area": tree.county.pk}).status_code == 404
    assert client.get(url, {"area": tree.town_b.pk}).status_code == 404
    rows = read_csv(client.get(url))  # the user's top area by default
    assert [r[:2] for r in rows[1:]] == [["530827100", "娜允镇"], ["530827100201", "芒街村"]]
    assert "勐马镇" not in str(rows)
    assert client.get(url, {"area": tree.town_a.pk, "as_of": "2026-01-01"}).status_code == 404


def test_the_api_csv_keeps_its_codes(tree, county_admin, cadre_a, cadre_a2, cadre_b, api_for):
    cover(tree, cadre_a, cadre_b)
    response = api_for(county_admin).get(
        f"/api/v1/stats/coverage/?area={tree.county.pk}&format=csv"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="coverage-530827-2026-03-01.csv"'
    )
    rows = read_csv(response)
    county_at = timezone.localtime(
        CoverageSnapshot.objects.get(area=tree.county, as_of=DAY).computed_at
    )
    assert rows[:2] == [
        ["area_id", "code", "name", "level", "as_of", "computed_at", "households",
         "covered_households", "household_coverage", "cadres", "cadres_with_households",
         "cadre_coverage", "zones", "zones_with_leader"],
        [str(tree.county.pk), "530827", "孟连县", "county", "2026-03-01", str(county_at), "7",
         "4", "0.5714", "3", "2", "0.6667", "1", "0"],
    ]  # fmt: skip


def test_the_api_csv_with_labels_is_the_pages_download(
    login, tree, county_admin, cadre_a, cadre_a2, cadre_b, api_for
):
    cover(tree, cadre_a, cadre_b)
    response = api_for(county_admin).get(
        f"/api/v1/stats/coverage/?area={tree.county.pk}&format=csv&labels=1"
    )
    assert filename(response) == "覆盖率-孟连县-2026-03-01.csv"
    assert read_csv(response) == [coverage_headers(), *coverage_rows(tree)]
    page = login(county_admin).get(
        reverse("coverage-export", args=["csv"]), {"area": tree.county.pk}
    )
    assert response.content == page.content


# Gap lists ---------------------------------------------------------------------------------------


def gaps_url(kind: str, fmt: str = "csv") -> str:
    return reverse("gaps-export", args=[kind, fmt])


def test_the_households_gap_download(login, tree, admin_a, cadre_a, cadre_b):
    cover(tree, cadre_a, cadre_b)
    Household.objects.filter(pk=tree.households_a[3].pk).update(
        head_name="+岩", categories=["in_difficulty", "poor"]
    )
    fourth, fifth = tree.households_a[3:]
    response = login(admin_a).get(gaps_url("households"))
    assert filename(response).startswith("无责任干部的农户-")
    assert read_csv(response) == [
        ["编码", "户主", "家庭人口", "乡镇", "村", "村民小组", "类别"],
        [fourth.code, "'+岩", "3", "娜允镇", "芒街村", "芒街二组", "贫困户、困难户"],
        [fifth.code, fifth.head_name, "3", "娜允镇", "芒街村", "芒街二组", ""],
    ]


def test_the_households_gap_list_narrowed_to_an_area(login, tree, county_admin, admin_a):
    client = login(county_admin)
    rows = read_csv(client.get(gaps_url("households"), {"within": tree.group_b1.pk}))
    assert [r[0] for r in rows[1:]] == sorted(h.code for h in tree.households_b)
    page = parse(client.get(reverse("gaps", args=["households"]), {"within": tree.group_b1.pk}))
    only = gettext("In %(name)s only.") % {"name": "勐啊一组"}
    assert page.find(id="gap-area").text == f"{only} {gettext('Show all')}"
    assert [row[0].split()[0] for row in page.table_rows("#gap-list")] == [
        h.head_name for h in sorted(tree.households_b, key=lambda h: h.code)
    ]
    # An area outside the jurisdiction is not found, on the page and in the download.
    other = login(admin_a)
    assert other.get(gaps_url("households"), {"within": tree.group_b1.pk}).status_code == 404
    assert (
        other.get(reverse("gaps", args=["households"]), {"within": tree.town_b.pk}).status_code
        == 404
    )


def test_the_cadres_and_zones_gap_downloads(login, tree, admin_a, cadre_a, cadre_a2, cadre_b):
    cover(tree, cadre_a, cadre_b)
    cadre_a2.rank = Rank.TOWNSHIP_LEADER
    cadre_a2.save(update_fields=["rank"])
    client = login(admin_a)
    assert read_xlsx(client.get(gaps_url("cadres", "xlsx"))) == {
        "无联系农户的干部": [
            ["姓名", "职级", "部门", "区域"],
            ["玉香", "乡镇领导", "娜允镇党政办", "娜允镇"],
        ]
    }
    assert read_csv(client.get(gaps_url("zones"))) == [
        ["责任区", "级别", "覆盖区域"],
        ["娜允镇责任区", "乡镇责任区", "娜允镇"],
    ]


def test_gap_downloads_hold_nothing_outside_the_jurisdiction(
    login, tree, admin_b, cadre_a, cadre_a2, cadre_b
):
    cover(tree, cadre_a, cadre_b)
    ZoneFactory(name="勐马镇责任区", level="township", areas=[tree.town_b])
    client = login(admin_b)
    households = read_csv(client.get(gaps_url("households")))
    assert [r[0] for r in households[1:]] == [tree.households_b[1].code]
    assert read_csv(client.get(gaps_url("cadres"))) == [["姓名", "职级", "部门", "区域"]]
    assert read_csv(client.get(gaps_url("zones")))[1:] == [["勐马镇责任区", "乡镇责任区", "勐马镇"]]
    for kind in ("households", "cadres", "zones"):
        text = client.get(gaps_url(kind)).content.decode("utf-8-sig")
        assert not [name for name in ("娜允镇", "芒街", "岩温", "玉香") if name in text], kind
    assert client.get("/gaps/others/export.csv").status_code == 404


def test_the_gap_page_links_to_its_downloads(login, tree, viewer_a):
    page = parse(login(viewer_a).get(reverse("gaps", args=["cadres"]), {"page": "2"}))
    assert [a["href"] for a in page.find("div", class_="export-links").find_all("a")] == [
        gaps_url("cadres"),
        gaps_url("cadres", "xlsx"),
    ]


# After an import ----------------------------------------------------------------------------------


def upload(client, text: str, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("import-list"),
            {"kind": "households", "file": SimpleUploadedFile("户.csv", text.encode())},
        )
    return ImportJob.objects.latest("pk")


def test_the_import_result_leads_to_assigning_the_new_households(
    login, tree, county_admin, django_capture_on_commit_callbacks
):
    client = login(county_admin)
    job = upload(
        client,
        "户编码,村民小组编码,户主姓名\n"
        "N1,530827100201001,岩一\nN2,530827100201002,岩二\nN3,530827101201001,岩三\n",
        django_capture_on_commit_callbacks,
    )
    assert (job.status, job.new_households) == (
        "succeeded",
        {str(tree.village_a.pk): 2, str(tree.village_b.pk): 1},
    )
    panel = parse(client.get(reverse("import-detail", args=[job.pk]))).find(id="import-assign")
    # Every household of both villages is without a cadre: 5 + 2 old ones, and the new 3.
    assert panel.table_rows("#import-villages") == [
        ["娜允镇 · 芒街村", "2", "7", gettext("Assign a cadre")],
        ["勐马镇 · 勐啊村", "1", "3", gettext("Assign a cadre")],
    ]
    assert panel.links() == [
        reverse("assign", args=[tree.village_a.pk]) + "?uncovered=1",
        reverse("assign", args=[tree.village_b.pk]) + "?uncovered=1",
        reverse("gaps", args=["households"]) + f"?within={tree.county.pk}",
    ]


def test_the_import_result_says_when_the_new_households_have_cadres(
    login, tree, admin_a, cadre_a, day, django_capture_on_commit_callbacks
):
    client = login(admin_a)
    job = upload(client, "code,group_code,head_name\nN4,530827100201001,岩四\n",
                 django_capture_on_commit_callbacks)  # fmt: skip
    panel = parse(client.get(reverse("import-detail", args=[job.pk]))).find(id="import-assign")
    assert panel.links() == [
        reverse("assign", args=[tree.village_a.pk]) + "?uncovered=1",
        reverse("gaps", args=["households"]) + f"?within={tree.village_a.pk}",
    ]
    for household in Household.objects.filter(village=tree.village_a):
        Pairing.objects.create(cadre=cadre_a, household=household, start_date=day)
    panel = parse(client.get(reverse("import-detail", args=[job.pk]))).find(id="import-assign")
    assert panel.links() == []
    assert panel.find("p", class_="text-success").text == ngettext(
        "The new household already has a cadre.",
        "Every one of the %(counter)s new households already has a cadre.",
        1,
    ) % {"counter": 1}


def test_no_panel_for_a_rejected_import_or_villages_outside_the_jurisdiction(
    login, tree, superuser, admin_a
):
    rejected = ImportJobFactory(
        created_by=admin_a, kind="households", status="failed",
        new_households={str(tree.village_a.pk): 1},
    )  # fmt: skip
    client = login(admin_a)
    page = parse(client.get(reverse("import-detail", args=[rejected.pk])))
    assert page.find_all(id="import-assign") == []
    elsewhere = ImportJobFactory(
        created_by=admin_a, kind="households", status="succeeded",
        new_households={str(tree.village_b.pk): 2},
    )  # fmt: skip
    page = parse(client.get(reverse("import-detail", args=[elsewhere.pk])))
    assert page.find_all(id="import-assign") == []
    assert "勐啊村" not in page.all_text


def test_a_retry_forgets_the_last_runs_new_households(tree, county_admin):
    from districts.jobs import import_job_retry

    job = ImportJobFactory(
        created_by=county_admin, kind="households", status="failed",
        new_households={str(tree.village_a.pk): 1},
        file=SimpleUploadedFile("h.csv", b"code,group_code,head_name\n"),
    )  # fmt: skip
    import_job_retry(job=job, by=county_admin)
    job.refresh_from_db()
    assert job.new_households == {}


def test_a_long_gap_list_is_read_in_a_few_queries(
    login, tree, county_admin, django_assert_max_num_queries
):
    from ..factories import HouseholdFactory

    HouseholdFactory.create_batch(40, group=tree.group_b1)
    client = login(county_admin)
    with django_assert_max_num_queries(10):
        rows = read_csv(client.get(gaps_url("households")))
    assert len(rows) == 1 + 7 + 40


def test_the_api_csv_with_labels_stays_in_the_jurisdiction(
    tree, admin_a, cadre_a, cadre_a2, cadre_b, api_for
):
    cover(tree, cadre_a, cadre_b)
    api = api_for(admin_a)
    url = "/api/v1/stats/coverage/?format=csv&labels=1"
    assert api.get(f"{url}&area={tree.town_b.pk}").status_code == 404
    assert api.get(f"{url}&area={tree.county.pk}").status_code == 404
    rows = read_csv(api.get(url))
    assert [r[1] for r in rows[1:]] == ["娜允镇", "芒街村"]
