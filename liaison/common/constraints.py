"""Model constraints that speak to the user: a translated message, on the field it concerns.

Django reports a violated `CheckConstraint` (and a conditional `UniqueConstraint`) to the
whole form, with the default words "Constraint “household_members_positive” is violated."
Here every constraint carries its own `violation_error_message` (translated) and, when one
field is at fault, says which::

    constraints = [
        on_field(
            "members",
            models.CheckConstraint(
                condition=Q(members__gte=1),
                name="household_members_positive",
                violation_error_code="household_members_positive",
                violation_error_message=_("A household has at least one member."),
            ),
        ),
    ]

and the model takes `FieldConstraintsMixin`, so that `full_clean()` (the services) and a
ModelForm's validation raise `ValidationError({"members": [...]})`: the form marks the field,
the API keys the error by it. Constraints not given a field stay on the whole record.
"""

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router
from django.db.models import BaseConstraint, UniqueConstraint

if TYPE_CHECKING:
    from django.db import models

    _ModelBase = models.Model
else:
    _ModelBase = object

# Constraint name → the field its violation is reported on. Names are unique across the
# database (Django's check models.E032), so the name alone identifies the constraint.
_FIELDS: dict[str, str] = {}


def on_field[C: BaseConstraint](field: str, constraint: C) -> C:
    """Report violations of `constraint` on `field` rather than on the whole record."""
    _FIELDS[constraint.name] = field
    return constraint


def constraint_field(constraint: BaseConstraint) -> str | None:
    """Return the field a violation of `constraint` is reported on, or None for the record."""
    return _FIELDS.get(constraint.name)


class FieldConstraintsMixin(_ModelBase):
    """Validate the model's constraints, keying each violation by its field (`on_field`).

    The same checks, in the same order, as `Model.validate_constraints`; only where each
    error lands differs.
    """

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        using = router.db_for_write(type(self), instance=self)
        excluded = set(exclude) if exclude is not None else None
        errors: dict[str, list[ValidationError]] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=excluded, using=using)
                except ValidationError as exc:
                    field = constraint_field(constraint) or _unique_field(constraint, exc)
                    errors.setdefault(field or NON_FIELD_ERRORS, []).append(exc)
        if errors:
            raise ValidationError(errors)


def _unique_field(constraint: BaseConstraint, exc: ValidationError) -> str | None:
    # Django's own rule: a one-field unique constraint with its default message is that
    # field's "already exists".
    if not isinstance(constraint, UniqueConstraint) or len(constraint.fields) != 1:
        return None
    return str(constraint.fields[0]) if getattr(exc, "code", None) == "unique" else None
