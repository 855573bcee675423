"""API URLs of the liaison core; the project layer (liaison/api_urls.py) composes them."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from liaison.common.ids import register_id_converter

from . import auth, users, views

register_id_converter()  # <id:pk>: a number too large for an id is a 404

router = SimpleRouter()
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("cadres", views.CadreViewSet, basename="cadre")
router.register("pairings", views.PairingViewSet, basename="pairing")
router.register("department-links", views.DepartmentLinkViewSet, basename="department-link")
router.register("gaps/households", views.GapHouseholdsView, basename="gap-household")
router.register("gaps/cadres", views.GapCadresView, basename="gap-cadre")
router.register("gaps/zones", views.GapZonesView, basename="gap-zone")
router.register("users", users.UserViewSet, basename="user")
router.register("auth/tokens", auth.TokenViewSet, basename="token")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="api-logout"),
    path("auth/lockouts/", auth.LockoutListView.as_view(), name="api-lockouts"),
    path("auth/lockouts/lift/", auth.LockoutLiftView.as_view(), name="api-lockout-lift"),
    path("stats/coverage/", views.CoverageView.as_view(), name="api-coverage"),
    path(
        "stats/coverage/recompute/",
        views.CoverageRecomputeView.as_view(),
        name="api-coverage-recompute",
    ),
    path("stats/coverage/jobs/<id:pk>/", views.CoverageJobView.as_view(), name="api-coverage-job"),
    path(
        "stats/coverage/jobs/<id:pk>/retry/",
        views.CoverageJobRetryView.as_view(),
        name="api-coverage-job-retry",
    ),
    path("zones/<id:pk>/leader/", views.ZoneLeaderView.as_view(), name="api-zone-leader"),
]
