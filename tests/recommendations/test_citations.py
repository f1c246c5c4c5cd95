"""Which recommendations a story answers: picking imported ones, entering one by hand, matching it later
(recommendations/services/citations.py), and the page where missions do it
(recommendations/views/citing.py)."""

import re
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Citation, RecommendationEvent
from recommendations.search import update_search_vectors
from recommendations.services import citations as services
from stories.models import Story
from tests import factories

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------
# Helpers


def rec_for(member, **kwargs):
    recommendation = factories.RecommendationFactory(country=member.country, **kwargs)
    update_search_vectors([recommendation.pk])
    return recommendation


def manual(story, actor, **kwargs):
    values = {"mechanism": "upr", "symbol": "A/HRC/38/4", "paragraph": "116.23"} | kwargs
    return services.citation_add_manual(actor=actor, story_id=story.pk, **values)


def set_status(story, status):
    published_at = timezone.now() if status == "published" else None
    Story.objects.filter(pk=story.pk).update(status=status, published_at=published_at)
    story.refresh_from_db()


def page_url(story, **query):
    url = reverse("my_recommendations:story_citations", args=[story.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def events(action):
    return list(RecommendationEvent.objects.filter(action=action))


# ---------------------------------------------------------------------------------------------------------
# Adding an imported recommendation


def test_staff_cite_a_recommendation_to_their_member(story, staff_user):
    first = rec_for(story.member, symbol="A/HRC/38/4", paragraph="116.23", mechanism="upr")
    second = rec_for(story.member)

    one = services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=first.pk)
    two = services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=second.pk)

    assert (one.recommendation, one.symbol, one.paragraph, one.mechanism) == (
        first,
        "A/HRC/38/4",
        "116.23",
        "upr",
    )
    assert two.order == one.order + 1
    assert one.added_by == staff_user
    [event, _] = sorted(events("cited"), key=lambda e: e.pk)
    assert (event.story_id, event.recommendation_id, event.actor) == (story.pk, first.pk, staff_user)


def test_the_coordinator_cites_too(story, coordinator):
    recommendation = rec_for(story.member)
    services.citation_add(actor=coordinator, story_id=story.pk, recommendation_id=recommendation.pk)
    assert story.citations.get().recommendation == recommendation


def test_another_members_staff_cannot_cite(story):
    other_staff = factories.UserFactory()
    recommendation = rec_for(story.member)
    with pytest.raises(PermissionDenied):
        services.citation_add(actor=other_staff, story_id=story.pk, recommendation_id=recommendation.pk)
    assert not Citation.objects.exists()


def test_the_secretariat_does_not_choose_for_members(story, secretariat_user):
    recommendation = rec_for(story.member)
    with pytest.raises(PermissionDenied):
        services.citation_add(actor=secretariat_user, story_id=story.pk, recommendation_id=recommendation.pk)


def test_a_recommendation_to_another_state_is_refused(story, staff_user):
    elsewhere = factories.RecommendationFactory(country="UY")
    with pytest.raises(ValidationError) as error:
        services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=elsewhere.pk)
    assert error.value.code == "wrong_country"
    assert "another state" in error.value.messages[0]


def test_the_same_recommendation_is_not_cited_twice(story, staff_user):
    recommendation = rec_for(story.member)
    services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)
    with pytest.raises(ValidationError) as error:
        services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)
    assert "already answers" in error.value.messages[0]
    assert story.citations.count() == 1


@pytest.mark.parametrize("status", ["submitted", "published", "rejected"])
def test_citations_change_only_while_the_story_is_editable(story, staff_user, status):
    recommendation = rec_for(story.member)
    set_status(story, status)
    with pytest.raises(ValidationError) as error:
        services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)
    assert error.value.code == "not_editable"


def test_changes_requested_is_editable_and_the_story_version_is_untouched(story, staff_user):
    set_status(story, "changes_requested")
    version = story.version
    services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=rec_for(story.member).pk)
    story.refresh_from_db()
    assert story.version == version


# ---------------------------------------------------------------------------------------------------------
# Entering one by hand


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("A/HRC/38/4", "A/HRC/38/4"),
        ("CEDAW/C/URY/CO/10", "CEDAW/C/URY/CO/10"),
        ("a/hrc/38/4", "A/HRC/38/4"),
        (" A/HRC/WG.6/31/URY/1 ", "A/HRC/WG.6/31/URY/1"),
        ("CRC/C/URY/CO/3-5", "CRC/C/URY/CO/3-5"),
    ],
)
def test_a_symbol_shaped_like_a_un_symbol_is_kept(story, staff_user, typed, stored):
    citation = manual(story, staff_user, symbol=typed, paragraph="para. 116.23")
    assert (citation.symbol, citation.paragraph, citation.recommendation) == (stored, "116.23", None)
    assert events("cited")[0].recommendation is None


@pytest.mark.parametrize("typed", ["", "   ", "HRC 38 4", "the UPR report", "A/HRC/38/4; B", "/A/HRC"])
def test_a_symbol_not_shaped_like_a_un_symbol_is_a_field_error(story, staff_user, typed):
    with pytest.raises(ValidationError) as error:
        manual(story, staff_user, symbol=typed)
    assert "symbol" in error.value.error_dict
    assert not Citation.objects.exists()


def test_mechanism_and_link_are_checked(story, staff_user):
    with pytest.raises(ValidationError) as error:
        manual(story, staff_user, mechanism="rumour")
    assert "mechanism" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        manual(story, staff_user, url="not a link")
    assert "url" in error.value.error_dict


def test_an_entry_that_is_already_imported_is_linked_directly(story, staff_user):
    recommendation = rec_for(
        story.member, symbol="CEDAW/C/URY/CO/10", paragraph="25", mechanism="treaty_body", body="CEDAW"
    )
    citation = manual(story, staff_user, mechanism="upr", symbol="cedaw/C/URY/CO/10", paragraph="para 25")
    assert citation.recommendation == recommendation
    assert (citation.mechanism, citation.symbol) == ("treaty_body", "CEDAW/C/URY/CO/10")
    assert citation.matched_at is None
    with pytest.raises(ValidationError):
        services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)


def test_the_same_entry_is_not_made_twice(story, staff_user):
    manual(story, staff_user)
    with pytest.raises(ValidationError):
        manual(story, staff_user, symbol="a/HRC/38/4")
    manual(story, staff_user, paragraph="116.24")
    assert story.citations.count() == 2


def test_an_entry_for_another_members_story_is_refused(story):
    with pytest.raises(PermissionDenied):
        manual(story, factories.UserFactory())


# ---------------------------------------------------------------------------------------------------------
# Removing and moving


def test_remove_a_citation(story, staff_user):
    recommendation = rec_for(story.member)
    citation = services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)
    removed = services.citation_remove(actor=staff_user, citation_id=citation.pk)
    assert not Citation.objects.exists()
    assert str(removed.reference) == str(recommendation.reference)
    [event] = events("uncited")
    assert (event.story_id, event.recommendation_id) == (story.pk, recommendation.pk)
    with pytest.raises(ValidationError):
        services.citation_remove(actor=staff_user, citation_id=citation.pk)


def test_only_the_members_people_remove(story, staff_user):
    citation = manual(story, staff_user)
    with pytest.raises(PermissionDenied):
        services.citation_remove(actor=factories.UserFactory(), citation_id=citation.pk)
    set_status(story, "submitted")
    with pytest.raises(ValidationError):
        services.citation_remove(actor=staff_user, citation_id=citation.pk)
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_move_a_citation(story, staff_user):
    a, _b, c = (manual(story, staff_user, paragraph=p) for p in ("1", "2", "3"))
    services.citation_move(actor=staff_user, citation_id=c.pk, direction="up")
    assert [x.paragraph for x in story.citations.all()] == ["1", "3", "2"]
    services.citation_move(actor=staff_user, citation_id=a.pk, direction="up")  # already first
    services.citation_move(actor=staff_user, citation_id=a.pk, direction="down")
    assert [x.paragraph for x in story.citations.all()] == ["3", "1", "2"]


# ---------------------------------------------------------------------------------------------------------
# Matching entries made by hand once the recommendation is imported


def test_entries_are_matched_once_imported(story, staff_user, secretariat_user):
    citation = manual(story, staff_user, symbol="A/HRC/38/4", paragraph="116.23", note="Their words")
    other = manual(story, staff_user, symbol="A/HRC/38/4", paragraph="999")
    elsewhere = factories.RecommendationFactory(country="UY", symbol="A/HRC/38/4", paragraph="999")
    recommendation = rec_for(story.member, symbol="A/HRC/38/4", paragraph="116.23", mechanism="upr")

    assert services.citations_match(actor=secretariat_user) == 1

    citation.refresh_from_db()
    other.refresh_from_db()
    assert citation.recommendation == recommendation
    assert citation.matched_at is not None
    assert citation.note == "Their words"
    assert other.recommendation is None and other.recommendation != elsewhere
    [event] = events("matched")
    assert (event.story_id, event.recommendation_id, event.actor) == (
        story.pk,
        recommendation.pk,
        secretariat_user,
    )
    # Idempotent: nothing more to do, no second history row.
    assert services.citations_match(actor=secretariat_user) == 0
    assert len(events("matched")) == 1


def test_matching_a_chosen_set_and_by_the_system(story, staff_user):
    first = manual(story, staff_user, paragraph="1")
    second = manual(story, staff_user, paragraph="2")
    rec_for(story.member, paragraph="1")
    rec_for(story.member, paragraph="2")
    assert services.citations_match(actor=None, citation_ids=[second.pk]) == 1
    first.refresh_from_db()
    assert first.recommendation is None
    assert services.citations_match(actor=None) == 1


def test_a_story_already_citing_the_recommendation_is_left_alone(story, staff_user):
    entry = manual(story, staff_user, paragraph="7")
    recommendation = rec_for(story.member, paragraph="7")
    services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)
    assert services.citations_match(actor=None) == 0
    entry.refresh_from_db()
    assert entry.recommendation is None


def test_matching_a_published_story_makes_public_pages_stale(story, staff_user):
    manual(story, staff_user, paragraph="8")
    set_status(story, "published")
    rec_for(story.member, paragraph="8")
    with mock.patch.object(services, "bump_generation") as bump:
        assert services.citations_match(actor=None) == 1
    bump.assert_called_once()


def test_matching_a_draft_leaves_public_pages_alone(story, staff_user):
    manual(story, staff_user, paragraph="8")
    rec_for(story.member, paragraph="8")
    with mock.patch.object(services, "bump_generation") as bump:
        assert services.citations_match(actor=None) == 1
    bump.assert_not_called()


def test_only_the_secretariat_matches(staff_user):
    with pytest.raises(PermissionDenied):
        services.citations_match(actor=staff_user)


# ---------------------------------------------------------------------------------------------------------
# The page


def test_the_page_lists_the_members_recommendations_with_an_add_button(staff_client, story):
    recommendation = rec_for(
        story.member, symbol="A/HRC/38/4", paragraph="116.23", text="Abolir la peine de mort", language="fr"
    )
    factories.RecommendationFactory(country="UY", text="Not for this member at all")
    response = staff_client.get(page_url(story))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "A/HRC/38/4, para. 116.23" in html
    assert f'id="rec-{recommendation.pk}-ref"' in html
    assert f'aria-describedby="rec-{recommendation.pk}-ref"' in html
    assert '<p lang="fr" dir="ltr">Abolir la peine de mort</p>' in html
    assert "Supported" in html
    assert "Not for this member at all" not in html
    assert reverse("my_stories:story_edit", args=[story.pk]) in html
    assert "Not in the list? Enter it" in html


def test_the_empty_state(staff_client, story):
    html = staff_client.get(page_url(story)).content.decode()
    assert "No recommendations to" in html and "are in the database yet" in html
    assert "None yet." in html


def test_search_by_symbol_and_by_words(staff_client, story):
    rec_for(story.member, symbol="A/HRC/38/4", paragraph="116.23", text="Strengthen mobile courts")
    rec_for(
        story.member,
        symbol="CEDAW/C/URY/CO/10",
        paragraph="25",
        mechanism="treaty_body",
        body="CEDAW",
        response="",
        text="Adopt a law on gender parity",
    )
    html = staff_client.get(page_url(story, q="CEDAW/C/URY/CO/10")).content.decode()
    assert "gender parity" in html and "mobile courts" not in html
    html = staff_client.get(page_url(story, q="116.23")).content.decode()
    assert "mobile courts" in html and "gender parity" not in html
    html = staff_client.get(page_url(story, q="mobile courts")).content.decode()
    assert "mobile courts" in html and "gender parity" not in html
    html = staff_client.get(page_url(story, mechanism="treaty_body")).content.decode()
    assert "gender parity" in html and "mobile courts" not in html
    html = staff_client.get(page_url(story, body="CEDAW")).content.decode()
    assert "gender parity" in html and "mobile courts" not in html
    html = staff_client.get(page_url(story, q="nothing like this")).content.decode()
    assert "No recommendation to this member matches your search." in html


def test_add_from_the_page_keeps_the_search(staff_client, story):
    recommendation = rec_for(story.member, text="Strengthen mobile courts")
    response = staff_client.post(
        page_url(story, q="mobile"), {"action": "add", "recommendation": recommendation.pk}
    )
    assert response.status_code == 302
    assert response.url == page_url(story, q="mobile")
    assert story.citations.get().recommendation == recommendation
    html = staff_client.get(response.url).content.decode()
    assert f"Added: {recommendation.reference}." in html
    assert "Already cited" in html
    assert 'value="remove"' in html


def test_a_refusal_is_said_in_a_message(staff_client, story):
    elsewhere = factories.RecommendationFactory(country="UY")
    response = staff_client.post(
        page_url(story), {"action": "add", "recommendation": elsewhere.pk}, follow=True
    )
    assert "addressed to another state" in response.content.decode()
    assert not Citation.objects.exists()


def test_remove_from_the_page(staff_client, story, staff_user):
    citation = manual(story, staff_user)
    response = staff_client.post(page_url(story), {"action": "remove", "citation": citation.pk}, follow=True)
    assert "Removed: A/HRC/38/4, para. 116.23." in response.content.decode()
    assert not Citation.objects.exists()


def test_manual_entry_errors_are_shown_next_to_the_field_and_values_kept(staff_client, story):
    data = {
        "action": "manual",
        "manual-mechanism": "upr",
        "manual-symbol": "the report",
        "manual-paragraph": "12",
        "manual-note": "Our own words",
    }
    response = staff_client.post(page_url(story), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_manual-symbol_error">\s*<li>This does not look like a UN document symbol', html)
    assert 'value="the report"' in html and "Our own words" in html
    assert not Citation.objects.exists()


def test_manual_entry_from_the_page(staff_client, story):
    data = {
        "action": "manual",
        "manual-mechanism": "upr",
        "manual-symbol": "A/HRC/38/4",
        "manual-paragraph": "1",
    }
    html = staff_client.post(page_url(story), data, follow=True).content.decode()
    assert "entered by hand" in html
    assert story.citations.get().symbol == "A/HRC/38/4"
    rec_for(story.member, paragraph="2")
    data["manual-paragraph"] = "2"
    html = staff_client.post(page_url(story), data, follow=True).content.decode()
    assert "is in the database: the story now answers that recommendation directly" in html


def test_another_members_staff_get_403_with_a_sentence(client, story):
    client.force_login(factories.UserFactory())
    response = client.get(page_url(story))
    assert response.status_code == 403
    assert "Only the mission staff and coordinator of the story&#x27;s member" in response.content.decode()
    assert client.post(page_url(story), {"action": "remove", "citation": 1}).status_code == 403


def test_the_secretariat_gets_403(secretariat_client, story):
    assert secretariat_client.get(page_url(story)).status_code == 403


def test_an_unknown_story_is_404(staff_client):
    assert staff_client.get(reverse("my_recommendations:story_citations", args=[999999])).status_code == 404


def test_a_story_under_review_is_read_only(staff_client, story, staff_user):
    citation = manual(story, staff_user)
    rec_for(story.member, text="Something to pick")
    set_status(story, "submitted")
    html = staff_client.get(page_url(story)).content.decode()
    assert "This story is submitted" in html
    assert citation.symbol in html
    assert 'value="remove"' not in html and "Something to pick" not in html and "manual-symbol" not in html
    assert reverse("my_stories:story_detail", args=[story.pk]) in html
    staff_client.post(page_url(story), {"action": "remove", "citation": citation.pk})
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_query_count_does_not_grow_with_results(
    staff_client, story, staff_user, django_assert_max_num_queries
):
    for index in range(2):
        rec_for(story.member)
        manual(story, staff_user, paragraph=str(index))
    with django_assert_max_num_queries(12) as few:
        staff_client.get(page_url(story))
    for index in range(25):
        recommendation = rec_for(story.member)
        if index % 3 == 0:
            services.citation_add(actor=staff_user, story_id=story.pk, recommendation_id=recommendation.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(page_url(story))
    assert (
        response.content.decode().count('value="add"') + response.content.decode().count("Already cited")
        == 20
    )
