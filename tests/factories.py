"""factory-boy factories for areas, households, users with roles."""

import itertools
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from districts.demo import synthetic_id_number
from districts.models import Area, AreaLevel, Household, Jurisdiction, Role
from liaison.core.models import Cadre, Department

_codes = itertools.count(1)
M = TypeVar("M")

if TYPE_CHECKING:

    class ModelFactory(factory.django.DjangoModelFactory[M]):
        """What `XFactory(...)` returns: factory-boy's metaclass makes the call create a `M`.

        The ignore: a type checker only lets `__new__` return the class itself, and the
        metaclass `__call__` that really answers is not annotated.
        """

        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]

else:
    ModelFactory = factory.django.DjangoModelFactory


class AreaFactory(ModelFactory[Area]):
    """An area; give `parent` and the level one below it (default: a county at the root)."""

    class Meta:
        model = Area
        skip_postgeneration_save = True

    level = AreaLevel.COUNTY
    parent = None
    code = factory.LazyAttribute(
        lambda o: f"{o.parent.code if o.parent else '53'}{next(_codes):03d}"
    )
    name = factory.Sequence(lambda n: f"地区{n}")
    path = factory.LazyAttribute(lambda o: f"{o.parent.path if o.parent else '/'}{o.code}/")
    categories = factory.LazyFunction(list)


class HouseholdFactory(ModelFactory[Household]):
    """A household in `group`; ancestors filled from the group's parents."""

    class Meta:
        model = Household

    group = None
    village = factory.LazyAttribute(lambda o: o.group.parent)
    township = factory.LazyAttribute(lambda o: o.group.parent.parent)
    county = factory.LazyAttribute(lambda o: o.group.parent.parent.parent)
    code = factory.LazyAttribute(lambda o: f"{o.group.code}{next(_codes):04d}")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    members = 3
    id_number = factory.Sequence(lambda n: synthetic_id_number(__import__("random").Random(n)))
    phone = factory.Sequence(lambda n: f"1390000{n % 10000:04d}")
    address = "一组"
    categories = factory.LazyFunction(list)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-secret-123")

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def user_with_role(role: str, *areas: Area, **kwargs: Any) -> User:
    """Return a user whose jurisdiction is `areas` with `role`."""
    user = UserFactory(**kwargs)
    jurisdiction = Jurisdiction.objects.create(user=user, role=role)
    jurisdiction.areas.set(areas)
    return user


__all__ = ["AreaFactory", "HouseholdFactory", "Role", "UserFactory", "user_with_role"]


class DepartmentFactory(ModelFactory[Department]):
    class Meta:
        model = "liaison.Department"

    name = factory.Sequence(lambda n: f"部门{n}")
    level = "county"
    kind = "economic"
    area = None


class CadreFactory(ModelFactory[Cadre]):
    class Meta:
        model = "liaison.Cadre"

    name = factory.Sequence(lambda n: f"干部{n}")
    gender = "male"
    department = None
    rank = "ordinary"
    phone = factory.Sequence(lambda n: f"1390001{n % 10000:04d}")
    area = factory.LazyAttribute(lambda o: o.department.area)
