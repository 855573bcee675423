from django.urls import path

from . import account_views, views

urlpatterns = [
    path("coverage/", views.coverage_dashboard, name="coverage"),
    path("coverage/recompute/", views.coverage_recompute_view, name="coverage-recompute"),
    path("areas/<int:pk>/assign/", views.assign, name="assign"),
    path("areas/<int:pk>/contact-cards/", views.contact_cards, name="contact-cards"),
    path("my/households/", views.my_households, name="my-households"),
    path("cadres/", views.cadre_list, name="cadre-list"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre-detail"),
    path("gaps/", views.gaps, name="gaps-index"),
    path("gaps/<str:kind>/", views.gaps, name="gaps"),
    path("zones/<int:pk>/leader/", views.zone_leader, name="zone-leader"),
    path("users/", account_views.user_list, name="user-list"),
    path("users/new/", account_views.user_create, name="user-create"),
    path("users/<int:pk>/", account_views.user_update, name="user-update"),
    path("users/<int:pk>/deactivate/", account_views.user_deactivate, name="user-deactivate"),
    path(
        "users/<int:pk>/reset-password/",
        account_views.user_reset_password,
        name="user-reset-password",
    ),
    path("cadres/accounts/", account_views.cadre_accounts_create, name="cadre-accounts-create"),
]
