"""The consent records of a story's photos, under /my/stories/ (added to stories/my_urls.py's list, so the
names are `my_stories:image_consents` and `my_stories:consent_withdraw`)."""

from django.urls import path

from stories import consent_views

urlpatterns = [
    path(
        "<int:pk>/photos/<int:image_pk>/consents/",
        consent_views.image_consents,
        name="image_consents",
    ),
    path(
        "<int:pk>/photos/<int:image_pk>/consents/<int:consent_pk>/withdraw/",
        consent_views.consent_withdraw,
        name="consent_withdraw",
    ),
]
