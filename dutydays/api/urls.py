"""API URLs of duty days; the project layer (liaison/api_urls.py) composes them."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("duty-days", views.DutyDayViewSet, basename="duty-day")

urlpatterns = [
    path(
        "stats/duty-compliance/",
        views.DutyComplianceView.as_view(),
        name="api-duty-compliance",
    ),
    path(
        "stats/duty-compliance/recompute/",
        views.DutyComplianceRecomputeView.as_view(),
        name="api-duty-compliance-recompute",
    ),
]
