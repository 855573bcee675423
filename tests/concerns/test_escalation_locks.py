"""Two escalation runs at once (PostgreSQL): rows locked by one are skipped by the other,
and together they escalate each concern once."""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from districts.access import SYSTEM
from liaison.concerns.models import Concern, ConcernEvent
from liaison.concerns.services import escalate_concerns


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_elsewhere_is_skipped_and_taken_by_the_next_run(raise_concern):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (SQLite serialises writers)")
    first, second = raise_concern(), raise_concern()
    Concern.objects.update(due=datetime.date(2026, 3, 10))
    locked, release = threading.Event(), threading.Event()

    def hold_the_first_row() -> None:
        try:
            with transaction.atomic():
                Concern.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_first_row)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        result = escalate_concerns(today=datetime.date(2026, 3, 11), by=SYSTEM)
    finally:
        release.set()
        holder.join()
    assert result.overdue == 1
    assert Concern.objects.get(pk=second.pk).escalation_level == 2
    assert Concern.objects.get(pk=first.pk).escalation_level == 0
    again = escalate_concerns(today=datetime.date(2026, 3, 11), by=SYSTEM)
    assert again.overdue == 1
    assert sorted(Concern.objects.values_list("escalation_level", flat=True)) == [2, 2]
    assert ConcernEvent.objects.filter(action="escalate").count() == 2
