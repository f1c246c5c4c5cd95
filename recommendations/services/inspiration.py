""" "Inspired by" links between stories: a member's people say their story was inspired by another member's
published story (and maybe by a meeting where it was presented); that member's coordinator confirms or
declines; the proposing side may withdraw. Only confirmed links are public, so confirming, and withdrawing a
confirmed link, make the public cache stale.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import records_actor
from core.public_cache import bump_generation
from members.models import User
from recommendations.models import Inspiration, RecommendationEvent
from recommendations.services.notifications import notify_after_commit
from stories.models import Story
from stories.services import can_edit

Action = RecommendationEvent.Action

# ---------------------------------------------------------------------------------------------------------
# Who may do what


def can_propose(*, user: User, story: Story) -> bool:
    """The story's own member's mission staff and coordinators say what inspired it."""
    return can_edit(user=user, story=story)


def can_decide(*, user: User, inspiration: Inspiration) -> bool:
    """Only a coordinator of the inspiring story's member confirms or declines."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.mission_id
        and user.role == User.Role.COORDINATOR
        and user.mission.member_id == inspiration.source.member_id
    )


def can_withdraw(*, user: User, inspiration: Inspiration) -> bool:
    return can_edit(user=user, story=inspiration.story)


ALREADY_LINKED = _("Your story already says it was inspired by this one.")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal about one field of the form, keeping its code."""
    return ValidationError({field: ValidationError(message, code=code)})


def _event(*, inspiration: Inspiration, actor: User, action: str, comment: str = "") -> RecommendationEvent:
    event = RecommendationEvent.objects.create(
        action=action,
        actor=actor,
        story=inspiration.story,
        inspiration=inspiration,
        comment=comment,
    )
    notify_after_commit(event)
    return event


# ---------------------------------------------------------------------------------------------------------
# Proposing


@records_actor
def inspiration_propose(
    *, actor: User, story_id: int, source_id: int, meeting_id: int | None = None, note: str = ""
) -> Inspiration:
    """Say that story `story_id` was inspired by story `source_id` of another member, maybe through a meeting
    where that story was presented. A link declined or withdrawn before is opened again."""
    with transaction.atomic():
        story = Story.objects.select_for_update(of=("self",)).filter(pk=story_id).first()
        if story is None or not can_propose(user=actor, story=story):
            raise PermissionDenied(_("Only the story's own mission staff say what inspired it."))
        source = Story.objects.published().filter(pk=source_id).select_related("member").first()
        if source is None:
            raise _field_error("source", _("Choose a published story."), "source_not_published")
        if source.member_id == story.member_id:
            raise _field_error(
                "source",
                _("Choose a story of another member: your own member's stories cannot be chosen."),
                "source_same_member",
            )
        if meeting_id is not None and not source.agenda_items.filter(meeting_id=meeting_id).exists():
            raise _field_error(
                "meeting",
                _("The story you chose was not presented at this meeting."),
                "meeting_not_presenting",
            )
        now = timezone.now()
        inspiration = (
            Inspiration.objects.select_for_update(of=("self",)).filter(story=story, source=source).first()
        )
        if inspiration is not None and inspiration.status in (
            Inspiration.Status.PROPOSED,
            Inspiration.Status.CONFIRMED,
        ):
            raise _field_error("source", ALREADY_LINKED, "duplicate")
        if inspiration is None:
            inspiration = Inspiration(story=story, source=source)
        inspiration.status = Inspiration.Status.PROPOSED
        inspiration.meeting_id = meeting_id
        inspiration.note = note.strip()
        inspiration.proposed_by = actor
        inspiration.proposed_at = now
        inspiration.decided_by = None
        inspiration.decided_at = None
        inspiration.comment = ""
        try:
            with transaction.atomic():  # a proposal made at the same moment by a colleague
                inspiration.save()
        except IntegrityError as error:
            raise _field_error("source", ALREADY_LINKED, "duplicate") from error
        _event(
            inspiration=inspiration, actor=actor, action=Action.INSPIRATION_PROPOSED, comment=inspiration.note
        )
    return inspiration


# ---------------------------------------------------------------------------------------------------------
# Deciding and withdrawing


def _locked(inspiration_id: int) -> Inspiration:
    inspiration = (
        Inspiration.objects.select_for_update(of=("self",))
        .select_related("story", "source")
        .filter(pk=inspiration_id)
        .first()
    )
    if inspiration is None:
        raise ValidationError(_("This link does not exist any more."), code="gone")
    return inspiration


@records_actor
def inspiration_decide(*, actor: User, inspiration_id: int, confirm: bool, comment: str = "") -> Inspiration:
    """The inspiring story's coordinator confirms (the link becomes public) or declines a proposed link."""
    with transaction.atomic():
        inspiration = _locked(inspiration_id)
        if not can_decide(user=actor, inspiration=inspiration):
            raise PermissionDenied(
                _("Only a coordinator of the member whose story inspired the other confirms or declines.")
            )
        if inspiration.status != Inspiration.Status.PROPOSED:
            raise ValidationError(
                _("This link is %(status)s: only a link awaiting confirmation can be confirmed or declined."),
                code="not_proposed",
                params={"status": inspiration.get_status_display().lower()},
            )
        inspiration.status = Inspiration.Status.CONFIRMED if confirm else Inspiration.Status.DECLINED
        inspiration.decided_by = actor
        inspiration.decided_at = timezone.now()
        inspiration.comment = comment.strip()
        inspiration.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        _event(
            inspiration=inspiration,
            actor=actor,
            action=Action.INSPIRATION_CONFIRMED if confirm else Action.INSPIRATION_DECLINED,
            comment=inspiration.comment,
        )
        if confirm:
            bump_generation()  # both story pages and /replication/ now show it
    return inspiration


@records_actor
def inspiration_withdraw(*, actor: User, inspiration_id: int) -> Inspiration:
    """The proposing member takes back a link, awaiting confirmation or confirmed."""
    with transaction.atomic():
        inspiration = _locked(inspiration_id)
        if not can_withdraw(user=actor, inspiration=inspiration):
            raise PermissionDenied(_("Only the inspired story's own mission staff withdraw this link."))
        was_public = inspiration.status == Inspiration.Status.CONFIRMED
        if inspiration.status not in (Inspiration.Status.PROPOSED, Inspiration.Status.CONFIRMED):
            raise ValidationError(
                _("This link is %(status)s: only a proposed or confirmed link can be withdrawn."),
                code="not_withdrawable",
                params={"status": inspiration.get_status_display().lower()},
            )
        inspiration.status = Inspiration.Status.WITHDRAWN
        inspiration.save(update_fields=["status"])
        _event(inspiration=inspiration, actor=actor, action=Action.INSPIRATION_WITHDRAWN)
        if was_public:
            bump_generation()
    return inspiration
