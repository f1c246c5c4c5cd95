"""The review queue in the admin: order, filters, read-only content, and the workflow actions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from stories import services
from stories.models import Story, StoryEvent, Theme
from tests import factories
from tests.stories.test_views import add_photos, page, publish, write_story

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:stories_story_changelist"


def run_action(client, action: str, stories, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(story.pk) for story in stories], **data},
        follow=True,
    )


def submitted_story(author, title: str = "Legal aid in every district") -> Story:
    story = write_story(author, title=title)
    return services.story_submit(story_id=story.pk, actor=author)


def in_order(html: str, *titles: str) -> bool:
    positions = [html.index(title) for title in titles]
    return positions == sorted(positions)


# ---------------------------------------------------------------------------------------------------------
# The queue


def test_the_queue_lists_submitted_stories_first_oldest_submission_first(
    secretariat_client, staff_user, secretariat_user
):
    published = write_story(staff_user, title="Already published story")
    publish(published, author=staff_user, moderator=secretariat_user)
    submitted_story(staff_user, title="Submitted first story")
    submitted_story(staff_user, title="Submitted second story")
    write_story(staff_user, title="A recent draft story")

    html = page(secretariat_client.get(reverse(CHANGELIST)))

    assert in_order(html, "Submitted first story", "Submitted second story", "A recent draft story")
    assert in_order(html, "Submitted second story", "Already published story")


def test_the_queue_filters_by_status_and_by_member(secretariat_client, staff_user):
    submitted_story(staff_user, title="Submitted story of ours")
    write_story(staff_user, title="Draft story of ours")
    other_staff = factories.UserFactory()
    other = submitted_story(other_staff, title="Submitted story of theirs")

    by_status = page(secretariat_client.get(reverse(CHANGELIST), {"status__exact": "submitted"}))
    by_member = page(secretariat_client.get(reverse(CHANGELIST), {"member__id__exact": other.member_id}))

    assert "Submitted story of ours" in by_status and "Submitted story of theirs" in by_status
    assert "Draft story of ours" not in by_status
    assert "Submitted story of theirs" in by_member
    assert "Submitted story of ours" not in by_member and "Draft story of ours" not in by_member


def test_the_change_page_is_read_only_with_history_photos_and_a_preview_link(
    secretariat_client, staff_user, secretariat_user
):
    story = write_story(staff_user)
    (image,) = add_photos(story, staff_user, "A judge hears a case in a village hall")
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment="Name the ministry.")
    services.story_submit(story_id=story.pk, actor=staff_user)

    html = page(secretariat_client.get(reverse("admin:stories_story_change", args=[story.pk])))

    assert '<select name="status"' not in html
    assert 'name="title"' not in html and 'name="body"' not in html
    assert "Submitted for review" in html
    assert "History" in html
    assert "Name the ministry." in html
    assert "Changes requested" in html
    assert f'<img src="{reverse("my_stories:image_original", args=[image.pk])}"' in html
    assert 'alt="A judge hears a case in a village hall"' in html
    assert f'href="{reverse("my_stories:story_preview", args=[story.pk])}"' in html
    assert "Open the preview" in html


# ---------------------------------------------------------------------------------------------------------
# Actions

ACTIONS = [
    # action, the intermediate form's title, data to apply, status after, mail to the author
    ("request_changes", "Request changes", {"comment": "Name the ministry."}, "changes_requested", True),
    ("approve", "Approve and publish now", {"comment": "Thank you."}, "published", True),
    ("reject", "Reject", {"comment": "Not a human-rights policy."}, "rejected", True),
    ("withdraw", "Withdraw", {"comment": "Facts disputed."}, "withdrawn", True),
    ("schedule", "Approve and publish at a set time", {"comment": "For the meeting."}, "scheduled", False),
]


@pytest.mark.parametrize(("action", "title", "data", "status", "mailed"), ACTIONS)
def test_each_action_asks_then_calls_the_workflow(
    action,
    title,
    data,
    status,
    mailed,
    secretariat_client,
    secretariat_user,
    staff_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    story = submitted_story(staff_user)
    if action == "withdraw":
        services.story_approve(story_id=story.pk, actor=secretariat_user)
    before = Story.objects.get(pk=story.pk).status
    mailoutbox.clear()
    data = dict(data)
    publish_at = timezone.now() + datetime.timedelta(days=3)
    if action == "schedule":
        data["publish_at"] = timezone.localtime(publish_at).strftime("%Y-%m-%dT%H:%M")

    form = run_action(secretariat_client, action, [story])
    html = page(form)

    assert form.status_code == 200
    assert f"<title>{title} |" in html
    assert "Legal aid in every district" in html
    assert 'name="apply"' in html
    assert Story.objects.get(pk=story.pk).status == before  # asking changes nothing yet

    with django_capture_on_commit_callbacks(execute=True):
        done = run_action(secretariat_client, action, [story], apply="1", **data)

    story.refresh_from_db()
    event = story.events.first()
    assert story.status == status
    assert event.to_status == status and event.actor == secretariat_user
    assert event.comment == data["comment"]
    assert "1 story: done." in page(done)
    if action == "schedule":
        assert story.scheduled_for.replace(second=0, microsecond=0) == publish_at.replace(
            second=0, microsecond=0
        )
    if action == "approve":
        assert story.published_at is not None
    if mailed:
        assert [m.to for m in mailoutbox] == [[staff_user.email]]
        assert data["comment"] in mailoutbox[0].body


@pytest.mark.parametrize("action", ["request_changes", "reject", "withdraw"])
def test_an_action_that_needs_a_comment_refuses_to_go_on_without_one(
    action, secretariat_client, secretariat_user, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    story = submitted_story(staff_user)
    if action == "withdraw":
        services.story_approve(story_id=story.pk, actor=secretariat_user)
    before = Story.objects.get(pk=story.pk)
    events = StoryEvent.objects.count()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(secretariat_client, action, [story], apply="1", comment="")
    html = page(response)

    assert response.status_code == 200
    assert "This field is required." in html
    assert 'name="apply"' in html  # the form again
    assert Story.objects.get(pk=story.pk).status == before.status
    assert StoryEvent.objects.count() == events
    assert mailoutbox == []


def test_approving_a_draft_is_refused_with_a_message(secretariat_client, staff_user, mailoutbox):
    story = write_story(staff_user, title="Draft story of ours")

    response = run_action(secretariat_client, "approve", [story], apply="1", comment="")
    html = page(response)

    assert "“Draft story of ours”: This story is draft; it cannot be approved." in html
    assert "done." not in html
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert story.published_at is None
    assert not story.events.exists()
    assert mailoutbox == []


def test_scheduling_in_the_past_is_refused(secretariat_client, staff_user):
    story = submitted_story(staff_user)
    past = timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    response = run_action(secretariat_client, "schedule", [story], apply="1", publish_at=past, comment="")
    html = page(response)

    assert "Choose a time in the future." in html
    story.refresh_from_db()
    assert story.status == Story.Status.SUBMITTED
    assert story.scheduled_for is None


def test_an_action_on_several_stories_reports_each_refusal(secretariat_client, staff_user):
    ready = submitted_story(staff_user, title="Submitted story of ours")
    draft = write_story(staff_user, title="Draft story of ours")

    html = page(run_action(secretariat_client, "approve", [ready, draft], apply="1", comment=""))

    assert "1 story: done." in html
    assert "“Draft story of ours”: This story is draft; it cannot be approved." in html
    assert Story.objects.get(pk=ready.pk).status == Story.Status.PUBLISHED
    assert Story.objects.get(pk=draft.pk).status == Story.Status.DRAFT


# ---------------------------------------------------------------------------------------------------------
# Who gets in, and what the admin does not offer


def test_mission_staff_cannot_reach_the_story_admin(staff_client, staff_user):
    story = submitted_story(staff_user)

    for url in (reverse(CHANGELIST), reverse("admin:stories_story_change", args=[story.pk])):
        response = staff_client.get(url, follow=True)
        assert response.status_code == 403
        assert "Legal aid in every district" not in page(response)

    response = run_action(staff_client, "approve", [story], apply="1", comment="")
    assert response.status_code == 403
    assert Story.objects.get(pk=story.pk).status == Story.Status.SUBMITTED


def test_stories_are_neither_added_nor_deleted_in_the_admin(secretariat_client, staff_user):
    story = submitted_story(staff_user)

    html = page(secretariat_client.get(reverse(CHANGELIST)))

    assert "Legal aid in every district" in html
    assert "Add story" not in html
    assert reverse("admin:stories_story_add") not in html
    assert 'value="delete_selected"' not in html
    assert secretariat_client.get(reverse("admin:stories_story_add")).status_code == 403
    assert secretariat_client.get(reverse("admin:stories_story_delete", args=[story.pk])).status_code == 403
    change = page(secretariat_client.get(reverse("admin:stories_story_change", args=[story.pk])))
    assert reverse("admin:stories_story_delete", args=[story.pk]) not in change
    assert Story.objects.filter(pk=story.pk).exists()


def test_what_missions_type_is_shown_as_text_in_the_admin(secretariat_client, staff_user):
    story = submitted_story(staff_user, title="<script>alert(1)</script> Mobile courts")

    for url in (reverse(CHANGELIST), reverse("admin:stories_story_change", args=[story.pk])):
        html = page(secretariat_client.get(url))
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Mobile courts" in html


# ---------------------------------------------------------------------------------------------------------
# Themes


def test_the_secretariat_renames_a_theme_but_cannot_change_its_code(secretariat_client):
    theme = Theme.objects.get(code="gender-equality")
    url = reverse("admin:stories_theme_change", args=[theme.pk])
    form = secretariat_client.get(url).content.decode()
    assert 'name="code"' not in form  # shown, not editable
    assert "gender-equality" in form

    response = secretariat_client.post(
        url,
        {
            "name": "Gender equality and the empowerment of women",
            "order": "2",
            "code": "something-else",
            "language": "en",
            "description": "",
            "translations-TOTAL_FORMS": "0",
            "translations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.name == "Gender equality and the empowerment of women"
    assert theme.code == "gender-equality"
    with translation.override("fr"):
        assert theme.label == "Égalité des sexes"
