"""Membership's public URLs. Prefixes are set in coalition/urls.py: `urlpatterns` under /join/,
`declaration_urlpatterns` under /declaration/, `api_urlpatterns` under /api/."""

from django.urls import path

from membership import api, views_declaration, views_join

app_name = "membership"

urlpatterns = [
    path("", views_join.join, name="join"),
    path("sent/", views_join.join_sent, name="join_sent"),
    path("confirm/<str:token>/", views_join.join_confirm, name="join_confirm"),
    path("application/<str:key>/", views_join.application_status, name="application_status"),
    path("application/<str:key>/letter/", views_join.application_letter, name="application_letter"),
]

declaration_urlpatterns = [
    path("", views_declaration.declaration, name="index"),
]

api_urlpatterns = [
    path("endorsements.json", api.endorsements_json, name="endorsements_json"),
    path("endorsements.csv", api.endorsements_csv, name="endorsements_csv"),
]
