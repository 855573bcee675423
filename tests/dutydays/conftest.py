from ..liaison.conftest import (  # noqa: F401 - shared fixtures
    cadre_a,
    cadre_a2,
    cadre_b,
    county_department,
    day,
    township_a_department,
    township_b_department,
)
