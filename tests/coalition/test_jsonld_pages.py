"""The schema.org JSON-LD of every public page that has some parses, and carries what search engines require:
an Article (a story) its headline, dates, author, publisher, language, themes and country; an Event (a
meeting) its name, start and end with a UTC offset, status, attendance mode, place with an address and
organiser, as Google's event guidelines ask. Checked in English, French and Arabic."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from members.models import Member
from stories.models import SdgTarget, StoryImage, StoryTranslation, Theme
from tests import factories
from tests.meetings.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr", "ar"]
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
# An ISO 8601 date and time with its offset from UTC ("Z" or ±hh:mm), as Google asks for events.
WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
EVENT_STATUSES = {
    f"https://schema.org/{status}"
    for status in (
        "EventScheduled",
        "EventCancelled",
        "EventPostponed",
        "EventRescheduled",
        "EventMovedOnline",
    )
}
ATTENDANCE_MODES = {
    f"https://schema.org/{mode}EventAttendanceMode" for mode in ("Offline", "Online", "Mixed")
}
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


@pytest.fixture
def content() -> dict:
    """A story with everything its metadata names, and meetings in every state and place."""
    story = factories.PublishedStoryFactory(
        member=Member.objects.get(country="UY"),
        title="Mobile courts reach remote villages",
        slug="mobile-courts",
        themes=list(Theme.objects.filter(slug__in=["gender-equality", "sdg-16"])),
        published_at=timezone.now() - datetime.timedelta(days=2),
    )
    story.sdg_targets.set(SdgTarget.objects.filter(code__in=["16.3"]))
    StoryTranslation.objects.create(story=story, language="fr", title="Des tribunaux mobiles")
    StoryImage.objects.create(
        story=story,
        original="stories/originals/x.jpg",
        width=480,
        height=360,
        alt_text="A hearing in a village hall",
        consent_confirmed=True,
        renditions={"480": {"webp": "r/480.webp", "jpeg": "r/480.jpg", "height": 360}},
    )
    # A title that tries to end the script element it is written into.
    factories.PublishedStoryFactory(slug="hostile", title="</script><script>alert(1)</script> & more")
    chairs = list(Member.objects.filter(country__in=["UY", "CL"]))
    meetings = {
        "confirmed": MeetingFactory(co_chairs=chairs),
        "new-york": MeetingFactory(new_york=True),
        "elsewhere": MeetingFactory(elsewhere=True, venue=""),
        "cancelled": MeetingFactory(status="cancelled"),
        "held": MeetingFactory(held=True, starts_at=timezone.now() - datetime.timedelta(days=60)),
    }
    AgendaItemFactory(meeting=meetings["held"], title="A good story", story=story)
    return {"story": story, "meetings": meetings}


def public_pages(content: dict) -> dict[str, str]:
    """Name -> path of the public pages, in the active language."""
    story = content["story"]
    pages = {
        "home": reverse("home"),
        "gallery": reverse("stories:story_list"),
        "story": story.get_absolute_url(),
        "hostile-story": reverse("stories:story_detail", args=["hostile"]),
        "members": reverse("members:member_list"),
        "member": story.member.get_absolute_url(),
        "meetings": reverse("meetings:meeting_list"),
        "declaration": reverse("declaration:index"),
        "join": reverse("membership:join"),
        "recommendations": reverse("recommendations:recommendation_list"),
        "replication": reverse("replication:index"),
    }
    pages |= {f"meeting-{name}": meeting.get_absolute_url() for name, meeting in content["meetings"].items()}
    return pages


def blocks_of(page: str) -> list[dict]:
    return [json.loads(block) for block in SCRIPT.findall(page)]


def check_organization(value: dict, where: str) -> None:
    assert value["@type"] == "Organization", where
    assert value["name"], where
    assert value["url"].startswith("http"), where


def check_article(data: dict, where: str) -> None:
    assert data["headline"], where
    assert data["description"], where
    assert data["inLanguage"] in LANGUAGE_CODES, where
    assert WITH_OFFSET.match(data["datePublished"]), where
    assert WITH_OFFSET.match(data["dateModified"]), where
    check_organization(data["author"], where)
    check_organization(data["publisher"], where)
    assert data["url"].startswith("http") and data["identifier"].startswith("http"), where
    assert data["license"].startswith("https://"), where
    assert data["about"], where
    for term in data["about"]:
        assert term["@type"] == "DefinedTerm", where
        assert term["name"] and term["termCode"], where
        assert term["inDefinedTermSet"]["name"] and term["inDefinedTermSet"]["url"], where
    assert data["spatialCoverage"]["@type"] in {"Country", "Place"}, where
    assert data["spatialCoverage"]["name"] and data["spatialCoverage"]["identifier"], where
    for image in data["image"]:
        assert image.startswith("http"), where
    for version in data.get("workTranslation", []):
        assert version["inLanguage"] in LANGUAGE_CODES and version["url"].startswith("http"), where


def check_event(data: dict, where: str) -> None:
    assert data["name"], where
    assert data["url"].startswith("http"), where
    assert WITH_OFFSET.match(data["startDate"]), where
    assert WITH_OFFSET.match(data["endDate"]), where
    start, end = (datetime.datetime.fromisoformat(data[key]) for key in ("startDate", "endDate"))
    assert end > start, where
    assert data["eventStatus"] in EVENT_STATUSES, where
    assert data["eventAttendanceMode"] in ATTENDANCE_MODES, where
    location = data["location"]
    assert location["@type"] == "Place" and location["name"], where
    assert location["address"]["@type"] == "PostalAddress", where
    assert location["address"]["addressLocality"], where
    assert data["organizer"], where
    for organizer in data["organizer"]:
        check_organization(organizer, where)


CHECKS = {"Article": check_article, "Event": check_event}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_s_json_ld_carries_the_required_properties(client, content, language):
    with translation.override(language):
        pages = public_pages(content)
    described: dict[str, str] = {}
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        for data in blocks_of(response.content.decode()):
            where = f"{name} ({path})"
            assert data["@context"] == "https://schema.org", where
            kind = data["@type"]
            # A new kind of metadata gets its required properties here.
            assert kind in CHECKS, f"{where}: no check for {kind}"
            CHECKS[kind](data, where)
            described[name] = kind

    assert described == {
        "story": "Article",
        "hostile-story": "Article",
        **{f"meeting-{name}": "Event" for name in content["meetings"]},
    }


def test_the_story_page_describes_the_words_it_shows(client, content):
    [english] = blocks_of(client.get("/en/stories/mobile-courts/").content.decode())
    [french] = blocks_of(client.get("/fr/stories/mobile-courts/").content.decode())

    assert (english["headline"], english["inLanguage"]) == ("Mobile courts reach remote villages", "en")
    assert (french["headline"], french["inLanguage"]) == ("Des tribunaux mobiles", "fr")
    assert english["identifier"] == french["identifier"] == f"{settings.SITE_URL}/en/stories/mobile-courts/"
    assert {term["termCode"] for term in english["about"]} == {"gender-equality", "16", "16.3"}


def test_a_title_cannot_end_the_script_element(client, content):
    page = client.get(reverse("stories:story_detail", args=["hostile"])).content.decode()

    [data] = blocks_of(page)
    assert data["headline"] == "</script><script>alert(1)</script> & more"
    assert "<script>alert(1)" not in page


def test_meeting_pages_give_their_status_and_local_times(client, content):
    meetings = content["meetings"]

    def event(name: str) -> dict:
        [data] = blocks_of(client.get(meetings[name].get_absolute_url()).content.decode())
        return data

    assert event("cancelled")["eventStatus"] == "https://schema.org/EventCancelled"
    assert event("held")["eventStatus"] == "https://schema.org/EventScheduled"
    assert event("elsewhere")["startDate"].endswith("+07:00")  # Jakarta
    assert event("elsewhere")["location"]["name"] == "Jakarta"


def test_pages_that_are_not_public_carry_no_json_ld(client, content):
    author = factories.UserFactory(mission__member=content["story"].member)
    draft = factories.StoryFactory(member=author.mission.member, author=author)
    client.force_login(author)

    preview = client.get(reverse("my_stories:story_preview", args=[draft.pk])).content.decode()
    unpublished = client.get(draft.get_absolute_url()).content.decode()

    assert blocks_of(preview) == [] and blocks_of(unpublished) == []
