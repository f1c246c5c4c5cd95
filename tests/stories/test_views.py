"""Story pages: mission staff's list, status page, form, preview and submission; the public page."""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import Mission
from recommendations.models import Citation
from stories import services
from stories.models import PendingUpload, Story, StoryEvent, StoryImage, Theme
from tests import factories
from tests.stories import imagefiles
from tests.stories.test_form_flow import form_data

pytestmark = pytest.mark.django_db

BODY = "Since 2019, **mobile courts** have held hearings in village halls."


# ---------------------------------------------------------------------------------------------------------
# Helpers: stories are written and moved through the workflow by the services, as the site does it.


def page(response) -> str:
    return response.content.decode()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def write_story(
    author,
    *,
    title: str = "Mobile courts reach remote villages",
    summary: str = "Judges travel to where people live.",
    body: str = BODY,
    citations: tuple[str, ...] = (),
    images=(),
) -> Story:
    """A draft written through the service; `citations` are references ("A/HRC/38/4, para. 116.23") that the
    recommendations app would have recorded on the story's own page."""
    story = Story(
        member_id=author.mission.member_id,
        language="en",
        title=title,
        summary=summary,
        body=body,
        policy_year=2019,
    )
    story = services.story_save(
        story=story,
        actor=author,
        expected_version=None,
        themes=[Theme.objects.get(slug="sdg-16")],
        images=list(images),
    )
    for order, reference in enumerate(citations):
        cite(story, reference, order=order)
    return story


def cite(story: Story, reference: str, *, order: int = 0, mechanism: str = "upr", **fields) -> Citation:
    """A citation entered by hand: "symbol, para. paragraph" or free text."""
    symbol, _sep, paragraph = reference.partition(", para. ")
    return Citation.objects.create(
        story=story, mechanism=mechanism, symbol=symbol, paragraph=paragraph, order=order, **fields
    )


def add_photos(story: Story, actor, *alt_texts: str) -> list[StoryImage]:
    """Existing photos of a story, added as the form does: uploaded, checked, then saved with the story."""
    pendings = [
        services.pending_upload_create(owner=actor, upload=imagefiles.png(name=f"photo-{i}.png"))
        for i, _alt in enumerate(alt_texts)
    ]
    current = Story.objects.get(pk=story.pk)
    services.story_save(
        story=current,
        actor=actor,
        expected_version=None,
        themes=list(current.themes.all()),
        images=[
            services.ImageData(alt_text=alt, consent_confirmed=True, order=i, pending_id=pending.pk)
            for i, (alt, pending) in enumerate(zip(alt_texts, pendings, strict=True))
        ],
    )
    return list(StoryImage.objects.filter(story=story).order_by("order", "pk"))


def publish(story: Story, *, author, moderator) -> Story:
    services.story_submit(story_id=story.pk, actor=author)
    return services.story_approve(story_id=story.pk, actor=moderator)


def edit_data(version, **overrides) -> dict:
    """The edit form as posted without a new photo."""
    data = form_data(
        **{
            "version": str(version),
            "images-0-alt_text": "",
            "images-0-caption": "",
            "images-0-credit": "",
            "images-0-order": "",
        }
    )
    del data["images-0-consent_confirmed"]
    data.update(overrides)
    return data


def version_in_form(html: str) -> str:
    match = re.search(r'<input type="hidden" name="version" value="(\d+)"', html)
    assert match, "the form carries the version the person started from"
    return match.group(1)


def article(html: str) -> str:
    match = re.search(r"<article.*?</article>", html, re.DOTALL)
    assert match, "the page has the story's article"
    return match.group(0)


# ---------------------------------------------------------------------------------------------------------
# /my/stories/: the member's list


def test_the_list_shows_the_members_stories_with_status_change_and_the_secretariats_comment(
    staff_client, staff_user, secretariat_user
):
    draft = write_story(staff_user, title="Legal aid in every district")
    sent_back = write_story(staff_user, title="Shelters for survivors of violence")
    services.story_submit(story_id=sent_back.pk, actor=staff_user)
    services.story_request_changes(
        story_id=sent_back.pk, actor=secretariat_user, comment="Please name the ministry in charge."
    )
    other_members = factories.StoryFactory(title="A story of another country")

    html = page(staff_client.get(reverse("my_stories:story_list")))

    assert f"Stories of {staff_user.mission.member.name}" in html
    assert "Legal aid in every district" in html
    assert "Shelters for survivors of violence" in html
    assert '<span class="status status-draft">Draft</span>' in html
    assert '<span class="status status-changes_requested">Changes requested</span>' in html
    assert "Please name the ministry in charge." in html
    draft.refresh_from_db()
    # <time datetime=...>, to the second, in UTC
    assert f'datetime="{draft.updated_at.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%S}Z"' in html
    assert "Stella Staff" in html  # who changed it last
    assert other_members.title not in html
    assert "Write a new story" in html


def test_the_list_shows_only_the_secretariats_latest_comment(staff_client, staff_user, secretariat_user):
    story = write_story(staff_user, title="Shelters for survivors of violence")
    for comment in ["First round: name the ministry.", "Second round: add the year."]:
        services.story_submit(story_id=story.pk, actor=staff_user)
        services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment=comment)

    html = page(staff_client.get(reverse("my_stories:story_list")))

    assert "Second round: add the year." in html
    assert "First round: name the ministry." not in html


def test_the_list_says_so_when_the_member_has_no_stories(staff_client):
    factories.StoryFactory(title="A story of another country")

    html = page(staff_client.get(reverse("my_stories:story_list")))

    assert "No stories yet. Write the first one" in html
    assert "A story of another country" not in html
    assert "<table" not in html


def test_a_coordinator_sees_the_stories_of_staff_of_the_same_member(staff_user, member):
    other_mission = factories.MissionFactory(member=member, kind=Mission.Kind.NEW_YORK)
    coordinator = factories.CoordinatorFactory(mission=other_mission)
    write_story(staff_user, title="Legal aid in every district")

    html = page(client_for(coordinator).get(reverse("my_stories:story_list")))

    assert "Legal aid in every district" in html
    assert "Stella Staff" in html


def test_the_secretariat_is_not_offered_to_write_a_story(secretariat_client, staff_user):
    write_story(staff_user, title="Legal aid in every district")

    html = page(secretariat_client.get(reverse("my_stories:story_list")))

    assert "Write a new story" not in html
    assert reverse("my_stories:story_create") not in html
    assert "Stories are written by mission staff of member countries." in html


def test_the_list_makes_as_many_queries_for_30_stories_as_for_5(
    staff_client, staff_user, secretariat_user, django_assert_max_num_queries
):
    def add_stories(count: int) -> None:
        for _ in range(count):
            story = factories.StoryFactory(
                member=staff_user.mission.member, author=staff_user, updated_by=staff_user
            )
            services.story_submit(story_id=story.pk, actor=staff_user)
            services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment="Add a photo.")

    bound = (
        7  # user, mission, count, member, stories with their latest comment, their translations; one spare
    )
    add_stories(5)
    with django_assert_max_num_queries(bound):
        html = page(staff_client.get(reverse("my_stories:story_list")))
    assert html.count("Add a photo.") == 5

    add_stories(25)
    with django_assert_max_num_queries(bound):
        html = page(staff_client.get(reverse("my_stories:story_list")))
    assert html.count("Add a photo.") == 30


# ---------------------------------------------------------------------------------------------------------
# The story's status page


def test_the_status_page_shows_status_history_with_comments_and_the_actions_allowed(
    staff_client, staff_user, secretariat_user
):
    story = write_story(staff_user)
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_request_changes(
        story_id=story.pk, actor=secretariat_user, comment="Please add the year the courts started."
    )

    html = page(staff_client.get(reverse("my_stories:story_detail", args=[story.pk])))

    assert '<span class="status status-changes_requested">Changes requested</span>' in html
    assert "Please add the year the courts started." in html
    assert "Sami Secretariat" in html and "Stella Staff" in html  # who did each step
    assert "Submitted for review" in html  # the earlier step in the history
    assert f'href="{reverse("my_stories:story_edit", args=[story.pk])}"' in html
    assert f'action="{reverse("my_stories:story_submit", args=[story.pk])}"' in html
    assert "Resubmit" in html


def test_a_submitted_story_has_no_edit_link_and_no_submit_button(staff_client, staff_user):
    story = write_story(staff_user)
    services.story_submit(story_id=story.pk, actor=staff_user)

    html = page(staff_client.get(reverse("my_stories:story_detail", args=[story.pk])))

    assert "Submitted for review" in html
    assert reverse("my_stories:story_edit", args=[story.pk]) not in html
    assert reverse("my_stories:story_submit", args=[story.pk]) not in html
    assert reverse("my_stories:story_preview", args=[story.pk]) in html


def test_an_incomplete_story_lists_what_is_missing_instead_of_a_submit_button(staff_client, staff_user):
    story = factories.StoryFactory(
        member=staff_user.mission.member, author=staff_user, summary="", policy_year=None, themes=[]
    )

    html = page(staff_client.get(reverse("my_stories:story_detail", args=[story.pk])))

    assert "Before submitting, please add:" in html
    assert "<li>a summary</li>" in html
    assert "<li>the year the policy started</li>" in html
    assert "<li>at least one theme or SDG</li>" in html
    assert "<li>the story itself</li>" not in html  # the body is there
    assert reverse("my_stories:story_submit", args=[story.pk]) not in html
    assert reverse("my_stories:story_edit", args=[story.pk]) in html
    assert "Not submitted yet." in html


# ---------------------------------------------------------------------------------------------------------
# Submitting


def test_submitting_sends_the_story_to_the_secretariat(
    staff_client, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    story = write_story(staff_user, title="Legal aid in every district")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("my_stories:story_submit", args=[story.pk]), follow=True)

    story.refresh_from_db()
    assert story.status == Story.Status.SUBMITTED
    assert story.submitted_at is not None
    assert response.redirect_chain[-1][0] == reverse("my_stories:story_detail", args=[story.pk])
    assert "Your story is submitted. The secretariat will review it." in page(response)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [settings.SECRETARIAT_EMAIL]
    assert "Legal aid in every district" in mailoutbox[0].subject


def test_submitting_an_incomplete_story_says_what_is_missing(staff_client, staff_user, mailoutbox):
    story = factories.StoryFactory(member=staff_user.mission.member, author=staff_user, themes=[])

    response = staff_client.post(reverse("my_stories:story_submit", args=[story.pk]), follow=True)

    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert "Before submitting, please add: at least one theme or SDG." in page(response)
    assert mailoutbox == []


def test_a_story_sent_back_for_changes_can_be_resubmitted(
    staff_client, staff_user, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    story = write_story(staff_user)
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment="Add a photo.")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("my_stories:story_submit", args=[story.pk]), follow=True)

    story.refresh_from_db()
    assert story.status == Story.Status.SUBMITTED
    assert "Your story is submitted." in page(response)
    assert [m.to for m in mailoutbox] == [[settings.SECRETARIAT_EMAIL]]
    assert list(story.events.values_list("to_status", flat=True)) == [
        Story.Status.SUBMITTED,
        Story.Status.CHANGES_REQUESTED,
        Story.Status.SUBMITTED,
    ]


def test_a_submitted_story_cannot_be_opened_for_editing(staff_client, staff_user):
    story = write_story(staff_user)
    services.story_submit(story_id=story.pk, actor=staff_user)

    response = staff_client.get(reverse("my_stories:story_edit", args=[story.pk]), follow=True)
    html = page(response)

    assert response.redirect_chain[-1][0] == reverse("my_stories:story_detail", args=[story.pk])
    assert "This story is submitted for review and cannot be edited now." in html
    assert 'name="title"' not in html
    assert 'enctype="multipart/form-data"' not in html


def test_posting_an_edit_of_a_submitted_story_changes_nothing(staff_client, staff_user):
    story = write_story(staff_user, title="Legal aid in every district")
    services.story_submit(story_id=story.pk, actor=staff_user)
    story.refresh_from_db()

    response = staff_client.post(
        reverse("my_stories:story_edit", args=[story.pk]),
        edit_data(story.version, title="Changed behind the secretariat's back"),
        follow=True,
    )

    after = Story.objects.get(pk=story.pk)
    assert "cannot be edited now" in page(response)
    assert after.title == "Legal aid in every district"
    assert after.version == story.version
    assert after.status == Story.Status.SUBMITTED


# ---------------------------------------------------------------------------------------------------------
# The edit form


def test_the_edit_form_shows_the_current_text_and_photos(staff_client, staff_user):
    story = write_story(
        staff_user,
        title="Legal aid in every district",
        summary="Free lawyers for people who cannot pay.",
        citations=("A/HRC/38/4, para. 116.23",),
    )
    first, second = add_photos(story, staff_user, "A lawyer meets a client", "A queue outside the office")

    html = page(staff_client.get(reverse("my_stories:story_edit", args=[story.pk])))

    assert 'value="Legal aid in every district"' in html
    assert "Free lawyers for people who cannot pay.</textarea>" in html
    assert "Since 2019, **mobile courts** have held hearings in village halls.</textarea>" in html
    assert 'value="2019"' in html
    assert "A/HRC/38/4, para. 116.23" in html  # listed, chosen on the recommendations app's own page
    assert f'name="images-0-image_id" value="{first.pk}"' in html
    assert f'name="images-1-image_id" value="{second.pk}"' in html
    assert 'value="A lawyer meets a client"' in html
    assert 'value="A queue outside the office"' in html
    assert f'<img src="{reverse("my_stories:image_original", args=[first.pk])}"' in html
    assert "Remove this photo" in html


def test_saving_the_form_changes_the_text_and_the_version(staff_client, staff_user):
    story = write_story(staff_user, title="Legal aid in every district")
    version = version_in_form(page(staff_client.get(reverse("my_stories:story_edit", args=[story.pk]))))

    response = staff_client.post(
        reverse("my_stories:story_edit", args=[story.pk]),
        edit_data(version, title="Free legal aid in every district", body="Lawyers paid by the state."),
        follow=True,
    )

    story.refresh_from_db()
    assert story.title == "Free legal aid in every district"
    assert story.body == "Lawyers paid by the state."
    assert story.version == int(version) + 1
    assert story.updated_by == staff_user
    assert "Your draft is saved." in page(response)


def test_two_people_editing_at_once_do_not_overwrite_each_other(staff_client, staff_user, coordinator):
    story = write_story(staff_user, title="Legal aid in every district")
    edit_url = reverse("my_stories:story_edit", args=[story.pk])
    coordinator_client = client_for(coordinator)
    staff_version = version_in_form(page(staff_client.get(edit_url)))
    coordinator_version = version_in_form(page(coordinator_client.get(edit_url)))

    first = staff_client.post(edit_url, edit_data(staff_version, title="Staff title for legal aid"))
    assert first.status_code == 302
    saved = Story.objects.get(pk=story.pk)

    second = coordinator_client.post(
        edit_url,
        edit_data(
            coordinator_version,
            title="Coordinator title for legal aid",
            body="Coordinator body: lawyers in every court house.",
        ),
    )
    html = page(second)

    assert second.status_code == 409
    assert "Someone else saved this story while you were editing" in html
    changed_at = timezone.localtime(saved.updated_at).strftime("%Y-%m-%d %H:%M %Z")
    assert f"Stella Staff changed this story at {changed_at}, after you opened it." in html
    assert 'value="Coordinator title for legal aid"' in html  # what they typed is still in the form
    assert "Coordinator body: lawyers in every court house.</textarea>" in html
    assert "Their version" in html
    assert "<h3>Staff title for legal aid</h3>" in html
    after_conflict = Story.objects.get(pk=story.pk)
    assert after_conflict.title == "Staff title for legal aid"
    assert after_conflict.version == saved.version
    assert after_conflict.updated_by == staff_user

    # Saving again from that page replaces the other version, on purpose.
    third = coordinator_client.post(
        edit_url,
        edit_data(
            version_in_form(html),
            title="Coordinator title for legal aid",
            body="Coordinator body: lawyers in every court house.",
        ),
    )

    assert third.status_code == 302
    final = Story.objects.get(pk=story.pk)
    assert final.title == "Coordinator title for legal aid"
    assert final.version == saved.version + 1
    assert final.updated_by == coordinator


def test_photos_are_removed_and_reordered_through_the_form(staff_client, staff_user):
    story = write_story(staff_user)
    first, second, third = add_photos(story, staff_user, "First photo", "Second photo", "Third photo")
    story.refresh_from_db()
    data = edit_data(
        story.version,
        **{
            "images-TOTAL_FORMS": "4",
            "images-INITIAL_FORMS": "3",
            "images-0-image_id": str(first.pk),
            "images-0-alt_text": "First photo",
            "images-0-consent_confirmed": "on",
            "images-0-order": "0",
            "images-0-DELETE": "on",
            "images-1-image_id": str(second.pk),
            "images-1-alt_text": "Second photo",
            "images-1-consent_confirmed": "on",
            "images-1-order": "2",
            "images-2-image_id": str(third.pk),
            "images-2-alt_text": "Third photo, better described",
            "images-2-consent_confirmed": "on",
            "images-2-order": "1",
        },
    )

    response = staff_client.post(reverse("my_stories:story_edit", args=[story.pk]), data)

    assert response.status_code == 302
    assert list(story.images.order_by("order").values_list("alt_text", flat=True)) == [
        "Third photo, better described",
        "Second photo",
    ]
    assert not StoryImage.objects.filter(pk=first.pk).exists()
    html = page(staff_client.get(reverse("my_stories:story_edit", args=[story.pk])))
    assert html.index("Third photo, better described") < html.index('value="Second photo"')
    assert "First photo" not in html


def test_a_new_photo_without_alt_text_is_refused_next_to_the_field_and_kept(staff_client, staff_user):
    story = write_story(staff_user)
    data = edit_data(
        story.version,
        **{
            "images-0-file": imagefiles.png(),
            "images-0-alt_text": "",
            "images-0-consent_confirmed": "on",
            "images-0-caption": "Hearing in a village hall",
        },
    )

    response = staff_client.post(reverse("my_stories:story_edit", args=[story.pk]), data)
    html = page(response)

    assert response.status_code == 200
    assert (
        '<ul class="field-errors" id="id_images-0-alt_text_error">'
        "<li>Describe the photo for people who cannot see it.</li>" in html
    )
    pending = PendingUpload.objects.get(owner=staff_user)
    assert f'name="images-0-pending_id" value="{pending.pk}"' in html
    assert "kept; no need to choose it again" in html
    assert 'value="Hearing in a village hall"' in html
    assert not story.images.exists()
    assert Story.objects.get(pk=story.pk).version == story.version


def test_a_new_photo_without_consent_is_refused_next_to_the_field(staff_client, staff_user):
    story = write_story(staff_user)
    data = edit_data(
        story.version,
        **{"images-0-file": imagefiles.png(), "images-0-alt_text": "A hearing in a village hall"},
    )

    response = staff_client.post(reverse("my_stories:story_edit", args=[story.pk]), data)
    html = page(response)

    assert response.status_code == 200
    assert (
        '<ul class="field-errors" id="id_images-0-consent_confirmed_error">'
        "<li>Photos can only be published with the consent of the people in them.</li>" in html
    )
    assert 'value="A hearing in a village hall"' in html
    assert not story.images.exists()


# ---------------------------------------------------------------------------------------------------------
# Preview


def test_the_preview_is_the_public_page_marked_and_kept_out_of_search_engines(
    client, staff_user, secretariat_user
):
    story = write_story(
        staff_user,
        citations=("A/HRC/38/4, para. 116.23",),
    )
    publish(story, author=staff_user, moderator=secretariat_user)
    public = page(Client().get(reverse("stories:story_detail", args=[story.slug])))

    preview = page(client_for(staff_user).get(reverse("my_stories:story_preview", args=[story.pk])))

    assert article(preview) == article(public)
    assert '<h1 lang="en" dir="ltr">Mobile courts reach remote villages</h1>' in preview
    assert "Judges travel to where people live." in preview
    assert "<strong>mobile courts</strong>" in preview
    assert "<strong>Preview</strong>" in preview
    assert '<meta name="robots" content="noindex' in preview
    assert "<strong>Preview</strong>" not in public
    assert '<meta name="robots"' not in public


def test_the_preview_of_a_draft_shows_the_text(staff_client, staff_user):
    story = write_story(staff_user)

    html = page(staff_client.get(reverse("my_stories:story_preview", args=[story.pk])))

    assert '<h1 lang="en" dir="ltr">Mobile courts reach remote villages</h1>' in html
    assert "<strong>mobile courts</strong>" in html
    assert "<strong>Preview</strong>" in html
    assert '<meta name="robots" content="noindex' in html


def test_the_preview_of_another_members_story_is_not_found(staff_client):
    other = factories.StoryFactory(title="A story of another country")

    response = staff_client.get(reverse("my_stories:story_preview", args=[other.pk]))

    assert response.status_code == 404
    assert "A story of another country" not in page(response)


# ---------------------------------------------------------------------------------------------------------
# The public story page


def test_a_published_story_is_public(staff_user, secretariat_user):
    story = write_story(
        staff_user,
        citations=("A/HRC/38/4, para. 116.23",),
    )
    publish(story, author=staff_user, moderator=secretariat_user)

    response = Client().get(f"/en/stories/{story.slug}/")
    html = page(response)

    assert response.status_code == 200
    assert '<h1 lang="en" dir="ltr">Mobile courts reach remote villages</h1>' in html
    assert staff_user.mission.member.name in html
    assert "SDG 16: Peace, Justice and Strong Institutions" in html
    assert "<strong>mobile courts</strong>" in html
    assert "**" not in html
    assert "Universal Periodic Review" in html and "A/HRC/38/4, para. 116.23" in html
    assert "Not published" not in html


def test_a_withdrawn_story_answers_410_with_a_notice_and_without_its_text(staff_user, secretariat_user):
    story = write_story(staff_user)
    publish(story, author=staff_user, moderator=secretariat_user)
    services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="Facts disputed.")

    response = Client().get(reverse("stories:story_detail", args=[story.slug]))
    html = page(response)

    assert response.status_code == 410
    assert "This story has been withdrawn" in html
    assert "withdrawn" in html
    assert "village halls" not in html
    assert "Judges travel to where people live." not in html
    assert "Facts disputed." not in html


def test_a_withdrawn_story_answers_410_even_for_the_secretariat(
    secretariat_client, staff_user, secretariat_user
):
    story = write_story(staff_user)
    publish(story, author=staff_user, moderator=secretariat_user)
    services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="Facts disputed.")

    response = secretariat_client.get(reverse("stories:story_detail", args=[story.slug]))

    assert response.status_code == 410
    assert "This story has been withdrawn" in page(response)
    assert "village halls" not in page(response)


def _story_in(status: str, author, moderator) -> Story:
    story = write_story(author)
    if status in ("submitted", "rejected"):
        services.story_submit(story_id=story.pk, actor=author)
    if status == "rejected":
        services.story_reject(story_id=story.pk, actor=moderator, comment="Not a human-rights policy.")
    story.refresh_from_db()
    assert story.status == status
    return story


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected"])
def test_an_unpublished_story_is_not_found_by_the_public_or_other_members(
    status, staff_user, secretariat_user
):
    story = _story_in(status, staff_user, secretariat_user)
    url = reverse("stories:story_detail", args=[story.slug])
    other_staff = factories.UserFactory()

    for client in (Client(), client_for(other_staff)):
        response = client.get(url)
        assert response.status_code == 404
        assert "Mobile courts reach remote villages" not in page(response)
        assert "village halls" not in page(response)


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected"])
def test_an_unpublished_story_is_shown_marked_to_its_members_people_and_the_secretariat(
    status, staff_user, coordinator, secretariat_user
):
    story = _story_in(status, staff_user, secretariat_user)
    url = reverse("stories:story_detail", args=[story.slug])

    for user in (staff_user, coordinator, secretariat_user):
        response = client_for(user).get(url)
        html = page(response)
        assert response.status_code == 200
        assert f"Not published ({story.get_status_display()})" in html
        assert "<strong>mobile courts</strong>" in html
        assert '<meta name="robots" content="noindex' in html


# ---------------------------------------------------------------------------------------------------------
# Nothing a mission types runs in a reader's browser

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def assert_inert(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x onerror=alert(1)>" not in html
    assert 'href="javascript:' not in html
    assert "<script>" not in html.split("</head>")[1]


def test_script_and_event_handlers_typed_into_a_story_never_run(
    staff_client, staff_user, secretariat_user, django_capture_on_commit_callbacks
):
    data = form_data(
        **{
            "title": f"{SCRIPT} Mobile courts",
            "summary": f"{IMG} Judges travel.",
            "body": f"Hearings {SCRIPT} {IMG} [click me](javascript:alert(1)) "
            '<a href="javascript:alert(1)">and me</a> in **village halls**.',
            "images-0-file": imagefiles.png(),
            "images-0-alt_text": IMG,
            "images-0-caption": SCRIPT,
            "images-0-credit": IMG,
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("my_stories:story_create"), data)
    assert response.status_code == 302
    story = Story.objects.get(author=staff_user)
    Citation.objects.create(story=story, mechanism="upr", note=SCRIPT, url="https://example.org/?q=<script>")
    publish(story, author=staff_user, moderator=secretariat_user)
    assert story.images.get().renditions  # the <img> with the alt text is on the page

    pages = {
        "public": Client().get(reverse("stories:story_detail", args=[story.slug])),
        "preview": staff_client.get(reverse("my_stories:story_preview", args=[story.pk])),
        "status": staff_client.get(reverse("my_stories:story_detail", args=[story.pk])),
        "my list": staff_client.get(reverse("my_stories:story_list")),
    }

    for name, response in pages.items():
        html = page(response)
        assert response.status_code == 200, name
        assert_inert(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Mobile courts" in html, name
    public = page(pages["public"])
    assert "<strong>village halls</strong>" in public
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in public  # alt text, caption, credit: as text
    assert "click me" in public


def test_a_javascript_link_is_refused_by_the_form(staff_client):
    data = form_data(video_url="javascript:alert(1)")
    del data["images-0-alt_text"], data["images-0-caption"], data["images-0-credit"]

    response = staff_client.post(reverse("my_stories:story_create"), data)
    html = page(response)

    assert response.status_code == 200
    assert 'id="id_video_url_error"><li>Enter a valid URL.</li>' in html
    assert not Story.objects.exists()
    assert not StoryEvent.objects.exists()
