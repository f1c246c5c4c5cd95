""" "Inspired by" links: proposing, confirming, declining, withdrawing, and the pages under /my/."""

from __future__ import annotations

from dataclasses import dataclass
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.public_cache import generation
from members.models import Member, Mission, User
from recommendations.models import Inspiration, RecommendationEvent
from recommendations.services import inspiration as services
from stories.models import Story
from tests import factories
from tests.meetings.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db

Action = RecommendationEvent.Action


# ---------------------------------------------------------------------------------------------------------
# Helpers


@dataclass
class Side:
    member: Member
    mission: Mission
    staff: User
    coordinator: User


def make_side(**member_fields) -> Side:
    member = factories.MemberFactory(**member_fields)
    mission = factories.MissionFactory(member=member)
    return Side(
        member=member,
        mission=mission,
        staff=factories.UserFactory(mission=mission, email=f"staff-{member.iso.lower()}@example.org"),
        coordinator=factories.CoordinatorFactory(
            mission=mission, email=f"coordinator-{member.iso.lower()}@example.org"
        ),
    )


@pytest.fixture
def ours(member, mission, staff_user, coordinator) -> Side:
    """The member whose story says it was inspired (the conftest's member)."""
    return Side(member=member, mission=mission, staff=staff_user, coordinator=coordinator)


@pytest.fixture
def theirs() -> Side:
    """Another member, whose published story inspired ours."""
    return make_side()


@pytest.fixture
def source(theirs) -> Story:
    return factories.PublishedStoryFactory(member=theirs.member, title="Legal aid buses on every road")


def propose(ours: Side, story: Story, source: Story, **kwargs) -> Inspiration:
    return services.inspiration_propose(actor=ours.staff, story_id=story.pk, source_id=source.pk, **kwargs)


def field_errors(raised: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in raised.value.error_dict.items()}


# ---------------------------------------------------------------------------------------------------------
# Proposing


def test_a_story_proposes_a_link_that_the_other_coordinator_is_asked_to_confirm(
    ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link = propose(ours, story, source, note="We copied the bus timetable.")

    link.refresh_from_db()
    assert link.status == Inspiration.Status.PROPOSED
    assert (link.story, link.source, link.proposed_by) == (story, source, ours.staff)
    assert link.note == "We copied the bus timetable."
    event = RecommendationEvent.objects.get(inspiration=link)
    assert (event.action, event.actor, event.story) == (Action.INSPIRATION_PROPOSED, ours.staff, story)
    assert [m.to for m in mailoutbox] == [[theirs.coordinator.email]]
    message = mailoutbox[0]
    assert story.title in message.body and source.title in message.body
    assert reverse("my_recommendations:inspiration_list") in message.body


def test_a_proposal_changes_no_public_page(ours, story, source, django_capture_on_commit_callbacks):
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        propose(ours, story, source)
    assert generation() == before


def test_only_the_storys_own_people_propose(ours, theirs, story, source, secretariat_user):
    for actor in (theirs.staff, theirs.coordinator, secretariat_user):
        with pytest.raises(PermissionDenied):
            services.inspiration_propose(actor=actor, story_id=story.pk, source_id=source.pk)
    assert not Inspiration.objects.exists()
    # The coordinator of the story's member may.
    services.inspiration_propose(actor=ours.coordinator, story_id=story.pk, source_id=source.pk)


def test_the_source_is_another_members_story(ours, story):
    own = factories.PublishedStoryFactory(member=ours.member)
    with pytest.raises(ValidationError) as raised:
        propose(ours, story, own)
    assert field_errors(raised) == {"source": ["source_same_member"]}


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn"])
def test_the_source_is_published(ours, theirs, story, status):
    unpublished = factories.StoryFactory(member=theirs.member, status=status)
    with pytest.raises(ValidationError) as raised:
        propose(ours, story, unpublished)
    assert field_errors(raised) == {"source": ["source_not_published"]}


def test_the_meeting_is_one_where_the_source_was_presented(ours, story, source):
    elsewhere = MeetingFactory()
    AgendaItemFactory(meeting=elsewhere, story=factories.PublishedStoryFactory())
    with pytest.raises(ValidationError) as raised:
        propose(ours, story, source, meeting_id=elsewhere.pk)
    assert field_errors(raised) == {"meeting": ["meeting_not_presenting"]}

    presented = AgendaItemFactory(story=source).meeting
    link = propose(ours, story, source, meeting_id=presented.pk)
    assert link.meeting == presented


def test_one_link_per_pair_but_a_declined_one_may_be_proposed_again(
    ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    link = propose(ours, story, source)
    with pytest.raises(ValidationError) as raised:
        propose(ours, story, source)
    assert field_errors(raised) == {"source": ["duplicate"]}

    services.inspiration_decide(
        actor=theirs.coordinator, inspiration_id=link.pk, confirm=False, comment="No."
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = propose(ours, story, source, note="Second try")

    assert again.pk == link.pk
    again.refresh_from_db()
    assert again.status == Inspiration.Status.PROPOSED
    assert (again.decided_at, again.decided_by, again.comment, again.note) == (None, None, "", "Second try")
    assert Inspiration.objects.count() == 1
    assert (
        RecommendationEvent.objects.filter(inspiration=link, action=Action.INSPIRATION_PROPOSED).count() == 2
    )
    assert [m.to for m in mailoutbox][-1] == [theirs.coordinator.email]


def test_a_confirmed_link_cannot_be_proposed_again(ours, theirs, story, source):
    link = propose(ours, story, source)
    services.inspiration_decide(actor=theirs.coordinator, inspiration_id=link.pk, confirm=True)
    with pytest.raises(ValidationError):
        propose(ours, story, source)


# ---------------------------------------------------------------------------------------------------------
# Deciding


def test_the_source_members_coordinator_confirms(
    ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    link = propose(ours, story, source)
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.inspiration_decide(
            actor=theirs.coordinator, inspiration_id=link.pk, confirm=True, comment="Glad it helped."
        )

    link.refresh_from_db()
    assert link.status == Inspiration.Status.CONFIRMED
    assert link.decided_by == theirs.coordinator and link.decided_at is not None
    assert link.comment == "Glad it helped."
    event = RecommendationEvent.objects.get(inspiration=link, action=Action.INSPIRATION_CONFIRMED)
    assert (event.actor, event.comment) == (theirs.coordinator, "Glad it helped.")
    assert generation() != before  # public pages now show it
    (message,) = mailoutbox
    assert sorted(message.to) == sorted([ours.staff.email, ours.coordinator.email])
    assert "Glad it helped." in message.body and source.title in message.body


def test_the_coordinator_declines_and_the_proposer_is_told(
    ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    link = propose(ours, story, source)
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.inspiration_decide(
            actor=theirs.coordinator, inspiration_id=link.pk, confirm=False, comment="Not ours."
        )
    link.refresh_from_db()
    assert link.status == Inspiration.Status.DECLINED
    assert RecommendationEvent.objects.filter(inspiration=link, action=Action.INSPIRATION_DECLINED).exists()
    assert generation() == before
    (message,) = mailoutbox
    assert sorted(message.to) == sorted([ours.staff.email, ours.coordinator.email])
    assert "Not ours." in message.body


def test_only_a_coordinator_of_the_source_member_decides(ours, theirs, story, source, secretariat_user):
    link = propose(ours, story, source)
    third = make_side()
    for actor in (theirs.staff, ours.coordinator, ours.staff, third.coordinator, secretariat_user):
        with pytest.raises(PermissionDenied):
            services.inspiration_decide(actor=actor, inspiration_id=link.pk, confirm=True)
    link.refresh_from_db()
    assert link.status == Inspiration.Status.PROPOSED
    assert not RecommendationEvent.objects.filter(action=Action.INSPIRATION_CONFIRMED).exists()


def test_only_a_proposed_link_is_decided(ours, theirs, story, source):
    link = propose(ours, story, source)
    services.inspiration_decide(actor=theirs.coordinator, inspiration_id=link.pk, confirm=True)
    with pytest.raises(ValidationError) as raised:
        services.inspiration_decide(actor=theirs.coordinator, inspiration_id=link.pk, confirm=False)
    assert raised.value.code == "not_proposed"
    link.refresh_from_db()
    assert link.status == Inspiration.Status.CONFIRMED


# ---------------------------------------------------------------------------------------------------------
# Withdrawing


def test_the_proposing_member_withdraws_a_confirmed_link(
    ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    link = propose(ours, story, source)
    services.inspiration_decide(actor=theirs.coordinator, inspiration_id=link.pk, confirm=True)
    for actor in (theirs.coordinator, theirs.staff):
        with pytest.raises(PermissionDenied):
            services.inspiration_withdraw(actor=actor, inspiration_id=link.pk)
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.inspiration_withdraw(actor=ours.staff, inspiration_id=link.pk)
    link.refresh_from_db()
    assert link.status == Inspiration.Status.WITHDRAWN
    event = RecommendationEvent.objects.get(inspiration=link, action=Action.INSPIRATION_WITHDRAWN)
    assert event.actor == ours.staff
    assert generation() != before
    assert mailoutbox == []  # nobody is mailed about a withdrawal
    with pytest.raises(ValidationError):
        services.inspiration_withdraw(actor=ours.staff, inspiration_id=link.pk)


def test_withdrawing_a_proposal_changes_no_public_page(
    ours, story, source, django_capture_on_commit_callbacks
):
    link = propose(ours, story, source)
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.inspiration_withdraw(actor=ours.coordinator, inspiration_id=link.pk)
    assert generation() == before
    # ... and it may be proposed again.
    assert propose(ours, story, source).status == Inspiration.Status.PROPOSED


# ---------------------------------------------------------------------------------------------------------
# /my/stories/<pk>/inspired-by/


def propose_url(story: Story) -> str:
    return reverse("my_recommendations:inspiration_propose", args=[story.pk])


def test_the_propose_page_lists_other_members_published_stories(client, ours, theirs, story, source):
    own = factories.PublishedStoryFactory(member=ours.member, title="Our own published story")
    draft = factories.StoryFactory(member=theirs.member, title="Their unpublished draft")
    meeting = AgendaItemFactory(story=source, meeting=MeetingFactory(title="Ministerial on justice")).meeting
    client.force_login(ours.staff)

    response = client.get(propose_url(story))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert source.title in html
    assert f'name="source" value="{source.pk}"' in html
    assert own.title not in html and draft.title not in html
    assert f'<option value="{meeting.pk}">Ministerial on justice' in html
    assert "does not say yet" in html  # no link yet


def test_the_search_filters_by_words_and_member(client, ours, theirs, story, source):
    third = make_side()
    other = factories.PublishedStoryFactory(member=third.member, title="Birth registration at school")
    client.force_login(ours.staff)

    html = unescape(client.get(propose_url(story), {"q": "legal BUS"}).content.decode())
    assert source.title in html and other.title not in html

    html = unescape(client.get(propose_url(story), {"member": third.member.iso.lower()}).content.decode())
    assert other.title in html and source.title not in html

    html = unescape(client.get(propose_url(story), {"q": "nothing like this"}).content.decode())
    assert "No published story of another member matches this search." in html


def test_proposing_from_the_page(
    client, ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(ours.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(propose_url(story), {"source": source.pk, "note": "Seen in Geneva"})
    assert response.status_code == 302 and response.url == propose_url(story)
    link = Inspiration.objects.get()
    assert (link.source, link.status, link.note) == (source, "proposed", "Seen in Geneva")
    assert [m.to for m in mailoutbox] == [[theirs.coordinator.email]]

    html = unescape(client.get(propose_url(story)).content.decode())
    assert "Your proposal is sent" in html
    assert "Awaiting confirmation" in html
    assert reverse("my_recommendations:inspiration_detail", args=[link.pk]) in html
    # Already linked: not offered again.
    assert f'name="source" value="{source.pk}"' not in html


def test_a_refused_proposal_keeps_what_was_typed(client, ours, story, source):
    elsewhere = AgendaItemFactory(story=factories.PublishedStoryFactory(title="Presented elsewhere")).meeting
    client.force_login(ours.staff)
    response = client.post(
        propose_url(story),
        {
            "source": source.pk,
            "meeting": elsewhere.pk,
            "note": "Kept note",
            "q": "",
            "member": "",
            "page": "1",
        },
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "The story you chose was not presented at this meeting." in html
    assert "Kept note" in html
    assert f'value="{source.pk}" id="source-{source.pk}" checked' in html
    assert f'<option value="{elsewhere.pk}" selected>' in html
    assert not Inspiration.objects.exists()


def test_a_proposal_without_a_story_says_so(client, ours, story, source):
    client.force_login(ours.staff)
    response = client.post(propose_url(story), {"note": "Forgot to choose"})
    html = unescape(response.content.decode())
    assert "Choose the story that inspired yours." in html and "Forgot to choose" in html
    assert not Inspiration.objects.exists()


def test_the_propose_page_is_for_the_storys_people_only(client, theirs, story, secretariat_user):
    assert client.get(propose_url(story)).status_code == 302  # to the login page
    for person in (theirs.staff, theirs.coordinator, secretariat_user):
        client.force_login(person)
        assert client.get(propose_url(story)).status_code == 404
        assert client.post(propose_url(story), {"source": 1}).status_code == 404


def test_the_propose_page_queries_do_not_grow_with_stories(
    client, ours, theirs, story, django_assert_max_num_queries
):
    client.force_login(ours.staff)

    def add(count: int) -> None:
        for _ in range(count):
            listed = factories.PublishedStoryFactory(member=make_side().member)
            AgendaItemFactory(story=listed)
            link_source = factories.PublishedStoryFactory(member=theirs.member)
            Inspiration.objects.create(story=story, source=link_source, proposed_by=ours.staff)

    add(2)
    client.get(propose_url(story))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(propose_url(story))
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(propose_url(story))
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------------------
# /my/inspirations/ and /my/inspirations/<pk>/


def list_url() -> str:
    return reverse("my_recommendations:inspiration_list")


def detail_url(link: Inspiration) -> str:
    return reverse("my_recommendations:inspiration_detail", args=[link.pk])


def test_the_list_shows_each_side_its_links(client, ours, theirs, story, source):
    link = propose(ours, story, source)

    client.force_login(theirs.coordinator)
    html = unescape(client.get(list_url()).content.decode())
    assert story.title in html
    assert 'name="action" value="confirm"' in html and 'name="action" value="decline"' in html

    client.force_login(theirs.staff)
    html = unescape(client.get(list_url()).content.decode())
    assert story.title in html and 'value="confirm"' not in html
    assert "Your mission's coordinator confirms or declines these." in html

    client.force_login(ours.staff)
    html = unescape(client.get(list_url()).content.decode())
    assert source.title in html and "Awaiting confirmation" in html
    assert detail_url(link) in html
    assert "No other member's story awaits your member's confirmation." in html


def test_the_list_is_for_missions_only(client, secretariat_user):
    client.force_login(secretariat_user)
    assert client.get(list_url()).status_code == 403


def test_the_list_queries_do_not_grow(client, ours, theirs, django_assert_max_num_queries):
    def add(count: int) -> None:
        for _ in range(count):
            mine = factories.PublishedStoryFactory(member=ours.member)
            other = factories.PublishedStoryFactory(member=theirs.member)
            Inspiration.objects.create(story=mine, source=other, proposed_by=ours.staff)
            Inspiration.objects.create(story=other, source=mine, proposed_by=theirs.staff)

    client.force_login(ours.coordinator)
    add(2)
    client.get(list_url())
    with CaptureQueriesContext(connection) as few:
        client.get(list_url())
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(list_url()).status_code == 200


def test_the_coordinator_confirms_on_the_detail_page(
    client, ours, theirs, story, source, mailoutbox, django_capture_on_commit_callbacks
):
    link = propose(ours, story, source, note="Your buses inspired ours")
    client.force_login(theirs.coordinator)
    html = unescape(client.get(detail_url(link)).content.decode())
    assert "Your buses inspired ours" in html and "Confirm or decline" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail_url(link), {"action": "confirm", "comment": "Yes indeed"})
    assert response.status_code == 302 and response.url == detail_url(link)
    link.refresh_from_db()
    assert (link.status, link.comment, link.decided_by) == ("confirmed", "Yes indeed", theirs.coordinator)
    assert len(mailoutbox) == 1
    html = unescape(client.get(detail_url(link)).content.decode())
    assert "The link is confirmed" in html and "Confirm or decline" not in html
    assert "inspiration confirmed" in html  # the history


def test_a_too_long_comment_is_refused_and_kept(client, ours, theirs, story, source):
    link = propose(ours, story, source)
    client.force_login(theirs.coordinator)
    response = client.post(detail_url(link), {"action": "decline", "comment": "x" * 2001})
    assert response.status_code == 200
    assert "x" * 2001 in unescape(response.content.decode())
    link.refresh_from_db()
    assert link.status == "proposed"


def test_deciding_twice_on_the_page_says_why(client, ours, theirs, story, source):
    link = propose(ours, story, source)
    services.inspiration_decide(actor=theirs.coordinator, inspiration_id=link.pk, confirm=False)
    client.force_login(theirs.coordinator)
    response = client.post(detail_url(link), {"action": "confirm"}, follow=True)
    assert "only a link awaiting confirmation can be confirmed or declined" in unescape(
        response.content.decode()
    )
    link.refresh_from_db()
    assert link.status == "declined"


def test_the_detail_page_is_for_both_members_only(client, ours, theirs, story, source):
    link = propose(ours, story, source)
    third = make_side()
    for person in (third.staff, third.coordinator):
        client.force_login(person)
        assert client.get(detail_url(link)).status_code == 404
        assert client.post(detail_url(link), {"action": "confirm"}).status_code == 404
    for person in (ours.staff, ours.coordinator, theirs.staff):
        client.force_login(person)
        assert client.get(detail_url(link)).status_code == 200
        assert client.post(detail_url(link), {"action": "confirm"}).status_code == 403
    link.refresh_from_db()
    assert link.status == "proposed"


def test_withdrawing_from_the_page(client, ours, theirs, story, source):
    link = propose(ours, story, source)
    client.force_login(theirs.coordinator)
    assert client.post(detail_url(link), {"action": "withdraw"}).status_code == 403

    client.force_login(ours.staff)
    html = unescape(client.get(propose_url(story)).content.decode())
    assert f'action="{detail_url(link)}"' in html and 'value="withdraw"' in html
    response = client.post(detail_url(link), {"action": "withdraw"})
    assert response.status_code == 302 and response.url == propose_url(story)
    link.refresh_from_db()
    assert link.status == "withdrawn"
    assert RecommendationEvent.objects.filter(inspiration=link, action=Action.INSPIRATION_WITHDRAWN).exists()
