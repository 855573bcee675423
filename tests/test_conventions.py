"""The suite's own rules: exact exceptions, fixtures defined once, a factory for every model,
pages read through tests/html.py."""

import ast
from collections import Counter
from pathlib import Path

import factory
import pytest
from django.apps import apps
from django.db import models

from . import factories

TESTS = Path(__file__).resolve().parent
APP_LABELS = ("districts", "liaison", "concerns", "dutydays")


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(TESTS.rglob("*.py"))]


def _where(path: Path, node: ast.expr | ast.stmt) -> str:
    return f"{path.relative_to(TESTS.parent)}:{node.lineno}"


def _is_pytest_attr(node: ast.expr, name: str) -> bool:
    """Whether `node` is `pytest.<name>` or a bare `<name>` (imported from pytest)."""
    if isinstance(node, ast.Attribute):
        return node.attr == name and isinstance(node.value, ast.Name) and node.value.id == "pytest"
    return isinstance(node, ast.Name) and node.id == name


def test_every_pytest_raises_names_the_message():
    """`pytest.raises(X)` alone passes for any X raised for the wrong reason."""
    missing = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _is_pytest_attr(node.func, "raises")
        and "match" not in {k.arg for k in node.keywords}
    ]
    assert missing == []


def _fixture_names(tree: ast.Module) -> list[tuple[str, ast.stmt]]:
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if not _is_pytest_attr(target, "fixture"):
                continue
            name = node.name
            for keyword in call.keywords if call else []:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    name = str(keyword.value.value)
            found.append((name, node))
    return found


def test_every_fixture_is_defined_once():
    """One name, one meaning: a fixture redefined in a sub-folder silently changes tests."""
    definitions = [
        (name, _where(path, node))
        for path, tree in _modules()
        for name, node in _fixture_names(tree)
    ]
    counts = Counter(name for name, _ in definitions)
    twice = sorted((name, where) for name, where in definitions if counts[name] > 1)
    assert twice == []
    assert {"tree", "cadre_a", "cadre_user_a", "login", "api_for"} <= set(counts)


def test_pages_are_read_through_the_html_helper():
    """`"<td>x</td>" in response.content.decode()` passes on markup, not on what is shown.

    HTML responses are read with tests/html.py's `parse`; `.content.decode(...)` with an
    encoding stays allowed for CSV files.
    """
    decoded = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "decode"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "content"
        and not node.args
        and path.name != "html.py"
    ]
    contains = [
        _where(path, node)
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("assertContains", "assertInHTML")
    ]
    assert (decoded, contains) == ([], [])


def _concrete_models() -> list[type[models.Model]]:
    found = [
        model
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]
    return [*found, apps.get_model("auth", "User")]


def _factory_for(model: type[models.Model]):
    candidates = [
        f
        for f in vars(factories).values()
        if isinstance(f, type)
        and issubclass(f, factory.django.DjangoModelFactory)
        and f._meta.model is model
        and f.__name__ == f"{model.__name__}Factory"
    ]
    return candidates[0] if candidates else None


def test_every_model_has_a_factory():
    models_found = {m.__name__ for m in _concrete_models()}
    assert {
        "Area",
        "Household",
        "Zone",
        "ZoneArea",
        "Jurisdiction",
        "PersonalDataAccess",
        "ImportJob",
        "Department",
        "Cadre",
        "Pairing",
        "ZoneLeadership",
        "DepartmentVillageLink",
        "FiveLinksRule",
        "CoverageSnapshot",
        "CoverageJob",
        "ContactInfo",
        "DutyDay",
        "DutyPhoto",
        "DutyQuota",
        "DutySettings",
        "Leave",
        "MonthlyCompliance",
        "User",
    } <= models_found
    assert [m.__name__ for m in _concrete_models() if _factory_for(m) is None] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", _concrete_models(), ids=lambda m: m.__name__)
def test_each_factory_builds_a_valid_row(model):
    factory_class = _factory_for(model)
    assert factory_class is not None
    before = model.objects.count()
    first, second = factory_class(), factory_class()
    for row in (first, second):
        row.refresh_from_db()
        row.full_clean()
    if factory_class._meta.django_get_or_create:
        # A policy row keyed by a unique field: the factory takes the row that is there.
        assert first.pk == second.pk
        assert model.objects.count() in (before, before + 1)
    else:
        assert first.pk != second.pk
        assert model.objects.count() == before + 2


@pytest.mark.django_db
def test_factories_build_areas_and_households_as_the_services_would():
    """Codes of the national scheme, paths from the parents, ancestors from the parent links."""
    household = factories.HouseholdFactory()
    chain = [household.group]
    while (parent := chain[-1].parent) is not None:
        chain.append(parent)
    group, village, township, county = chain
    assert (household.village, household.township, household.county) == (village, township, county)
    assert [a.level for a in (county, township, village, group)] == [
        "county",
        "township",
        "village",
        "group",
    ]
    assert [len(a.code) for a in (county, township, village, group)] == [6, 9, 12, 15]
    assert all(a.code.isdigit() for a in (county, township, village, group))
    assert group.path == f"/{county.code}/{township.code}/{village.code}/{group.code}/"
    assert township.code.startswith(county.code) and group.code.startswith(village.code)

    province = factories.AreaFactory(level="province")
    prefecture = factories.AreaFactory(parent=province)
    under = factories.AreaFactory(parent=prefecture)
    assert (prefecture.level, under.level) == ("prefecture", "county")
    assert (prefecture.code[:2], under.code[:4]) == (province.code[:2], prefecture.code[:4])
    assert under.path == f"/{province.code}/{prefecture.code}/{under.code}/"

    pairing = factories.PairingFactory()
    assert pairing.household.county == pairing.cadre.area  # a household of the cadre's county
