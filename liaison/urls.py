"""Root URLs: pages of each app, the admin, API v1 and the language switch."""

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
    path("", include("liaison.core.urls")),
    path("", include("dutydays.urls")),
    path("", include("districts.urls")),
]
