"""Login accounts and their jurisdictions: reads and writes, without the Django admin.

One module for the whole feature (selectors first, then services) because it joins a user,
a jurisdiction (districts) and a cadre (the liaison core). The rules:

- Only roles with `manage_users` (administrators, area administrators) manage accounts.
- A caller sees an account only when every area of its jurisdiction lies inside the
  caller's; any other account answers "No such user.", exactly like a missing one.
- Nobody grants more than they hold: areas only inside the caller's jurisdiction; an area
  administrator grants only the roles in AREA_ADMIN_GRANTS. Superusers are changed only
  with Django's own tools, and nobody changes their own role or deactivates themselves.
- A one-time password is random (`secrets`), shown once, and must be changed at first login
  (Jurisdiction.must_change_password; districts.middleware enforces it).
- Every change is recorded in AccountEvent (who, whom, what; never a password).
"""

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from districts.access import Actor, can, role_label, scope_for, user_of
from districts.audit import account_area, audit_record
from districts.models import ROLES, Area, AreaLevel, AuditEntry, Jurisdiction, Role

from .models import AccountEvent, Cadre
from .selectors import cadre_list
from .tokens import credentials_revoke

User = get_user_model()

# Who acts: the signed-in user (pages and API: request.user), or for commands the system
# actor (districts.access.SYSTEM). An anonymous user may read (and sees nothing) but every
# write refuses it.

# Roles an area administrator may give; the others (administrator, organisation
# department, inspector) act county-wide and are given by an administrator.
AREA_ADMIN_GRANTS: set[str] = {Role.AREA_ADMIN, Role.CADRE, Role.VIEWER}


def register_area_admin_grant(role: str) -> None:
    """Let area administrators give `role` too (a later app's role of villagers, say)."""
    AREA_ADMIN_GRANTS.add(role)


# No 0/o/O, 1/l/I: the password is read off paper and typed on a phone.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12

# Each account costs one password hash (a fraction of a second): keep a batch bounded.
CADRE_ACCOUNTS_MAX = 100


class _Unset:
    """The default of user_update's optional arguments: "leave as it is"."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# Selectors -----------------------------------------------------------------------------


def user_list(*, user: Actor) -> QuerySet[Any]:
    """Return the accounts `user` may manage: every area of theirs inside `user`'s jurisdiction.

    Roles without `manage_users` see no account at all (their own included: that is the
    password page). Superusers see every account; nobody else sees a superuser.
    """
    if not can(user, "manage_users"):
        return User.objects.none()
    scope = scope_for(user)
    if scope.everything:
        return User.objects.all()
    areas = Jurisdiction.areas.through.objects.filter(jurisdiction_id=OuterRef("jurisdiction"))
    return (
        User.objects.filter(is_superuser=False, is_staff=False, jurisdiction__isnull=False)
        .filter(Exists(areas))
        .exclude(Exists(areas.exclude(scope.area_q("area__"))))
    )


def user_get(*, user: Actor, pk: Any) -> Any:
    """Return one account `user` may manage. Raise Http404 if missing or not theirs."""
    try:
        return user_list(user=user).select_related("jurisdiction", "cadre").get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such user.")) from None


def grantable_roles(*, user: Actor) -> list[str]:
    """Return the roles `user` may give, in Role order."""
    if not can(user, "manage_users"):
        return []
    scope = scope_for(user)
    if scope.everything or scope.role == Role.ADMINISTRATOR:
        return list(ROLES)
    return [r for r in ROLES if r in AREA_ADMIN_GRANTS]


def grantable_areas(*, user: Actor, limit: int = 1000) -> QuerySet[Area]:
    """Return the areas `user` may give as a jurisdiction, for a choice list, by path.

    Jurisdictions are counties, townships or villages; when a big jurisdiction has more
    than `limit` of those, villages are left out (give them through the API or command).
    """
    areas = Area.objects.filter(scope_for(user).area_q()).exclude(level=AreaLevel.GROUP)
    if areas.count() > limit:
        areas = areas.exclude(level=AreaLevel.VILLAGE)
    return areas.order_by("path")


def linkable_cadres(*, user: Actor, include_linked: bool = False) -> QuerySet[Cadre]:
    """Return cadres `user` may link an account to: serving inside the jurisdiction (a
    county cadre seen from a township is not the township's to link), without an account
    unless `include_linked` (the service then explains who has it)."""
    cadres = cadre_list(user=user).filter(scope_for(user).area_q("area__"))
    return cadres if include_linked else cadres.filter(left_date__isnull=True, user__isnull=True)


# Helpers -------------------------------------------------------------------------------


def one_time_password() -> str:
    """Return a random password of ONE_TIME_LENGTH characters, with letters and digits."""
    while True:
        password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _saved_user(by: Actor) -> Any:
    """Return `by` if it is a stored user (for the audit trail), else None (the system)."""
    return user_of(by)


def _is_self(by: Actor, user: Any) -> bool:
    return _saved_user(by) is not None and by.pk == user.pk


def _require_manager(by: Actor) -> None:
    if not can(by, "manage_users"):
        raise PermissionDenied(_("Your role does not allow managing accounts."))


def user_require_manageable(*, user: Any, by: Actor) -> None:
    """Check that `by` may change `user` (pages ask before showing a form).

    Raise Http404 if `by` may not see the account; PermissionDenied for superusers and for
    accounts whose role `by` may not give.
    """
    if user.pk is None or not user_list(user=by).filter(pk=user.pk).exists():
        raise Http404(_("No such user."))
    if user.is_superuser or user.is_staff:
        # Staff accounts reach the Django admin: not an area administrator's to reset.
        raise PermissionDenied(_("Superuser and staff accounts are not managed here."))
    role = _role_of(user)
    if role is not None and role not in grantable_roles(user=by):
        raise PermissionDenied(
            _("Only an administrator can change an account with the role %(role)s.")
            % {"role": role_label(role)}
        )


def _role_of(user: Any) -> str | None:
    jurisdiction = Jurisdiction.objects.filter(user_id=user.pk).first()
    return jurisdiction.role if jurisdiction else None


def _check_role(by: Actor, role: str, errors: dict[str, list[str]]) -> None:
    if role not in list(ROLES):
        errors.setdefault("role", []).append(
            _("Unknown role %(role)s; roles: %(roles)s.")
            % {"role": role, "roles": ", ".join(list(ROLES))}
        )
    elif role not in grantable_roles(user=by):
        errors.setdefault("role", []).append(
            _("Only an administrator can give the role %(role)s.") % {"role": role_label(role)}
        )


def _check_areas(by: Actor, areas: Sequence[Area], errors: dict[str, list[str]]) -> list[Area]:
    unique = list({a.pk: a for a in areas}.values())
    if not unique:
        errors.setdefault("areas", []).append(_("Choose at least one area."))
    scope = scope_for(by)
    outside = [a for a in unique if not scope.contains(a)]
    if outside:
        # Areas outside the jurisdiction are not the caller's to know: "no such area".
        errors.setdefault("areas", []).append(_("No such area."))
    return unique


def _check_username(username: str, errors: dict[str, list[str]]) -> str:
    username = User.normalize_username((username or "").strip())
    field = User._meta.get_field("username")
    try:
        field.clean(username, None)
    except ValidationError as exc:
        errors.setdefault("username", []).extend(exc.messages)
        return username
    if User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(
            _("The username %(username)s is taken.") % {"username": username}
        )
    return username


def _check_password(password: str, user: Any, errors: dict[str, list[str]]) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)


def _check_cadre(
    by: Actor, cadre: Cadre, user: Any | None, errors: dict[str, list[str]]
) -> Cadre | None:
    """Return the cadre locked for update, or None after noting why it cannot be linked."""
    locked = Cadre.objects.select_for_update().filter(pk=cadre.pk).first()
    # Linking an account is a change to the cadre's record: only for whoever manages the
    # cadre (its own area in the jurisdiction), not for a township that merely sees a
    # county cadre — the account would act as that cadre everywhere.
    if (
        locked is None
        or not linkable_cadres(user=by, include_linked=True).filter(pk=cadre.pk).exists()
    ):
        errors.setdefault("cadre", []).append(_("No such cadre."))
        return None
    if locked.left_date is not None:
        errors.setdefault("cadre", []).append(
            _("%(name)s left on %(date)s.") % {"name": locked.name, "date": locked.left_date}
        )
        return None
    if locked.user_id is not None and (user is None or locked.user_id != user.pk):
        errors.setdefault("cadre", []).append(
            _("%(name)s already has an account.") % {"name": locked.name}
        )
        return None
    return locked


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# Account events that grant or take away permissions: also in the audit log.
PERMISSION_ACTIONS = frozenset(
    {AccountEvent.Action.CREATED, AccountEvent.Action.UPDATED, AccountEvent.Action.DEACTIVATED}
)


def _record(by: Actor, user: Any, action: str, **details: Any) -> None:
    AccountEvent.objects.create(actor=_saved_user(by), user=user, action=action, details=details)
    if action in PERMISSION_ACTIONS:
        # Placed where the account's areas were and are: both sides of a move see it.
        codes = details.get("areas") or []
        codes = [c for item in codes for c in (item if isinstance(item, list) else [item])]
        before = list(Area.objects.filter(code__in=codes).only("path"))
        audit_record(
            AuditEntry.Kind.PERMISSION,
            user=_saved_user(by),
            username="" if _saved_user(by) else by.get_username(),
            area=account_area(user, also=before),
            account=user.get_username(),
            action=action,
            changes=details,
        )


def _link_cadre(cadre: Cadre, user: Any, by: Actor) -> None:
    cadre.user = user
    cadre._history_user = _saved_user(by)
    cadre.save(update_fields=["user"])


def _unlink_cadre(user: Any, by: Actor) -> int | None:
    """Unlink the cadre linked to `user`, if any; return its id."""
    cadre = Cadre.objects.select_for_update().filter(user=user).first()
    if cadre is None:
        return None
    _link_cadre(cadre, None, by)
    return cadre.pk


def _create_account(
    *, username: str, password: str, role: str, areas: Iterable[Area], must_change: bool
) -> Any:
    user = User(username=username, is_active=True)
    user.set_password(password)
    try:
        # A savepoint: a username taken meanwhile fails here, not the whole transaction.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"username": _("The username %(username)s is taken.") % {"username": username}}
        ) from None
    jurisdiction = Jurisdiction.objects.create(
        user=user, role=role, must_change_password=must_change
    )
    jurisdiction.areas.set(list(areas))
    return user


# Services ------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    areas: Sequence[Area],
    cadre: Cadre | None = None,
    password: str | None = None,
    by: Actor,
) -> tuple[Any, str | None]:
    """Create an account with a role and areas, optionally linked to a cadre.

    Return (user, one-time password), the password being None when `password` was given.
    A one-time password must be changed at first login. Raise PermissionDenied if `by` may
    not manage accounts, ValidationError (keyed by field) for anything else.
    """
    _require_manager(by)
    errors: dict[str, list[str]] = {}
    username = _check_username(username, errors)
    _check_role(by, role, errors)
    areas = _check_areas(by, areas, errors)
    if password is not None:
        _check_password(password, User(username=username), errors)
    linked = _check_cadre(by, cadre, None, errors) if cadre is not None else None
    _raise(errors)
    issued = None if password is not None else one_time_password()
    user = _create_account(
        username=username,
        password=password or issued or "",
        role=role,
        areas=areas,
        # A password someone else chose is changed at the first sign-in, like a one-time
        # one; the shell's operator (the system actor) sets up accounts, often their own.
        must_change=issued is not None or _saved_user(by) is not None,
    )
    if linked is not None:
        _link_cadre(linked, user, by)
    _record(
        by,
        user,
        AccountEvent.Action.CREATED,
        role=role,
        areas=sorted(a.code for a in areas),
        cadre=linked.pk if linked else None,
        one_time_password=issued is not None,
    )
    return user, issued


@transaction.atomic
def user_update(
    *,
    user: Any,
    role: str = UNSET,
    areas: Sequence[Area] = UNSET,
    is_active: bool = UNSET,
    cadre: Cadre | None = UNSET,
    password: str = UNSET,
    by: Actor,
) -> Any:
    """Change an account's role, areas, active flag, linked cadre (None: unlink) or password.

    Arguments left out stay as they are. A password an administrator gives here must be
    changed by the account's owner at the next login (not when set by the system actor, a
    command). Raise Http404 if `by` may not see the account,
    PermissionDenied for superusers and accounts `by` may not give the role of,
    ValidationError (keyed by field) for the rest.
    """
    user_require_manageable(user=user, by=by)
    _require_manager(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    # Only a superuser sees accounts without a jurisdiction (made with Django's tools);
    # giving one a role gives it a jurisdiction.
    jurisdiction = Jurisdiction.objects.select_for_update().filter(user=user).first() or (
        Jurisdiction(user=user, role="")
    )
    errors: dict[str, list[str]] = {}
    changes: dict[str, list[Any]] = {}
    if role is not UNSET and role != jurisdiction.role:
        _check_role(by, role, errors)
        if _is_self(by, user):
            errors.setdefault("role", []).append(_("You cannot change your own role."))
        changes["role"] = [jurisdiction.role or None, role]
    elif jurisdiction.pk is None and (areas is not UNSET or cadre is not UNSET):
        errors.setdefault("role", []).append(_("Choose a role."))
    if areas is not UNSET:
        areas = _check_areas(by, areas, errors)
        before = sorted(a.code for a in jurisdiction.areas.all()) if jurisdiction.pk else []
        after = sorted(a.code for a in areas)
        if before != after:
            changes["areas"] = [before, after]
    elif jurisdiction.pk is None and role is not UNSET:
        errors.setdefault("areas", []).append(_("Choose at least one area."))
    if is_active is not UNSET and is_active != user.is_active:
        if not is_active and _is_self(by, user):
            errors.setdefault("is_active", []).append(_("You cannot deactivate your own account."))
        changes["is_active"] = [user.is_active, is_active]
    linked = None
    current_cadre = Cadre.objects.filter(user=user).values_list("pk", flat=True).first()
    if cadre is not UNSET and (cadre.pk if cadre else None) != current_cadre:
        if cadre is not None:
            linked = _check_cadre(by, cadre, user, errors)
        changes["cadre"] = [current_cadre, cadre.pk if cadre else None]
    if password is not UNSET:
        _check_password(password, user, errors)
    _raise(errors)

    if "role" in changes:
        jurisdiction.role = role
        if jurisdiction.pk is None:
            jurisdiction.save()
        else:
            jurisdiction.save(update_fields=["role"])
    if password is not UNSET:
        user.set_password(password)
        user.save(update_fields=["password"])
        # Chosen by an administrator: the account's owner replaces it at the next sign-in.
        chosen_by_other = _saved_user(by) is not None and not _is_self(by, user)
        Jurisdiction.objects.filter(user=user).update(must_change_password=chosen_by_other)
        Token.objects.filter(user=user).delete()
    if "areas" in changes:
        jurisdiction.areas.set(areas)
    if "is_active" in changes:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        if not is_active:
            # Also done by the post_save signal (for the Django admin): idempotent.
            credentials_revoke(user)
    if "cadre" in changes:
        _unlink_cadre(user, by)
        if linked is not None:
            _link_cadre(linked, user, by)
    if changes:
        action = (
            AccountEvent.Action.DEACTIVATED
            if changes.get("is_active") == [True, False] and len(changes) == 1
            else AccountEvent.Action.UPDATED
        )
        _record(by, user, action, **changes)
    if password is not UNSET:
        _record(by, user, AccountEvent.Action.PASSWORD_SET)
    return user


def user_deactivate(*, user: Any, by: Actor) -> Any:
    """Deactivate an account (it can no longer log in; its API tokens are deleted and its
    browser sessions ended).

    Deactivating an inactive account changes nothing. Raise as user_update does.
    """
    return user_update(user=user, is_active=False, by=by)


@transaction.atomic
def user_reset_password(*, user: Any, by: Actor) -> str:
    """Give an account a new one-time password (to change at next login) and return it.

    The old password and API tokens stop working. Raise as user_update does; ValidationError
    for your own account (change it on the password page).
    """
    user_require_manageable(user=user, by=by)
    _require_manager(by)
    if _is_self(by, user):
        raise ValidationError(_("Change your own password on the password page."))
    user = User.objects.select_for_update().get(pk=user.pk)
    issued = one_time_password()
    user.set_password(issued)
    user.save(update_fields=["password"])
    Jurisdiction.objects.filter(user=user).update(must_change_password=True)
    Token.objects.filter(user=user).delete()
    _record(by, user, AccountEvent.Action.PASSWORD_RESET)
    return issued


@transaction.atomic
def user_password_change(*, user: Any, password: str, by: Actor) -> Any:
    """Set a user's own new password and lift the must-change flag.

    Raise PermissionDenied unless `by` is `user`; ValidationError if the password is weak.
    """
    if not _is_self(by, user):
        raise PermissionDenied(_("Only the account's owner changes its password here."))
    errors: dict[str, list[str]] = {}
    _check_password(password, user, errors)
    _raise(errors)
    user.set_password(password)
    user.save(update_fields=["password"])
    Jurisdiction.objects.filter(user=user).update(must_change_password=False)
    _record(by, user, AccountEvent.Action.PASSWORD_CHANGED)
    return user


def cadre_username(cadre: Cadre) -> str:
    """Return the username of a cadre's account: `c<id>`, with `-2`, `-3`… if taken."""
    base = f"c{cadre.pk}"
    taken = {
        u.lower() for u in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }  # fmt: skip
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def cadre_accounts_create(*, cadres: Iterable[Cadre], by: Actor) -> list[tuple[Cadre, Any, str]]:
    """Create an account for each cadre: role cadre, jurisdiction the cadre's own area.

    All or nothing. Return (cadre, user, one-time password) in the cadres' order of name.
    Raise PermissionDenied if `by` may not manage accounts; ValidationError if a cadre is not
    `by`'s, serves outside `by`'s jurisdiction, has left or already has an account.
    """
    _require_manager(by)
    ids = sorted({c.pk for c in cadres})
    if not ids:
        raise ValidationError({"cadres": _("Tick at least one cadre.")})
    if len(ids) > CADRE_ACCOUNTS_MAX:
        raise ValidationError(
            {"cadres": _("At most %(n)d accounts at a time.") % {"n": CADRE_ACCOUNTS_MAX}}
        )
    if Role.CADRE not in grantable_roles(user=by):
        raise PermissionDenied(_("Your role does not allow managing accounts."))
    # Lock in id order (a consistent order: no deadlock with another batch).
    locked = list(
        Cadre.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("area", "department")
        .order_by("pk")
    )
    visible = set(cadre_list(user=by).filter(pk__in=ids).values_list("pk", flat=True))
    scope = scope_for(by)
    problems: list[str] = []
    if len(visible) < len(ids):
        problems.append(_("No such cadre."))
    for cadre in locked:
        if cadre.pk not in visible:
            continue
        if not scope.contains(cadre.area):
            problems.append(
                _("%(name)s serves in %(area)s, outside your jurisdiction.")
                % {"name": cadre.name, "area": cadre.area.name}
            )
        elif cadre.left_date is not None:
            problems.append(
                _("%(name)s left on %(date)s.") % {"name": cadre.name, "date": cadre.left_date}
            )
        elif cadre.user_id is not None:
            problems.append(_("%(name)s already has an account.") % {"name": cadre.name})
    if problems:
        raise ValidationError({"cadres": problems})
    created = []
    for cadre in sorted(locked, key=lambda c: (c.name, c.pk)):
        issued = one_time_password()
        user = _create_account(
            username=cadre_username(cadre),
            password=issued,
            role=Role.CADRE,
            areas=[cadre.area],
            must_change=True,
        )
        _link_cadre(cadre, user, by)
        _record(
            by,
            user,
            AccountEvent.Action.CREATED,
            role=Role.CADRE,
            areas=[cadre.area.code],
            cadre=cadre.pk,
            one_time_password=True,
        )
        created.append((cadre, user, issued))
    return created
