"""API v1: /api/v1/…"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from districts.api.urls import router as districts_router
from dutydays.api import views as duty_views

from . import views

# One router, so that the API root lists every endpoint.
router = districts_router
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("cadres", views.CadreViewSet, basename="cadre")
router.register("pairings", views.PairingViewSet, basename="pairing")
router.register("department-links", views.DepartmentLinkViewSet, basename="department-link")
router.register("gaps/households", views.GapHouseholdsView, basename="gap-household")
router.register("gaps/cadres", views.GapCadresView, basename="gap-cadre")
router.register("gaps/zones", views.GapZonesView, basename="gap-zone")
router.register("duty-days", duty_views.DutyDayViewSet, basename="duty-day")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("stats/coverage/", views.CoverageView.as_view(), name="api-coverage"),
    path(
        "stats/coverage/recompute/",
        views.CoverageRecomputeView.as_view(),
        name="api-coverage-recompute",
    ),
    path("stats/coverage/jobs/<int:pk>/", views.CoverageJobView.as_view(), name="api-coverage-job"),
    path("zones/<int:pk>/leader/", views.ZoneLeaderView.as_view(), name="api-zone-leader"),
    path(
        "stats/duty-compliance/",
        duty_views.DutyComplianceView.as_view(),
        name="api-duty-compliance",
    ),
    path(
        "stats/duty-compliance/recompute/",
        duty_views.DutyComplianceRecomputeView.as_view(),
        name="api-duty-compliance-recompute",
    ),
    path("", include(router.urls)),
]
