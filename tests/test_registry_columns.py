"""Columns a later app adds to an earlier app's table (liaison.common.registry)."""

from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from liaison.common import registry
from liaison.core import views as core_views


def test_the_core_adds_the_cadre_and_the_leader():
    assert registry._COLUMNS["households"] == [core_views.household_cadre_column]
    assert registry._COLUMNS["zones"] == [core_views.zone_leader_column]


def test_an_unknown_table_is_refused():
    with pytest.raises(ValueError, match="Unknown table 'cadres'; tables with columns: "):
        registry.register_column("cadres", lambda request, rows: None)


def test_columns_and_cells_follow_the_rows(monkeypatch):
    monkeypatch.setitem(registry._COLUMNS, "zones", [])
    rows = [SimpleNamespace(pk=1), SimpleNamespace(pk=2)]
    registry.register_column("zones", lambda request, rows: None)  # nothing to show
    registry.register_column(
        "zones", lambda request, rows: registry.Column("Leader", "cell.html", {2: "岩温"})
    )
    registry.register_column("zones", registry._COLUMNS["zones"][1])  # registered once
    columns = registry.columns_for("zones", RequestFactory().get("/"), rows)
    assert [(c.label, c.template, c.values) for c in columns] == [
        ("Leader", "cell.html", {2: "岩温"})
    ]
    assert registry.rows_with_cells(rows, columns) == [
        (rows[0], [registry.Cell("Leader", "cell.html", None)]),
        (rows[1], [registry.Cell("Leader", "cell.html", "岩温")]),
    ]
