"""Exchanges between members: a mission asks another member's coordinator about a story that answers a
recommendation it received (the matchmaker's button), and that coordinator accepts or declines.

Each change locks its row, checks who acts, writes the change and its history row in one transaction, and
queues the mail after commit (recommendations.services.notifications). Nothing here is public: the public
cache is left alone.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from core.audit import records_actor
from members.models import Member, User
from recommendations.models import Exchange, Recommendation, RecommendationEvent
from recommendations.services.notifications import notify_after_commit
from stories.models import Story

# A member's people may ask this many exchanges in a day: enough for real work, too few for a mail cannon.
DAILY_LIMIT = 20
MESSAGE_MAX_LENGTH = 2000

Action = RecommendationEvent.Action


def can_request(*, user: User | None) -> bool:
    """Mission staff and coordinators ask on behalf of their member."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.mission_id
        and user.role in (User.Role.STAFF, User.Role.COORDINATOR)
    )


def can_answer(*, user: User | None, exchange: Exchange) -> bool:
    """Only the coordinator of the member asked answers for it."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == User.Role.COORDINATOR
        and user.mission_id
        and user.mission.member_id == exchange.to_member_id
    )


def _clean_text(text: str, *, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Keep it under %(limit)s characters (it has %(length)s)."),
                    code="too_long",
                    params={"limit": MESSAGE_MAX_LENGTH, "length": len(text)},
                )
            }
        )
    return text


@records_actor
def exchange_request(*, actor: User, story_id: int, recommendation_id: int, message: str = "") -> Exchange:
    """The actor's member asks the story's member for an exchange about the story, which answers (or fits) a
    recommendation the actor's member received. Refused for a story that is not published or is the
    member's own, for a recommendation addressed to another state, for a second open request about the same
    story and recommendation, and beyond DAILY_LIMIT requests a day per member."""
    if not can_request(user=actor):
        raise PermissionDenied(_("Only the staff and coordinators of a member's mission ask for exchanges."))
    message = _clean_text(message, field="message")
    with transaction.atomic():
        # The asking member's row serialises its requests: two clicks at once make one request, and the
        # daily count cannot be overtaken.
        member = Member.objects.select_for_update().get(pk=actor.mission.member_id)
        story = Story.objects.select_related("member").filter(pk=story_id).first()
        if story is None or story.status != Story.Status.PUBLISHED:
            raise ValidationError(
                _("This story is not published: you can ask only about published stories."),
                code="story_not_published",
            )
        if story.member_id == member.pk:
            raise ValidationError(
                _("This is your own member's story: ask another member about theirs."), code="own_story"
            )
        recommendation = Recommendation.objects.filter(pk=recommendation_id).first()
        if recommendation is None or recommendation.country != member.country:
            raise ValidationError(
                _("This recommendation was not addressed to %(member)s."),
                code="not_addressed",
                params={"member": member.name},
            )
        earlier = Exchange.objects.filter(
            from_member=member, story=story, recommendation=recommendation, status=Exchange.Status.OPEN
        ).first()
        if earlier is not None:
            raise ValidationError(
                _("You asked already on %(date)s; the request is awaiting an answer."),
                code="duplicate",
                params={"date": formats.date_format(timezone.localtime(earlier.created_at), "DATE_FORMAT")},
            )
        since = timezone.now() - datetime.timedelta(days=1)
        if Exchange.objects.filter(from_member=member, created_at__gte=since).count() >= DAILY_LIMIT:
            raise ValidationError(
                _(
                    "Your member has asked for %(limit)s exchanges in the last 24 hours, the most allowed. "
                    "Please try again tomorrow."
                ),
                code="rate_limited",
                params={"limit": DAILY_LIMIT},
            )
        try:
            with transaction.atomic():
                exchange = Exchange.objects.create(
                    from_member=member,
                    to_member_id=story.member_id,
                    story=story,
                    recommendation=recommendation,
                    message=message,
                    requested_by=actor,
                )
        except IntegrityError as error:  # the partial unique index, if ever reached past the lock
            raise ValidationError(
                _("You asked already; the request is awaiting an answer."), code="duplicate"
            ) from error
        event = RecommendationEvent.objects.create(
            action=Action.EXCHANGE_REQUESTED,
            actor=actor,
            story=story,
            recommendation=recommendation,
            exchange=exchange,
            comment=message,
        )
        notify_after_commit(event)
    return exchange


@records_actor
def exchange_answer(*, actor: User, exchange_id: int, accept: bool, answer: str = "") -> Exchange:
    """The asked member's coordinator accepts (an answer is optional) or declines (an answer is required)
    an open request; the asker and their coordinator are told."""
    answer = _clean_text(answer, field="answer")
    with transaction.atomic():
        exchange = Exchange.objects.select_for_update(of=("self",)).filter(pk=exchange_id).first()
        if exchange is None:
            raise ValidationError(_("This exchange request does not exist."), code="missing")
        if not can_answer(user=actor, exchange=exchange):
            raise PermissionDenied(_("Only the coordinator of the member asked answers this request."))
        if exchange.status != Exchange.Status.OPEN:
            raise ValidationError(
                _("This request is already answered (%(status)s)."),
                code="answered",
                params={"status": exchange.get_status_display().lower()},
            )
        if not accept and not answer:
            raise ValidationError(
                {
                    "answer": ValidationError(
                        _("Say in a few words why you decline: the other mission will read it."),
                        code="answer_required",
                    )
                }
            )
        exchange.status = Exchange.Status.ACCEPTED if accept else Exchange.Status.DECLINED
        exchange.answer = answer
        exchange.answered_by = actor
        exchange.answered_at = timezone.now()
        exchange.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        event = RecommendationEvent.objects.create(
            action=Action.EXCHANGE_ACCEPTED if accept else Action.EXCHANGE_DECLINED,
            actor=actor,
            story_id=exchange.story_id,
            recommendation_id=exchange.recommendation_id,
            exchange=exchange,
            comment=answer,
        )
        notify_after_commit(event)
    return exchange
