from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("areas/<int:pk>/", views.area_detail, name="area-detail"),
    path("areas/<int:pk>/children/", views.area_children, name="area-children"),
    path("areas/<int:area_pk>/households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_update, name="household-update"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household-reveal"),
    path("zones/", views.zone_list, name="zone-list"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import-errors-csv"),
    path("imports/templates/<str:kind>.csv", views.import_template_csv, name="import-template"),
]
