from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("meetings/<slug:slug>.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<slug:slug>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<slug:slug>/present/", views.meeting_present, name="meeting_present"),
]
