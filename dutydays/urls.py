from django.urls import path

from . import views

urlpatterns = [
    path("duty/log/", views.log_day, name="duty-log"),
    path("duty/log/households/", views.log_households, name="duty-log-households"),
    path("duty/month/", views.my_month, name="duty-month"),
    path("duty/days/<int:pk>/edit/", views.edit_day, name="duty-edit"),
    path("duty/compliance/", views.compliance, name="duty-compliance"),
    path(
        "duty/compliance/recompute/",
        views.compliance_recompute_view,
        name="duty-compliance-recompute",
    ),
    path("areas/<int:pk>/diaries/", views.diaries, name="area-diaries"),
    path("duty/photos/<int:pk>/", views.photo, name="duty-photo"),
]
