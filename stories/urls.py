"""The stories' public URLs. Their prefixes are set in coalition/urls.py: `urlpatterns` under /stories/,
`feed_urlpatterns` under /feeds/ and `api_urlpatterns` under /api/ (with every app's open data).

A story's address (its slug) is made once and never changes: it is also the story's permanent identifier
(stories/jsonld.py `story_identifier`), so no second address by id is needed."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from core.public_cache import cache_public_page
from stories import api, embed, feeds, views

app_name = "stories"

urlpatterns = [
    path("", views.StoryListView.as_view(), name="story_list"),
    path("<slug:slug>/", views.StoryDetailView.as_view(), name="story_detail"),
    path("<slug:slug>/cite.bib", embed.story_cite_bib, name="story_cite_bib"),
    path("<slug:slug>/cite.json", embed.story_cite_json, name="story_cite_json"),
    # The only page other sites may frame.
    path("<slug:slug>/embed/", embed.story_embed, name="story_embed"),
]

feed_urlpatterns = [
    path("stories/", login_not_required(cache_public_page()(feeds.StoryFeed())), name="stories"),
]

api_urlpatterns = [
    path("stories.json", api.stories_json, name="stories_json"),
    path("stories.csv", api.stories_csv, name="stories_csv"),
    path("oembed.json", embed.oembed, name="oembed"),
]
