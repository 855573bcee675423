"""A set of category codes stored as an integer bit mask.

Households and villages carry several categories each. A bit mask keeps the row small
(millions of households), works the same on SQLite and PostgreSQL, and filters with one
bitwise test instead of a join.
"""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup
from django.db.models.expressions import Combinable
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType


class FlagsField(models.BigIntegerField):
    """Store a list of codes from `choices` (a TextChoices class) as a bit mask.

    The bit of a code is its position in the choices, so new codes must be appended,
    never inserted or reordered.
    """

    # The attribute types django-stubs gives the model field: a list of codes is read back;
    # codes, an `a;b` string, a mask or an expression may be assigned. The ignores: the
    # stubs declare these as BigIntegerField's int, which this field deliberately is not.
    _pyi_private_set_type: Iterable[str] | int | Combinable  # type: ignore[assignment]
    _pyi_private_get_type: list[str]  # type: ignore[assignment]

    def __init__(self, *args: Any, flags: type[models.TextChoices], **kwargs: Any) -> None:
        self.flags = flags
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["flags"] = self.flags
        if kwargs.get("default") == 0:
            del kwargs["default"]
        return name, path, args, kwargs

    @cached_property
    def validators(self) -> list[Any]:
        # Not the integer range validators: the Python value is a list of codes. The ignore:
        # Field._validators (the field's own validators) is set by Field.__init__ but missing
        # from the stubs.
        return list(self._validators)  # type: ignore[attr-defined]

    @cached_property
    def codes(self) -> list[str]:
        return list(self.flags.values)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}

    def mask_of(self, codes: Iterable[str]) -> int:
        """Return the bit mask of `codes`. Raise ValidationError on an unknown code."""
        positions = self._positions
        mask = 0
        unknown = []
        for code in codes:
            if code in positions:
                mask |= 1 << positions[code]
            else:
                unknown.append(code)
        if unknown:
            raise ValidationError(
                _("Unknown category: %(codes)s. Allowed: %(allowed)s."),
                code="invalid_category",
                params={"codes": ", ".join(unknown), "allowed": ", ".join(self.codes)},
            )
        return mask

    def codes_of(self, mask: int) -> list[str]:
        return [code for i, code in enumerate(self.codes) if mask & (1 << i)]

    def from_db_value(
        self, value: int | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> list[str] | None:
        if value is None:
            return value
        return self.codes_of(value)

    def to_python(self, value: Any) -> list[str] | None:
        if value is None or isinstance(value, list):
            return value
        if isinstance(value, int):
            return self.codes_of(value)
        if isinstance(value, str):
            return parse_codes(value)
        return list(value)

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            value = parse_codes(value)
        return self.mask_of(value)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        # The base validation would compare the list against `choices`; check codes here.
        if value is None and not self.null:
            raise ValidationError(self.error_messages["null"], code="null")
        if value:
            self.mask_of(value)

    def value_to_string(self, obj: models.Model) -> str:
        return ";".join(self.to_python(self.value_from_object(obj)) or [])

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.MultipleChoiceField(
            choices=self.flags.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=self.verbose_name,
            help_text=self.help_text,
        )


def parse_codes(text: str) -> list[str]:
    """Split `a;b;c` (the import file format) into codes, dropping blanks and repeats."""
    seen: list[str] = []
    for part in text.replace("；", ";").replace(",", ";").split(";"):
        code = part.strip()
        if code and code not in seen:
            seen.append(code)
    return seen


@FlagsField.register_lookup
class HasAny(Lookup):
    """`categories__has="poor"` or `categories__has=["poor", "problem"]`: any of them set."""

    lookup_name = "has"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        codes = [value] if isinstance(value, str) else list(value)
        return "%s", (self.lhs.output_field.mask_of(codes),)

    def as_sql(self, compiler: "SQLCompiler", connection: BaseDatabaseWrapper) -> "_AsSqlType":
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", (*lhs_params, *rhs_params)
