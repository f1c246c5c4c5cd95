"""The public meeting pages, the presentation, meetings on story, member and /my/ pages, and query counts."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.templatetags.flags import flag_url
from meetings.models import Meeting, Participant
from stories.models import Theme
from tests import factories
from tests.meetings.factories import (
    AgendaItemFactory,
    DocumentFactory,
    MeetingFactory,
    ParticipantFactory,
    in_days,
    local,
)

pytestmark = pytest.mark.django_db

LIST = "meetings:meeting_list"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def detail(client, meeting) -> str:
    return page(client.get(meeting.get_absolute_url()))


def in_order(html: str, *texts: str) -> bool:
    positions = [html.index(text) for text in texts]
    return positions == sorted(positions)


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id`."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


# ---------------------------------------------------------------------------------------------------------
# The list


def test_the_list_shows_upcoming_meetings_soonest_first_then_past_ones_latest_first(client):
    MeetingFactory(title="Upcoming later", starts_at=in_days(60))
    MeetingFactory(title="Upcoming soon", starts_at=in_days(10))
    MeetingFactory(title="Past long ago", held=True, starts_at=in_days(-400))
    MeetingFactory(title="Past recently", held=True, starts_at=in_days(-10))

    html = page(client.get(reverse(LIST)))

    assert in_order(
        html, "Upcoming soon", "Upcoming later", 'id="past-heading"', "Past recently", "Past long ago"
    )
    assert "Past recently" in section(html, "past-heading")
    assert "Upcoming soon" in section(html, "upcoming-heading")


def test_the_list_filters_by_city_kind_and_year(client):
    MeetingFactory(title="Geneva ministerial", starts_at=local("Europe/Zurich", "2027-01-14 10:00"))
    MeetingFactory(
        title="New York side event",
        new_york=True,
        kind=Meeting.Kind.SIDE_EVENT,
        starts_at=local("America/New_York", "2027-09-24 10:00"),
    )
    MeetingFactory(title="Geneva launch", held=True, starts_at=local("Europe/Zurich", "2025-02-13 10:00"))

    by_city = page(client.get(reverse(LIST), {"city": "new_york"}))
    by_kind = page(client.get(reverse(LIST), {"kind": "side_event"}))
    by_year = page(client.get(reverse(LIST), {"year": "2025"}))
    by_city_and_year = page(client.get(reverse(LIST), {"city": "geneva", "year": "2027"}))

    assert "New York side event" in by_city
    assert "Geneva ministerial" not in by_city and "Geneva launch" not in by_city
    assert "New York side event" in by_kind
    assert "Geneva ministerial" not in by_kind and "Geneva launch" not in by_kind
    assert "Geneva launch" in by_year
    assert "Geneva ministerial" not in by_year and "New York side event" not in by_year
    assert "Geneva ministerial" in by_city_and_year
    assert "Geneva launch" not in by_city_and_year and "New York side event" not in by_city_and_year


@pytest.mark.parametrize(
    ("query", "label"),
    [({"city": "atlantis"}, "City"), ({"kind": "picnic"}, "Kind"), ({"year": "1066"}, "Year")],
)
def test_a_bad_filter_value_is_left_out_with_a_message(client, query, label):
    MeetingFactory(title="Geneva ministerial")
    MeetingFactory(title="New York ministerial", new_york=True)

    html = page(client.get(reverse(LIST), query))

    assert "Some filters could not be used and were left out" in html
    assert label in html[html.index("Some filters could not be used") :].split("</p>")[0]
    assert "Geneva ministerial" in html and "New York ministerial" in html


def test_the_list_shows_the_local_date_and_the_city(client):
    # 23:30 in New York on 31 December is already 1 January in UTC.
    MeetingFactory(
        title="New Year's Eve event",
        new_york=True,
        starts_at=local("America/New_York", "2027-12-31 23:30"),
        ends_at=local("America/New_York", "2028-01-01 00:30"),
    )

    html = page(client.get(reverse(LIST)))

    assert "31 December 2027" in html
    assert "1 January 2028" not in html


def test_the_list_links_the_calendar_of_all_meetings(client):
    html = page(client.get(reverse(LIST)))

    assert 'href="/en/meetings/calendar.ics"' in html


# ---------------------------------------------------------------------------------------------------------
# One meeting


@pytest.mark.parametrize(
    ("city", "zone", "typed", "offset"),
    [
        ("geneva", "Europe/Zurich", "2027-01-14 10:00", "+0100"),
        ("geneva", "Europe/Zurich", "2027-07-14 10:00", "+0200"),
        ("new_york", "America/New_York", "2027-01-14 10:00", "-0500"),
        ("new_york", "America/New_York", "2027-07-14 10:00", "-0400"),
    ],
)
def test_the_page_gives_the_local_time_with_the_offset(client, city, zone, typed, offset):
    start = local(zone, typed)
    meeting = MeetingFactory(city=city, starts_at=start, ends_at=start + datetime.timedelta(hours=2))

    html = detail(client, meeting)

    day = start.strftime("%A %-d %B %Y")
    assert f"{day}, 10:00</time>\N{EN DASH}<time" in html and ">12:00</time>" in html
    assert re.search(rf"\((Geneva|New York) time, UTC{re.escape(offset)}\)", html)
    # The machine-readable time is the same instant, whatever zone it is written in.
    machine = re.search(r'<time datetime="([^"]+)">', html).group(1)
    assert datetime.datetime.fromisoformat(machine) == start


def test_the_page_of_a_geneva_january_meeting_says_utc_plus_one(client):
    meeting = MeetingFactory(starts_at=local("Europe/Zurich", "2027-01-14 10:00"))

    html = detail(client, meeting)

    assert "Geneva time, UTC+0100" in html
    assert "Thursday 14 January 2027, 10:00</time>" in html
    assert ", 09:00" not in html


def test_the_page_shows_venue_topic_co_chairs_with_flags_and_the_calendar_link(client):
    theme = Theme.objects.filter(kind="theme").first() or Theme.objects.first()
    chairs = [factories.MemberFactory(), factories.MemberFactory()]
    meeting = MeetingFactory(
        venue="Palais des Nations, Room XX", topic=theme, topic_text="Access to justice", co_chairs=chairs
    )

    html = detail(client, meeting)

    assert '<span lang="en" dir="ltr">Palais des Nations, Room XX</span>, Geneva' in html
    assert theme.name in html and "Access to justice" in html
    chairs_html = html[html.index("Co-chairs") :]
    for member in chairs:
        assert member.name in chairs_html
        assert f'href="{member.get_absolute_url()}"' in chairs_html
        assert f'src="{flag_url(member.country)}"' in chairs_html
    assert f'href="{meeting.get_ics_url()}"' in html


def test_the_agenda_links_published_stories_only(client):
    meeting = MeetingFactory()
    published = factories.PublishedStoryFactory(title="Mobile courts in every province")
    draft = factories.StoryFactory(title="A draft nobody should see")
    AgendaItemFactory(meeting=meeting, order=1, title="Opening remarks", speaker="The co-chairs")
    AgendaItemFactory(meeting=meeting, order=2, title="First good story", story=published)
    AgendaItemFactory(meeting=meeting, order=3, title="Second good story", story=draft)

    html = detail(client, meeting)

    agenda = section(html, "agenda-heading")
    assert in_order(agenda, "Opening remarks", "First good story", "Second good story")
    assert "The co-chairs" in agenda
    assert (
        f'<a href="{published.get_absolute_url()}" lang="en" dir="ltr">Mobile courts in every province</a>'
        in agenda
    )
    assert published.member.name in agenda
    assert "A draft nobody should see" not in html
    assert draft.get_absolute_url() not in html


def test_the_page_lists_participants_who_agreed_and_nobody_else(client):
    meeting = MeetingFactory()
    listed = ParticipantFactory(
        meeting=meeting,
        name="Listed Lara",
        organisation="Ministry of Foreign Affairs",
        category=Participant.Category.MINISTER,
        email="lara@example.org",
        consents_to_portal=True,
    )
    private = ParticipantFactory(
        meeting=meeting,
        name="Private Pavel",
        organisation="Secret Service Institute",
        category=Participant.Category.ACADEMIC,
        email="pavel@example.org",
    )

    html = detail(client, meeting)

    participants = section(html, "participants-heading")
    assert "Listed Lara" in participants
    assert "Ministry of Foreign Affairs" in participants
    assert "Minister" in participants
    assert listed.email not in html
    assert private.name not in html
    assert private.email not in html
    assert private.organisation not in html


def test_participants_who_did_not_agree_are_on_no_public_page_or_file(client):
    meeting = MeetingFactory(held=True, starts_at=in_days(-5))
    ParticipantFactory(meeting=meeting, name="Private Pavel", email="pavel@example.org")
    AgendaItemFactory(meeting=meeting, story=factories.PublishedStoryFactory())

    urls = [
        reverse(LIST),
        meeting.get_absolute_url(),
        reverse("meetings:meeting_present", kwargs={"slug": meeting.slug}),
        meeting.get_ics_url(),
        reverse("meetings:calendar_ics"),
        reverse("home"),
    ]

    for url in urls:
        content = client.get(url).content.decode()
        assert "Private Pavel" not in content, url
        assert "pavel@example.org" not in content, url


def test_the_page_links_the_documents_and_shows_the_outcome(client):
    meeting = MeetingFactory(
        held=True, starts_at=in_days(-5), outcome_summary="Ministers agreed to share twelve new stories."
    )
    document = DocumentFactory(meeting=meeting, title="Concept note on access to justice")

    html = detail(client, meeting)

    documents = section(html, "documents-heading")
    assert f'href="{document.file.url}"' in documents
    assert "Concept note on access to justice" in documents
    assert "PDF" in documents
    assert "Ministers agreed to share twelve new stories." in section(html, "outcome-heading")
    assert "Held" in html


def test_a_cancelled_meeting_says_so(client, secretariat_user):
    from meetings import services

    meeting = MeetingFactory()
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)

    assert "This meeting is cancelled." in detail(client, meeting)


def test_an_unknown_meeting_is_not_found(client):
    assert (
        client.get(reverse("meetings:meeting_detail", kwargs={"slug": "no-such-meeting"})).status_code == 404
    )


# ---------------------------------------------------------------------------------------------------------
# The presentation


def test_the_presentation_has_a_slide_per_published_story_and_nothing_from_elsewhere(client):
    meeting = MeetingFactory(title="Ministerial meeting on education")
    first = factories.PublishedStoryFactory(title="Schools open their doors at night")
    second = factories.PublishedStoryFactory(title="Braille textbooks for every pupil")
    AgendaItemFactory(meeting=meeting, order=2, story=second)
    AgendaItemFactory(meeting=meeting, order=1, story=first)
    AgendaItemFactory(meeting=meeting, order=3, story=factories.StoryFactory(title="Unpublished draft story"))
    AgendaItemFactory(meeting=meeting, order=4, title="Coffee break")

    html = page(client.get(reverse("meetings:meeting_present", kwargs={"slug": meeting.slug})))

    assert html.count("data-slide") == 3  # the title slide and one per published story
    assert in_order(html, "Ministerial meeting on education", first.title, second.title)
    assert first.summary in html
    assert "Unpublished draft story" not in html
    assert re.search(r"<button[^>]*data-prev[^>]*>\s*Previous\s*</button>", html)
    assert re.search(r"<button[^>]*data-next[^>]*>\s*Next\s*</button>", html)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert f'href="{meeting.get_absolute_url()}"' in html


def test_the_presentation_link_is_on_the_meeting_page_when_stories_are_presented(client):
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, story=factories.PublishedStoryFactory())
    plain = MeetingFactory()

    present = reverse("meetings:meeting_present", kwargs={"slug": meeting.slug})
    assert f'href="{present}"' in detail(client, meeting)
    assert "/present/" not in detail(client, plain)


def test_the_presentation_script_is_served_by_the_project(client):
    from django.contrib.staticfiles import finders

    assert finders.find("js/present.js")
    assert finders.find("css/present.css")


# ---------------------------------------------------------------------------------------------------------
# Meetings on story, member and /my/ pages


def test_a_story_page_lists_the_meetings_where_it_was_presented(client):
    story = factories.PublishedStoryFactory(title="Mobile courts in every province")
    meeting = MeetingFactory(
        title="Ministerial meeting on justice", starts_at=local("Europe/Zurich", "2027-01-14 10:00")
    )
    AgendaItemFactory(meeting=meeting, story=story)
    MeetingFactory(title="A meeting about something else")

    html = page(client.get(story.get_absolute_url()))

    link = f'<a href="{meeting.get_absolute_url()}" lang="en" dir="ltr">Ministerial meeting on justice</a>'
    assert link in html
    assert "14 January 2027" in html
    assert "A meeting about something else" not in html


def test_a_member_page_lists_the_meetings_it_co_chairs(client, member):
    meeting = MeetingFactory(title="Co-chaired ministerial", co_chairs=[member])
    MeetingFactory(title="Somebody else's meeting", co_chairs=[factories.MemberFactory()])

    html = page(client.get(member.get_absolute_url()))

    assert "Co-chaired ministerial" in html
    assert f'href="{meeting.get_absolute_url()}"' in html
    assert "Somebody else's meeting" not in html


@pytest.fixture
def mission_meetings(coordinator):
    """An upcoming meeting co-chaired by the coordinator's member with people of several members invited."""
    member = coordinator.mission.member
    meeting = MeetingFactory(
        title="Upcoming co-chaired ministerial", co_chairs=[member], starts_at=in_days(15)
    )
    ParticipantFactory(meeting=meeting, member=member, name="Our Minister Olga", organisation="Our Ministry")
    ParticipantFactory(
        meeting=meeting,
        member=member,
        name="Our Ambassador Omar",
        invitation_status=Participant.Invitation.CONFIRMED,
    )
    ParticipantFactory(meeting=meeting, member=factories.MemberFactory(), name="Their Minister Theo")
    ParticipantFactory(meeting=meeting, member=None, name="Independent Expert Ida")
    MeetingFactory(title="Past co-chaired meeting", held=True, co_chairs=[member], starts_at=in_days(-20))
    MeetingFactory(title="A meeting of others", starts_at=in_days(16))
    # A meeting where the member only takes part.
    guest = MeetingFactory(title="Upcoming meeting as guests", starts_at=in_days(40))
    ParticipantFactory(meeting=guest, member=member, name="Our Expert Emil")
    return meeting


def test_a_coordinator_sees_the_upcoming_meetings_and_who_of_their_country_is_invited(
    client, coordinator, mission_meetings
):
    client.force_login(coordinator)

    html = page(client.get(reverse("coalition:my")))

    meetings = section(html, "meetings-heading")
    assert in_order(meetings, "Upcoming co-chaired ministerial", "Upcoming meeting as guests")
    assert "Our Minister Olga" in meetings and "Our Ministry" in meetings
    assert "Our Ambassador Omar" in meetings and "Confirmed" in meetings
    assert "Our Expert Emil" in meetings
    assert "Their Minister Theo" not in html
    assert "Independent Expert Ida" not in html
    assert "Past co-chaired meeting" not in html
    assert "A meeting of others" not in html


def test_mission_staff_see_the_meetings_but_not_who_is_invited(staff_client, coordinator, mission_meetings):
    html = page(staff_client.get(reverse("coalition:my")))

    meetings = section(html, "meetings-heading")
    assert "Upcoming co-chaired ministerial" in meetings
    assert "Our Minister Olga" not in html
    assert "Our Ambassador Omar" not in html
    assert "Their Minister Theo" not in html


def test_a_coordinator_does_not_see_cancelled_meetings_as_upcoming(client, coordinator, secretariat_user):
    from meetings import services

    meeting = MeetingFactory(title="Called-off ministerial", co_chairs=[coordinator.mission.member])
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)
    client.force_login(coordinator)

    assert "Called-off ministerial" not in page(client.get(reverse("coalition:my")))


# ---------------------------------------------------------------------------------------------------------
# Query counts


def many_meetings(count: int) -> None:
    theme = Theme.objects.first()
    for number in range(count):
        past = number % 2
        MeetingFactory(
            title=f"Listed meeting {number}",
            topic=theme,
            co_chairs=[factories.MemberFactory(), factories.MemberFactory()],
            starts_at=in_days(-10 - number if past else 10 + number),
            held=bool(past),
            city=["geneva", "new_york"][number % 2],
        )


def meeting_with(count: int) -> Meeting:
    meeting = MeetingFactory(co_chairs=[factories.MemberFactory() for _ in range(min(count, 5))])
    for _ in range(count):
        ParticipantFactory(meeting=meeting, consents_to_portal=True, member=factories.MemberFactory())
        ParticipantFactory(meeting=meeting)
        AgendaItemFactory(meeting=meeting, story=factories.PublishedStoryFactory())
        AgendaItemFactory(meeting=meeting, story=factories.StoryFactory())
        DocumentFactory(meeting=meeting)
    return meeting


def queries_for(client, url: str, django_assert_max_num_queries, limit: int) -> int:
    cache.clear()
    with django_assert_max_num_queries(limit) as captured:
        page(client.get(url))
    return len(captured)


def test_the_list_needs_no_more_queries_for_more_meetings(client, django_assert_max_num_queries):
    many_meetings(5)
    few = queries_for(client, reverse(LIST), django_assert_max_num_queries, 10)

    many_meetings(25)
    many = queries_for(client, reverse(LIST), django_assert_max_num_queries, few)

    assert many <= few
    assert page(client.get(reverse(LIST))).count("Listed meeting") == 30


def test_the_page_needs_no_more_queries_for_more_participants_and_stories(
    client, django_assert_max_num_queries
):
    few_url = meeting_with(5).get_absolute_url()
    many_url = meeting_with(30).get_absolute_url()

    few = queries_for(client, few_url, django_assert_max_num_queries, 12)
    many = queries_for(client, many_url, django_assert_max_num_queries, few)

    assert many <= few


def test_the_presentation_needs_no_more_queries_for_more_stories(client, django_assert_max_num_queries):
    few_url = reverse("meetings:meeting_present", kwargs={"slug": meeting_with(5).slug})
    many_url = reverse("meetings:meeting_present", kwargs={"slug": meeting_with(30).slug})

    few = queries_for(client, few_url, django_assert_max_num_queries, 12)
    many = queries_for(client, many_url, django_assert_max_num_queries, few)

    assert many <= few


def test_a_member_page_needs_no_more_queries_for_more_meetings(client, member, django_assert_max_num_queries):
    themes = list(Theme.objects.all()[:12])
    for theme in themes[:2]:
        MeetingFactory(co_chairs=[member], topic=theme)
    few = queries_for(client, member.get_absolute_url(), django_assert_max_num_queries, 12)

    for theme in themes[2:]:
        MeetingFactory(co_chairs=[member], topic=theme)
    many = queries_for(client, member.get_absolute_url(), django_assert_max_num_queries, few)

    assert many <= few
