"""Routes of the public survey form (``/khao-sat/``, no login) and of the officers' pages around it
(``/surveys/public/``): see ``public_views``."""

from django.urls import path

from cchc.surveys import public_views as views

form_patterns = [
    path("q/<str:token>/", views.counter_form, name="counter"),
    path("<str:code>/", views.agency_form, name="agency"),
]

staff_patterns = [
    path("counters/", views.counters, name="counters"),
    path("counters/<int:pk>/qr.<str:kind>", views.counter_qr, name="counter_qr"),
    path("receipt-qr/", views.receipt_qr, name="receipt_qr"),
    path("review/", views.review_list, name="review"),
    path("held/", views.held_counts, name="held"),
]
