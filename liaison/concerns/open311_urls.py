"""Open311 GeoReport v2 at /open311/v2/ (liaison/concerns/open311_views.py)."""

from django.urls import path, re_path

from . import open311_views as views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.root, name="open311-root"),
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, views.requests, name="open311-requests"),
    re_path(
        r"^requests/(?P<service_request_id>[-\w]+)" + FMT,
        views.request_detail,
        name="open311-request",
    ),
]
