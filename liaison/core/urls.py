from django.urls import path

from liaison.common.exports import register_export_converter
from liaison.common.ids import register_id_converter

from . import account_views, security_views, views

register_id_converter()  # <id:pk>: a number too large for an id is a 404
register_export_converter()  # <export:fmt>: csv or xlsx

urlpatterns = [
    path("coverage/", views.coverage_dashboard, name="coverage"),
    path("coverage/export.<export:fmt>", views.coverage_export, name="coverage-export"),
    path("coverage/recompute/", views.coverage_recompute_view, name="coverage-recompute"),
    path("areas/<id:pk>/assign/", views.assign, name="assign"),
    path("areas/<id:pk>/contact-cards/", views.contact_cards, name="contact-cards"),
    path("my/households/", views.my_households, name="my-households"),
    path("cadres/", views.cadre_list, name="cadre-list"),
    path("cadres/search/", views.cadre_search, name="cadre-search"),
    path("cadres/<id:pk>/", views.cadre_detail, name="cadre-detail"),
    path("gaps/", views.gaps, name="gaps-index"),
    path("gaps/<str:kind>/", views.gaps, name="gaps"),
    path("gaps/<str:kind>/export.<export:fmt>", views.gaps_export, name="gaps-export"),
    path("zones/<id:pk>/leader/", views.zone_leader, name="zone-leader"),
    path("users/", account_views.user_list, name="user-list"),
    path("users/lockouts/", security_views.lockout_list, name="lockout-list"),
    path("users/lockouts/lift/", security_views.lockout_lift, name="lockout-lift"),
    path("users/tokens/", security_views.token_list, name="token-list"),
    path("users/tokens/<id:pk>/revoke/", security_views.token_revoke, name="token-revoke"),
    path("users/new/", account_views.user_create, name="user-create"),
    path("users/<id:pk>/", account_views.user_update, name="user-update"),
    path("users/<id:pk>/deactivate/", account_views.user_deactivate, name="user-deactivate"),
    path(
        "users/<id:pk>/reset-password/",
        account_views.user_reset_password,
        name="user-reset-password",
    ),
    path("cadres/accounts/", account_views.cadre_accounts_create, name="cadre-accounts-create"),
]
