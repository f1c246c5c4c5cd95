"""Who may keep each page: proxies and CDNs may keep anonymous public pages for a short while; everything
personal (a logged-in person's pages, /my/, /accounts/, the admin, pages that set a cookie) is
`private, no-store`. Every URL name is classed below, so a new one must be classed too."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from core.public_cache import PublicCacheMiddleware, cache_public_page
from tests.coalition.test_urls import named_urls

pytestmark = pytest.mark.django_db

PUBLIC_CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=30"

PUBLIC = {
    "home",
    "robots_txt",
    "sitemap",
    "members:member_list",
    "stories:story_list",
    "meetings:meeting_list",
    "meetings:calendar_ics",
    "feeds:stories",
    "api:stories_json",
    "api:stories_csv",
    "recommendations:recommendation_list",
    "replication:index",
    "api:recommendations_json",
    "api:recommendations_csv",
    "declaration:index",
    "api:endorsements_json",
    "api:endorsements_csv",
    "cooperation:card_list",
    "api:cooperation_json",
    "api:cooperation_csv",
    "reprisals:figures",
    "api:openapi",
    "api:oembed",
    "opendata:release_list",
    "opendata:catalog",
}
# Never kept by anyone: the health check is asked afresh by every probe.
NEVER_STORED = {"healthz"}
PERSONAL_PREFIXES = (
    "account_",
    "mfa_",
    "coalition:my",
    "my_stories:",
    "my_recommendations:",
    "my_applications:",
    "membership:",
    "my_cooperation:",
    "registry:",
    "admin:",
)
NAMES = named_urls()


def personal(response) -> bool:
    """`private, no-store`, or a view's own stricter policy with both (never_cache)."""
    policy = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= policy and "public" not in policy


def test_every_url_name_is_classed():
    unclassed = [
        name for name in NAMES if name not in PUBLIC | NEVER_STORED and not name.startswith(PERSONAL_PREFIXES)
    ]
    assert unclassed == []
    assert set(NAMES) >= PUBLIC


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_visitors_get_public_pages_public_and_the_rest_private(client, name):
    response = client.get(reverse(name))
    if name in PUBLIC:
        assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL, name
        assert "Cookie" in response["Vary"]
        assert not response.cookies
    else:
        assert personal(response), f"{name}: {response.get('Cache-Control')}"


@pytest.mark.parametrize("name", NAMES)
def test_a_logged_in_person_gets_every_page_private(secretariat_user, name):
    client = Client()
    client.force_login(secretariat_user)
    response = client.get(reverse(name))
    assert response.wsgi_request.user.is_authenticated
    assert personal(response), f"{name}: {response.get('Cache-Control')}"


def test_the_login_form_sets_the_csrf_cookie_and_is_private(client):
    response = client.get(reverse("account_login"))
    assert response.cookies
    assert personal(response)


def test_a_public_page_that_sets_a_cookie_is_private_and_not_stored(settings):
    settings.PUBLIC_CACHE = True
    calls = []

    @cache_public_page()
    def view(request):
        calls.append(request)
        response = HttpResponse("hello")
        response.set_cookie("chosen", "1")
        return response

    def chain(request):
        request.user = AnonymousUser()
        return view(request)

    middleware = PublicCacheMiddleware(chain)
    first = middleware(RequestFactory().get("/en/somewhere/"))
    assert personal(first)
    second = middleware(RequestFactory().get("/en/somewhere/"))
    assert len(calls) == 2 and personal(second)


def test_the_two_numbers_come_from_the_settings(client, settings):
    settings.PUBLIC_MAX_AGE = 60
    settings.PUBLIC_STALE_WHILE_REVALIDATE = 15
    response = client.get(reverse("members:member_list"))
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=15"
