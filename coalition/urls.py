"""Every URL prefix of the portal, in one place. The apps' urlconfs hold the paths below their prefix."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.static import serve

from coalition import openapi, views
from coalition.sitemaps import SITEMAPS
from cooperation import urls as cooperation_urls
from core.public_cache import cache_public_page
from members import account_views
from membership import urls as membership_urls
from recommendations import urls as recommendations_urls
from registry import urls as registry_urls
from stories import urls as stories_urls

# A database outage answers 503 with Retry-After (core/db_outage.py); any other error, Django's 500.
handler500 = "core.db_outage.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(
        "sitemap.xml",
        login_not_required(cache_public_page(3600)(sitemap_views.index)),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        login_not_required(cache_public_page(3600)(sitemap_views.sitemap)),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
]

# The pages that combine apps (coalition/views.py).
coalition_patterns = [
    path("members/<str:iso>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("my/", views.MyPageView.as_view(), name="my"),
]

# Every app's feeds and open data, under one prefix each.
feed_patterns = [*stories_urls.feed_urlpatterns]
api_patterns = [
    path("openapi.json", openapi.openapi_json, name="openapi"),
    *stories_urls.api_urlpatterns,
    *membership_urls.api_urlpatterns,
    *recommendations_urls.api_urlpatterns,
    *cooperation_urls.api_urlpatterns,
]

urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    # Our login first: same view as allauth's, but a 429 page once failed attempts hit the limit.
    path("accounts/login/", account_views.LoginView.as_view(), name="account_login"),
    path("accounts/invitation/", include("members.invitation_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include((coalition_patterns, "coalition"))),
    path("members/", include("members.urls")),
    path("members/<str:iso>/cooperation/", include((cooperation_urls.card_urlpatterns, "cooperation_card"))),
    path("cooperation/", include("cooperation.urls")),
    path("stories/", include("stories.urls")),
    path("meetings/", include("meetings.urls")),
    path("declaration/", include((membership_urls.declaration_urlpatterns, "declaration"))),
    path("join/", include("membership.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("replication/", include((recommendations_urls.replication_urlpatterns, "replication"))),
    path("feeds/", include((feed_patterns, "feeds"))),
    path("api/", include((api_patterns, "api"))),
    path("my/stories/", include("stories.my_urls")),
    path("my/applications/", include("membership.my_urls")),
    path("my/cooperation/", include("cooperation.my_urls")),
    path("my/registry/", include("registry.urls")),
    path("reprisals/", include((registry_urls.public_urlpatterns, "reprisals"))),
    path("data/", include("opendata.urls")),
    path("my/", include("recommendations.my_urls")),
)

if settings.BENCHMARK:
    urlpatterns += [path("bench/bare/", views.bench_bare, name="bench_bare")]

if settings.SERVE_MEDIA:
    # Public media (photo renditions) from this process: the embedded mode and a single-host stack.
    # At scale they come from object storage or the proxy in front.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            login_not_required(serve),
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
