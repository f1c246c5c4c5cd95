"""Consent as records: who agreed to which uses of a photo, from when and until when, and what happens when
that consent is withdrawn or runs out (the photo is taken down everywhere the public reaches, at once).

Views, the admin and the beat call these functions. Each change locks its row, checks the actor's right,
writes the change and a history row in one transaction, and queues mail after commit. The takedown itself is
one service (`photo_take_down`), run in the request that withdraws a consent and by the beat every minute
for consents that ran out, so a photo is gone from every public place within a minute.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import records_actor
from core.mail import group_by_language, send_once, site_link, templated_mail
from core.public_cache import bump_generation
from core.queueing import enqueue_on_commit
from members.models import User
from stories.models import ConsentTerms, ConsentUse, FaceDecision, ImageConsent, Story, StoryEvent, StoryImage

WARN_BEFORE = datetime.timedelta(days=30)
# StoryEvent.action of the history rows written here (they are not changes of status).
ACTION_RECORDED = "consent_recorded"
ACTION_WITHDRAWN = "consent_withdrawn"
ACTION_TAKEN_DOWN = "photo_taken_down"
CONSENT_ACTIONS = frozenset({ACTION_RECORDED, ACTION_WITHDRAWN, ACTION_TAKEN_DOWN})


# ---------------------------------------------------------------------------------------------------------
# Reading


def covering(queryset: models.QuerySet, use: str, on: datetime.date | None = None) -> models.QuerySet:
    """The consent records of `queryset` (of any ConsentTerms model) that allow `use` on that day (today by
    default): the database's version of ConsentTerms.covers(). The uses are a JSON list of fixed codes;
    its text holds `"portal"` exactly when the list does (works alike on PostgreSQL and SQLite)."""
    on = on or timezone.localdate()
    return queryset.annotate(_uses_text=Cast("uses", TextField())).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        withdrawn_at__isnull=True,
        given_on__lte=on,
        _uses_text__contains=f'"{use}"',
    )


def covers(consents: Iterable, use: str, on: datetime.date | None = None) -> bool:
    """Whether any of these (prefetched) consent records allows `use` on that day."""
    on = on or timezone.localdate()
    return any(consent.covers(use, on) for consent in consents)


def relies_on_consent(image: StoryImage) -> bool:
    """Whether the photo is published on the strength of consent: its uploader chose "consent recorded" for
    the faces in it, or it has a consent record for the portal (the old checkbox, backed by a record)."""
    return image.face_decision == FaceDecision.CONSENT or any(
        ConsentUse.PORTAL in consent.uses for consent in image.consents.all()
    )


def must_come_down(image: StoryImage, on: datetime.date | None = None) -> bool:
    """A photo still up whose publication relied on consent that no longer covers the portal."""
    return (
        image.taken_down_at is None
        and relies_on_consent(image)
        and not covers(image.consents.all(), ConsentUse.PORTAL, on)
    )


def can_see_consents(*, user: User, story: Story) -> bool:
    """The story's people (its member's staff and coordinators) and the secretariat; nobody else. Who
    consented is private."""
    from stories.services import can_edit, can_moderate

    return can_edit(user=user, story=story) or can_moderate(user=user)


def _require_right(actor: User | None, story: Story) -> None:
    if actor is None or not can_see_consents(user=actor, story=story):
        raise PermissionDenied(
            _("Only the story's own mission and the secretariat keep its consent records.")
        )


# ---------------------------------------------------------------------------------------------------------
# Recording and withdrawing


def clean_terms(
    *,
    who: str,
    uses: Sequence[str],
    given_on: datetime.date | None,
    valid_until: datetime.date | None,
    obtained_how: str,
) -> tuple[str, list[str], str]:
    errors: dict[str, list[ValidationError]] = {}
    who = (who or "").strip()
    obtained_how = (obtained_how or "").strip()
    if not who:
        errors["who"] = [
            ValidationError(_("Say who consented: a name or a description."), code="who_required")
        ]
    known = set(ConsentUse.values)
    chosen = [use for use in ConsentUse.values if use in set(uses or ())]
    if not chosen or set(uses or ()) - known:
        errors["uses"] = [
            ValidationError(_("Choose at least one use the person agreed to."), code="uses_required")
        ]
    if given_on is None:
        errors["given_on"] = [
            ValidationError(_("Give the day the consent was given."), code="given_on_required")
        ]
    elif given_on > timezone.localdate():
        errors["given_on"] = [
            ValidationError(
                _("Consent cannot be given in the future: give the day it was given."), code="given_on_future"
            )
        ]
    if valid_until is not None and given_on is not None and valid_until < given_on:
        errors["valid_until"] = [
            ValidationError(
                _("The consent cannot end before the day it was given."), code="valid_until_before"
            )
        ]
    if not obtained_how:
        errors["obtained_how"] = [
            ValidationError(
                _("Say how the consent was obtained (a signed form, a recorded call…)."), code="how_required"
            )
        ]
    if errors:
        raise ValidationError(errors)
    return who, chosen, obtained_how


def _history(
    *, story: Story, actor: User | None, action: str, comment: str, notify: bool = False
) -> StoryEvent:
    """A row in the story's history. Rows that send no mail are marked as notified at once, so nothing ever
    sends them as a change of status."""
    now = timezone.now()
    return StoryEvent.objects.create(
        story=story,
        actor=actor,
        created_at=now,
        action=action,
        from_status=story.status,
        to_status=story.status,
        comment=comment,
        notified_at=None if notify else now,
    )


def _uses_text(uses: Iterable[str]) -> str:
    labels = dict(ConsentUse.choices)
    return ", ".join(str(labels[use]) for use in uses if use in labels)


@records_actor
def consent_record(
    *,
    actor: User,
    image_id: int,
    who: str,
    uses: Sequence[str],
    given_on: datetime.date | None,
    valid_until: datetime.date | None,
    obtained_how: str,
) -> ImageConsent:
    """Record the consent of a person who can be recognised in a photo. Who it is stays private: the
    history says which uses, never who."""
    who, uses, obtained_how = clean_terms(
        who=who, uses=uses, given_on=given_on, valid_until=valid_until, obtained_how=obtained_how
    )
    with transaction.atomic():
        image = StoryImage.objects.select_for_update(of=("self",)).select_related("story").get(pk=image_id)
        _require_right(actor, image.story)
        if image.taken_down_at is not None:
            raise ValidationError(
                _("This photo was taken down; add it again to the story to publish it with new consent."),
                code="taken_down",
            )
        consent = ImageConsent.objects.create(
            image=image,
            who=who,
            uses=uses,
            given_on=given_on,
            valid_until=valid_until,
            obtained_how=obtained_how,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _history(
            story=image.story,
            actor=actor,
            action=ACTION_RECORDED,
            comment=_("Consent recorded for the photo “%(photo)s”: %(uses)s.")
            % {"photo": image.alt_text, "uses": _uses_text(uses)},
        )
        bump_generation()  # the photo may now be shown where it was held back
    return consent


@records_actor
def consent_withdraw(*, actor: User, consent_id: int, note: str = "") -> ImageConsent:
    """Withdraw a consent. If the photo no longer has consent covering the portal and relied on it, it is
    taken down everywhere, in the same transaction."""
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError(
            {"note": ValidationError(_("Keep the note under 300 characters."), code="note_long")}
        )
    with transaction.atomic():
        consent = (
            ImageConsent.objects.select_for_update(of=("self",))
            .select_related("image__story")
            .get(pk=consent_id)
        )
        _require_right(actor, consent.image.story)
        if consent.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn."), code="already_withdrawn")
        consent.withdrawn_at = timezone.now()
        consent.withdrawal_note = note
        consent.save(update_fields=["withdrawn_at", "withdrawal_note"])
        image = consent.image
        _history(
            story=image.story,
            actor=actor,
            action=ACTION_WITHDRAWN,
            comment=_("Consent withdrawn for the photo “%(photo)s”.") % {"photo": image.alt_text}
            + (f" {note}" if note else ""),
        )
        photo_take_down(
            image_id=image.pk,
            actor=actor,
            reason=_("Consent withdrawn on %(day)s.") % {"day": timezone.localdate().isoformat()},
        )
        bump_generation()
    return consent


@records_actor
def terms_record(*, actor: User | None, consent: ConsentTerms) -> ConsentTerms:
    """Save a new consent record of any kind (a meeting participant's, from the meetings admin): checked as
    a photo's is. Whoever calls it has checked the actor's right (the admin's permissions)."""
    who, uses, obtained_how = clean_terms(
        who=consent.who,
        uses=consent.uses,
        given_on=consent.given_on,
        valid_until=consent.valid_until,
        obtained_how=consent.obtained_how,
    )
    consent.who, consent.uses, consent.obtained_how = who, uses, obtained_how
    consent.recorded_by = actor
    consent.recorded_at = timezone.now()
    with transaction.atomic():
        consent.save()
        bump_generation()  # who is named on public pages may have changed
    return consent


@records_actor
def terms_withdraw(
    *, actor: User | None, model: type[ConsentTerms], consent_id: int, note: str = ""
) -> ConsentTerms:
    """Withdraw a consent record of any kind (a meeting participant's): what the public sees changes at once.
    Whoever calls it has checked the actor's right (the admin's permissions)."""
    with transaction.atomic():
        consent = model.objects.select_for_update().get(pk=consent_id)
        if consent.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn."), code="already_withdrawn")
        consent.withdrawn_at = timezone.now()
        consent.withdrawal_note = (note or "").strip()[:300]
        consent.save(update_fields=["withdrawn_at", "withdrawal_note"])
        bump_generation()
    return consent


# ---------------------------------------------------------------------------------------------------------
# Taking a photo down


def _rendition_names(renditions: dict) -> list[str]:
    return [name for entry in renditions.values() for key, name in entry.items() if key != "height"]


@records_actor
def photo_take_down(*, image_id: int, reason: str, actor: User | None = None) -> bool:
    """Take a photo down everywhere the public reaches, if its publication relied on consent that no longer
    covers the portal: mark it taken down, delete every public rendition (after commit; the private
    original stays), make every cached public page, feed, open data file and sitemap stale, write the
    story's history and tell the uploader and the secretariat. Returns whether it was taken down now.

    Safe to run twice and from anywhere (a request, the beat): the photo's row is locked and a photo taken
    down stays down."""
    with transaction.atomic():
        image = (
            StoryImage.objects.select_for_update(of=("self",))
            .select_related("story")
            .prefetch_related("consents")
            .filter(pk=image_id)
            .first()
        )
        if image is None or not must_come_down(image):
            return False
        names = _rendition_names(image.renditions)
        image.taken_down_at = timezone.now()
        image.taken_down_reason = (reason or "")[:300]
        image.renditions = {}
        image.save(update_fields=["taken_down_at", "taken_down_reason", "renditions"])
        event = _history(
            story=image.story,
            actor=actor,
            action=ACTION_TAKEN_DOWN,
            comment=_("The photo “%(photo)s” was taken down everywhere on the portal. %(reason)s")
            % {"photo": image.alt_text, "reason": image.taken_down_reason},
            notify=True,
        )
        bump_generation()  # pages, gallery, feed, open data and sitemap: stale at once

        def remove_files() -> None:
            media = storages["default"]
            for name in names:
                media.delete(name)

        transaction.on_commit(remove_files)
        from stories.tasks import send_photo_takedown_notice

        enqueue_on_commit(send_photo_takedown_notice, event.pk)
    return True


def consents_expire_due(now: datetime.datetime | None = None) -> list[int]:
    """The beat, every minute: consents whose last valid day has passed act like withdrawn. Every photo that
    relied on them and has no other consent covering the portal is taken down. Returns the photos' ids."""
    today = timezone.localdate(now or timezone.now())
    candidates = (
        StoryImage.objects.filter(taken_down_at__isnull=True)
        .filter(Q(consents__valid_until__lt=today) | Q(consents__withdrawn_at__isnull=False))
        .values_list("pk", flat=True)
        .distinct()
    )
    taken_down = []
    for image_id in list(candidates):
        image = StoryImage.objects.prefetch_related("consents").get(pk=image_id)
        if not must_come_down(image, today):
            continue
        ended = max(
            (c.valid_until for c in image.consents.all() if c.valid_until and c.valid_until < today),
            default=None,
        )
        reason = (
            _("Consent expired (valid until %(day)s).") % {"day": ended.isoformat()}
            if ended
            else _("No consent covers the portal any more.")
        )
        if photo_take_down(image_id=image_id, reason=reason):
            taken_down.append(image_id)
    return taken_down


# ---------------------------------------------------------------------------------------------------------
# Mail


def _people_of(story: Story) -> list[tuple[str, str]]:
    """(address, language) of the story's uploader (with their mission's coordinators, who hear of it even
    when the author has left) and of the secretariat."""
    people: list[User] = []
    if story.author is not None:
        if story.author.is_active:
            people.append(story.author)
        if story.author.mission_id:
            people += [
                user
                for user in User.objects.coordinators().filter(mission_id=story.author.mission_id)
                if user.pk != story.author_id
            ]
    secretariat = settings.SECRETARIAT_EMAIL.lower()
    pairs = [(settings.SECRETARIAT_EMAIL, settings.LANGUAGE_CODE)]
    pairs += [(person.email, person.language) for person in people if person.email.lower() != secretariat]
    return pairs


def _story_link(story: Story, language: str) -> str:
    with translation.override(language):
        return site_link(reverse("my_stories:story_detail", args=[story.pk]))


def _takedown_mail(event: StoryEvent, *, language: str, to: list[str]) -> EmailMultiAlternatives:
    return templated_mail(
        template="stories/email/consent_taken_down",
        to=to,
        language=language,
        context={"event": event, "story": event.story, "link": _story_link(event.story, language)},
    )


def photo_takedown_notify(*, event_id: int) -> bool:
    """Tell the uploader and the secretariat that a photo was taken down, once (one mail per language)."""
    with transaction.atomic():
        event = (
            StoryEvent.objects.select_for_update(of=("self",))
            .select_related("story__author")
            .filter(pk=event_id, action=ACTION_TAKEN_DOWN)
            .first()
        )
        if event is None or event.notified_at is not None:
            return False
        # Each mail is built as it leaves; a failed send is raised after the commit, so the languages
        # whose mail left stay recorded and the retry sends only the ones owed.
        mails = {
            language: partial(_takedown_mail, event, language=language, to=addresses)
            for language, addresses in group_by_language(_people_of(event.story)).items()
        }
        failure = send_once(event=event, mails=mails)
    if failure is not None:
        raise failure
    return True


def takedown_notices_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again the takedown notices a broker outage kept from being queued (from the last week)."""
    from stories.tasks import send_photo_takedown_notice

    now = timezone.now()
    due = StoryEvent.objects.filter(
        action=ACTION_TAKEN_DOWN,
        notified_at__isnull=True,
        created_at__lt=now - older_than,
        created_at__gt=now - datetime.timedelta(days=7),
    ).values_list("pk", flat=True)
    count = 0
    for event_id in list(due):
        enqueue_on_commit(send_photo_takedown_notice, event_id)
        count += 1
    return count


def consents_warn_expiring(now: datetime.datetime | None = None) -> int:
    """The beat, daily: queue one warning for every consent whose last valid day is 30 days away or less
    (and not warned yet), while its photo is still up."""
    from stories.tasks import send_consent_expiry_warning

    today = timezone.localdate(now or timezone.now())
    due = ImageConsent.objects.filter(
        withdrawn_at__isnull=True,
        expiry_warned_at__isnull=True,
        valid_until__isnull=False,
        valid_until__gte=today,
        valid_until__lte=today + WARN_BEFORE,
        image__taken_down_at__isnull=True,
    ).values_list("pk", flat=True)
    count = 0
    for consent_id in list(due):
        enqueue_on_commit(send_consent_expiry_warning, consent_id)
        count += 1
    return count


def consent_expiry_warn(*, consent_id: int) -> bool:
    """Warn the uploader and the secretariat that a consent ends soon; once (expiry_warned_at)."""
    with transaction.atomic():
        consent = (
            ImageConsent.objects.select_for_update(of=("self",))
            .select_related("image__story__author")
            .filter(pk=consent_id)
            .first()
        )
        if (
            consent is None
            or consent.expiry_warned_at is not None
            or consent.withdrawn_at is not None
            or consent.valid_until is None
            or consent.image.taken_down_at is not None
        ):
            return False
        story = consent.image.story
        for language, addresses in group_by_language(_people_of(story)).items():
            with translation.override(language):
                link = site_link(reverse("my_stories:image_consents", args=[story.pk, consent.image_id]))
            templated_mail(
                template="stories/email/consent_expiring",
                to=addresses,
                language=language,
                context={"consent": consent, "image": consent.image, "story": story, "link": link},
            ).send()
        consent.expiry_warned_at = timezone.now()
        consent.save(update_fields=["expiry_warned_at"])
    return True
