"""Every model constraint speaks to the user: its own translated message, a code, and the
field a form marks. No constraint name ("约束 “household_members_positive” 是无效的") ever
reaches a form."""

import pytest
from django.apps import apps
from django.db.models import BaseConstraint, CheckConstraint, UniqueConstraint
from django.utils import translation
from django.utils.functional import Promise

from liaison.common.constraints import constraint_field

APP_LABELS = ("districts", "liaison", "dutydays")
# Constraints about a whole record, reported to the form as a whole (none yet).
RECORD_WIDE: frozenset[str] = frozenset()


def constraints() -> list[tuple[type, BaseConstraint]]:
    return [
        (model, constraint)
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    ]


NAMES = [constraint.name for _, constraint in constraints()]


def test_the_apps_have_constraints_to_check():
    names = sorted(c.name for _, c in constraints())
    assert names == [
        "cadre_unique_staff_code",
        "compliance_one_per_month",
        "coverage_one_per_area_day",
        "department_unique_name",
        "dutyday_one_per_cadre_day",
        "household_inactive_has_date",
        "household_members_positive",
        "leave_ends_after_start",
        "link_one_active_per_pair",
        "pairing_ends_after_start",
        "pairing_one_active_per_household",
        "zone_one_active_leader",
    ]


@pytest.mark.parametrize(("model", "constraint"), constraints(), ids=NAMES)
def test_every_constraint_has_its_own_translated_message(model, constraint):
    assert isinstance(constraint, CheckConstraint | UniqueConstraint)
    message = constraint.violation_error_message
    assert message != constraint.default_violation_error_message
    assert isinstance(message, Promise), "a lazy translation (gettext_lazy)"
    assert "%(name)s" not in str(message)
    with translation.override("en"):
        english = str(message)
    with translation.override("zh-hans"):
        chinese = str(message)
    assert chinese != english, f"no Chinese for {english!r}"
    assert constraint.violation_error_code == constraint.name


@pytest.mark.parametrize(("model", "constraint"), constraints(), ids=NAMES)
def test_every_constraint_names_a_field_of_its_model(model, constraint):
    field = constraint_field(constraint)
    if constraint.name in RECORD_WIDE:
        assert field is None
        return
    assert field in {f.name for f in model._meta.get_fields() if f.concrete}
    assert model.validate_constraints.__qualname__ == "FieldConstraintsMixin.validate_constraints"
