"""Zones in natural order (第一…第十, "3组" before "10组"): the stored key and the list."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from districts import services
from districts.demo import chinese_number
from districts.models import Zone

from ..factories import GroupFactory, ZoneFactory
from ..html import parse

pytestmark = pytest.mark.django_db


def test_zone_create_and_rename_keep_the_sort_key(tree, county_admin):
    zone = services.zone_create(
        name=" 芒街村第十一片区 ", level="group", areas=[tree.group_a1], by=county_admin
    )
    zone.refresh_from_db()
    assert (zone.name, zone.sort_key) == ("芒街村第十一片区", "芒街村第211片区")
    services.zone_update(zone=zone, data={"name": "芒街村第3片区"}, by=county_admin)
    zone.refresh_from_db()
    assert (zone.name, zone.sort_key) == ("芒街村第3片区", "芒街村第13片区")
    services.zone_update(zone=zone, data={"areas": [tree.group_a2]}, by=county_admin)
    zone.refresh_from_db()
    assert zone.sort_key == "芒街村第13片区"


def test_the_migration_fills_the_keys_of_existing_zones(tree):
    for name in ("第十片区", "10组", "第二片区"):
        ZoneFactory(name=name, sort_key="")
    migration = importlib.import_module("districts.migrations.0005_zone_sort_key")
    migration.fill_sort_keys(apps, None)
    assert list(Zone.objects.order_by("sort_key").values_list("name", "sort_key")) == [
        ("10组", "210组"),
        ("第二片区", "第12片区"),
        ("第十片区", "第210片区"),
    ]


def test_the_zone_list_pages_in_natural_order(login, tree, viewer_a):
    """55 zones: page 1 runs 第一…第五十, page 2 第五十一…第五十五 (not 第一、第七、第三…)."""
    names = [f"芒街村第{chinese_number(n)}片区" for n in range(1, 56)]
    for name in reversed(names):
        ZoneFactory(name=name, areas=[GroupFactory(parent=tree.village_a)])
    client = login(viewer_a)
    first = parse(client.get(reverse("zone-list")))
    assert [row[0] for row in first.table_rows("#zones")] == names[:50]
    second = parse(client.get(reverse("zone-list"), {"page": 2}))
    assert [row[0] for row in second.table_rows("#zones")] == names[50:]


def test_arabic_numbers_sort_by_value_in_the_list(login, tree, viewer_a):
    for name, group in (("10组片区", tree.group_a1), ("3组片区", tree.group_a2)):
        ZoneFactory(name=name, areas=[group])
    page = parse(login(viewer_a).get(reverse("zone-list")))
    assert [row[0] for row in page.table_rows("#zones")] == ["3组片区", "10组片区"]
