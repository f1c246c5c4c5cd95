"""The recommendations' public URLs. Prefixes are set in coalition/urls.py: `urlpatterns` under
/recommendations/, `replication_urlpatterns` under /replication/ and `api_urlpatterns` under /api/."""

from django.urls import path

from recommendations import api
from recommendations.views import public, replication

app_name = "recommendations"

urlpatterns = [
    path("", public.recommendation_list, name="recommendation_list"),
    path("<int:pk>/", public.recommendation_detail, name="recommendation_detail"),
]

replication_urlpatterns = [
    path("", replication.replication, name="index"),
]

api_urlpatterns = [
    path("recommendations.json", api.recommendations_json, name="recommendations_json"),
    path("recommendations.csv", api.recommendations_csv, name="recommendations_csv"),
]
