from typing import Any

from django.http import HttpRequest

from .registry import menu_for


def menu(request: HttpRequest) -> dict[str, Any]:
    """Expose the main menu (the entries the apps registered that this user may see)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    return {"main_menu": menu_for(request)}
