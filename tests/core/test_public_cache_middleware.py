"""PublicCacheMiddleware answers anonymous visitors with no session from the page cache, before the session
machinery, with the same response a miss gives; everyone else gets the page worked out in full."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.public_cache import key
from tests import factories
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

# Set by the server or different on every response by nature.
DATE_LIKE = {"date", "expires", "last-modified"}


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.PUBLIC_CACHE = True


@pytest.fixture
def public_urls(db) -> dict[str, str]:
    story = factories.PublishedStoryFactory(title="Ferries for island schools")
    meeting = MeetingFactory()
    return {
        "gallery": reverse("stories:story_list"),
        "story": story.get_absolute_url(),
        "members": reverse("members:member_list"),
        "meeting": meeting.get_absolute_url(),
    }


def headers_of(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.items() if name.lower() not in DATE_LIKE}


def personal(response) -> bool:
    """`private, no-store`, or a view's own stricter policy with both (never_cache)."""
    policy = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= policy and "public" not in policy


def stored(url: str, language: str = "en") -> bool:
    return cache.get(key("page", language, url)) is not None


@pytest.mark.parametrize("page", ["gallery", "story", "members", "meeting"])
def test_a_hit_is_the_same_response_as_a_miss_header_by_header(public_urls, page, django_assert_num_queries):
    url = public_urls[page]
    miss = Client().get(url)
    assert miss.status_code == 200
    with django_assert_num_queries(0):
        hit = Client().get(url)
    assert hit.status_code == miss.status_code
    assert hit.content == miss.content
    assert headers_of(hit) == headers_of(miss)
    for header in (
        "Content-Type",
        "Content-Language",
        "Vary",
        "ETag",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cache-Control",
    ):
        assert hit.has_header(header), header
    assert hit["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"
    assert "Cookie" in hit["Vary"]
    assert not hit.cookies


def test_a_hit_is_answered_before_the_session_machinery(public_urls, django_assert_num_queries, monkeypatch):
    url = public_urls["gallery"]
    Client().get(url)

    def no_session(*args, **kwargs):
        raise AssertionError("the session machinery ran for a hit")

    monkeypatch.setattr("django.contrib.sessions.middleware.SessionMiddleware.process_request", no_session)
    with django_assert_num_queries(0):
        assert Client().get(url).status_code == 200


def test_a_hit_honours_if_none_match_with_304(public_urls, django_assert_num_queries):
    url = public_urls["story"]
    etag = Client().get(url)["ETag"]
    with django_assert_num_queries(0):
        response = Client().get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response.content == b""
    assert Client().get(url, headers={"if-none-match": '"other"'}).status_code == 200


def test_a_publication_makes_the_next_request_a_miss(public_urls, django_capture_on_commit_callbacks):
    url = public_urls["gallery"]
    Client().get(url)
    assert stored(url)
    with django_capture_on_commit_callbacks(execute=True):
        factories.PublishedStoryFactory(title="Lighthouse keepers get pensions")
    assert not stored(url)
    assert "Lighthouse keepers get pensions" in Client().get(url).content.decode()
    assert stored(url)


def test_the_sitemap_is_keyed_by_the_language_its_view_sees(db, django_assert_num_queries):
    url = reverse("sitemap")
    miss = Client().get(url)
    assert miss.status_code == 200
    with django_assert_num_queries(0):
        hit = Client().get(url)
    assert hit.content == miss.content and headers_of(hit) == headers_of(miss)
    # The decorator, for an anonymous visitor with a session cookie, finds the page the middleware stored.
    with_cookie = Client()
    with_cookie.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    with django_assert_num_queries(1):  # the session lookup only
        assert with_cookie.get(url).content == miss.content


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_nothing_is_served_from_the_cache_to_a_logged_in_person(public_urls, secretariat_user):
    story = factories.StoryFactory(title="A draft only the secretariat sees")
    Client().get(story.get_absolute_url())  # a 404 for the public, stored
    client = logged_in_client(secretariat_user)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    for url in public_urls.values():
        Client().get(url)
        assert client.get(url)["Cache-Control"] == "private, no-store"


def test_a_page_rendered_for_a_logged_in_person_is_never_stored(public_urls, secretariat_user):
    url = public_urls["gallery"]
    logged_in_client(secretariat_user).get(url)
    assert not stored(url)
    Client().get(url)
    assert stored(url)


def test_nothing_is_served_from_the_cache_with_the_messages_cookie(public_urls):
    url = public_urls["members"]
    Client().get(url)
    client = Client()
    client.cookies["messages"] = "anything"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"  # a stored page would say public


def test_nothing_is_served_from_the_cache_with_a_session_cookie_of_a_logged_in_person(
    public_urls, secretariat_user
):
    url = public_urls["meeting"]
    Client().get(url)
    client = logged_in_client(secretariat_user)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.get(url)
    assert response.wsgi_request.user == secretariat_user  # the full chain ran
    assert response["Cache-Control"] == "private, no-store"


def test_a_post_is_never_served_from_the_cache(public_urls, staff_user):
    url = reverse("coalition:my")
    client = logged_in_client(staff_user)
    response = client.post(url, {"language": "fr"})
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    gallery = public_urls["gallery"]
    Client().get(gallery)
    assert Client().post(gallery)["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", ["/admin/", "/en/my/", "/en/my/stories/", "/en/accounts/login/"])
def test_personal_pages_are_never_stored_nor_served_from_the_cache(db, url):
    first = Client().get(url)
    second = Client().get(url)
    assert not stored(url)
    assert personal(first) and personal(second)


def test_a_story_preview_is_never_served_from_the_cache(staff_user, story):
    url = reverse("my_stories:story_preview", args=[story.pk])
    client = logged_in_client(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert Client().get(url).status_code == 302  # anonymous: off to the login page, nothing stored
    assert not stored(url)
    assert client.get(url).wsgi_request.user == staff_user


def test_nothing_is_stored_when_the_public_cache_is_off(public_urls, settings):
    settings.PUBLIC_CACHE = False
    Client().get(public_urls["members"])
    settings.PUBLIC_CACHE = True
    assert not stored(public_urls["members"])
    settings.PUBLIC_CACHE = False
    assert Client().get(public_urls["members"])["Cache-Control"].startswith("public, max-age=")
