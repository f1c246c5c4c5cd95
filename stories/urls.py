from django.urls import path

from stories import views

app_name = "stories"

urlpatterns = [
    path("stories/<slug:slug>/", views.StoryDetailView.as_view(), name="story_detail"),
]
