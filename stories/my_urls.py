"""Mission staff's pages for their member's stories, under /my/stories/ (the prefix is set in
coalition/urls.py)."""

from django.urls import path

from stories import consent_urls, views

app_name = "my_stories"

urlpatterns = [
    path("", views.MyStoryListView.as_view(), name="story_list"),
    path("new/", views.StoryFormView.as_view(), name="story_create"),
    path("<int:pk>/", views.MyStoryDetailView.as_view(), name="story_detail"),
    path("<int:pk>/edit/", views.StoryFormView.as_view(), name="story_edit"),
    path("<int:pk>/preview/", views.story_preview, name="story_preview"),
    path("<int:pk>/submit/", views.story_submit, name="story_submit"),
    path("uploads/<int:pk>/", views.pending_upload_file, name="pending_upload"),
    path("images/<int:pk>/", views.story_image_original, name="image_original"),
    path("<int:pk>/photos/<int:image_pk>/faces/", views.image_faces, name="image_faces"),
    *consent_urls.urlpatterns,
]
