"""Picking a cadre (issue 8 item 4): the scoped type-ahead search, the transfer's
confirmation, and undoing a transfer on the day it was made."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext

from districts.access import SYSTEM
from liaison.core import services
from liaison.core.models import Cadre, CoverageSnapshot, Pairing
from liaison.core.views import PICKER_LIMIT

from ..factories import CadreFactory
from ..html import parse

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def zh(message: str, **values: object) -> str:
    """`message` as a Chinese reader sees it."""
    with translation.override("zh-hans"):
        return gettext(message) % values if values else gettext(message)


NO_UNDO = "%(name)s has no transfer made today to undo."
MOVED_ON = (
    "Some households have changed hands again since the transfer; "
    "it can no longer be undone as a whole."
)


def search(client, field: str = "cadre", q: str = "", **context: int):
    return client.get(
        reverse("cadre-search")
        + "?"
        + urlencode({"field": field, f"{field}_q": q} | {k: str(v) for k, v in context.items()})
    )


def names(response) -> list[str]:
    assert response.status_code == 200
    return [label.split(" · ")[0] for _value, label in parse(response).radios("cadre")]


# The search endpoint


def test_search_matches_name_department_and_phone_tail(login, tree, admin_a, cadre_a, cadre_a2):
    Cadre.objects.filter(pk=cadre_a.pk).update(phone="13900008765")
    client = login(admin_a)
    group = tree.group_a1.pk
    assert names(search(client, q="岩", area=group)) == ["岩温"]
    assert names(search(client, q="党政办", area=group)) == ["岩温", "玉香"]
    assert names(search(client, q="8765", area=group)) == ["岩温"]
    assert names(search(client, q="87", area=group)) == []  # too few digits for a phone
    empty = parse(search(client, q="无此人", area=group))
    assert empty.radios("cadre") == []
    assert empty.find(class_="picker-empty").text == zh("No cadre matches “%(q)s”.", q="无此人")
    # The chosen cadre stays first, whatever the query.
    response = client.get(
        reverse("cadre-search")
        + "?"
        + urlencode({"field": "cadre", "cadre_q": "玉", "cadre": cadre_a.pk, "area": group})
    )
    assert parse(response).radios("cadre", checked=True)[0][0] == str(cadre_a.pk)
    assert names(response) == ["岩温", "玉香"]


def test_search_keeps_to_the_jurisdiction(
    login, tree, admin_a, viewer_a, cadre_a, cadre_b, county_department
):
    CadreFactory(name="玉香", department=cadre_a.department)
    county = CadreFactory(name="岩县", department=county_department)
    client = login(admin_a)
    # A township sees its own cadres and the county's, never another township's.
    assert names(search(client, q="岩", area=tree.group_a1.pk)) == ["岩县", "岩温"]
    assert names(search(client, q=cadre_b.name, area=tree.group_a1.pk)) == []
    assert "扎约" not in parse(search(client, q="扎", area=tree.group_a1.pk)).all_text
    # Another township's area or cadre is not there at all; a cadre who left is not offered.
    assert search(client, q="岩", area=tree.group_b1.pk).status_code == 404
    assert search(client, "to", q="岩", **{"from": cadre_b.pk}).status_code == 404
    assert search(client, q="岩", area=tree.town_a.pk).status_code == 404
    assert search(client, "nope", q="岩", area=tree.group_a1.pk).status_code == 404
    Cadre.objects.filter(pk=county.pk).update(left_date=datetime.date(2026, 1, 1))
    assert names(search(client, q="岩", area=tree.group_a1.pk)) == ["岩温"]
    # Transfer candidates serve where the cadre serves, and are not the cadre.
    response = search(client, "to", q="党政办", **{"from": cadre_a.pk})
    assert [label.split(" · ")[0] for _v, label in parse(response).radios("to")] == ["玉香"]
    # A viewer assigns nobody.
    assert search(login(viewer_a), q="岩", area=tree.group_a1.pk).status_code == 403


@pytest.mark.parametrize("extra", [5, 40])
def test_search_shows_at_most_twenty_in_constant_queries(
    login, tree, admin_a, township_a_department, django_assert_num_queries, extra
):
    cadres = CadreFactory.create_batch(extra, department=township_a_department)
    for cadre, household in zip(cadres, tree.households_a, strict=False):
        Pairing.objects.create(cadre=cadre, household=household, start_date=TODAY)
    client = login(admin_a)
    # Session, user, role and areas, the area, its ancestors, the results with their scoped
    # household counts: the same however many cadres match.
    with django_assert_num_queries(7):
        response = search(client, q="娜允镇", area=tree.group_a1.pk)
    page = parse(response)
    assert len(page.radios("cadre")) == min(extra, PICKER_LIMIT)
    assert bool(page.find_all(class_="picker-more")) == (extra > PICKER_LIMIT)


def test_the_picker_counts_households_inside_the_jurisdiction_only(
    login, tree, admin_a, county_admin, county_department
):
    county = CadreFactory(name="岩县", department=county_department)
    Pairing.objects.create(cadre=county, household=tree.households_a[0], start_date=TODAY)
    Pairing.objects.create(cadre=county, household=tree.households_b[0], start_date=TODAY)
    township = parse(search(login(admin_a), q="岩县", area=tree.group_a1.pk)).radios("cadre")
    assert township[0][1].split(" · ")[4] == zh("%(n)d households in your jurisdiction", n=1)
    whole = parse(search(login(county_admin), q="岩县", area=tree.group_a1.pk)).radios("cadre")
    assert whole[0][1].split(" · ")[4] == zh("%(n)d households", n=2)


def test_assigning_a_cadre_the_search_does_not_offer_is_refused(
    login, tree, admin_a, cadre_a, county_department, township_b_department
):
    other = CadreFactory(name="扎约", department=township_b_department)
    client = login(admin_a)
    url = reverse("assign", args=[tree.group_a1.pk])
    data = {"action": "assign", "cadre": other.pk, "households": [tree.households_a[0].pk]}
    page = parse(client.post(url, {**data, "start_date": "2026-03-01"}))
    assert page.form_errors() == [zh("Choose one of the cadres the search offers.")]
    assert not Pairing.objects.exists()


# The transfer's confirmation


def test_transfer_asks_for_confirmation_and_cancel_changes_nothing(
    login, tree, admin_a, cadre_a, cadre_a2
):
    for h in tree.households_a[:2]:
        Pairing.objects.create(cadre=cadre_a, household=h, start_date="2026-01-01")
    client = login(admin_a)
    url = reverse("cadre-detail", args=[cadre_a.pk])
    page = parse(client.post(url, {"to": cadre_a2.pk, "date": "2026-04-01"}))
    box = page.select("#transfer-confirm")
    assert box.find(id="confirm-from").text.startswith("岩温 · 普通干部 · 娜允镇党政办 · 娜允镇")
    assert box.find(id="confirm-to").text.startswith("玉香 · 普通干部 · 娜允镇党政办 · 娜允镇")
    assert box.find(id="confirm-households").text == "2"
    assert box.find(id="confirm-date").text == "2026-04-01"
    assert box.find("a", text="取消")["href"] == url
    assert page.find_all("form", id="transfer-form") == []
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 2
    # Without a choice the form says so, and nothing moves.
    page = parse(client.post(url, {"date": "2026-04-01", "action": "confirm"}))
    assert page.form_errors() == [zh("Choose a cadre.")]
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 2


# Undoing a transfer


def _transfer(tree, cadre_a, cadre_a2, by, leave=False):
    for h in tree.households_a[:3]:
        Pairing.objects.create(cadre=cadre_a, household=h, start_date="2026-01-01")
    return services.cadre_transfer(
        cadre=cadre_a, to=cadre_a2, date=datetime.date(2026, 3, 1), leave=leave, by=by
    )


NOTHING_TO_UNDO = re.escape(zh(NO_UNDO, name="岩温"))
CHANGED_HANDS = re.escape(zh(MOVED_ON))


def test_undo_restores_the_old_pairings_with_history(
    tree, admin_a, cadre_a, cadre_a2, django_capture_on_commit_callbacks
):
    _transfer(tree, cadre_a, cadre_a2, admin_a, leave=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        restored = services.cadre_transfer_undo(cadre=cadre_a, by=admin_a)
    assert len(restored) == 3 and len(callbacks) == 3  # the mark; today and the transfer's day
    assert CoverageSnapshot.objects.filter(area=tree.town_a).exists()
    assert set(Pairing.objects.active().values_list("cadre_id", "start_date")) == {
        (cadre_a.pk, datetime.date(2026, 1, 1))
    }
    taken = Pairing.objects.filter(cadre=cadre_a2)
    assert {(p.start_date, p.end_date) for p in taken} == {(datetime.date(2026, 3, 1),) * 2}
    cadre_a.refresh_from_db()
    assert cadre_a.left_date is None
    old = Pairing.objects.filter(cadre=cadre_a).first()
    assert old is not None
    assert [h.end_date for h in old.history.order_by("history_date", "history_id")] == [
        None,
        datetime.date(2026, 3, 1),
        None,
    ]
    assert old.history.latest("history_date").history_user == admin_a
    # Undone once: there is nothing left to undo.
    with pytest.raises(ValidationError, match=NOTHING_TO_UNDO):
        services.cadre_transfer_undo(cadre=cadre_a, by=admin_a)


def test_undo_refuses_when_a_household_changed_hands_since(
    tree, admin_a, cadre_a, cadre_a2, township_a_department
):
    third = CadreFactory(name="岩三", department=township_a_department)
    moved = _transfer(tree, cadre_a, cadre_a2, admin_a)
    services.pairings_bulk_assign(
        cadre=third,
        households=[moved[0].household],
        start_date=datetime.date(2026, 3, 1),
        replace=True,
        by=admin_a,
    )
    before = list(Pairing.objects.order_by("pk").values_list("pk", "cadre_id", "end_date"))
    with pytest.raises(ValidationError, match=CHANGED_HANDS):
        services.cadre_transfer_undo(cadre=cadre_a, by=admin_a)
    assert list(Pairing.objects.order_by("pk").values_list("pk", "cadre_id", "end_date")) == before


def test_undo_only_today(tree, admin_a, cadre_a, cadre_a2):
    _transfer(tree, cadre_a, cadre_a2, admin_a)
    history = Pairing.history.model
    history.objects.update(history_date=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match=NOTHING_TO_UNDO):
        services.cadre_transfer_undo(cadre=cadre_a, by=admin_a)
    assert Pairing.objects.active().filter(cadre=cadre_a2).count() == 3


def test_undo_passes_the_funnel(tree, admin_a, admin_b, viewer_a, cadre_a, cadre_a2):
    _transfer(tree, cadre_a, cadre_a2, SYSTEM)
    with pytest.raises(Http404, match=zh("No such cadre.")):
        services.cadre_transfer_undo(cadre=cadre_a, by=admin_b)
    with pytest.raises(PermissionDenied, match=zh("Your role does not allow this.")):
        services.cadre_transfer_undo(cadre=cadre_a, by=viewer_a)
    assert Pairing.objects.active().filter(cadre=cadre_a2).count() == 3


def test_undo_from_the_cadre_history(login, tree, admin_a, viewer_a, cadre_a, cadre_a2):
    _transfer(tree, cadre_a, cadre_a2, admin_a)
    url = reverse("cadre-detail", args=[cadre_a.pk])
    # A viewer sees no button, and posting it anyway is refused.
    assert parse(login(viewer_a).get(url)).find_all(id="transfer-history") == []
    assert login(viewer_a).post(url, {"action": "undo"}).status_code == 403
    client = login(admin_a)
    section = parse(client.get(url)).select("#transfer-history")
    assert "玉香" in section.text and "3" in section.text
    assert section.find("button", value="undo").text == zh("Undo this transfer")
    response = client.post(url, {"action": "undo"})
    assert response.status_code == 302
    page = parse(client.get(url))
    assert page.messages("success") == [
        zh("The transfer is undone: %(n)d households are back with %(cadre)s.", n=3, cadre="岩温")
    ]
    assert page.find_all(id="transfer-history") == []
    assert Pairing.objects.active().filter(cadre=cadre_a).count() == 3
