"""URLs of the concern pages (list, detail, inboxes, notifications)."""

from django.urls import path

from liaison.common.ids import register_id_converter

from . import views

register_id_converter()  # <id:pk>: a number too large for an id is a 404

urlpatterns = [
    path("concerns/", views.concern_list, name="concern-list"),
    path("concerns/mine/", views.my_concerns, name="concern-mine"),
    path("concerns/queue/", views.township_queue, name="concern-queue"),
    path("concerns/supervision/", views.supervision, name="concern-supervision"),
    path("concerns/notifications/", views.notifications, name="concern-notifications"),
    path(
        "concerns/notifications/read/",
        views.notifications_read,
        name="concern-notifications-read",
    ),
    path(
        "concerns/notifications/<id:pk>/",
        views.notification_open,
        name="concern-notification-open",
    ),
    path("concerns/<id:pk>/", views.concern_detail, name="concern-detail"),
    path("concerns/<id:pk>/act/<slug:action>/", views.concern_act, name="concern-act"),
    path("concerns/<id:pk>/reveal/", views.concern_reveal, name="concern-reveal"),
    path("concerns/<id:pk>/attachments/", views.concern_attach, name="concern-attach"),
    path("concerns/<id:pk>/publish/", views.concern_publish, name="concern-publish"),
    path(
        "concerns/<id:pk>/attachments/<id:attachment_pk>/",
        views.concern_attachment,
        name="concern-attachment",
    ),
]
