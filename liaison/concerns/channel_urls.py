"""URLs of the channels' entry pages (liaison officers, contact card, boxes, hotline)."""

from django.urls import path

from liaison.common.ids import register_id_converter

from . import channel_views as views

register_id_converter()  # <id:pk>: a number too large for an id is a 404

urlpatterns = [
    path("concerns/officer/", views.officer, name="concern-officer"),
    path("concerns/officer/report/", views.officer_report, name="concern-officer-report"),
    path("concerns/officers/", views.officers, name="concern-officers"),
    path("concerns/card/", views.card, name="concern-card"),
    path("concerns/hotline/", views.hotline, name="concern-hotline"),
    path(
        "concerns/households/<str:page>/",
        views.household_search,
        name="concern-household-search",
    ),
    path("concerns/boxes/", views.boxes, name="concern-boxes"),
    path("concerns/boxes/new/", views.box_new, name="concern-box-new"),
    path("concerns/boxes/<id:pk>/", views.box, name="concern-box"),
    path("concerns/boxes/<id:pk>/open/", views.box_open, name="concern-box-open"),
]
