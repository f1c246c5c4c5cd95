"""Cooperation's public URLs. Prefixes are set in coalition/urls.py: `urlpatterns` under /cooperation/ (the
members that publish their card), `card_urlpatterns` under /members/<iso>/cooperation/, `api_urlpatterns`
under /api/."""

from django.urls import path

from cooperation import api, views_card

app_name = "cooperation"

urlpatterns = [
    path("", views_card.card_list, name="card_list"),
]

card_urlpatterns = [
    path("", views_card.card_detail, name="card_detail"),
]

api_urlpatterns = [
    path("cooperation.json", api.cooperation_json, name="cooperation_json"),
    path("cooperation.csv", api.cooperation_csv, name="cooperation_csv"),
]
