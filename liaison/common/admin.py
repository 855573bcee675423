"""Admin helpers: domain tables shown read-only."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


class ReadOnlyAdminMixin:
    """Show a domain table in the Django admin for support, and change nothing there.

    Domain rows change only through the services, which check the jurisdiction, keep the
    history and schedule recomputes (DESIGN.md, "Writes: one funnel too"); an admin form
    would do none of that. Lists, detail pages and the change history stay viewable;
    adding, changing, deleting and reverting are refused. Use it on inlines too.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # django-simple-history saves a POST to a past version ("revert") for anyone who
        # may view it: a read-only table shows past versions but takes no revert.
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context
        )
