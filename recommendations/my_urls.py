"""Missions' pages about recommendations, inspirations and exchanges, under /my/ (the prefix is set in
coalition/urls.py)."""

from django.urls import path

from recommendations.views import citing, inspiration, matchmaker

app_name = "my_recommendations"

urlpatterns = [
    # Which recommendations a story answers: pick imported ones, or enter one by hand.
    path("stories/<int:pk>/recommendations/", citing.story_citations, name="story_citations"),
    # "Inspired by" another member's story: proposed here, confirmed by that member's coordinator.
    path("stories/<int:pk>/inspired-by/", inspiration.inspiration_propose, name="inspiration_propose"),
    path("inspirations/", inspiration.inspiration_list, name="inspiration_list"),
    path("inspirations/<int:pk>/", inspiration.inspiration_detail, name="inspiration_detail"),
    # The matchmaker and the exchanges it leads to.
    path("matchmaker/", matchmaker.matchmaker, name="matchmaker"),
    path("exchanges/", matchmaker.exchange_list, name="exchange_list"),
    path("exchanges/new/", matchmaker.exchange_create, name="exchange_create"),
    path("exchanges/<int:pk>/", matchmaker.exchange_detail, name="exchange_detail"),
]
