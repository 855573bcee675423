"""Who may do what: roles, jurisdictions and the permission table.

Every page, API endpoint, export and task asks here (directly or through
districts.selectors) before reading or writing; nothing else builds unscoped querysets.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import HOUSEHOLD_ANCESTOR_LEVELS, Area, AreaLevel, Role

# Actions a role may take inside its jurisdiction. Reading is open to every role.
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_areas": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    "manage_households": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    "manage_zones": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    "import": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    "manage_cadres": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    "manage_pairings": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    "recompute_statistics": frozenset({Role.ADMINISTRATOR}),
    "manage_users": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN}),
    # Cadres phone their households; administrators correct records. Others see masks.
    "reveal_personal_data": frozenset({Role.ADMINISTRATOR, Role.AREA_ADMIN, Role.CADRE}),
}


@dataclass(frozen=True)
class Scope:
    """A user's role and jurisdiction roots, resolved once per request."""

    role: str | None
    roots: tuple[Area, ...] = field(default_factory=tuple)
    everything: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.roots

    def area_q(self, prefix: str = "") -> Q:
        """Return a Q selecting areas in the jurisdiction (`prefix` for related lookups)."""
        if self.everything:
            return Q()
        if not self.roots:
            return Q(pk__in=[])
        q = Q()
        for root in self.roots:
            q |= Q(**{f"{prefix}path__startswith": root.path})
        return q

    def household_q(self) -> Q:
        """Return a Q selecting households in the jurisdiction, by their ancestor ids."""
        if self.everything:
            return Q()
        if not self.roots:
            return Q(pk__in=[])
        q = Q()
        for root in self.roots:
            if root.level in HOUSEHOLD_ANCESTOR_LEVELS:
                q |= Q(**{f"{root.level}_id": root.pk})
            else:
                counties = Area.objects.filter(
                    path__startswith=root.path, level=AreaLevel.COUNTY
                ).values("pk")
                q |= Q(county_id__in=counties)
        return q

    def contains_household(self, household) -> bool:
        """Return whether `household` (with its ancestor ids) lies in the jurisdiction."""
        if self.everything:
            return True
        for root in self.roots:
            if root.level in HOUSEHOLD_ANCESTOR_LEVELS:
                if getattr(household, f"{root.level}_id") == root.pk:
                    return True
            elif Area.objects.filter(pk=household.county_id, path__startswith=root.path).exists():
                return True
        return False

    def reaches(self, area: Area) -> bool:
        """Return whether `area` is in the jurisdiction or above it (a county for a township
        user): cadres serving there work in the jurisdiction too."""
        return self.contains(area) or any(root.path.startswith(area.path) for root in self.roots)

    def ancestor_codes(self) -> set[str]:
        """Return the codes of the areas above the jurisdiction roots."""
        return {code for root in self.roots for code in root.ancestor_codes()}

    def contains(self, area: Area) -> bool:
        """Return whether `area` lies in the jurisdiction."""
        return self.everything or any(area.path.startswith(root.path) for root in self.roots)


def scope_for(user) -> Scope:
    """Return the user's scope, cached on the user object for the request."""
    cached = getattr(user, "_liaison_scope", None)
    if cached is not None:
        return cached
    scope = _build_scope(user)
    if user.is_authenticated:
        user._liaison_scope = scope
    return scope


def _build_scope(user) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope(role=None)
    if user.is_superuser:
        return Scope(role=Role.ADMINISTRATOR, everything=True)
    jurisdiction = getattr(user, "jurisdiction", None)
    if jurisdiction is None:
        return Scope(role=None)
    areas = sorted(jurisdiction.areas.all(), key=lambda a: a.path)
    # Drop roots that lie inside another root: the OR of their filters is redundant.
    roots: list[Area] = []
    for area in areas:
        if not any(area.path.startswith(r.path) for r in roots):
            roots.append(area)
    return Scope(role=jurisdiction.role, roots=tuple(roots))


def can(user, action: str) -> bool:
    """Return whether the user's role allows `action` (a key of PERMISSIONS)."""
    scope = scope_for(user)
    if scope.everything:
        return True
    return scope.role in PERMISSIONS[action]


def signed_in(request) -> bool:
    """Menu visibility: every signed-in user."""
    return bool(request.user.is_authenticated)


def is_role(role: str):
    """Menu visibility: users of `role`."""

    def check(request) -> bool:
        return scope_for(request.user).role == role

    return check


def has_permission(action: str):
    """Menu visibility: users whose role allows `action`."""

    def check(request) -> bool:
        return can(request.user, action)

    return check


class RolePermission(BasePermission):
    """DRF: reads for every role; writes only for roles with the view's `write_action`."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return can(request.user, view.write_action)
