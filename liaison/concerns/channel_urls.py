"""URLs of the channels' entry pages (liaison officers, contact card, boxes, hotline)."""

urlpatterns: list = []
