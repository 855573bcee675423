"""Pages of concerns: the inboxes and a concern's page (views), the channels' entry pages
(channel_views)."""

from . import channel_urls, page_urls, public_urls, statistics_pages

urlpatterns = [
    *page_urls.urlpatterns,
    *channel_urls.urlpatterns,
    *statistics_pages.urlpatterns,
    *public_urls.urlpatterns,
]
