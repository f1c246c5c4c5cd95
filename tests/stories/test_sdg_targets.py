"""The 169 SDG targets: loaded with their official titles, chosen in the story form, shown on the story page
as links to the gallery filtered by target, and a filter of the gallery, the feed and the open data."""

import re

import pytest
from django.urls import reverse

from stories.models import SdgTarget, Story
from tests import factories
from tests.stories.test_form_flow import form_data
from tests.stories.test_views import edit_data, page, write_story

pytestmark = pytest.mark.django_db

TARGETS_PER_GOAL = {
    1: 7,
    2: 8,
    3: 13,
    4: 10,
    5: 9,
    6: 8,
    7: 5,
    8: 12,
    9: 8,
    10: 10,
    11: 10,
    12: 11,
    13: 5,
    14: 10,
    15: 12,
    16: 12,
    17: 19,
}
RULE_OF_LAW = "Promote the rule of law at the national and international levels and ensure equal access to justice for all"  # noqa: E501


def target(code: str) -> SdgTarget:
    return SdgTarget.objects.get(code=code)


# ---------------------------------------------------------------------------------------------------------
# The data


def test_the_169_targets_are_loaded_with_their_count_per_goal():
    counts = {goal: SdgTarget.objects.filter(goal=goal).count() for goal in range(1, 18)}

    assert counts == TARGETS_PER_GOAL
    assert SdgTarget.objects.count() == sum(TARGETS_PER_GOAL.values()) == 169


def test_targets_have_their_official_code_and_english_title_in_order():
    assert target("16.3").title == RULE_OF_LAW
    assert list(SdgTarget.objects.filter(goal=16).values_list("code", flat=True)) == [
        *(f"16.{n}" for n in range(1, 11)),
        "16.a",
        "16.b",
    ]
    assert SdgTarget.objects.filter(title="").count() == 0


# ---------------------------------------------------------------------------------------------------------
# The story form


def test_the_form_offers_every_target_in_one_closed_group_per_goal(staff_client):
    html = page(staff_client.get(reverse("my_stories:story_create")))

    assert html.count('name="sdg_targets"') == 169
    assert html.count('<details class="sdg-goal">') == 17  # none open: nothing chosen yet
    assert '<input type="hidden" name="sdg_targets_shown" value="1">' in html
    assert '<span class="target-code">16.3</span> <span>' + RULE_OF_LAW + "</span>" in html
    assert "Targets of SDG 16" in html  # each group is a fieldset with its legend


def test_targets_chosen_in_the_form_are_saved(staff_client, staff_user):
    data = form_data(sdg_targets=[str(target("16.3").pk), str(target("5.1").pk)])
    del data["images-0-alt_text"], data["images-0-caption"], data["images-0-credit"]
    del data["images-0-consent_confirmed"]

    response = staff_client.post(reverse("my_stories:story_create"), data)

    assert response.status_code == 302
    story = Story.objects.get(author=staff_user)
    assert [t.code for t in story.sdg_targets.all()] == ["5.1", "16.3"]


def test_chosen_targets_are_kept_on_errors_and_their_goal_is_open(staff_client):
    data = form_data(title="", sdg_targets=[str(target("16.3").pk)])

    response = staff_client.post(reverse("my_stories:story_create"), data)
    html = page(response)

    assert response.status_code == 200
    assert not Story.objects.exists()
    checked = re.search(rf'<input type="checkbox" name="sdg_targets" value="{target("16.3").pk}"[^>]*>', html)
    assert checked and "checked" in checked.group(0)
    assert html.count('<details class="sdg-goal" open>') == 1


def test_the_edit_form_shows_the_saved_targets_and_can_remove_them(staff_client, staff_user):
    story = write_story(staff_user)
    story.sdg_targets.set([target("16.3")])

    html = page(staff_client.get(reverse("my_stories:story_edit", args=[story.pk])))
    checked = re.search(rf'<input type="checkbox" name="sdg_targets" value="{target("16.3").pk}"[^>]*>', html)
    assert checked and "checked" in checked.group(0)

    staff_client.post(
        reverse("my_stories:story_edit", args=[story.pk]), edit_data(story.version, sdg_targets=[])
    )

    assert list(story.sdg_targets.all()) == []


def test_a_form_without_the_targets_section_leaves_them_as_they_are(staff_client, staff_user):
    story = write_story(staff_user)
    story.sdg_targets.set([target("16.3")])
    data = edit_data(story.version)
    del data["sdg_targets_shown"], data["sdg_targets"]

    response = staff_client.post(reverse("my_stories:story_edit", args=[story.pk]), data)

    assert response.status_code == 302
    assert [t.code for t in story.sdg_targets.all()] == ["16.3"]


def test_an_english_title_is_marked_as_english_on_a_french_page(staff_client):
    missing = target("16.3")
    missing.titles = {k: v for k, v in missing.titles.items() if k != "fr"}  # no official French text yet
    missing.save()
    translated = target("5.1")
    assert translated.titles.get("fr"), "the data file has the official French titles"

    html = page(staff_client.get(reverse("my_stories:story_create").replace("/en/", "/fr/", 1)))

    assert f'<span class="target-code">16.3</span> <span lang="en" dir="ltr">{RULE_OF_LAW}</span>' in html
    assert f'<span class="target-code">5.1</span> <span>{translated.titles["fr"]}</span>' in html


# ---------------------------------------------------------------------------------------------------------
# The story page, the gallery, the open data


def test_the_story_page_links_each_target_to_the_gallery_with_its_official_title(client):
    story = factories.PublishedStoryFactory(title="Courts for everyone")
    story.sdg_targets.set([target("16.3")])

    html = page(client.get(story.get_absolute_url()))

    gallery = reverse("stories:story_list")
    assert f'<a href="{gallery}?target=16.3" title="{RULE_OF_LAW}">Target 16.3' in html
    assert f'<span class="visually-hidden">: <span lang="en" dir="ltr">{RULE_OF_LAW}</span></span>' in html


def test_the_gallery_filters_by_target_and_offers_targets_grouped_by_goal(client):
    courts = factories.PublishedStoryFactory(title="Courts for everyone")
    courts.sdg_targets.set([target("16.3")])
    factories.PublishedStoryFactory(title="Parity in parliament").sdg_targets.set([target("5.5")])

    html = page(client.get(reverse("stories:story_list"), {"target": "16.3"}))

    assert "Courts for everyone" in html
    assert "Parity in parliament" not in html
    assert re.search(r'<optgroup label="SDG 16[^"]*">', html)
    assert '<option value="16.3" selected>16.3 Promote the rule of law' in html


def test_the_feed_and_the_api_accept_the_target_filter(client):
    factories.PublishedStoryFactory(title="Courts for everyone").sdg_targets.set([target("16.3")])
    factories.PublishedStoryFactory(title="Parity in parliament")

    feed = client.get(reverse("feeds:stories"), {"target": "16.3"}).content.decode()
    data = client.get(reverse("api:stories_json"), {"target": "16.3"}).json()

    assert "Courts for everyone" in feed and "Parity in parliament" not in feed
    assert [r["title"] for r in data["results"]] == ["Courts for everyone"]
    assert data["results"][0]["sdg_targets"] == ["16.3"]


def test_an_unknown_target_is_left_out_of_the_gallery_filter(client):
    factories.PublishedStoryFactory(title="Courts for everyone")

    html = page(client.get(reverse("stories:story_list"), {"target": "16.99"}))

    assert "Courts for everyone" in html
    assert "Some filters could not be used and were left out: SDG target." in html


# ---------------------------------------------------------------------------------------------------------
# The admin


def test_the_admin_shows_the_targets_and_lets_those_who_may_change_stories_tag_them(
    secretariat_client, client
):
    story = factories.PublishedStoryFactory(title="Courts for everyone")
    story.sdg_targets.set([target("16.3")])
    url = reverse("admin:stories_story_change", args=[story.pk])

    seen = page(secretariat_client.get(url))  # the secretariat views stories; missions own their content
    superuser = factories.SecretariatFactory(is_superuser=True)
    client.force_login(superuser)
    edited = page(client.get(url))

    assert "16.3 " in seen and 'name="sdg_targets"' not in seen
    assert 'name="sdg_targets"' in edited and "selectfilter" in edited  # filter_horizontal


def test_an_unknown_target_in_the_form_is_an_error_linked_from_the_summary(staff_client):
    response = staff_client.post(reverse("my_stories:story_create"), form_data(sdg_targets=["999999"]))
    html = page(response)

    assert response.status_code == 200
    assert not Story.objects.exists()
    assert '<a href="#id_sdg_targets">SDG targets: Select a valid choice.' in html
    assert 'id="id_sdg_targets_error"' in html
