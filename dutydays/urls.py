from django.urls import path

from liaison.common.exports import register_export_converter
from liaison.common.ids import register_id_converter

from . import views

register_id_converter()  # <id:pk>: a number too large for an id is a 404
register_export_converter()  # <export:fmt>: csv or xlsx

urlpatterns = [
    path("duty/log/", views.log_day, name="duty-log"),
    path("duty/log/households/", views.log_households, name="duty-log-households"),
    path(
        "duty/log/households/search/",
        views.log_household_search,
        name="duty-log-household-search",
    ),
    path("duty/month/", views.my_month, name="duty-month"),
    path("duty/days/<id:pk>/edit/", views.edit_day, name="duty-edit"),
    path("duty/days/<id:pk>/concern/", views.raise_concern, name="duty-raise-concern"),
    path("duty/compliance/", views.compliance, name="duty-compliance"),
    path(
        "duty/compliance/export.<export:fmt>",
        views.compliance_export,
        name="duty-compliance-export",
    ),
    path(
        "duty/compliance/recompute/",
        views.compliance_recompute_view,
        name="duty-compliance-recompute",
    ),
    path("areas/<id:pk>/diaries/", views.diaries, name="area-diaries"),
    path("areas/<id:pk>/diaries.<export:fmt>", views.diaries_export, name="area-diaries-export"),
    path("duty/photos/<id:pk>/", views.photo, name="duty-photo"),
    path("duty/photos/kept/<str:token>/", views.kept_photo, name="duty-kept-photo"),
]
