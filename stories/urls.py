"""The stories' public URLs. Their prefixes are set in coalition/urls.py: `urlpatterns` under /stories/,
`feed_urlpatterns` under /feeds/ and `api_urlpatterns` under /api/ (with every app's open data)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from core.public_cache import cache_public_page
from stories import api, feeds, views

app_name = "stories"

urlpatterns = [
    path("", views.StoryListView.as_view(), name="story_list"),
    path("<slug:slug>/", views.StoryDetailView.as_view(), name="story_detail"),
]

feed_urlpatterns = [
    path("stories/", login_not_required(cache_public_page()(feeds.StoryFeed())), name="stories"),
]

api_urlpatterns = [
    path("stories.json", api.stories_json, name="stories_json"),
    path("stories.csv", api.stories_csv, name="stories_csv"),
]
