"""The phone log page (issue 8 item 12): the cadre's own households, the others searched on
demand, compressed HTML; the benchmark over a slow connection is test_phone_benchmark.py."""

import datetime
import gzip

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from districts.models import AreaLevel, Role
from dutydays.models import DutyDay
from dutydays.views import SEARCH_LIMIT
from liaison.core.models import Pairing

from ..factories import AreaFactory, CadreFactory, HouseholdFactory, user_with_role
from ..html import parse

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SEARCH = "duty-log-household-search"


@pytest.fixture
def big_village(tree, cadre_a):
    """750 more households in village A (a new group), 15 of them paired with `cadre_a`."""
    group = AreaFactory(
        code="530827100201009", name="芒街九组", level=AreaLevel.GROUP, parent=tree.village_a
    )
    households = HouseholdFactory.create_batch(750, group=group)
    Pairing.objects.bulk_create(
        Pairing(cadre=cadre_a, household=h, start_date="2026-01-01") for h in households[:15]
    )
    return households


@pytest.fixture
def cadre_page(login, cadre_user_a):
    return login(cadre_user_a)


def _checkbox_values(page, container_id: str) -> list[str]:
    return [i.get("value") for i in page.find(id=container_id).find_all("input", type="checkbox")]


def test_log_page_of_a_big_village_lists_own_households_only_and_stays_small(
    cadre_page, tree, big_village
):
    url = f"{reverse('duty-log')}?area={tree.village_a.pk}"
    response = cadre_page.get(url)
    page = parse(response)
    assert _checkbox_values(page, "household-picked") == [str(h.pk) for h in big_village[:15]]
    assert all(label.startswith("★ ") for label in page.find(id="household-picked").texts("label"))
    assert page.find(id="household-search").get("hx-get") == (
        f"{reverse(SEARCH)}?area={tree.village_a.pk}"
    )
    # 758 households were 118 KB of HTML; now the page's size does not grow with the village.
    assert len(response.content) < 30_000
    compressed = cadre_page.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    assert len(compressed.content) < 8_000
    assert parse(gzip.decompress(compressed.content)).find(id="household-picked")


def test_html_is_compressed_only_for_clients_that_accept_it(cadre_page, tree):
    plain = cadre_page.get(reverse("duty-log"))
    assert not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in plain["Vary"]
    tokens = []
    for _ in range(2):
        zipped = cadre_page.get(reverse("duty-log"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert zipped["Content-Encoding"] == "gzip"
        form = parse(gzip.decompress(zipped.content)).find(id="log-form")
        tokens.append(form.find("input", name="csrfmiddlewaretoken").get("value"))
    # BREACH: the token in a compressed page is masked anew on every response.
    assert tokens[0] != tokens[1]


def test_search_finds_households_of_the_place_by_name_or_code(cadre_page, tree, big_village):
    target = big_village[100]
    page = parse(
        cadre_page.get(reverse(SEARCH), {"area": tree.village_a.pk, "q": target.head_name})
    )
    labels = page.texts("label")
    assert f"{target.head_name} · 芒街九组" in labels
    assert all(target.head_name in label for label in labels)
    by_code = parse(cadre_page.get(reverse(SEARCH), {"area": tree.village_a.pk, "q": target.code}))
    assert [i.get("value") for i in by_code.find_all("input")] == [str(target.pk)]
    # Own households first and starred.
    own = parse(cadre_page.get(reverse(SEARCH), {"area": tree.village_a.pk, "q": "户主"}))
    assert own.texts("label")[:15] == [f"★ {h.head_name} · 芒街九组" for h in big_village[:15]]


def test_search_is_capped_and_says_so(cadre_page, tree, big_village):
    page = parse(cadre_page.get(reverse(SEARCH), {"area": tree.village_a.pk, "q": "户主"}))
    assert len(page.find_all("input", type="checkbox")) == SEARCH_LIMIT
    assert page.find(id="household-matches-more")
    none = parse(
        cadre_page.get(
            reverse(SEARCH), {"area": tree.village_a.pk, "q": "无此人"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert none.find(id="household-matches-none").text == (
        "No household of this place matches “无此人”."
    )
    empty = parse(cadre_page.get(reverse(SEARCH), {"area": tree.village_a.pk, "q": " "}))
    assert empty.find_all("input") == []


def test_search_stays_within_the_place_and_the_jurisdiction(login, tree, big_village):
    # A cadre whose account sees group A1 only.
    user = user_with_role(Role.CADRE, tree.group_a1, username="group-only")
    CadreFactory(user=user)
    page_client = login(user)
    inside = parse(page_client.get(reverse(SEARCH), {"area": tree.group_a1.pk, "q": "户主"}))
    assert sorted(int(i.get("value") or 0) for i in inside.find_all("input")) == sorted(
        h.pk for h in tree.households_a[:3]
    )
    # Village A (and its 750 households) and village B are outside: 404, nothing listed.
    for area in (tree.village_a, tree.village_b):
        response = page_client.get(reverse(SEARCH), {"area": area.pk, "q": "户主"})
        assert response.status_code == 404
        assert b"form-check" not in response.content


def test_search_of_a_place_outside_the_county_is_refused_for_the_cadre(cadre_page, tree):
    response = cadre_page.get(reverse(SEARCH), {"area": tree.village_b.pk, "q": "户主"})
    assert response.status_code == 404


def test_search_queries_do_not_grow_with_matches(cadre_page, tree, big_village):
    def count(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = cadre_page.get(reverse(SEARCH), {"area": tree.village_a.pk, "q": query})
        assert response.status_code == 200
        return len(queries)

    one, many = count(big_village[5].code), count("户主")
    assert one == many
    assert many <= 8


def test_a_failed_submit_keeps_the_households_ticked_from_the_search(cadre_page, tree, big_village):
    own, searched = big_village[0], big_village[400]
    response = cadre_page.post(
        f"{reverse('duty-log')}?area={tree.village_a.pk}",
        {
            "date": (TODAY + datetime.timedelta(days=2)).isoformat(),  # the submit fails
            "area": tree.village_a.pk,
            "activities": ["visited_households"],
            "households": [own.pk, searched.pk],
        },
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.form_errors()
    ticked = [
        i.get("value")
        for i in page.find(id="household-picked").find_all("input", type="checkbox")
        if i.get("checked") is not None
    ]
    assert ticked == [str(own.pk), str(searched.pk)]
    assert f"{searched.head_name} · 芒街九组" in page.find(id="household-picked").texts("label")
    assert not DutyDay.objects.exists()


def test_a_household_outside_the_place_is_still_refused(cadre_page, tree, big_village):
    response = cadre_page.post(
        reverse("duty-log"),
        {
            "date": TODAY.isoformat(),
            "area": tree.group_a1.pk,
            "activities": ["visited_households"],
            "households": [big_village[400].pk],  # in group A9, not A1
        },
    )
    assert response.status_code == 200
    assert parse(response).form_errors()
    assert not DutyDay.objects.exists()


def test_a_household_of_another_jurisdiction_is_neither_offered_nor_named(cadre_page, tree):
    outsider = tree.households_b[0]
    response = cadre_page.post(
        f"{reverse('duty-log')}?area={tree.village_a.pk}",
        {"date": TODAY.isoformat(), "area": tree.village_a.pk, "households": [outsider.pk]},
    )
    assert response.status_code == 200
    assert outsider.head_name not in parse(response).all_text
    assert not DutyDay.objects.exists()
