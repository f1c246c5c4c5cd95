"""Paths below /data/ (the releases and their DCAT catalogue)."""

from django.urls import path

from opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.release_list, name="release_list"),
    path("catalog.jsonld", views.catalog_jsonld, name="catalog"),
    path("<slug:slug>/", views.release_detail, name="release_detail"),
]
