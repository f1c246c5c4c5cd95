"""The registry's URLs: `urlpatterns` under /my/registry/ (the secretariat) and `public_urlpatterns` under
/reprisals/ (prefixes in coalition/urls.py)."""

from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("reads/", views.read_log, name="read_log"),
    path("<str:code>/", views.case_detail, name="case_detail"),
    path("<str:code>/status/", views.case_status, name="case_status"),
    path("<str:code>/refer/", views.case_refer, name="case_refer"),
    path("<str:code>/withdraw-consent/", views.case_withdraw_consent, name="case_withdraw_consent"),
    path("<str:code>/identity/", views.identity_open, name="identity_open"),
    path("<str:code>/identity/replace/", views.identity_replace, name="identity_replace"),
]

public_urlpatterns = [
    path("", views.public_figures, name="figures"),
]
