"""Coordinators' pages on membership applications, under /my/applications/ (prefix in coalition/urls.py)."""

from django.urls import path

from membership import views_my

app_name = "my_applications"

urlpatterns = [
    path("", views_my.consultation_list, name="consultation_list"),
    path("<int:pk>/", views_my.consultation_detail, name="consultation_detail"),
]
