from rest_framework.routers import DefaultRouter

from .views import AreaViewSet, HouseholdViewSet, ImportJobViewSet, ZoneViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("zones", ZoneViewSet, basename="zone")
router.register("imports", ImportJobViewSet, basename="import-job")

urlpatterns = router.urls
