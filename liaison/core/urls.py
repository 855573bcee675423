from django.urls import path

from . import views

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
]
