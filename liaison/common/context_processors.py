from typing import Any

from django.http import HttpRequest

from .registry import menu_links


def menu(request: HttpRequest) -> dict[str, Any]:
    """Expose the main menu (the entries the apps registered that this user may see), the
    current page's entry marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    return {"main_menu": menu_links(request)}
