"""URLs of the public side: the form, the status lookup, the board (no login), and the
staff's printable cards with QR codes."""

from django.urls import path

from . import public_views as views

urlpatterns = [
    path("c/", views.public_form, name="public-form"),
    path("c/status/", views.public_status, name="public-status"),
    path("board/<slug:code>.json", views.public_board_json, name="public-board-json"),
    path("board/<slug:code>/", views.public_board, name="public-board"),
    path("areas/<id:pk>/contact-cards/qr/", views.contact_cards_qr, name="contact-cards-qr"),
    path(
        "contact-cards/<slug:code>/qr.<str:kind>",
        views.contact_card_qr,
        name="contact-card-qr",
    ),
]
