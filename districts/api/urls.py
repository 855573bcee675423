"""API URLs of districts; the project layer (liaison/api_urls.py) composes them."""

from rest_framework.routers import SimpleRouter

from .views import (
    AreaViewSet,
    AuditLogViewSet,
    HouseholdViewSet,
    ImportJobViewSet,
    RevealLogViewSet,
    ZoneViewSet,
)

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("zones", ZoneViewSet, basename="zone")
router.register("imports", ImportJobViewSet, basename="import-job")
router.register("audit/reveals", RevealLogViewSet, basename="reveal-log")
router.register("audit/log", AuditLogViewSet, basename="audit-log")

urlpatterns: list = []
