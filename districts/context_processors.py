from .access import can, scope_for
from .models import Role


def access(request):
    """Expose the user's role and permissions to templates (menus, buttons)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "user_role": scope.role,
        "user_role_label": Role(scope.role).label if scope.role else "",
        "perms_liaison": {
            "import": can(user, "import"),
            "manage_households": can(user, "manage_households"),
            "reveal": can(user, "reveal_personal_data"),
        },
    }
