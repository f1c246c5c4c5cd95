"""Under /meetings/ (the prefix is set in coalition/urls.py)."""

from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("<slug:slug>.ics", views.meeting_ics, name="meeting_ics"),
    path("<slug:slug>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<slug:slug>/present/", views.meeting_present, name="meeting_present"),
]
