"""Root URLs: pages of each app, the admin, API v1, the language switch and the error pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from liaison.core.account_views import PasswordChangeView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password-change"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("liaison.api_urls")),
    path("open311/v2/", include("liaison.concerns.open311_urls")),
    path("open311/", include("liaison.concerns.open311_pages")),
    path("", include("liaison.core.urls")),
    path("", include("liaison.concerns.urls")),
    path("", include("dutydays.urls")),
    path("", include("districts.urls")),
]

# Errors no view answered: pages in the site's frame, JSON under /api/ (liaison/errors.py).
handler400 = "liaison.errors.bad_request"
handler403 = "liaison.errors.permission_denied"
handler404 = "liaison.errors.page_not_found"
handler500 = "liaison.errors.server_error"
