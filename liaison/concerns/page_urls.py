"""URLs of the concern pages (list, detail, inboxes, notifications)."""

urlpatterns: list = []
