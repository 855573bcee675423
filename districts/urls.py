from django.urls import path

from liaison.common.exports import register_export_converter
from liaison.common.ids import register_id_converter

from . import views

register_id_converter()  # <id:pk>: a number too large for an id is a 404
register_export_converter()  # <export:fmt>: csv or xlsx

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("areas/", views.area_tree, name="area-tree"),
    path("areas/<id:pk>/", views.area_detail, name="area-detail"),
    path("areas/<id:pk>/children/", views.area_children, name="area-children"),
    path(
        "areas/<id:pk>/households.<export:fmt>",
        views.area_households_export,
        name="area-households-export",
    ),
    path("areas/<id:area_pk>/households/new/", views.household_create, name="household-create"),
    path("households/<id:pk>/", views.household_detail, name="household-detail"),
    path("households/<id:pk>/edit/", views.household_update, name="household-update"),
    path("households/<id:pk>/reveal/", views.household_reveal, name="household-reveal"),
    path("zones/", views.zone_list, name="zone-list"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/log.<export:fmt>", views.audit_log_export, name="audit-log-export"),
    path("audit/reveals/", views.reveal_log, name="reveal-log"),
    path("audit/reveals.<export:fmt>", views.reveal_log_export, name="reveal-log-export"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<id:pk>/", views.import_detail, name="import-detail"),
    path("imports/<id:pk>/retry/", views.import_retry, name="import-retry"),
    path("imports/<id:pk>/errors.csv", views.import_errors_csv, name="import-errors-csv"),
    path(
        "imports/templates/<str:kind>.<export:fmt>",
        views.import_template_file,
        name="import-template",
    ),
]
