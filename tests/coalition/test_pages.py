import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.meetings.factories import MeetingFactory, in_days

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_visitors_language(client):
    response = client.get("/", headers={"accept-language": "fr"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_home_presents_the_initiative_and_its_members(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr">' in html
    assert 'href="#main"' in html and 'id="main"' in html  # skip link and its target
    assert "Good Human Rights Stories Initiative" in html
    for name in ["Argentina", "European Union", "Republic of Korea", "The Gambia", "Colombia"]:
        assert name in html


def test_arabic_pages_are_right_to_left(client):
    html = client.get("/ar/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_robots_txt_keeps_private_areas_out_of_search_engines(client):
    response = client.get("/robots.txt")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in body
    assert "Disallow: /en/my/" in body
    assert "Disallow: /en/accounts/" in body


def test_no_page_loads_anything_from_another_host(client):
    html = client.get(reverse("home")).content.decode()
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html


# A valid HTML date, or global date and time to the second (no fraction), with Z or an offset.
HTML_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?")


def datetime_attributes(html: str) -> list[str]:
    return re.findall(r'<time[^>]*\sdatetime="([^"]*)"', html)


def test_every_time_element_has_a_valid_html_datetime(client, staff_user):
    moment = timezone.now().replace(microsecond=123456) - datetime.timedelta(days=3)
    story = factories.PublishedStoryFactory(
        member=staff_user.mission.member, author=staff_user, published_at=moment, updated_at=moment
    )
    meeting = MeetingFactory(starts_at=in_days(20) + datetime.timedelta(microseconds=654321))
    pages = {
        "gallery": reverse("stories:story_list"),
        "story": story.get_absolute_url(),
        "meetings": reverse("meetings:meeting_list"),
        "meeting": meeting.get_absolute_url(),
        "home": reverse("home"),
    }
    found = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found[name] = datetime_attributes(response.content.decode())
    client.force_login(staff_user)
    for name, url in {
        "my stories": reverse("my_stories:story_list"),
        "my story": reverse("my_stories:story_detail", args=[story.pk]),
    }.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found[name] = datetime_attributes(response.content.decode())

    for name in ("story", "meetings", "meeting", "my stories"):
        assert found[name], f"no <time datetime> on the {name} page"
    for name, values in found.items():
        for value in values:
            assert HTML_DATETIME.fullmatch(value), f"{name}: {value!r}"
    assert f"{moment:%Y-%m-%dT%H:%M:%S}Z" in found["story"]
