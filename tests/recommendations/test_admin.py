"""The secretariat's admin of recommendations: lists, filters, search, the change form, the read-only
imports, history, inspirations and exchanges, the citations and their matching, and the story's inlines."""

import importlib.util
import sys
import types

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from members.roles import SECRETARIAT_GROUP
from recommendations.models import (
    Citation,
    Exchange,
    ImportRun,
    Inspiration,
    RecommendationEvent,
)
from tests import factories
from tests.admin_forms import admin_errors, submit_change_form
from tests.recommendations.test_public import answered_by_story, page, rec_for

pytestmark = pytest.mark.django_db

MODELS = ["recommendation", "importrun", "recommendationevent", "citation", "inspiration", "exchange"]


def test_the_secretariat_group_may_keep_recommendations(db):
    """Given by recommendations/migrations/0004: seeing everything here, and correcting imported ones."""
    group = Group.objects.get(name=SECRETARIAT_GROUP)
    codenames = {f"view_{model}" for model in MODELS} | {"change_recommendation"}
    granted = set(
        group.permissions.filter(content_type__app_label="recommendations").values_list("codename", flat=True)
    )
    assert codenames <= granted
    assert "delete_recommendation" not in granted


def manual_citation(story, **fields) -> Citation:
    values = {"mechanism": "upr", "symbol": "A/HRC/38/4", "paragraph": "116.99"} | fields
    return Citation.objects.create(story=story, **values)


# ---------------------------------------------------------------------------------------------------------
# Recommendations


def test_the_recommendation_list_filters_and_searches(secretariat_client, member):
    upr = rec_for(member, text="Ratify the convention on migrant workers", uhri_id="uhri-77")
    crc = rec_for(member, mechanism="treaty_body", body="CRC", response="", symbol="CRC/C/9", is_demo=True)
    other = rec_for(factories.MemberFactory(), symbol="A/HRC/50/1")
    url = reverse("admin:recommendations_recommendation_changelist")

    everything = page(secretariat_client.get(url))
    by_mechanism = page(secretariat_client.get(url, {"mechanism__exact": "treaty_body"}))
    by_demo = page(secretariat_client.get(url, {"is_demo__exact": "1"}))
    by_country = page(secretariat_client.get(url, {"country": member.iso}))
    by_uhri = page(secretariat_client.get(url, {"q": "uhri-77"}))
    by_symbol = page(secretariat_client.get(url, {"q": "A/HRC/50/1"}))

    assert upr.reference in everything and crc.reference in everything and other.reference in everything
    assert crc.reference in by_mechanism and upr.reference not in by_mechanism
    assert crc.reference in by_demo and upr.reference not in by_demo
    assert other.reference not in by_country and upr.reference in by_country
    assert upr.reference in by_uhri and crc.reference not in by_uhri
    assert other.reference in by_symbol and upr.reference not in by_symbol


def test_the_change_form_saves_a_correction_and_keeps_dates_read_only(secretariat_client, member):
    rec = rec_for(member, text="Old wording")
    url = reverse("admin:recommendations_recommendation_change", args=[rec.pk])

    html = page(secretariat_client.get(url))
    response = submit_change_form(secretariat_client, url, text="New wording", family="family-x")

    assert 'name="created_at"' not in html and 'name="themes"' in html and 'name="sdg_targets"' in html
    assert response.status_code == 302, admin_errors(response)
    rec.refresh_from_db()
    assert rec.text == "New wording" and rec.family == "family-x"


def test_the_change_form_refuses_a_treaty_body_that_does_not_exist(secretariat_client, member):
    rec = rec_for(member, mechanism="treaty_body", body="CRC", response="", symbol="CRC/C/9")
    url = reverse("admin:recommendations_recommendation_change", args=[rec.pk])

    response = submit_change_form(secretariat_client, url, body="XYZ")

    assert response.status_code == 200
    assert "Give the treaty body" in page(response)
    rec.refresh_from_db()
    assert rec.body == "CRC"


# ---------------------------------------------------------------------------------------------------------
# Read-only records


def test_an_import_run_shows_its_report_as_a_table_and_cannot_be_changed(secretariat_client):
    run = ImportRun.objects.create(
        file_name="uhri-export.xlsx",
        states=["UY"],
        created=10,
        skipped=2,
        report=[{"line": 4, "reason": "No document symbol"}, {"line": 9, "reason": "Unknown state <XX>"}],
    )

    listing = page(secretariat_client.get(reverse("admin:recommendations_importrun_changelist")))
    html = page(secretariat_client.get(reverse("admin:recommendations_importrun_change", args=[run.pk])))

    assert "uhri-export.xlsx" in listing
    assert "<tr><td>4</td><td>No document symbol</td></tr>" in html
    assert "Unknown state &lt;XX&gt;" in html
    assert 'name="_save"' not in html
    assert secretariat_client.get(reverse("admin:recommendations_importrun_add")).status_code == 403


def test_history_inspirations_and_exchanges_are_read_only_lists(secretariat_client, member):
    rec = rec_for(member)
    story = answered_by_story(rec, title="Legal aid buses")
    other_story = factories.PublishedStoryFactory(title="Their legal aid buses")
    Inspiration.objects.create(
        story=other_story, source=story, status="confirmed", decided_at=timezone.now(), note="We copied it"
    )
    Exchange.objects.create(
        from_member=other_story.member,
        to_member=member,
        story=story,
        recommendation=rec,
        message="Tell us more",
    )
    RecommendationEvent.objects.create(action="cited", story=story, recommendation=rec)

    for model, text in [
        ("recommendationevent", "recommendation cited"),
        ("inspiration", "Their legal aid buses"),
        ("exchange", "Legal aid buses"),
    ]:
        html = page(secretariat_client.get(reverse(f"admin:recommendations_{model}_changelist")))
        assert text in html, model
        add = secretariat_client.get(reverse(f"admin:recommendations_{model}_add"))
        assert add.status_code == 403, model


# ---------------------------------------------------------------------------------------------------------
# Citations


def test_the_citation_list_says_which_were_entered_by_hand(secretariat_client, member):
    rec = rec_for(member)
    picked = answered_by_story(rec, title="A story citing an imported one")
    manual_citation(factories.StoryFactory(member=member, title="A story citing by hand"), paragraph="5.5")

    html = page(secretariat_client.get(reverse("admin:recommendations_citation_changelist")))

    assert "A story citing an imported one" in html and "A story citing by hand" in html
    assert "entered by hand" in html
    assert reverse("admin:recommendations_recommendation_change", args=[rec.pk]) in html
    assert "A/HRC/38/4, para. 5.5" in html
    assert picked.pk


def test_the_match_action_calls_the_service_with_the_selected_citations(
    secretariat_client, secretariat_user, member, monkeypatch
):
    calls = []

    def citations_match(*, actor, citation_ids=None):
        calls.append((actor, sorted(citation_ids)))
        return len(citation_ids)

    if importlib.util.find_spec("recommendations.services.citations") is None:
        fake = types.ModuleType("recommendations.services.citations")
        monkeypatch.setitem(sys.modules, "recommendations.services.citations", fake)
    monkeypatch.setattr("recommendations.services.citations.citations_match", citations_match, raising=False)
    story = factories.StoryFactory(member=member)
    first, second = manual_citation(story, paragraph="1.1"), manual_citation(story, paragraph="1.2")

    response = secretariat_client.post(
        reverse("admin:recommendations_citation_changelist"),
        {"action": "match", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert calls == [(secretariat_user, [first.pk, second.pk])]
    assert "2 citations were matched to imported recommendations." in page(response)


def test_the_match_action_links_a_citation_to_the_recommendation_imported_since(secretariat_client, member):
    pytest.importorskip("recommendations.services.citations")
    story = factories.StoryFactory(member=member)
    citation = manual_citation(story, paragraph="116.40")
    rec = rec_for(member, paragraph="116.40")

    response = secretariat_client.post(
        reverse("admin:recommendations_citation_changelist"),
        {"action": "match", "_selected_action": [citation.pk]},
        follow=True,
    )

    citation.refresh_from_db()
    assert citation.recommendation == rec
    assert "1 citation was matched to an imported recommendation." in page(response)


def test_mission_staff_cannot_reach_the_recommendations_admin(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("admin:recommendations_recommendation_changelist"))

    assert response.status_code == 302  # to the admin login


# ---------------------------------------------------------------------------------------------------------
# The story's admin page


def test_the_story_admin_page_shows_its_citations_and_inspirations(secretariat_client, member):
    rec = rec_for(member)
    story = answered_by_story(rec, title="Legal aid buses")
    manual_citation(story, paragraph="8.8")
    follower = factories.PublishedStoryFactory(title="Buses copied elsewhere")
    Inspiration.objects.create(story=follower, source=story, status="confirmed", decided_at=timezone.now())
    source = factories.PublishedStoryFactory(title="The original idea")
    Inspiration.objects.create(story=story, source=source)

    html = page(secretariat_client.get(reverse("admin:stories_story_change", args=[story.pk])))

    assert "Recommendations answered" in html
    assert reverse("admin:recommendations_recommendation_change", args=[rec.pk]) in html
    assert "entered by hand" in html and "8.8" in html
    assert "Inspired by" in html and "The original idea" in html
    assert "Stories it inspired" in html and "Buses copied elsewhere" in html
    assert 'name="citations-0-symbol"' not in html  # read-only
