"""API v1 (/api/v1/…): each app's own API URLs, composed under one root.

Each app's `api/urls.py` owns a `router` (its ViewSets) and `urlpatterns` (its other
paths); this module only joins them, so the API root lists every endpoint.
"""

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from districts.api import urls as districts_api
from dutydays.api import urls as dutydays_api
from liaison.concerns.api import urls as concerns_api
from liaison.core.api import urls as core_api

APPS = (districts_api, core_api, concerns_api, dutydays_api)

router = DefaultRouter()
for app in APPS:
    router.registry.extend(app.router.registry)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script as a file of its own (?script), not inline: the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Redoc loaded fonts and a logo from outside and needed inline styles (the CSP): its old
    # address, which people bookmarked, opens the same documentation in Swagger UI.
    path("redoc/", RedirectView.as_view(pattern_name="api-docs", permanent=True), name="api-redoc"),
    *(pattern for app in APPS for pattern in app.urlpatterns),
    path("", include(router.urls)),
]
