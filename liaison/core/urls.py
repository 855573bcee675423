from django.urls import path

from liaison.common.ids import register_id_converter

from . import views

register_id_converter()  # <id:pk>: a number too large for an id is a 404

urlpatterns = [
    path("coverage/", views.coverage_dashboard, name="coverage"),
    path("coverage/recompute/", views.coverage_recompute_view, name="coverage-recompute"),
    path("areas/<id:pk>/assign/", views.assign, name="assign"),
    path("areas/<id:pk>/contact-cards/", views.contact_cards, name="contact-cards"),
    path("my/households/", views.my_households, name="my-households"),
    path("cadres/", views.cadre_list, name="cadre-list"),
    path("cadres/<id:pk>/", views.cadre_detail, name="cadre-detail"),
    path("gaps/", views.gaps, name="gaps-index"),
    path("gaps/<str:kind>/", views.gaps, name="gaps"),
    path("zones/<id:pk>/leader/", views.zone_leader, name="zone-leader"),
]
