"""API URLs of concerns; the project layer (liaison/api_urls.py) composes them."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("concerns", views.ConcernViewSet, basename="concern")

urlpatterns: list = []
