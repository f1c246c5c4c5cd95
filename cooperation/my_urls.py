"""Missions' record of cooperation with the Special Procedures, under /my/cooperation/ (prefix in
coalition/urls.py); the secretariat's dashboard and the coalition's review are here too."""

from django.urls import path

from cooperation import views_card, views_my, views_review

app_name = "my_cooperation"

urlpatterns = [
    path("", views_my.overview, name="overview"),
    path("invitation/", views_my.standing_invitation, name="standing_invitation"),
    path("visits/new/", views_my.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views_my.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/follow-up/", views_my.follow_up, name="follow_up"),
    path("communications/new/", views_my.communication_create, name="communication_create"),
    path("communications/<int:pk>/", views_my.communication_edit, name="communication_edit"),
    path("confirm/", views_my.confirm, name="confirm"),
    path("documents/<str:kind>/<int:pk>/", views_my.reply_document, name="reply_document"),
    path("review/<int:year>/", views_review.member_review, name="member_review"),
    path("review/<int:year>.csv", views_review.member_review_csv, name="member_review_csv"),
    path("publish/", views_card.card_publish, name="card_publish"),
    # The secretariat.
    path("dashboard/", views_review.dashboard, name="dashboard"),
    path("coalition/<int:year>/", views_review.coalition_review, name="coalition_review"),
    path("coalition/<int:year>.csv", views_review.coalition_review_csv, name="coalition_review_csv"),
]
