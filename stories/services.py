"""Every change to a story: its content, its photos, and each step of the publishing workflow.

Views, admin actions and tasks call these functions; nothing else writes a story's status. Each transition
locks the row, checks the actor's right and the current status, writes the change and its history row in
one transaction, and queues the notification mail after commit.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.audit import records_actor
from core.mail import group_by_language, send_once, site_link, templated_mail
from core.public_cache import bump_generation
from core.queueing import enqueue_on_commit
from core.slugs import save_with_unique_slug
from members.models import User
from stories import faces, search
from stories import images as image_processing
from stories.models import (
    ConsentUse,
    FaceDecision,
    FaceDetection,
    PendingUpload,
    SdgTarget,
    Story,
    StoryEvent,
    StoryImage,
    StoryTranslation,
    Theme,
)

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------
# Who may do what


def can_edit(*, user: User, story: Story) -> bool:
    """Mission staff and coordinators work on their own member's stories, and only on those."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.mission_id
        and user.role in (User.Role.STAFF, User.Role.COORDINATOR)
        and user.mission.member_id == story.member_id
    )


def can_moderate(*, user: User | None) -> bool:
    return bool(user is not None and user.is_active and user.has_perm("stories.moderate_story"))


# ---------------------------------------------------------------------------------------------------------
# Content


class StoryConflict(ValidationError):
    """Somebody else saved the story since this person opened it."""

    def __init__(self, story: Story):
        self.current = story
        name = story.updated_by.full_name if story.updated_by else _("someone")
        super().__init__(
            _("%(name)s changed this story at %(time)s, after you opened it."),
            code="edit_conflict",
            params={"name": name, "time": timezone.localtime(story.updated_at).strftime("%Y-%m-%d %H:%M %Z")},
        )


@dataclass(frozen=True)
class TranslationData:
    language: str
    title: str
    summary: str = ""
    body: str = ""
    # Checked against the original as it is now and still right (no word changed).
    confirmed: bool = False


@dataclass(frozen=True)
class ImageData:
    """One photo row of the story form: an existing image (id), a new file, or a pending upload."""

    alt_text: str
    caption: str = ""
    credit: str = ""
    consent_confirmed: bool = False
    order: int = 0
    image_id: int | None = None
    pending_id: int | None = None
    delete: bool = False


@records_actor
@transaction.atomic
def story_save(
    *,
    story: Story,
    actor: User,
    expected_version: int | None,
    themes: Iterable[Theme],
    images: Sequence[ImageData],
    translations: Sequence[TranslationData] | None = None,
    sdg_targets: Iterable[SdgTarget] | None = None,
) -> Story:
    """Create or update a draft (or a story with changes requested) with its themes, SDG targets and photos.
    (The recommendations a story answers are kept by the recommendations app, on their own page.)

    `story` carries the new field values (from a validated form). For an existing story, `expected_version`
    is the version the person started from: if someone saved in between, StoryConflict is raised and nothing
    is written.
    """
    creating = story.pk is None
    if creating:
        if not can_edit(user=actor, story=story):
            raise PermissionDenied(_("You can only write stories for your own member."))
        story.author = actor
        story.status = Story.Status.DRAFT
    else:
        current = Story.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=story.pk)
        if not can_edit(user=actor, story=current):
            raise PermissionDenied(_("You can only edit your own member's stories."))
        if current.status not in Story.EDITABLE_STATUSES:
            raise ValidationError(
                _("This story is %(status)s and cannot be edited now."),
                code="not_editable",
                params={"status": current.get_status_display().lower()},
            )
        if expected_version is not None and expected_version != current.version:
            raise StoryConflict(current)
        # Fields the form does not own stay as the database has them.
        story.status, story.author_id, story.slug = current.status, current.author_id, current.slug
        story.version = current.version + 1
    story.updated_at = timezone.now()
    story.updated_by = actor
    story.full_clean(exclude=["slug"])
    if creating:
        # Two stories with the same title at the same moment each get their own slug.
        save_with_unique_slug(story, story.title, taken=Story.objects.all(), fallback="story")
    else:
        story.save()
    story.themes.set(themes)
    if sdg_targets is not None:
        story.sdg_targets.set(sdg_targets)
    _save_images(story=story, actor=actor, images=images)
    if translations is not None:
        translations_replace(story=story, translations=translations)
    search.update_search_vector([story.pk], story.language)
    return story


def translations_replace(*, story: Story, translations: Sequence[TranslationData]) -> None:
    """The story's translations become exactly these (one per language, never its own language)."""
    seen: set[str] = set()
    story.translations.exclude(language__in=[t.language for t in translations]).delete()
    saved = {row.language: row for row in story.translations.all()}
    for data in translations:
        if data.language == story.language or data.language in seen:
            raise ValidationError(
                _("Give at most one translation per language, and none in the story's own language."),
                code="translation_language",
            )
        seen.add(data.language)
        row = saved.get(data.language) or StoryTranslation(story=story, language=data.language)
        words = (data.title, data.summary, data.body)
        if row.pk is not None and words == (row.title, row.summary, row.body) and not data.confirmed:
            # Sent back unchanged with the rest of the form: it keeps the original it was made from, so a
            # changed story flags it "may be out of date" until it is updated or confirmed.
            continue
        row.title, row.summary, row.body = words
        row.story = story
        row.mark_current()
        row.save()


def _save_images(*, story: Story, actor: User, images: Sequence[ImageData]) -> None:
    for data in images:
        if data.image_id is not None:
            image = story.images.filter(pk=data.image_id).first()
            if image is None:
                continue  # removed meanwhile, or not this story's: nothing to do
            if data.delete:
                image_delete(image=image)
                continue
            image.alt_text, image.caption, image.credit = data.alt_text, data.caption, data.credit
            image.consent_confirmed, image.order = data.consent_confirmed, data.order
            image.full_clean(exclude=["original"])
            image.save()
        elif data.pending_id is not None and not data.delete:
            pending = PendingUpload.objects.filter(pk=data.pending_id, owner=actor).first()
            if pending is None:
                raise ValidationError(
                    _("An uploaded photo could not be found; please add it again."), code="gone"
                )
            image = StoryImage(
                story=story,
                alt_text=data.alt_text,
                caption=data.caption,
                credit=data.credit,
                consent_confirmed=data.consent_confirmed,
                order=data.order,
            )
            image.full_clean(exclude=["original"])  # before writing a file that a refusal would orphan
            with pending.file.open("rb") as handle:
                image.original.save(pending.file.name.rsplit("/", 1)[-1], handle, save=False)
            image.save()
            _queue_renditions(image)
            pending_delete(pending=pending)


def pending_upload_create(*, owner: User, upload) -> PendingUpload:
    """Check and clean an uploaded photo and keep it for the person until their form is saved."""
    cleaned = image_processing.clean_upload(upload)
    pending = PendingUpload(owner=owner, original_name=(getattr(upload, "name", "") or "")[:255])
    pending.file.save(cleaned.content.name, cleaned.content, save=False)
    pending.save()
    return pending


def pending_delete(*, pending: PendingUpload) -> None:
    name = pending.file.name
    pending.delete()
    transaction.on_commit(lambda: storages["private"].delete(name))


def _rendition_names(image: StoryImage) -> list[str]:
    return [name for entry in image.renditions.values() for key, name in entry.items() if key != "height"]


def image_delete(*, image: StoryImage) -> None:
    original = image.original.name
    renditions = _rendition_names(image)
    image.delete()

    def remove_files() -> None:
        storages["private"].delete(original)
        for name in renditions:
            storages["default"].delete(name)

    transaction.on_commit(remove_files)


def _queue_renditions(image: StoryImage) -> None:
    from stories.tasks import make_image_renditions

    enqueue_on_commit(make_image_renditions, image.pk)


def image_make_renditions(*, image_id: int) -> bool:
    """Look for faces in a photo (once), then write its public renditions if it may be shown. Safe to run
    twice, even at the same time (a worker killed mid-task is replaced while the redrive queues it again): a
    photo that has its renditions is left alone; each run writes files of its own under fresh names and
    publishes them only if no other run did first and the photo's face decision is still the one it used, so
    no run deletes or overwrites a file the public may be served, nor publishes a face meanwhile boxed.

    A photo with faces (or whose detection failed) and no decision is held: no renditions, and one already
    published (a photo stored before detection existed) loses its renditions, its people being told."""
    image = StoryImage.objects.filter(pk=image_id).select_related("story").first()
    if image is None or image.story.status == Story.Status.WITHDRAWN:
        return False  # gone, or its story withdrawn: its photos are no longer published anywhere
    if image.face_detection == FaceDetection.PENDING:
        image_detect_faces(image=image)
        image = StoryImage.objects.filter(pk=image_id).select_related("story").first()
        if image is None:
            return False
    if not image_publishable(image):
        if image.renditions and image_faces_undecided(image):
            _image_hold(image_id=image.pk)
        return False
    if image.renditions:
        return True  # made by an earlier run
    media = storages["default"]
    with image.original.open("rb") as handle:
        if image.face_decision == FaceDecision.BLUR:
            made = image_processing.make_renditions(handle, blur=image.face_boxes)
        else:
            made = image_processing.make_renditions(handle)
    run = uuid.uuid4().hex[:8]
    renditions: dict[str, dict[str, str | int]] = {}
    for width, files in made.items():
        entry: dict[str, str | int] = {"height": files["height"]}
        for fmt, extension in (("webp", "webp"), ("jpeg", "jpg")):
            name = f"stories/renditions/{image.rendition_key.hex}/{run}-{width}.{extension}"
            entry[fmt] = media.save(name, image_processing.ContentFile(files[fmt]))
        renditions[str(width)] = entry
    # Only the renditions are written (a concurrent edit of alt text or order is not overwritten), and only
    # where no other run has published its own meanwhile and the faces were not decided again since.
    unchanged = StoryImage.objects.filter(
        pk=image.pk,
        renditions={},
        face_detection=image.face_detection,
        face_decision=image.face_decision,
        taken_down_at__isnull=True,
    )
    if image.face_decided_at is None:
        unchanged = unchanged.filter(face_decided_at__isnull=True)
    else:
        unchanged = unchanged.filter(face_decided_at=image.face_decided_at)
    written = unchanged.exclude(story__status=Story.Status.WITHDRAWN).update(renditions=renditions)
    if not written:  # another run was first, or the photo went: these files were never shown to anyone
        for name in _rendition_names(StoryImage(renditions=renditions)):
            media.delete(name)
        return StoryImage.objects.filter(pk=image.pk).exclude(renditions={}).exists()
    if image.face_decision:
        bump_generation()  # a photo held for its faces is now on the public pages
    return True


# ---------------------------------------------------------------------------------------------------------
# Faces in photos (stories/faces.py finds them; these decide what the public sees)

FACES_HELD = (FaceDetection.FOUND, FaceDetection.FAILED)
FACES_FOUND_ACTION = "faces_found"
FACES_DECIDED_ACTION = "faces"
# How many photos stored before face detection existed one requeue run sends to the detector.
DETECTION_BATCH = 200


def image_consent_covers(image: StoryImage, on: datetime.date | None = None) -> bool:
    """Whether a consent recorded for the photo allows its publication on the portal today."""
    today = on or timezone.localdate()
    return any(consent.covers(ConsentUse.PORTAL, today) for consent in image.consents.all())


def image_faces_undecided(image: StoryImage) -> bool:
    """Faces found (or detection failed) and no decision that holds: the photo waits for its people."""
    if image.face_detection not in FACES_HELD:
        return False
    if image.face_decision == FaceDecision.BLUR:
        return False
    if image.face_decision == FaceDecision.CONSENT:
        return not image_consent_covers(image)
    return True


def image_publishable(image: StoryImage) -> bool:
    """The publication rule for a photo's faces: none found, or a decision (blur, or a consent covering the
    portal today); never once taken down. (A photo stored before detection existed, not checked yet, stays as
    it is until its check.)"""
    return image.taken_down_at is None and not image_faces_undecided(image)


def image_detect_faces(*, image: StoryImage) -> str:
    """Run the detector on a photo not checked yet and record what it found: boxes only. A failure is
    logged and recorded as "failed": the photo is then held like one with faces, never published unseen."""
    try:
        with image.original.open("rb") as handle:
            detection = faces.detect_faces(handle)
    except Exception:
        logger.exception("Face detection failed for photo %s", image.pk)
        status, detector, boxes = FaceDetection.FAILED, "", []
    else:
        status = FaceDetection.FOUND if detection.boxes else FaceDetection.NONE
        detector, boxes = detection.detector, detection.boxes
    StoryImage.objects.filter(pk=image.pk, face_detection=FaceDetection.PENDING).update(
        face_detection=status, face_detector=detector, face_boxes=boxes
    )
    return status


def _face_summary(image: StoryImage) -> str:
    count = len(image.face_boxes)
    if image.face_detection == FaceDetection.FAILED and not count:
        return _("detection failed")
    return ngettext("%(count)d face", "%(count)d faces", count) % {"count": count}


def _image_hold(*, image_id: int) -> bool:
    """Take the public renditions of a photo whose faces now wait for a decision (a photo published before
    detection existed), and tell its people and the secretariat."""
    with transaction.atomic():
        image = StoryImage.objects.select_for_update().select_related("story").filter(pk=image_id).first()
        if image is None or not image.renditions or not image_faces_undecided(image):
            return False
        names = _rendition_names(image)
        image.renditions = {}
        image.save(update_fields=["renditions"])
        story = image.story
        event = StoryEvent.objects.create(
            story=story,
            actor=None,
            action=FACES_FOUND_ACTION,
            from_status=story.status,
            to_status=story.status,
            comment=_("Photo “%(alt)s” taken off the public pages until its faces are decided: %(found)s.")
            % {"alt": image.alt_text, "found": _face_summary(image)},
        )
        from stories.tasks import send_story_notification

        enqueue_on_commit(send_story_notification, event.pk)
        bump_generation()

    def remove_files() -> None:
        for name in names:
            storages["default"].delete(name)

    transaction.on_commit(remove_files)
    return True


def _clean_box(box: dict, image: StoryImage) -> dict:
    try:
        x, y, w, h = (int(box[key]) for key in ("x", "y", "w", "h"))
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(
            _("A box needs whole numbers for x, y, width and height."), code="box_invalid"
        ) from error
    if x < 0 or y < 0 or w < 1 or h < 1 or x >= image.width or y >= image.height:
        raise ValidationError(
            _("A box must lie inside the photo (%(width)s by %(height)s pixels) and be at least 1 pixel."),
            code="box_outside",
            params={"width": image.width, "height": image.height},
        )
    return {"x": x, "y": y, "w": min(w, image.width - x), "h": min(h, image.height - y), "source": "person"}


@records_actor
def image_face_decide(
    *, actor: User, image_id: int, decision: str, extra_boxes: Sequence[dict] = ()
) -> StoryImage:
    """Decide what the public sees of the faces in a photo: every box blurred into each rendition, or shown
    as they are because a consent covering the portal is recorded. Boxes the detector missed may be added.
    The renditions are made again (a photo published meanwhile is off the pages until they are)."""
    with transaction.atomic():
        image = StoryImage.objects.select_for_update(of=("self",)).select_related("story").get(pk=image_id)
        story = image.story
        if not (can_edit(user=actor, story=story) or can_moderate(user=actor)):
            raise PermissionDenied(_("Only the story's mission and the secretariat decide on its photos."))
        if story.status in RENDITIONS_NOT_WANTED:
            raise ValidationError(
                _("This story is %(status)s: its photos are not published."),
                code="not_published",
                params={"status": story.get_status_display().lower()},
            )
        if decision not in FaceDecision.values:
            raise ValidationError(_("Choose what to do with the faces."), code="decision_invalid")
        added = [_clean_box(box, image) for box in extra_boxes]
        if image.face_detection == FaceDetection.PENDING and not added:
            raise ValidationError(
                _("This photo has not been checked for faces yet; try again in a minute."), code="pending"
            )
        boxes = [*image.face_boxes, *added]
        if decision == FaceDecision.BLUR and not boxes:
            raise ValidationError(
                _("Add a box around each face to blur: the detector marked none in this photo."),
                code="no_box",
            )
        if decision == FaceDecision.CONSENT and not image_consent_covers(image):
            raise ValidationError(
                _("No consent covering publication on the portal is recorded for this photo."),
                code="no_consent",
            )
        names = _rendition_names(image)
        image.face_boxes = boxes
        if added and image.face_detection != FaceDetection.FAILED:
            image.face_detection = FaceDetection.FOUND
        image.face_decision = decision
        image.face_decided_by = actor
        image.face_decided_at = timezone.now()
        image.renditions = {}
        image.save(
            update_fields=[
                "face_boxes",
                "face_detection",
                "face_decision",
                "face_decided_by",
                "face_decided_at",
                "renditions",
            ]
        )
        StoryEvent.objects.create(
            story=story,
            actor=actor,
            action=FACES_DECIDED_ACTION,
            from_status=story.status,
            to_status=story.status,
            comment=f"{decision}: {_face_summary(image)}",
            notified_at=timezone.now(),  # a record, not a mail
        )
        _queue_renditions(image)
        if names:
            bump_generation()

            def remove_files() -> None:
                for name in names:
                    storages["default"].delete(name)

            transaction.on_commit(remove_files)
    return image


@records_actor
def image_mark_no_face(*, actor: User, image_id: int) -> StoryImage:
    """The secretariat looked at a photo whose detection failed (or found something that is not a face) and
    saw no face: it is published like a photo without faces. Boxes drawn by people are never overruled."""
    if not can_moderate(user=actor):
        raise PermissionDenied(_("Only the secretariat can say a photo has no face."))
    with transaction.atomic():
        image = StoryImage.objects.select_for_update(of=("self",)).select_related("story").get(pk=image_id)
        if image.face_detection not in FACES_HELD:
            raise ValidationError(_("This photo is not waiting for a look at its faces."), code="not_held")
        if any(box.get("source") == "person" for box in image.face_boxes):
            raise ValidationError(
                _("Someone boxed a face in this photo: decide on blurring or consent instead."),
                code="boxed_by_person",
            )
        names = _rendition_names(image)
        image.face_detection = FaceDetection.NONE
        image.face_boxes = []
        image.face_decision = ""
        image.face_decided_by = actor
        image.face_decided_at = timezone.now()
        image.renditions = {}
        image.save(
            update_fields=[
                "face_detection",
                "face_boxes",
                "face_decision",
                "face_decided_by",
                "face_decided_at",
                "renditions",
            ]
        )
        StoryEvent.objects.create(
            story=image.story,
            actor=actor,
            action=FACES_DECIDED_ACTION,
            from_status=image.story.status,
            to_status=image.story.status,
            comment=_("no face (checked by eye)"),
            notified_at=timezone.now(),
        )
        _queue_renditions(image)
        if names:
            bump_generation()
            transaction.on_commit(lambda: [storages["default"].delete(name) for name in names])
    return image


def story_photos_undecided(story_id: int) -> list[StoryImage]:
    """The story's photos whose faces wait for a decision."""
    held = StoryImage.objects.filter(story_id=story_id, face_detection__in=FACES_HELD).prefetch_related(
        "consents"
    )
    return [image for image in held if image_faces_undecided(image)]


def _require_faces_decided(story_id: int) -> None:
    undecided = story_photos_undecided(story_id)
    if undecided:
        raise ValidationError(
            ngettext(
                "A photo of this story shows faces (or could not be checked) and nobody has decided yet "
                "whether to blur them or that consent is recorded: it cannot be approved until then.",
                "%(count)d photos of this story show faces (or could not be checked) and nobody has decided "
                "yet whether to blur them or that consent is recorded: it cannot be approved until then.",
                len(undecided),
            ),
            code="faces_undecided",
            params={"count": len(undecided)},
        )


def _faces_recipients(event: StoryEvent) -> list[tuple[str, str]]:
    """The author, their mission's coordinators and the secretariat's shared address."""
    story = event.story
    people: list[User] = []
    if story.author is not None:
        if story.author.is_active:
            people.append(story.author)
        if story.author.mission_id:
            people += list(User.objects.coordinators().filter(mission_id=story.author.mission_id))
    return [(settings.SECRETARIAT_EMAIL, settings.LANGUAGE_CODE)] + [
        (person.email, person.language) for person in people
    ]


def _faces_found_mails(event: StoryEvent) -> dict[str, EmailMultiAlternatives]:
    """The "faces found in a published photo" mails of an event still owed, by language."""
    story = event.story
    mails = {}
    # The faces page of the photo still waiting (the story's people and the secretariat may open it).
    waiting = story_photos_undecided(story.pk)
    for language, addresses in group_by_language(_faces_recipients(event)).items():
        if language in event.notified_languages:
            continue
        with translation.override(language):
            path = (
                reverse("my_stories:image_faces", args=[story.pk, waiting[0].pk])
                if waiting
                else reverse("my_stories:story_detail", args=[story.pk])
            )
            link = site_link(path)
        mails[language] = templated_mail(
            template="stories/email/faces_found",
            to=addresses,
            language=language,
            context={"event": event, "story": story, "link": link},
        )
    return mails


# ---------------------------------------------------------------------------------------------------------
# The workflow


@records_actor
def _transition(
    *,
    story_id: int,
    actor: User | None,
    action: str,
    comment: str = "",
    when: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Story:
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story_id)
        sources, target = Story.TRANSITIONS[action]
        if story.status not in sources:
            raise ValidationError(
                _("This story is %(status)s; it cannot be %(action)s."),
                code="invalid_transition",
                params={"status": story.get_status_display().lower(), "action": ACTION_PAST[action]},
            )
        now = now or timezone.now()
        if action == "publish_scheduled" and (story.scheduled_for is None or story.scheduled_for > now):
            raise ValidationError(_("This story is not due yet."), code="not_due")
        from_status = story.status
        story.status = target
        if target == Story.Status.SUBMITTED:
            story.submitted_at = now
            story.scheduled_for = None
        elif target == Story.Status.PUBLISHED:
            story.published_at = story.published_at or now
            # Going public changes what readers see: "last changed" is never before "published".
            story.updated_at = max(story.updated_at, story.published_at, now)
            story.scheduled_for = None
        elif target == Story.Status.SCHEDULED:
            story.scheduled_for = when
        else:
            story.scheduled_for = None
        story.save(update_fields=["status", "submitted_at", "published_at", "scheduled_for", "updated_at"])
        event = StoryEvent.objects.create(
            story=story,
            actor=actor,
            created_at=now,
            action=action,
            from_status=from_status,
            to_status=target,
            comment=comment,
        )
        from stories.tasks import send_story_notification

        enqueue_on_commit(send_story_notification, event.pk)
        bump_generation()  # public pages, counts and feeds may now differ
    return story


ACTION_PAST = {
    "submit": gettext_lazy("submitted"),
    "request_changes": gettext_lazy("sent back for changes"),
    "approve": gettext_lazy("approved"),
    "schedule": gettext_lazy("scheduled"),
    "reject": gettext_lazy("rejected"),
    "withdraw": gettext_lazy("withdrawn"),
    "publish_scheduled": gettext_lazy("published"),
}


def _require_moderator(actor: User) -> None:
    if not can_moderate(user=actor):
        raise PermissionDenied(_("Only the secretariat moderates stories."))


def _require_comment(comment: str, message: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": ValidationError(message, code="comment_required")})
    return comment


def story_submit(*, story_id: int, actor: User) -> Story:
    story = Story.objects.select_related("member").get(pk=story_id)
    if not can_edit(user=actor, story=story):
        raise PermissionDenied(_("You can only submit your own member's stories."))
    missing = story_missing_for_submission(story)
    if missing:
        raise ValidationError(
            _("Before submitting, please add: %(missing)s."),
            code="incomplete",
            params={"missing": ", ".join(str(item) for item in missing)},
        )
    return _transition(story_id=story_id, actor=actor, action="submit")


def story_missing_for_submission(story: Story) -> list[str]:
    """What a story still lacks before the secretariat can review it."""
    missing = []
    if not story.summary.strip():
        missing.append(_("a summary"))
    if not story.body.strip():
        missing.append(_("the story itself"))
    if story.policy_year is None:
        missing.append(_("the year the policy started"))
    if not story.themes.exists():
        missing.append(_("at least one theme or SDG"))
    return missing


def story_request_changes(*, story_id: int, actor: User, comment: str) -> Story:
    _require_moderator(actor)
    comment = _require_comment(comment, _("Say what should change."))
    return _transition(story_id=story_id, actor=actor, action="request_changes", comment=comment)


def story_approve(*, story_id: int, actor: User, comment: str = "") -> Story:
    _require_moderator(actor)
    _require_faces_decided(story_id)
    return _transition(story_id=story_id, actor=actor, action="approve", comment=comment.strip())


def story_schedule(*, story_id: int, actor: User, publish_at: datetime.datetime, comment: str = "") -> Story:
    _require_moderator(actor)
    _require_faces_decided(story_id)
    if publish_at <= timezone.now():
        raise ValidationError(
            {"publish_at": ValidationError(_("Choose a time in the future."), code="publish_at_past")}
        )
    return _transition(
        story_id=story_id, actor=actor, action="schedule", comment=comment.strip(), when=publish_at
    )


def story_reject(*, story_id: int, actor: User, comment: str) -> Story:
    _require_moderator(actor)
    comment = _require_comment(comment, _("Say why the story is rejected."))
    return _transition(story_id=story_id, actor=actor, action="reject", comment=comment)


def story_withdraw(*, story_id: int, actor: User, reason: str) -> Story:
    """Withdraw a story: its page answers 410, and its photos stop being served (consent may be why it is
    withdrawn). Their public renditions are deleted once the withdrawal is committed; the private originals
    stay, so nothing is lost."""
    _require_moderator(actor)
    reason = _require_comment(reason, _("Give the reason for withdrawing the story."))
    with transaction.atomic():
        story = _transition(story_id=story_id, actor=actor, action="withdraw", comment=reason)
        images = list(StoryImage.objects.filter(story_id=story.pk).select_for_update())
        renditions = [name for image in images for name in _rendition_names(image)]
        StoryImage.objects.filter(story_id=story.pk).update(renditions={})

    def remove_files() -> None:
        for name in renditions:
            storages["default"].delete(name)

    transaction.on_commit(remove_files)
    return story


def stories_publish_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Publish every scheduled story whose time has come; each exactly once, even if two beats overlap."""
    now = now or timezone.now()
    published = []
    due = Story.objects.filter(status=Story.Status.SCHEDULED, scheduled_for__lte=now).values_list(
        "pk", flat=True
    )
    for story_id in list(due):
        try:
            _transition(story_id=story_id, actor=None, action="publish_scheduled", now=now)
        except ValidationError:
            continue  # published, withdrawn or rescheduled by someone else meanwhile
        published.append(story_id)
    return published


# ---------------------------------------------------------------------------------------------------------
# Notifications


def _recipients(event: StoryEvent) -> list[tuple[str, str]]:
    """(address, language) of everyone told of the event: people in their own language, the secretariat's
    shared address in the site's default."""
    story = event.story
    if event.to_status == Story.Status.SUBMITTED:
        return [(settings.SECRETARIAT_EMAIL, settings.LANGUAGE_CODE)]
    people: list[User] = []
    if story.author is not None:
        if story.author.is_active:
            people.append(story.author)
        # The coordinator hears of it even when the author has left.
        if story.author.mission_id:
            people += list(User.objects.coordinators().filter(mission_id=story.author.mission_id))
    secretariat = settings.SECRETARIAT_EMAIL.lower()
    return [
        (person.email, settings.LANGUAGE_CODE if person.email.lower() == secretariat else person.language)
        for person in people
    ]


NOTIFIED_STATUSES = {
    Story.Status.SUBMITTED,
    Story.Status.CHANGES_REQUESTED,
    Story.Status.REJECTED,
    Story.Status.PUBLISHED,
    Story.Status.WITHDRAWN,
}


def _status_mail(event: StoryEvent, *, language: str, to: list[str]) -> EmailMultiAlternatives:
    """The mail of one status change to the readers of one language. The link is reversed in that language,
    so it carries their URL prefix (the admin has none)."""
    story = event.story
    with translation.override(language):
        if event.to_status == Story.Status.SUBMITTED:
            path = reverse("admin:stories_story_change", args=[story.pk])
        elif event.to_status == Story.Status.PUBLISHED:
            path = story.get_absolute_url()
        else:
            path = reverse("my_stories:story_detail", args=[story.pk])
        return templated_mail(
            template="stories/email/status_changed",
            to=to,
            language=language,
            context={"event": event, "story": story, "link": site_link(path)},
        )


def story_event_notify(*, event_id: int) -> bool:
    """Mail the people concerned by one status change, once, one mail per language. Returns False when
    there was nothing to send.

    `notified_at` is written once every language's mail has left (at least once: see "Mail delivery" in
    docs/architecture.md). When one language's mail fails, the languages whose mail left are recorded in
    `notified_languages` and the error is raised after commit, so the retry sends only the ones owed."""
    failure: Exception | None = None
    with transaction.atomic():
        event = (
            StoryEvent.objects.select_for_update(of=("self",))
            .select_related("story__member", "story__author", "actor")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.notified_at is not None:
            return False
        if event.action == FACES_FOUND_ACTION:
            # Raised after the commit below, so the languages whose mail left stay recorded.
            failure = send_once(event=event, mails=_faces_found_mails(event))
        else:
            if event.action not in Story.TRANSITIONS or event.to_status not in NOTIFIED_STATUSES:
                return False
            # Every mail is built before the first leaves: one that cannot be built stops them all.
            mails = {
                language: _status_mail(event, language=language, to=addresses)
                for language, addresses in group_by_language(_recipients(event)).items()
                if language not in event.notified_languages
            }
            failure = send_once(event=event, mails=mails)
    if failure is not None:
        raise failure
    return True


def pending_uploads_remove_stale(*, older_than: datetime.timedelta = datetime.timedelta(days=2)) -> int:
    """Forget photos uploaded with a form that was never saved."""
    stale = list(PendingUpload.objects.filter(created_at__lt=timezone.now() - older_than))
    with transaction.atomic():
        for pending in stale:
            pending_delete(pending=pending)
    return len(stale)


# A withdrawn story's photos must not be served (consent may be why); a rejected story is final.
RENDITIONS_NOT_WANTED = frozenset({Story.Status.WITHDRAWN, Story.Status.REJECTED})


def side_effects_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again what a broker outage kept from being queued: notifications of status changes not yet
    sent (from the last week) and photos without renditions. Both tasks are safe to run twice.

    Photos of withdrawn stories have no renditions on purpose (and the task refuses to make them), and a
    rejected story is never published again: neither is queued, or they would be every run, forever; nor are
    photos held for a decision on their faces or taken down. Photos stored before face detection existed
    (still "pending", renditions and all) are sent to the detector, a batch per run: until checked they stay
    as they are."""
    from stories.tasks import make_image_renditions, send_story_notification

    now = timezone.now()
    events = StoryEvent.objects.filter(
        # Status changes and faces found are mailed; other history rows (consent recorded or withdrawn, a
        # photo taken down: mailed by their own services) never are.
        Q(action__in=list(Story.TRANSITIONS)) | Q(action=FACES_FOUND_ACTION),
        notified_at__isnull=True,
        to_status__in=NOTIFIED_STATUSES,
        created_at__lt=now - older_than,
        created_at__gt=now - datetime.timedelta(days=7),
    ).values_list("pk", flat=True)
    images = list(
        StoryImage.objects.filter(renditions={}, created_at__lt=now - older_than, taken_down_at__isnull=True)
        .exclude(story__status__in=RENDITIONS_NOT_WANTED)
        .exclude(face_detection__in=FACES_HELD, face_decision="")
        .values_list("pk", flat=True)
    )
    images += list(
        StoryImage.objects.filter(face_detection=FaceDetection.PENDING, created_at__lt=now - older_than)
        .exclude(renditions={})
        .exclude(story__status__in=RENDITIONS_NOT_WANTED)
        .order_by("pk")
        .values_list("pk", flat=True)[:DETECTION_BATCH]
    )
    count = 0
    for event_id in events:
        send_story_notification.delay(event_id)
        count += 1
    for image_id in images:
        make_image_renditions.delay(image_id)
        count += 1
    return count
