from .access import can, role_label, scope_for


def access(request):
    """Expose the user's role and permissions to templates (menus, buttons)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "user_role": scope.role,
        "user_role_label": role_label(scope.role),
        "perms_liaison": {
            "import": can(user, "import"),
            "manage_households": can(user, "manage_households"),
            "reveal": can(user, "reveal_personal_data"),
        },
    }
