"""The dashboard's row of concerns: counted now, inside the jurisdiction, each figure a link."""

import datetime

from django.urls import reverse

from liaison.concerns.models import Concern, State
from tests.html import parse


def test_the_row_counts_what_waits_and_links_to_it(login, admin_a, admin_b, tree, raise_concern):
    late, queued, callback, supervised = (raise_concern() for _ in range(4))
    raise_concern(area=tree.group_b1)  # another township's: not counted for A
    past = datetime.date(2026, 1, 5)
    Concern.objects.filter(pk=late.pk).update(state=State.IN_PROGRESS, due=past)
    Concern.objects.filter(pk=callback.pk).update(state=State.RESOLVED)
    Concern.objects.filter(pk=supervised.pk).update(
        state=State.IN_PROGRESS, due=past, escalation_level=3
    )
    row = parse(login(admin_a).get(reverse("dashboard"))).find(id="home-concerns")
    figures = {a["data-figure"]: (a.find("span").text, a["href"]) for a in row.find_all("a")}
    assert figures == {
        "open": ("3", reverse("concern-list")),
        "overdue": ("2", f"{reverse('concern-list')}?overdue=true"),
        "unassigned": ("1", reverse("concern-queue")),
        "callback": ("1", reverse("concern-queue")),
        "supervised": ("1", reverse("concern-supervision")),
    }
    assert queued.state == State.RECEIVED
    other = parse(login(admin_b).get(reverse("dashboard"))).find(id="home-concerns")
    assert other.find("a", data_figure="open").find("span").text == "1"
