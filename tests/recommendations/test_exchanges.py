"""Exchange requests between members: asking from the matchmaker, answering as the coordinator asked."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from recommendations.models import Exchange, RecommendationEvent
from recommendations.services.exchanges import DAILY_LIMIT, exchange_answer, exchange_request
from tests import factories

pytestmark = pytest.mark.django_db
Action = RecommendationEvent.Action


@pytest.fixture
def other_mission():
    return factories.MissionFactory(name="Permanent Mission of Other in Geneva")


@pytest.fixture
def other(other_mission):
    return other_mission.member


@pytest.fixture
def other_coordinator(other_mission):
    return factories.CoordinatorFactory(mission=other_mission, full_name="Olga Other", language="fr")


@pytest.fixture
def other_staff(other_mission):
    return factories.UserFactory(mission=other_mission, full_name="Otto Other")


@pytest.fixture
def their_story(other):
    return factories.PublishedStoryFactory(member=other, title="Legal aid desks")


@pytest.fixture
def our_recommendation(member):
    return factories.RecommendationFactory(
        country=member.country, text="Guarantee legal aid to everyone", language="en"
    )


def ask(actor, story, rec, message="We would like to learn how you set it up."):
    return exchange_request(actor=actor, story_id=story.pk, recommendation_id=rec.pk, message=message)


# ---------------------------------------------------------------------------------------------------------
# Asking


def test_asking_writes_the_request_and_its_history_and_mails_their_coordinator_in_their_language(
    staff_user,
    coordinator,
    other_coordinator,
    their_story,
    our_recommendation,
    member,
    other,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        exchange = ask(staff_user, their_story, our_recommendation)

    exchange.refresh_from_db()
    assert (exchange.from_member, exchange.to_member, exchange.status) == (member, other, "open")
    assert exchange.requested_by == staff_user
    assert exchange.message == "We would like to learn how you set it up."
    event = RecommendationEvent.objects.get()
    assert (event.action, event.actor, event.exchange, event.story, event.recommendation) == (
        Action.EXCHANGE_REQUESTED,
        staff_user,
        exchange,
        their_story,
        our_recommendation,
    )
    assert event.comment == exchange.message
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [other_coordinator.email]
    html = mail.alternatives[0][0]
    assert '<html lang="fr"' in html
    assert "Stella Staff" in mail.body and staff_user.mission.name in mail.body
    assert "Legal aid desks" in mail.subject and "Legal aid desks" in mail.body
    with translation.override("fr"):
        reference = str(our_recommendation.reference)
    assert reference in mail.body and "Guarantee legal aid to everyone" in mail.body
    assert "We would like to learn how you set it up." in mail.body
    assert f"/fr/my/exchanges/{exchange.pk}/" in mail.body
    assert '<blockquote lang="en">Guarantee legal aid to everyone</blockquote>' in html


def test_a_second_open_request_is_refused_with_the_date(staff_user, their_story, our_recommendation):
    first = ask(staff_user, their_story, our_recommendation)
    Exchange.objects.filter(pk=first.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2025, 3, 4, 12))
    )

    with pytest.raises(ValidationError) as refused:
        ask(staff_user, their_story, our_recommendation)

    assert refused.value.code == "duplicate"
    assert "You asked already on March 4, 2025" in " ".join(refused.value.messages)
    assert Exchange.objects.count() == 1


def test_after_an_answer_one_may_ask_again(staff_user, other_coordinator, their_story, our_recommendation):
    first = ask(staff_user, their_story, our_recommendation)
    exchange_answer(actor=other_coordinator, exchange_id=first.pk, accept=True, answer="")

    assert ask(staff_user, their_story, our_recommendation).pk != first.pk


def test_only_published_stories_of_another_member_for_our_recommendations(
    staff_user, member, other, their_story, our_recommendation
):
    draft = factories.StoryFactory(member=other)
    with pytest.raises(ValidationError) as refused:
        ask(staff_user, draft, our_recommendation)
    assert refused.value.code == "story_not_published"

    ours = factories.PublishedStoryFactory(member=member)
    with pytest.raises(ValidationError) as refused:
        ask(staff_user, ours, our_recommendation)
    assert refused.value.code == "own_story"

    theirs = factories.RecommendationFactory(country=other.country)
    with pytest.raises(ValidationError) as refused:
        ask(staff_user, their_story, theirs)
    assert refused.value.code == "not_addressed"
    assert not Exchange.objects.exists()


def test_the_secretariat_does_not_ask(secretariat_user, their_story, our_recommendation):
    with pytest.raises(PermissionDenied):
        ask(secretariat_user, their_story, our_recommendation)


def test_a_member_asks_at_most_so_many_times_a_day(staff_user, member, other, our_recommendation):
    stories = [factories.PublishedStoryFactory(member=other) for _ in range(DAILY_LIMIT + 1)]
    for story in stories[:DAILY_LIMIT]:
        ask(staff_user, story, our_recommendation)

    with pytest.raises(ValidationError) as refused:
        ask(staff_user, stories[-1], our_recommendation)
    assert refused.value.code == "rate_limited"

    Exchange.objects.update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    ask(staff_user, stories[-1], our_recommendation)


# ---------------------------------------------------------------------------------------------------------
# Answering


def test_only_the_asked_members_coordinator_answers(
    staff_user, coordinator, other_staff, their_story, our_recommendation
):
    exchange = ask(staff_user, their_story, our_recommendation)
    for somebody in (staff_user, coordinator, other_staff):
        with pytest.raises(PermissionDenied):
            exchange_answer(actor=somebody, exchange_id=exchange.pk, accept=True, answer="")
    exchange.refresh_from_db()
    assert exchange.status == "open"


def test_declining_needs_an_answer_and_mails_the_asker_and_their_coordinator(
    staff_user,
    coordinator,
    other_coordinator,
    their_story,
    our_recommendation,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    exchange = ask(staff_user, their_story, our_recommendation)
    with pytest.raises(ValidationError) as refused:
        exchange_answer(actor=other_coordinator, exchange_id=exchange.pk, accept=False, answer="  ")
    assert "answer" in refused.value.error_dict

    with django_capture_on_commit_callbacks(execute=True):
        exchange_answer(
            actor=other_coordinator, exchange_id=exchange.pk, accept=False, answer="The project ended."
        )

    exchange.refresh_from_db()
    assert (exchange.status, exchange.answer, exchange.answered_by) == (
        "declined",
        "The project ended.",
        other_coordinator,
    )
    assert exchange.answered_at is not None
    assert [event.action for event in RecommendationEvent.objects.order_by("pk")] == [
        Action.EXCHANGE_REQUESTED,
        Action.EXCHANGE_DECLINED,
    ]
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == sorted([staff_user.email, coordinator.email])
    assert "declined" in mailoutbox[0].subject
    assert "The project ended." in mailoutbox[0].body

    with pytest.raises(ValidationError) as refused:
        exchange_answer(actor=other_coordinator, exchange_id=exchange.pk, accept=True, answer="")
    assert refused.value.code == "answered"


def test_accepting_tells_the_asker_whom_to_write_to(
    staff_user,
    other_coordinator,
    their_story,
    our_recommendation,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    exchange = ask(staff_user, their_story, our_recommendation)
    with django_capture_on_commit_callbacks(execute=True):
        exchange_answer(actor=other_coordinator, exchange_id=exchange.pk, accept=True, answer="")

    exchange.refresh_from_db()
    assert exchange.status == "accepted"
    assert RecommendationEvent.objects.filter(action=Action.EXCHANGE_ACCEPTED, exchange=exchange).exists()
    assert [mail.to for mail in mailoutbox] == [[staff_user.email]]
    assert "accepted" in mailoutbox[0].subject
    assert other_coordinator.email in mailoutbox[0].body


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_the_confirmation_page_then_the_request(
    staff_client,
    other_coordinator,
    their_story,
    our_recommendation,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    url = reverse("my_recommendations:exchange_create")
    response = staff_client.get(url, {"story": their_story.pk, "recommendation": our_recommendation.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ask for an exchange</h1>" in html
    assert "Legal aid desks" in html and our_recommendation.reference in html
    assert '<label for="id_message">Your message</label>' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            {"story": their_story.pk, "recommendation": our_recommendation.pk, "message": "Hello"},
            follow=True,
        )

    exchange = Exchange.objects.get()
    assert response.redirect_chain[-1][0] == reverse("my_recommendations:exchange_detail", args=[exchange.pk])
    html = response.content.decode()
    assert "Your request is sent to the coordinator of" in html
    assert "Awaiting the answer of the other member" in html
    assert [mail.to for mail in mailoutbox] == [[other_coordinator.email]]


def test_a_refused_request_keeps_the_message(staff_client, staff_user, their_story, our_recommendation):
    ask(staff_user, their_story, our_recommendation)

    response = staff_client.post(
        reverse("my_recommendations:exchange_create"),
        {"story": their_story.pk, "recommendation": our_recommendation.pk, "message": "Second try, sorry"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "You asked already on" in html
    assert "Second try, sorry</textarea>" in html
    assert Exchange.objects.count() == 1


def test_the_confirmation_page_refuses_what_cannot_be_asked(staff_client, member, other, our_recommendation):
    url = reverse("my_recommendations:exchange_create")
    ours = factories.PublishedStoryFactory(member=member)
    draft = factories.StoryFactory(member=other)
    for story_id in (ours.pk, draft.pk, "x", ""):
        assert (
            staff_client.get(url, {"story": story_id, "recommendation": our_recommendation.pk}).status_code
            == 404
        )


def test_the_list_shows_requests_sent_and_received(
    client,
    staff_user,
    other_coordinator,
    their_story,
    our_recommendation,
    member,
    django_assert_max_num_queries,
):
    ask(staff_user, their_story, our_recommendation)
    url = reverse("my_recommendations:exchange_list")

    client.force_login(staff_user)
    html = client.get(url).content.decode()
    assert "Requests sent" in html and "Legal aid desks" in html and "Awaiting an answer" in html
    assert "No member has asked about your stories yet." in html

    client.force_login(other_coordinator)
    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    assert f"{member.name}</a>" in html and "Stella Staff" in html

    for _ in range(10):
        ask(
            staff_user,
            factories.PublishedStoryFactory(member=other_coordinator.mission.member),
            our_recommendation,
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_the_asked_coordinator_answers_on_the_detail_page(
    client, staff_user, other_coordinator, other_staff, their_story, our_recommendation
):
    exchange = ask(staff_user, their_story, our_recommendation, message="How did you train the lawyers?")
    url = reverse("my_recommendations:exchange_detail", args=[exchange.pk])

    client.force_login(other_staff)  # their staff sees it, without the form
    html = client.get(url).content.decode()
    assert "How did you train the lawyers?" in html and 'name="decision"' not in html
    assert client.post(url, {"decision": "accept"}).status_code == 403

    client.force_login(other_coordinator)
    html = client.get(url).content.decode()
    assert 'name="decision" value="accept"' in html and 'name="decision" value="decline"' in html

    response = client.post(url, {"decision": "decline", "answer": ""})
    assert response.status_code == 200
    assert "Say in a few words why you decline" in response.content.decode()
    exchange.refresh_from_db()
    assert exchange.status == "open"

    response = client.post(
        url, {"decision": "accept", "answer": "Write to our legal aid office."}, follow=True
    )
    html = response.content.decode()
    assert "You accepted the request" in html
    assert "Write to our legal aid office." in html
    exchange.refresh_from_db()
    assert exchange.status == "accepted"


def test_other_members_people_get_404(client, staff_user, their_story, our_recommendation):
    exchange = ask(staff_user, their_story, our_recommendation)
    stranger = factories.CoordinatorFactory(mission=factories.MissionFactory())
    client.force_login(stranger)

    assert client.get(reverse("my_recommendations:exchange_detail", args=[exchange.pk])).status_code == 404
    assert "Legal aid desks" not in client.get(reverse("my_recommendations:exchange_list")).content.decode()


def test_the_secretariat_gets_a_sentence(secretariat_client):
    for name in ("exchange_list", "exchange_create"):
        response = secretariat_client.get(reverse(f"my_recommendations:{name}"))
        assert response.status_code == 403
        assert "the secretariat belongs to none" in response.content.decode()
