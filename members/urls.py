from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("members/", views.MemberListView.as_view(), name="member_list"),
    path("members/<str:iso>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("my/", views.MyPageView.as_view(), name="my"),
    path("accounts/invitation/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
]
