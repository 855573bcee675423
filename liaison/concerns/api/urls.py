"""API URLs of concerns; the project layer (liaison/api_urls.py) composes them."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from liaison.common.ids import register_id_converter

from . import stats_views, views

register_id_converter()  # <id:pk>: a number too large for an id is a 404

router = SimpleRouter()
router.register("concerns", views.ConcernViewSet, basename="concern")

urlpatterns: list = [
    path("stats/concerns/", stats_views.ConcernStatsView.as_view(), name="api-concern-stats"),
    path(
        "stats/concerns/recompute/",
        stats_views.ConcernStatsRecomputeView.as_view(),
        name="api-concern-stats-recompute",
    ),
    path(
        "stats/concerns/jobs/<id:pk>/",
        stats_views.ConcernStatsJobView.as_view(),
        name="api-concern-stats-job",
    ),
]
