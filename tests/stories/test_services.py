"""The stories services: content saving, the publishing workflow, notifications and image renditions."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from recommendations.models import Citation
from stories import services, tasks
from stories.models import PendingUpload, SdgTarget, Story, StoryEvent, StoryImage, Theme
from tests import factories
from tests.stories import imagefiles

pytestmark = pytest.mark.django_db

S = Story.Status
ALL_STATUSES = list(S.values)
COMMENT = "Please name the ministry that runs the courts."

# What DESIGN.md says, written out by hand so that the table in Story.TRANSITIONS is checked, not copied.
ALLOWED = {
    "submit": {S.DRAFT, S.CHANGES_REQUESTED},
    "request_changes": {S.SUBMITTED, S.SCHEDULED},
    "approve": {S.SUBMITTED, S.SCHEDULED},
    "schedule": {S.SUBMITTED, S.SCHEDULED},
    "reject": {S.SUBMITTED, S.SCHEDULED},
    "withdraw": {S.PUBLISHED, S.SCHEDULED},
    "publish_scheduled": {S.SCHEDULED},
}
TARGET = {
    "submit": S.SUBMITTED,
    "request_changes": S.CHANGES_REQUESTED,
    "approve": S.PUBLISHED,
    "schedule": S.SCHEDULED,
    "reject": S.REJECTED,
    "withdraw": S.WITHDRAWN,
    "publish_scheduled": S.PUBLISHED,
}
ALLOWED_CASES = [(action, source) for action, sources in ALLOWED.items() for source in sorted(sources)]
FORBIDDEN_CASES = [
    (action, source)
    for action, sources in ALLOWED.items()
    for source in ALL_STATUSES
    if source not in sources and action != "publish_scheduled"
]
MODERATION_ACTIONS = ["request_changes", "approve", "schedule", "reject", "withdraw"]


def error_codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {item.code for items in error.error_dict.values() for item in items}
    return {item.code for item in error.error_list}


def story_in(status: str, *, author, publish_due: bool = False, **fields) -> Story:
    """A complete story of the author's member, in `status`, with the timestamps that status implies."""
    now = timezone.now()
    values = {"status": status}
    if status != S.DRAFT:
        values["submitted_at"] = now - datetime.timedelta(days=3)
    if status in (S.PUBLISHED, S.WITHDRAWN):
        values["published_at"] = now - datetime.timedelta(days=1)
    if status == S.SCHEDULED:
        values["scheduled_for"] = now + datetime.timedelta(days=-1 if publish_due else 1)
    values.update(fields)
    return factories.StoryFactory(member=author.mission.member, author=author, **values)


def perform(action: str, story: Story, *, author, moderator, comment: str = COMMENT, publish_at=None):
    """Run `action` on the story through its public service, as the person who would do it."""
    if action == "submit":
        return services.story_submit(story_id=story.pk, actor=author)
    if action == "request_changes":
        return services.story_request_changes(story_id=story.pk, actor=moderator, comment=comment)
    if action == "approve":
        return services.story_approve(story_id=story.pk, actor=moderator, comment=comment)
    if action == "schedule":
        publish_at = publish_at or timezone.now() + datetime.timedelta(days=7)
        return services.story_schedule(
            story_id=story.pk, actor=moderator, publish_at=publish_at, comment=comment
        )
    if action == "reject":
        return services.story_reject(story_id=story.pk, actor=moderator, comment=comment)
    if action == "withdraw":
        return services.story_withdraw(story_id=story.pk, actor=moderator, reason=comment)
    if action == "publish_scheduled":
        return services.stories_publish_due()
    raise AssertionError(action)


def test_the_transition_table_is_the_documented_one():
    assert {action: set(sources) for action, (sources, _target) in Story.TRANSITIONS.items()} == ALLOWED
    assert {action: target for action, (_sources, target) in Story.TRANSITIONS.items()} == TARGET


# ---------------------------------------------------------------------------------------------------------
# Allowed transitions


@pytest.mark.parametrize(("action", "source"), ALLOWED_CASES)
def test_allowed_transition(action, source, staff_user, secretariat_user):
    story = story_in(source, author=staff_user, publish_due=action == "publish_scheduled")
    before = Story.objects.get(pk=story.pk)
    publish_at = (timezone.now() + datetime.timedelta(days=7)).replace(microsecond=0)
    started = timezone.now()

    perform(action, story, author=staff_user, moderator=secretariat_user, publish_at=publish_at)

    finished = timezone.now()
    story.refresh_from_db()
    assert story.status == TARGET[action]

    event = StoryEvent.objects.get(story=story)
    assert event.action == action
    assert (event.from_status, event.to_status) == (source, TARGET[action])
    assert started <= event.created_at <= finished
    assert event.notified_at is None  # mail goes after commit, which this test does not reach
    expected_actor = {"submit": staff_user, "publish_scheduled": None}.get(action, secretariat_user)
    assert event.actor == expected_actor
    assert event.comment == ("" if action in ("submit", "publish_scheduled") else COMMENT)

    if action == "submit":
        assert started <= story.submitted_at <= finished
    else:
        assert story.submitted_at == before.submitted_at
    if TARGET[action] == S.PUBLISHED:
        assert started <= story.published_at <= finished
    else:
        assert story.published_at == before.published_at
    if action == "schedule":
        assert story.scheduled_for == publish_at
    else:
        assert story.scheduled_for is None


def test_withdrawing_a_published_story_keeps_when_it_was_published(staff_user, secretariat_user):
    story = story_in(S.PUBLISHED, author=staff_user)
    published_at = story.published_at

    services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="Outdated figures.")

    story.refresh_from_db()
    assert story.status == S.WITHDRAWN
    assert story.published_at == published_at


def test_a_story_goes_through_the_whole_workflow(staff_user, secretariat_user):
    story = story_in(S.DRAFT, author=staff_user)

    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment="Add a source.")
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_schedule(
        story_id=story.pk, actor=secretariat_user, publish_at=timezone.now() + datetime.timedelta(hours=1)
    )
    # An hour passes.
    Story.objects.filter(pk=story.pk).update(scheduled_for=timezone.now() - datetime.timedelta(seconds=1))
    assert services.stories_publish_due() == [story.pk]
    services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="The law was repealed.")

    history = list(story.events.order_by("pk").values_list("action", "from_status", "to_status"))
    assert history == [
        ("submit", S.DRAFT, S.SUBMITTED),
        ("request_changes", S.SUBMITTED, S.CHANGES_REQUESTED),
        ("submit", S.CHANGES_REQUESTED, S.SUBMITTED),
        ("schedule", S.SUBMITTED, S.SCHEDULED),
        ("publish_scheduled", S.SCHEDULED, S.PUBLISHED),
        ("withdraw", S.PUBLISHED, S.WITHDRAWN),
    ]


# ---------------------------------------------------------------------------------------------------------
# Forbidden transitions


@pytest.mark.parametrize(("action", "source"), FORBIDDEN_CASES)
def test_forbidden_transition_is_refused_and_changes_nothing(action, source, staff_user, secretariat_user):
    story = story_in(source, author=staff_user)
    before = Story.objects.get(pk=story.pk)

    with pytest.raises(ValidationError) as error:
        perform(action, story, author=staff_user, moderator=secretariat_user)

    assert error_codes(error.value) == {"invalid_transition"}
    after = Story.objects.get(pk=story.pk)
    assert (after.status, after.submitted_at, after.published_at, after.scheduled_for) == (
        before.status,
        before.submitted_at,
        before.published_at,
        before.scheduled_for,
    )
    assert StoryEvent.objects.count() == 0


@pytest.mark.parametrize("source", [status for status in ALL_STATUSES if status != S.SCHEDULED])
def test_only_scheduled_stories_are_published_by_the_beat(source, staff_user):
    # publish_scheduled has no other entry point: stories_publish_due must leave every other status alone,
    # even with a publication time in the past.
    past = timezone.now() - datetime.timedelta(hours=1)
    story = story_in(source, author=staff_user, scheduled_for=past)

    assert services.stories_publish_due() == []

    story.refresh_from_db()
    assert story.status == source
    assert StoryEvent.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------
# Who may do what


@pytest.mark.parametrize("action", MODERATION_ACTIONS)
@pytest.mark.parametrize("who", ["staff", "coordinator"])
def test_mission_people_cannot_moderate(action, who, staff_user, coordinator):
    source = S.PUBLISHED if action == "withdraw" else S.SUBMITTED
    story = story_in(source, author=staff_user)
    actor = staff_user if who == "staff" else coordinator

    with pytest.raises(PermissionDenied):
        perform(action, story, author=staff_user, moderator=actor)

    story.refresh_from_db()
    assert story.status == source
    assert StoryEvent.objects.count() == 0


@pytest.mark.parametrize("action", MODERATION_ACTIONS)
def test_an_inactive_secretariat_account_cannot_moderate(action, staff_user):
    inactive = factories.SecretariatFactory(is_active=False)
    source = S.PUBLISHED if action == "withdraw" else S.SUBMITTED
    story = story_in(source, author=staff_user)

    with pytest.raises(PermissionDenied):
        perform(action, story, author=staff_user, moderator=inactive)

    story.refresh_from_db()
    assert story.status == source
    assert StoryEvent.objects.count() == 0


def test_the_secretariat_cannot_submit(story, secretariat_user):
    with pytest.raises(PermissionDenied):
        services.story_submit(story_id=story.pk, actor=secretariat_user)

    story.refresh_from_db()
    assert story.status == S.DRAFT
    assert not story.events.exists()


def test_a_coordinator_submits_their_own_members_story(story, coordinator):
    services.story_submit(story_id=story.pk, actor=coordinator)

    story.refresh_from_db()
    assert story.status == S.SUBMITTED
    assert story.events.get().actor == coordinator


def test_staff_of_another_member_cannot_submit(story):
    stranger = factories.UserFactory()

    with pytest.raises(PermissionDenied):
        services.story_submit(story_id=story.pk, actor=stranger)

    story.refresh_from_db()
    assert story.status == S.DRAFT
    assert not story.events.exists()


def test_an_inactive_user_cannot_submit(story, staff_user):
    staff_user.is_active = False
    staff_user.save()

    with pytest.raises(PermissionDenied):
        services.story_submit(story_id=story.pk, actor=staff_user)

    story.refresh_from_db()
    assert story.status == S.DRAFT


# ---------------------------------------------------------------------------------------------------------
# Comments, times and completeness


@pytest.mark.parametrize("action", ["request_changes", "reject", "withdraw"])
@pytest.mark.parametrize("comment", ["", "   ", " \n\t "])
def test_a_comment_is_required(action, comment, staff_user, secretariat_user):
    source = S.PUBLISHED if action == "withdraw" else S.SUBMITTED
    story = story_in(source, author=staff_user)

    with pytest.raises(ValidationError) as error:
        perform(action, story, author=staff_user, moderator=secretariat_user, comment=comment)

    assert error_codes(error.value) == {"comment_required"}
    story.refresh_from_db()
    assert story.status == source
    assert StoryEvent.objects.count() == 0


def test_the_comment_is_stored_without_surrounding_blanks(story, staff_user, secretariat_user):
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_reject(story_id=story.pk, actor=secretariat_user, comment="  Not a human-rights policy.\n")

    assert story.events.latest().comment == "Not a human-rights policy."


@pytest.mark.parametrize("delta", [datetime.timedelta(0), datetime.timedelta(minutes=-5)])
def test_scheduling_in_the_past_is_refused(delta, staff_user, secretariat_user):
    story = story_in(S.SUBMITTED, author=staff_user)

    with pytest.raises(ValidationError) as error:
        services.story_schedule(story_id=story.pk, actor=secretariat_user, publish_at=timezone.now() + delta)

    assert error_codes(error.value) == {"publish_at_past"}
    story.refresh_from_db()
    assert story.status == S.SUBMITTED
    assert story.scheduled_for is None
    assert StoryEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("missing_field", "value", "named"),
    [
        ("summary", "", "a summary"),
        ("summary", "   ", "a summary"),
        ("body", "", "the story itself"),
        ("policy_year", None, "the year the policy started"),
        ("themes", [], "at least one theme or SDG"),
    ],
)
def test_an_incomplete_story_cannot_be_submitted(missing_field, value, named, staff_user):
    story = story_in(S.DRAFT, author=staff_user, **{missing_field: value})

    with pytest.raises(ValidationError) as error:
        services.story_submit(story_id=story.pk, actor=staff_user)

    assert error_codes(error.value) == {"incomplete"}
    assert named in error.value.messages[0]
    story.refresh_from_db()
    assert story.status == S.DRAFT
    assert not story.events.exists()


def test_an_empty_story_names_everything_it_lacks(staff_user):
    story = story_in(S.DRAFT, author=staff_user, summary="", body="", policy_year=None, themes=[])

    with pytest.raises(ValidationError) as error:
        services.story_submit(story_id=story.pk, actor=staff_user)

    message = error.value.messages[0]
    assert "a summary" in message
    assert "the story itself" in message
    assert "the year the policy started" in message
    assert "at least one theme or SDG" in message


# ---------------------------------------------------------------------------------------------------------
# Publishing scheduled stories


def test_only_due_scheduled_stories_are_published_once(staff_user):
    due = story_in(S.SCHEDULED, author=staff_user, publish_due=True)
    later = story_in(S.SCHEDULED, author=staff_user)

    assert services.stories_publish_due() == [due.pk]
    assert services.stories_publish_due() == []

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == S.PUBLISHED
    assert later.status == S.SCHEDULED
    assert StoryEvent.objects.filter(story=due).count() == 1
    assert not StoryEvent.objects.filter(story=later).exists()


def test_publish_due_uses_the_time_it_is_given(staff_user):
    story = story_in(S.SCHEDULED, author=staff_user)  # due tomorrow

    assert services.stories_publish_due(now=timezone.now()) == []
    assert services.stories_publish_due(now=timezone.now() + datetime.timedelta(days=2)) == [story.pk]


def test_a_story_rescheduled_into_the_future_is_not_published(staff_user, secretariat_user):
    story = story_in(S.SCHEDULED, author=staff_user, publish_due=True)
    next_week = timezone.now() + datetime.timedelta(days=7)
    services.story_schedule(story_id=story.pk, actor=secretariat_user, publish_at=next_week)

    assert services.stories_publish_due() == []

    story.refresh_from_db()
    assert story.status == S.SCHEDULED
    assert story.scheduled_for == next_week
    assert story.published_at is None


def test_a_withdrawn_scheduled_story_is_not_published(staff_user, secretariat_user):
    story = story_in(S.SCHEDULED, author=staff_user, publish_due=True)
    services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="The minister asked us to.")

    assert services.stories_publish_due() == []

    story.refresh_from_db()
    assert story.status == S.WITHDRAWN
    assert story.published_at is None
    assert list(story.events.values_list("action", flat=True)) == ["withdraw"]


# ---------------------------------------------------------------------------------------------------------
# Saving content


def new_story(user, **fields) -> Story:
    values = {
        "member": user.mission.member if user.mission_id else factories.MemberFactory(),
        "title": "Birth registration for every child",
        "language": "en",
        "summary": "Every child born in the country is registered at birth, free of charge.",
        "body": "Mobile teams visit **every maternity ward**.",
        "policy_year": 2019,
    }
    values.update(fields)
    return Story(**values)


def save(story: Story, actor, *, expected_version=None, themes=None, sdg_targets=None, images=()) -> Story:
    return services.story_save(
        story=story,
        actor=actor,
        expected_version=expected_version,
        themes=themes if themes is not None else [Theme.objects.get(slug="sdg-16")],
        sdg_targets=sdg_targets,
        images=list(images),
    )


def targets(*codes: str) -> list[SdgTarget]:
    return list(SdgTarget.objects.filter(code__in=codes))


def test_creating_a_story_makes_a_draft_of_the_authors_member(staff_user):
    story = save(new_story(staff_user, status=S.PUBLISHED), staff_user)

    stored = Story.objects.get(pk=story.pk)
    assert stored.author == staff_user
    assert stored.updated_by == staff_user
    assert stored.member == staff_user.mission.member
    assert stored.status == S.DRAFT  # whatever the caller put there
    assert stored.slug == "birth-registration-for-every-child"
    assert stored.version == 1
    assert [theme.slug for theme in stored.themes.all()] == ["sdg-16"]


def test_two_stories_with_the_same_title_get_different_slugs(staff_user, coordinator):
    first = save(new_story(staff_user), staff_user)
    second = save(new_story(coordinator), coordinator)

    assert first.slug != second.slug
    assert Story.objects.filter(title="Birth registration for every child").count() == 2
    assert set(Story.objects.values_list("slug", flat=True)) == {
        "birth-registration-for-every-child",
        "birth-registration-for-every-child-2",
    }


def test_editing_keeps_the_slug_even_when_the_title_changes(story, staff_user):
    slug = story.slug
    edited = Story.objects.get(pk=story.pk)
    edited.title = "A completely different title"

    save(edited, staff_user, expected_version=story.version)

    story.refresh_from_db()
    assert story.title == "A completely different title"
    assert story.slug == slug


def test_the_version_increases_by_one_per_save(story, staff_user):
    for expected in (2, 3, 4):
        current = Story.objects.get(pk=story.pk)
        current.summary = f"Version {expected}"
        save(current, staff_user, expected_version=current.version)
        assert Story.objects.get(pk=story.pk).version == expected


def test_a_stale_version_is_refused_and_names_who_saved_in_between(story, staff_user, coordinator):
    mine = Story.objects.get(pk=story.pk)
    theirs = Story.objects.get(pk=story.pk)
    theirs.title = "The coordinator's title"
    save(theirs, coordinator, expected_version=1, sdg_targets=targets("16.3"))

    mine.title = "My title"
    with pytest.raises(services.StoryConflict) as error:
        save(
            mine,
            staff_user,
            expected_version=1,
            themes=list(Theme.objects.priorities()),
            sdg_targets=targets("5.1"),
        )

    assert error_codes(error.value) == {"edit_conflict"}
    assert "Cora Coordinator" in error.value.messages[0]
    stored = Story.objects.get(pk=story.pk)
    assert stored.title == "The coordinator's title"
    assert stored.version == 2
    assert stored.updated_by == coordinator
    assert [theme.slug for theme in stored.themes.all()] == ["sdg-16"]
    assert list(stored.sdg_targets.values_list("code", flat=True)) == ["16.3"]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.SCHEDULED, S.PUBLISHED, S.REJECTED, S.WITHDRAWN])
def test_a_story_under_review_or_decided_cannot_be_edited(status, staff_user):
    story = story_in(status, author=staff_user)
    edited = Story.objects.get(pk=story.pk)
    edited.title = "Changed behind the secretariat's back"

    with pytest.raises(ValidationError) as error:
        save(edited, staff_user, expected_version=edited.version)

    assert error_codes(error.value) == {"not_editable"}
    stored = Story.objects.get(pk=story.pk)
    assert stored.title == story.title
    assert stored.version == story.version


def test_a_story_with_changes_requested_can_be_edited(staff_user):
    story = story_in(S.CHANGES_REQUESTED, author=staff_user)
    edited = Story.objects.get(pk=story.pk)
    edited.title = "Answered the secretariat"

    save(edited, staff_user, expected_version=edited.version)

    stored = Story.objects.get(pk=story.pk)
    assert stored.title == "Answered the secretariat"
    assert stored.status == S.CHANGES_REQUESTED


def test_sdg_targets_are_replaced_and_kept_when_not_given(story, staff_user):
    save(Story.objects.get(pk=story.pk), staff_user, sdg_targets=targets("16.3", "16.9"))
    save(Story.objects.get(pk=story.pk), staff_user, sdg_targets=targets("5.1", "16.9"))
    assert sorted(story.sdg_targets.values_list("code", flat=True)) == ["16.9", "5.1"]

    save(Story.objects.get(pk=story.pk), staff_user)  # a caller that does not know targets leaves them

    assert sorted(story.sdg_targets.values_list("code", flat=True)) == ["16.9", "5.1"]


def test_saving_a_story_leaves_its_citations_alone(story, staff_user):
    """The recommendations a story answers are kept by the recommendations app: saving the form keeps them."""
    Citation.objects.create(story=story, mechanism="upr", symbol="A/HRC/38/4", paragraph="116.23")

    save(Story.objects.get(pk=story.pk), staff_user, sdg_targets=[])

    assert [c.reference for c in story.citations.all()] == ["A/HRC/38/4, para. 116.23"]


def test_themes_are_set(story, staff_user):
    gender = Theme.objects.get(slug="gender-equality")
    sdg5 = Theme.objects.get(slug="sdg-5")

    save(Story.objects.get(pk=story.pk), staff_user, themes=[gender, sdg5])
    assert set(story.themes.all()) == {gender, sdg5}

    save(Story.objects.get(pk=story.pk), staff_user, themes=[sdg5])
    assert list(story.themes.all()) == [sdg5]


def test_staff_of_another_member_cannot_create_or_save(story, staff_user):
    stranger = factories.UserFactory()

    with pytest.raises(PermissionDenied):
        save(new_story(stranger, member=staff_user.mission.member), stranger)
    edited = Story.objects.get(pk=story.pk)
    edited.title = "Not yours"
    with pytest.raises(PermissionDenied):
        save(edited, stranger, expected_version=edited.version)

    assert list(Story.objects.all()) == [story]
    assert Story.objects.get(pk=story.pk).title == story.title


def test_the_secretariat_does_not_write_stories(story, secretariat_user):
    with pytest.raises(PermissionDenied):
        save(new_story(secretariat_user), secretariat_user)
    edited = Story.objects.get(pk=story.pk)
    edited.title = "Edited by the secretariat"
    with pytest.raises(PermissionDenied):
        save(edited, secretariat_user)

    assert Story.objects.get(pk=story.pk).title == story.title


def test_an_inactive_user_cannot_save(story, staff_user):
    staff_user.is_active = False
    staff_user.save()

    with pytest.raises(PermissionDenied):
        save(new_story(staff_user), staff_user)
    edited = Story.objects.get(pk=story.pk)
    edited.title = "Written after leaving"
    with pytest.raises(PermissionDenied):
        save(edited, staff_user)

    assert list(Story.objects.all()) == [story]
    assert Story.objects.get(pk=story.pk).title == story.title


# ---------------------------------------------------------------------------------------------------------
# Photos


def photo(**fields) -> services.ImageData:
    values = {
        "alt_text": "A registrar writes in a ledger",
        "caption": "Registration on the day of birth",
        "credit": "Ministry of Justice",
        "consent_confirmed": True,
    }
    values.update(fields)
    return services.ImageData(**values)


def test_a_pending_upload_becomes_a_story_image(story, staff_user, django_capture_on_commit_callbacks):
    pending = services.pending_upload_create(owner=staff_user, upload=imagefiles.jpeg_with_gps())
    pending_name = pending.file.name
    assert storages["private"].exists(pending_name)

    with django_capture_on_commit_callbacks(execute=True):
        save(Story.objects.get(pk=story.pk), staff_user, images=[photo(pending_id=pending.pk, order=3)])

    image = StoryImage.objects.get(story=story)
    assert (image.alt_text, image.caption, image.credit) == (
        "A registrar writes in a ledger",
        "Registration on the day of birth",
        "Ministry of Justice",
    )
    assert image.consent_confirmed
    assert image.order == 3
    assert (image.width, image.height) == (600, 800)
    with storages["private"].open(image.original.name) as original:
        imagefiles.assert_no_metadata(original.read())
    assert not PendingUpload.objects.exists()
    assert not storages["private"].exists(pending_name)


def test_an_existing_image_is_updated(story, staff_user):
    pending = services.pending_upload_create(owner=staff_user, upload=imagefiles.png())
    save(Story.objects.get(pk=story.pk), staff_user, images=[photo(pending_id=pending.pk)])
    image = StoryImage.objects.get(story=story)

    save(
        Story.objects.get(pk=story.pk),
        staff_user,
        images=[photo(image_id=image.pk, alt_text="A green chart", caption="", credit="UNDP", order=2)],
    )

    image.refresh_from_db()
    assert (image.alt_text, image.caption, image.credit, image.order) == ("A green chart", "", "UNDP", 2)


def test_delete_removes_an_image_and_its_files(story, staff_user, django_capture_on_commit_callbacks):
    pending = services.pending_upload_create(owner=staff_user, upload=imagefiles.png())
    with django_capture_on_commit_callbacks(execute=True):
        save(Story.objects.get(pk=story.pk), staff_user, images=[photo(pending_id=pending.pk)])
    image = StoryImage.objects.get(story=story)
    original = image.original.name
    renditions = [entry["jpeg"] for entry in image.renditions.values()]
    assert renditions and all(storages["default"].exists(name) for name in renditions)

    with django_capture_on_commit_callbacks(execute=True):
        save(Story.objects.get(pk=story.pk), staff_user, images=[photo(image_id=image.pk, delete=True)])

    assert not StoryImage.objects.filter(pk=image.pk).exists()
    assert not storages["private"].exists(original)
    assert not any(storages["default"].exists(name) for name in renditions)


def test_a_pending_upload_of_another_person_is_refused(story, staff_user, coordinator):
    theirs = services.pending_upload_create(owner=coordinator, upload=imagefiles.png())
    edited = Story.objects.get(pk=story.pk)
    edited.title = "Borrowing a photo"

    with pytest.raises(ValidationError) as error:
        save(edited, staff_user, expected_version=edited.version, images=[photo(pending_id=theirs.pk)])

    assert error_codes(error.value) == {"gone"}
    assert not StoryImage.objects.exists()
    assert PendingUpload.objects.get() == theirs
    stored = Story.objects.get(pk=story.pk)
    assert stored.title == story.title  # the whole save was rolled back
    assert stored.version == story.version


def test_a_new_image_without_consent_is_refused(story, staff_user):
    pending = services.pending_upload_create(owner=staff_user, upload=imagefiles.png())

    with pytest.raises(ValidationError):
        save(
            Story.objects.get(pk=story.pk),
            staff_user,
            images=[photo(pending_id=pending.pk, consent_confirmed=False)],
        )

    assert not StoryImage.objects.exists()
    assert PendingUpload.objects.get() == pending


# ---------------------------------------------------------------------------------------------------------
# Notifications


def only_mail(mailoutbox):
    assert len(mailoutbox) == 1, [mail.subject for mail in mailoutbox]
    mail = mailoutbox[0]
    html = [content for content, mimetype in mail.alternatives if mimetype == "text/html"]
    assert len(html) == 1
    return mail, html[0]


def test_a_submission_is_mailed_to_the_secretariat(
    story, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.story_submit(story_id=story.pk, actor=staff_user)

    mail, html = only_mail(mailoutbox)
    assert mail.to == [settings.SECRETARIAT_EMAIL]
    assert story.title in mail.subject
    assert story.title in mail.body and story.title in html
    link = settings.SITE_URL + reverse("admin:stories_story_change", args=[story.pk])
    assert link in mail.body
    assert f'href="{link}"' in html
    assert story.events.get().notified_at is not None


@pytest.mark.parametrize(
    ("action", "source", "target"),
    [
        ("request_changes", S.SUBMITTED, S.CHANGES_REQUESTED),
        ("reject", S.SUBMITTED, S.REJECTED),
        ("approve", S.SUBMITTED, S.PUBLISHED),
        ("withdraw", S.PUBLISHED, S.WITHDRAWN),
    ],
)
def test_a_decision_is_mailed_to_the_author_and_the_coordinator(
    action,
    source,
    target,
    staff_user,
    coordinator,
    secretariat_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    factories.CoordinatorFactory(mission=staff_user.mission, is_active=False, email="former@example.org")
    story = story_in(source, author=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        perform(action, story, author=staff_user, moderator=secretariat_user)

    mail, html = only_mail(mailoutbox)
    assert sorted(mail.to) == sorted([staff_user.email, coordinator.email])
    assert story.title in mail.subject
    assert COMMENT in mail.body and COMMENT in html
    if target == S.PUBLISHED:
        path = story.get_absolute_url()
    else:
        path = reverse("my_stories:story_detail", args=[story.pk])
    assert settings.SITE_URL + path in mail.body
    assert f'href="{settings.SITE_URL}{path}"' in html
    assert StoryEvent.objects.get(story=story, to_status=target).notified_at is not None


def test_a_scheduled_publication_is_mailed_when_it_happens(
    staff_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    story = story_in(S.SCHEDULED, author=staff_user, publish_due=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.stories_publish_due()

    mail, _html = only_mail(mailoutbox)
    assert sorted(mail.to) == sorted([staff_user.email, coordinator.email])
    assert settings.SITE_URL + story.get_absolute_url() in mail.body


def test_an_author_who_is_the_coordinator_gets_one_copy(
    coordinator, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    story = story_in(S.SUBMITTED, author=coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_reject(story_id=story.pk, actor=secretariat_user, comment=COMMENT)

    mail, _html = only_mail(mailoutbox)
    assert mail.to == [coordinator.email]


def test_an_event_is_mailed_only_once(story, staff_user, secretariat_user, mailoutbox):
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment=COMMENT)
    event = story.events.get(to_status=S.CHANGES_REQUESTED)

    assert services.story_event_notify(event_id=event.pk) is True
    assert services.story_event_notify(event_id=event.pk) is False

    assert len(mailoutbox) == 1
    event.refresh_from_db()
    assert event.notified_at is not None


# ---------------------------------------------------------------------------------------------------------
# Image renditions


def stored_image(story, owner, upload) -> StoryImage:
    """A story image made the way the form makes it, with no renditions yet (commit callbacks not run)."""
    pending = services.pending_upload_create(owner=owner, upload=upload)
    save(Story.objects.get(pk=story.pk), owner, images=[photo(pending_id=pending.pk)])
    image = StoryImage.objects.get(story=story)
    assert image.renditions == {}
    return image


def rendition_files(image: StoryImage) -> list[str]:
    _folders, files = storages["default"].listdir(f"stories/renditions/{image.rendition_key.hex}")
    return sorted(files)


@pytest.mark.parametrize(
    ("upload", "widths"),
    [
        # 1200 x 2000 with EXIF orientation 6: 2000 px wide once turned upright.
        (lambda: imagefiles.jpeg_with_gps(width=1200, height=2000), [480, 960, 1600]),
        (lambda: imagefiles.png(width=1000, height=500), [480, 960]),
        (lambda: imagefiles.png(width=300, height=200), [300]),
    ],
    ids=["2000px-jpeg", "1000px-png", "300px-png"],
)
def test_renditions_are_made_at_the_widths_that_fit(upload, widths, story, staff_user):
    image = stored_image(story, staff_user, upload())

    assert services.image_make_renditions(image_id=image.pk) is True

    image.refresh_from_db()
    assert sorted(int(width) for width in image.renditions) == widths
    media = storages["default"]
    for width in widths:
        entry = image.renditions[str(width)]
        for fmt, pillow_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
            assert media.exists(entry[fmt])
            with media.open(entry[fmt]) as handle:
                data = handle.read()
            imagefiles.assert_no_metadata(data)
            with Image.open(media.path(entry[fmt])) as rendition:
                assert rendition.format == pillow_format
                assert rendition.size == (width, entry["height"])
    assert image.largest_url.endswith(f"-{widths[-1]}.jpg")


def test_making_renditions_twice_leaves_the_same_files(story, staff_user):
    image = stored_image(story, staff_user, imagefiles.jpeg_with_gps(width=1200, height=2000))

    services.image_make_renditions(image_id=image.pk)
    image.refresh_from_db()
    first, first_files = image.renditions, rendition_files(image)
    services.image_make_renditions(image_id=image.pk)
    image.refresh_from_db()

    assert image.renditions == first
    assert rendition_files(image) == first_files
    assert len(first_files) == 6
    assert sorted(name.split("-", 1)[1] for name in first_files) == sorted(
        f"{width}.{ext}" for width in (480, 960, 1600) for ext in ("jpg", "webp")
    )


def test_a_run_that_overlaps_another_never_touches_the_files_the_other_published(
    story, staff_user, monkeypatch
):
    """A worker killed mid-task is replaced while the redrive queues the same photo again: two runs at once.
    The one that publishes first wins; the other deletes only its own, never-shown files."""
    image = stored_image(story, staff_user, imagefiles.jpeg_with_gps(width=1200, height=2000))
    real_make = services.image_processing.make_renditions
    nested: list[bool] = []
    started: list[bool] = []

    def make_while_another_run_finishes(handle):
        made = real_make(handle)
        if not started:
            started.append(True)
            # The other run starts after this one and publishes first.
            nested.append(services.image_make_renditions(image_id=image.pk))
        return made

    monkeypatch.setattr(services.image_processing, "make_renditions", make_while_another_run_finishes)
    media = storages["default"]
    deleted: list[str] = []
    real_delete = media.delete
    monkeypatch.setattr(media, "delete", lambda name: (deleted.append(name), real_delete(name))[1])
    assert services.image_make_renditions(image_id=image.pk) is True

    assert nested == [True]
    image.refresh_from_db()
    published = sorted(
        name.rsplit("/", 1)[1]
        for entry in image.renditions.values()
        for k, name in entry.items()
        if k != "height"
    )
    assert rendition_files(image) == published  # the second run's files are gone, the first run's all there
    assert len(deleted) == 6 and not {name.rsplit("/", 1)[1] for name in deleted} & set(published)
    assert all(
        storages["default"].exists(name)
        for entry in image.renditions.values()
        for k, name in entry.items()
        if k != "height"
    )


def test_withdrawing_a_story_takes_its_photos_down_and_keeps_the_originals(
    story, staff_user, secretariat_user, django_capture_on_commit_callbacks
):
    image = stored_image(story, staff_user, imagefiles.jpeg_with_gps(width=1200, height=2000))
    services.image_make_renditions(image_id=image.pk)
    image.refresh_from_db()
    public_files = [
        name for entry in image.renditions.values() for key, name in entry.items() if key != "height"
    ]
    assert public_files and all(storages["default"].exists(name) for name in public_files)
    Story.objects.filter(pk=story.pk).update(status=S.PUBLISHED, published_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="Consent was withdrawn.")

    image.refresh_from_db()
    assert image.renditions == {}
    assert not any(storages["default"].exists(name) for name in public_files)
    assert storages["private"].exists(image.original.name)
    # A rendition task that was still queued does not put them back.
    assert services.image_make_renditions(image_id=image.pk) is False
    assert rendition_files(image) == []


def test_renditions_of_a_deleted_image_are_not_made():
    assert services.image_make_renditions(image_id=987654) is False


def test_a_withdrawn_storys_photos_are_not_queued_again_and_again(
    story, staff_user, secretariat_user, monkeypatch, django_capture_on_commit_callbacks
):
    image = stored_image(story, staff_user, imagefiles.png(width=300, height=200))
    services.image_make_renditions(image_id=image.pk)
    Story.objects.filter(pk=story.pk).update(status=S.PUBLISHED, published_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="Consent was withdrawn.")
    StoryImage.objects.filter(pk=image.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tasks.make_image_renditions, "delay", queued.append)

    for _run in range(3):  # the redrive runs every five minutes
        services.side_effects_requeue()

    assert StoryImage.objects.get(pk=image.pk).renditions == {}
    assert queued == []


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_only_photos_of_stories_that_can_still_be_shown_are_queued_again(status, staff_user, monkeypatch):
    story = story_in(status, author=staff_user)
    image = StoryImage.objects.create(
        story=story,
        original="stories/originals/lost-in-an-outage.png",
        width=300,
        height=200,
        alt_text="A chart",
        consent_confirmed=True,
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )
    queued = []
    monkeypatch.setattr(tasks.make_image_renditions, "delay", queued.append)

    count = services.side_effects_requeue()

    # A withdrawn story's photos are down on purpose; a rejected story is final and never published.
    expected = [] if status in (S.WITHDRAWN, S.REJECTED) else [image.pk]
    assert queued == expected
    assert count == len(expected)


# ---------------------------------------------------------------------------------------------------------
# Publication dates


@pytest.mark.parametrize("action", ["approve", "publish_scheduled"])
def test_publishing_makes_the_last_change_no_earlier_than_the_publication(
    action, staff_user, secretariat_user
):
    edited = timezone.now() - datetime.timedelta(days=5)
    story = story_in(
        S.SUBMITTED if action == "approve" else S.SCHEDULED,
        author=staff_user,
        publish_due=True,
        updated_at=edited,
        updated_by=staff_user,
    )

    perform(action, story, author=staff_user, moderator=secretariat_user)

    story.refresh_from_db()
    assert story.status == S.PUBLISHED
    assert story.updated_at >= story.published_at > edited
    assert story.updated_by == staff_user  # the moderator did not change the text
