from django.contrib.auth.decorators import login_not_required
from django.urls import path

from coalition.caching import cache_public_page
from stories import api, feeds, views

app_name = "stories"

urlpatterns = [
    path("stories/", views.StoryListView.as_view(), name="story_list"),
    path("stories/<slug:slug>/", views.StoryDetailView.as_view(), name="story_detail"),
    path("feeds/stories/", login_not_required(cache_public_page()(feeds.StoryFeed())), name="feed"),
    path("api/stories.json", api.stories_json, name="api_json"),
    path("api/stories.csv", api.stories_csv, name="api_csv"),
]
