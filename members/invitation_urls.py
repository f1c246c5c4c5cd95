"""Under /accounts/invitation/ (the prefix is set in coalition/urls.py): the link in an invitation mail."""

from django.urls import path

from members import views

app_name = "invitations"

urlpatterns = [
    path("<str:token>/", views.InvitationAcceptView.as_view(), name="accept"),
]
