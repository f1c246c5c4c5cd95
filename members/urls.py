"""Under /members/ (the prefix is set in coalition/urls.py). A member's own page combines apps: it lives in
coalition/."""

from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="member_list"),
]
