"""Who may do what: actors, roles, jurisdictions, actions — the one funnel.

Every read and every write passes here. `require(actor, action, target)` checks, in this
order and nowhere else:

1. the target lies in the actor's jurisdiction — outside and missing both raise Http404 with
   the same words ("No such household."), so a foreign id tells nothing;
2. the actor's role may take the action — a role that may not even read this kind of record
   gets the same 404 (its existence is not theirs to know); a role that may read but not
   change it gets PermissionDenied (403).

Apps register their own actions, roles and kinds of target when they start
(`register_action`, `register_role`, `register_target`), so that a later app (surveys,
promotions) brings its own rules without this module knowing it. Tasks, imports, commands
and the demo act as the explicit `SYSTEM` actor; there is no `None` that skips the checks.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import HOUSEHOLD_ANCESTOR_LEVELS, ROLES, Area, AreaLevel, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


# Actors ---------------------------------------------------------------------------------


class SystemActor:
    """The actor of tasks, imports run by commands, management commands and the demo.

    It acts everywhere and is recorded as no user in histories. Passing it is a decision
    the caller makes in writing; a missing actor is an error, never "skip the checks".
    """

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    pk = None

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<SystemActor {self.name}>"

    def get_username(self) -> str:
        return self.name


SYSTEM = SystemActor("system")

Actor = Union["AbstractBaseUser", "AnonymousUser", SystemActor]


def user_of(actor: Actor) -> Any:
    """Return the user to record (created_by, history user) for `actor`: None for SYSTEM."""
    if isinstance(actor, SystemActor) or not actor.is_authenticated:
        return None
    return actor


# Roles and actions ----------------------------------------------------------------------


def register_role(value: str, label: Promise | str) -> None:
    """Add a role that a later app brings (e.g. an appraisal committee)."""
    ROLES[value] = label


def role_label(value: str | None) -> str:
    return str(ROLES.get(value, "")) if value else ""


@dataclass(frozen=True)
class Action:
    """Something a role may do inside its jurisdiction. `read` actions answer 404 when the
    role lacks them (the record's existence is not the role's to know); others 403."""

    name: str
    roles: frozenset[str]
    read: bool = False


_ACTIONS: dict[str, Action] = {}
ALL_ROLES = "*"


def register_action(name: str, roles: Iterable[str], *, read: bool = False) -> Action:
    """Register (or redefine) action `name` for `roles` (or ALL_ROLES)."""
    role_set = frozenset({ALL_ROLES}) if roles == ALL_ROLES else frozenset(roles)
    action = Action(name=name, roles=role_set, read=read)
    _ACTIONS[name] = action
    return action


def action(name: str) -> Action:
    """Return a registered action. Raise KeyError for a name nobody registered (a bug)."""
    return _ACTIONS[name]


ADMINS = (Role.ADMINISTRATOR, Role.AREA_ADMIN)

# districts' own actions. Reading areas, households and zones is open to every role;
# their personal numbers only to roles that phone or correct households.
register_action("view_areas", ALL_ROLES, read=True)
register_action("view_households", ALL_ROLES, read=True)
register_action("view_zones", ALL_ROLES, read=True)
register_action("manage_areas", ADMINS)
register_action("manage_households", ADMINS)
register_action("manage_zones", ADMINS)
register_action("import", ADMINS)
register_action("recompute_statistics", (Role.ADMINISTRATOR,))
register_action("reveal_personal_data", (*ADMINS, Role.CADRE))
# The reveal log and the audit log of the jurisdiction (PIPL, 等保 2.0): for administrators.
# Not a read action: a viewer or cadre asking for the log is refused (403), not misled.
register_action("view_audit_log", ADMINS)
# Erasing households' personal data after the retention period: the command (SYSTEM).
register_action("erase_personal_data", (Role.ADMINISTRATOR,))
# The API's documentation is for those who connect other systems: the menu offers it to
# administrators (the API itself answers every role through its tokens).
register_action("view_api_docs", ADMINS, read=True)


# Rules of a role ------------------------------------------------------------------------
# Some roles may take an action only on some of the targets in their jurisdiction: a cadre
# reveals the numbers of the households they serve, not of every household of the
# township. Which households those are, only a higher app knows (the core's pairings and
# zone leaders), so it registers the rule; until it does, the role is refused.


@dataclass(frozen=True)
class RoleRule:
    """`allows(scope, target, actor)`: may this role take the action on this target;
    `refused`: the reason given (403) when it may not."""

    allows: Callable[["Scope", Any, Any], bool]
    refused: Promise | str


_ROLE_RULES: dict[tuple[str, str], RoleRule] = {}


def register_role_rule(
    action_name: str,
    role: str,
    allows: Callable[["Scope", Any, Any], bool],
    *,
    refused: Promise | str,
) -> None:
    """Limit `role`'s `action_name` to the targets `allows` accepts (replaces an earlier rule)."""
    _ROLE_RULES[(action_name, role)] = RoleRule(allows, refused)


def _refuse_all(scope: "Scope", target: Any, actor: Any) -> bool:
    return False


register_role_rule(
    "reveal_personal_data",
    Role.CADRE,
    _refuse_all,
    refused=_("You may see the numbers of the households you serve only."),
)


# Scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A user's role and jurisdiction roots, resolved once per request."""

    role: str | None
    roots: tuple[Area, ...] = field(default_factory=tuple)
    everything: bool = False
    # Ids of the areas above the roots (a township user's county): cadres serving there
    # work in the jurisdiction too. Found through parent links, never by splitting paths.
    above_ids: frozenset[int] = frozenset()

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

    def reach_q(self, prefix: str = "") -> Q:
        """Return a Q selecting areas in the jurisdiction or above it."""
        if self.everything:
            return Q()
        return self.area_q(prefix) | Q(**{f"{prefix}pk__in": sorted(self.above_ids)})

    def household_q(self, prefix: str = "") -> Q:
        """Return a Q selecting households in the jurisdiction, by their ancestor ids."""
        if self.everything:
            return Q()
        if not self.roots:
            return Q(pk__in=[])
        q = Q()
        for root in self.roots:
            if root.level in HOUSEHOLD_ANCESTOR_LEVELS:
                q |= Q(**{f"{prefix}{root.level}_id": root.pk})
            else:
                counties = Area.objects.filter(
                    path__startswith=root.path, level=AreaLevel.COUNTY
                ).values("pk")
                q |= Q(**{f"{prefix}county_id__in": counties})
        return q

    def contains_household(self, household: Any) -> bool:
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

    def contains(self, area: Area) -> bool:
        """Return whether `area` lies in the jurisdiction."""
        return self.everything or any(area.path.startswith(root.path) for root in self.roots)

    def reaches(self, area: Area) -> bool:
        """Return whether `area` is in the jurisdiction or above it (a county for a township
        user): cadres serving there work in the jurisdiction too."""
        return self.contains(area) or area.pk in self.above_ids


EMPTY_SCOPE = Scope(role=None)
SYSTEM_SCOPE = Scope(role=Role.ADMINISTRATOR, everything=True)


def scope_for(actor: Actor) -> Scope:
    """Return the actor's scope, cached on the user object for the request."""
    if isinstance(actor, SystemActor):
        return SYSTEM_SCOPE
    cached = getattr(actor, "_liaison_scope", None)
    if cached is not None:
        return cached
    scope = _build_scope(actor)
    if actor.is_authenticated:
        setattr(actor, "_liaison_scope", scope)  # noqa: B010  (not a declared attribute)
    return scope


def read_scope(actor: Actor, action_name: str) -> Scope:
    """Return the actor's scope for reading with `action_name`: empty if the role may not."""
    scope = scope_for(actor)
    if scope.everything or _role_allows(scope, action(action_name)):
        return scope
    return EMPTY_SCOPE


def _build_scope(user: Any) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    if user.is_superuser:
        return Scope(role=Role.ADMINISTRATOR, everything=True)
    jurisdiction = getattr(user, "jurisdiction", None)
    if jurisdiction is None:
        return EMPTY_SCOPE
    # The roots with their ancestors, in the same query.
    areas = sorted(jurisdiction.areas.select_related(_PARENTS), key=lambda a: a.path)
    # Drop roots that lie inside another root: the OR of their filters is redundant.
    roots: list[Area] = []
    for area in areas:
        if not any(area.path.startswith(r.path) for r in roots):
            roots.append(area)
    above: set[int] = set()
    for root in roots:
        above.update(a.pk for a in _walk_up(root)[:-1])
    return Scope(role=jurisdiction.role, roots=tuple(roots), above_ids=frozenset(above))


# The hierarchy is at most six levels deep (province … group): five parent links.
_PARENTS = "__".join(["parent"] * (len(AreaLevel.values) - 1))


def _walk_up(node: Area | None) -> list[Area]:
    chain: list[Area] = []
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def area_chain(area: Area) -> list[Area]:
    """Return the areas from the root down to `area` (inclusive), by parent links.

    One query, never a split of the path: a path is only as trustworthy as its codes.
    """
    return _walk_up(Area.objects.select_related(_PARENTS).get(pk=area.pk))


def _role_allows(scope: Scope, spec: Action) -> bool:
    if scope.everything:
        return True
    return scope.role is not None and (scope.role in spec.roles or ALL_ROLES in spec.roles)


def can(actor: Actor, action_name: str) -> bool:
    """Return whether the actor's role allows `action_name` (menus, buttons)."""
    if isinstance(actor, SystemActor):
        return True
    return _role_allows(scope_for(actor), action(action_name))


# Targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetKind:
    """How to tell whether a record lies in a jurisdiction.

    `visible(scope, obj, actor)`: may the actor know the record exists (else 404);
    `writable(scope, obj, actor)`, if given: may the actor change it (else 403, with
    `read_only` as the reason) — e.g. a township sees the county's cadres but does not
    manage them.
    """

    model: type
    visible: Callable[[Scope, Any, Any], bool]
    not_found: Promise | str
    writable: Callable[[Scope, Any, Any], bool] | None = None
    read_only: Promise | str = ""


_TARGETS: dict[type, TargetKind] = {}


def register_target(
    model: type,
    *,
    visible: Callable[[Scope, Any, Any], bool],
    not_found: Promise | str,
    writable: Callable[[Scope, Any, Any], bool] | None = None,
    read_only: Promise | str = "",
) -> None:
    """Teach the funnel how to place records of `model` in a jurisdiction."""
    _TARGETS[model] = TargetKind(model, visible, not_found, writable, read_only)


def _kind_of(target: Any) -> TargetKind:
    for klass in type(target).__mro__:
        if klass in _TARGETS:
            return _TARGETS[klass]
    raise TypeError(f"No access rule for {type(target).__name__}: call register_target().")


def require(actor: Actor, action_name: str, target: Any = None) -> None:
    """Check that `actor` may take `action_name` (on `target`, if given).

    Raise Http404 if the target lies outside the jurisdiction, or the role may not read
    such records; PermissionDenied if the role may not take the action, or the target may
    be seen but not changed by this actor.
    """
    spec = action(action_name)
    if isinstance(actor, SystemActor):
        return
    scope = scope_for(actor)
    kind = _kind_of(target) if target is not None else None
    if kind is not None and not kind.visible(scope, target, actor):
        raise Http404(str(kind.not_found))
    if not _role_allows(scope, spec):
        if spec.read:
            raise Http404(str(kind.not_found) if kind else gettext("Not found."))
        raise PermissionDenied(gettext("Your role does not allow this."))
    rule = None if scope.everything else _ROLE_RULES.get((action_name, scope.role or ""))
    if rule is not None and target is not None and not rule.allows(scope, target, actor):
        raise PermissionDenied(str(rule.refused))
    if (
        kind is not None
        and not spec.read
        and kind.writable is not None
        and not kind.writable(scope, target, actor)
    ):
        raise PermissionDenied(str(kind.read_only) or gettext("Your role does not allow this."))


def allowed(actor: Actor, action_name: str, target: Any = None) -> bool:
    """Return whether `require` would let `actor` take the action (buttons, forms)."""
    try:
        require(actor, action_name, target)
    except (Http404, PermissionDenied):
        return False
    return True


def require_all(actor: Actor, action_name: str, targets: Iterable[Any]) -> None:
    """`require` for each target, before any rule looks at them."""
    for target in targets:
        require(actor, action_name, target)


def _zone_visible(scope: Scope, zone: Any, actor: Any) -> bool:
    return scope.everything or any(scope.contains(a) for a in zone.areas.all())


def _zone_writable(scope: Scope, zone: Any, actor: Any) -> bool:
    # A zone that reaches into another township (a county leader's) is the county's.
    return scope.everything or all(scope.contains(a) for a in zone.areas.all())


def _import_job_visible(scope: Scope, job: Any, actor: Any) -> bool:
    return scope.everything or job.created_by_id == getattr(actor, "pk", None)


def _register_district_targets() -> None:
    from .models import Household, ImportJob, Zone

    register_target(Area, visible=lambda s, a, u: s.contains(a), not_found=_("No such area."))
    register_target(
        Household,
        visible=lambda s, h, u: s.contains_household(h),
        not_found=_("No such household."),
    )
    register_target(
        Zone,
        visible=_zone_visible,
        writable=_zone_writable,
        not_found=_("No such zone."),
        read_only=_("This zone reaches beyond your jurisdiction: it is managed from above."),
    )
    register_target(ImportJob, visible=_import_job_visible, not_found=_("No such import."))


_register_district_targets()


# Pages, menus and DRF --------------------------------------------------------------------


def signed_in(request: HttpRequest) -> bool:
    """Menu visibility: every signed-in user."""
    return bool(request.user.is_authenticated)


def is_role(role: str) -> Callable[[HttpRequest], bool]:
    """Menu visibility: users of `role`."""

    def check(request: HttpRequest) -> bool:
        return scope_for(request.user).role == role

    return check


def has_permission(action_name: str) -> Callable[[HttpRequest], bool]:
    """Menu visibility: users whose role allows `action_name`."""

    def check(request: HttpRequest) -> bool:
        return can(request.user, action_name)

    return check


class RolePermission(BasePermission):
    """DRF: reads for every role; writes only for roles with the view's `write_action`.

    On a detail route the role is checked once the object is found (DRF's object
    permission), so an id outside the jurisdiction answers 404 before any 403, as the
    funnel orders it; either way before the body is validated. The services check again.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in getattr(view, "kwargs", {}):
            return True  # decided in has_object_permission, after the scoped lookup
        return can(request.user, view.write_action)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        action_name = getattr(view, "object_action", None) or view.write_action
        return can(request.user, action_name)
