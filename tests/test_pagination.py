"""SeekPaginator's totals: exact when the page can tell, counted up to a bound otherwise."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from districts.models import Area, Household
from liaison.common import pagination
from liaison.common.pagination import SeekPaginator

from .factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _households(n: int) -> "list[Household]":
    return sorted(HouseholdFactory.create_batch(n), key=lambda h: h.code)


def _page(queryset, number, **options):
    """Return (page, the SQL of the queries it ran)."""
    with CaptureQueriesContext(connection) as queries:
        page = SeekPaginator(queryset, 2, **options).page(number)
    return page, [q["sql"] for q in queries.captured_queries]


def test_a_page_with_more_after_it_counts_once_up_to_the_limit():
    households = _households(5)
    page, sql = _page(Household.objects.order_by("code"), "1", count_limit=10)
    assert page.object_list == households[:2]
    assert (page.total, page.total_capped, page.total_label, page.num_pages) == (5, False, "5", 3)
    assert len(sql) == 2
    assert sql[1].startswith("SELECT COUNT(*) FROM (SELECT")
    assert sql[1].endswith("LIMIT 11) subquery")
    assert "ORDER BY" not in sql[1]


def test_beyond_the_limit_the_total_is_a_lower_bound():
    _households(5)
    page, sql = _page(Household.objects.order_by("code"), "1", count_limit=3)
    assert (page.total, page.total_capped, page.total_label, page.num_pages) == (
        3,
        True,
        "3+",
        None,
    )
    assert len(sql) == 2


def test_a_page_past_the_limit_knows_it_without_counting():
    _households(9)
    page, sql = _page(Household.objects.order_by("code"), "2", count_limit=3)
    assert (page.number, page.has_next) == (2, True)
    assert (page.total, page.total_capped) == (3, True)
    assert len(sql) == 1


def test_the_last_page_and_a_single_page_know_the_total_without_counting():
    households = _households(5)
    last, sql = _page(Household.objects.order_by("code"), "3", count_limit=3)
    assert last.object_list == households[4:]
    assert (last.total, last.total_capped, last.num_pages, last.has_next) == (5, False, 3, False)
    assert len(sql) == 1
    only, sql = _page(Household.objects.filter(pk=households[0].pk), "1")
    assert (only.total, only.total_capped, only.num_pages) == (1, False, 1)
    assert len(sql) == 1


def test_an_empty_list_has_a_total_of_nothing_without_counting():
    page, sql = _page(Household.objects.order_by("code"), "1")
    assert (page.object_list, page.total, page.total_capped, page.num_pages) == ([], 0, False, 1)
    assert len(sql) == 1


def test_a_page_past_the_end_counts():
    _households(3)
    page, sql = _page(Household.objects.order_by("code"), "7")
    assert (page.object_list, page.total, page.total_capped) == ([], 3, False)
    assert len(sql) == 2


def test_a_list_is_counted_by_its_length():
    page, sql = _page(list(range(2_500)), "2")
    assert page.object_list == [2, 3]
    assert (page.total, page.total_capped, page.total_label, page.num_pages) == (
        2_500,
        False,
        "2,500",
        1_250,
    )
    assert sql == []


def test_the_default_limit_is_a_thousand(monkeypatch):
    assert pagination.COUNT_LIMIT == 1_000
    _households(3)
    page, sql = _page(Household.objects.order_by("code"), "1")
    assert sql[1].endswith("LIMIT 1001) subquery")
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 2)
    page, sql = _page(Household.objects.order_by("code"), "1")
    assert (page.total, page.total_label) == (2, "2+")


def test_a_count_queryset_spares_the_decoration():
    """A per-row aggregate (GROUP BY) is left out of the count when the view says so."""
    households = _households(3)
    areas = Area.objects.filter(pk__in=[h.group_id for h in households]).order_by("code")
    decorated = areas.annotate(n=Count("households"))
    page, sql = _page(decorated, "1", count_queryset=areas)
    assert [a.n for a in page.object_list] == [1, 1]
    assert page.total == 3
    assert "GROUP BY" in sql[0]
    assert "GROUP BY" not in sql[1]
    assert sql[1].endswith("LIMIT 1001) subquery")


@pytest.mark.parametrize(
    ("total", "capped", "label"),
    [(0, False, "0"), (999, False, "999"), (1_000, True, "1,000+"), (12_345, False, "12,345")],
)
def test_total_label(total, capped, label):
    page: pagination.SeekPage[int] = pagination.SeekPage([], 1, False, 50, total, capped)
    assert page.total_label == label
