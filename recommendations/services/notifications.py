"""Mail about inspirations and exchanges: one mail per recipient language for each history row that tells
someone something, sent once, after commit (see "Mail delivery" in docs/architecture.md).

A service writes the `RecommendationEvent` and calls `notify_after_commit(event)`; the mail is built here
from `recommendations/email/<action>` (`_subject.txt`, `.txt`, `.html`) with the context `event`,
`inspiration`, `exchange`, `story` and `link`.
"""

from __future__ import annotations

import datetime

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from core.mail import group_by_language, send_once, site_link, templated_mail
from core.queueing import enqueue_on_commit
from members.models import User
from recommendations.models import RecommendationEvent

Action = RecommendationEvent.Action

NOTIFIED_ACTIONS = frozenset(
    {
        Action.INSPIRATION_PROPOSED,
        Action.INSPIRATION_CONFIRMED,
        Action.INSPIRATION_DECLINED,
        Action.EXCHANGE_REQUESTED,
        Action.EXCHANGE_ACCEPTED,
        Action.EXCHANGE_DECLINED,
    }
)


def notify_after_commit(event: RecommendationEvent) -> None:
    from recommendations.tasks import send_recommendation_notification

    if event.action in NOTIFIED_ACTIONS:
        enqueue_on_commit(send_recommendation_notification, event.pk)


def _coordinators(member_id: int | None) -> list[User]:
    if member_id is None:
        return []
    return list(User.objects.coordinators().filter(mission__member_id=member_id))


def _people(event: RecommendationEvent) -> list[User]:
    """Who is told of the event: the other side's coordinators, and the person who asked."""
    inspiration, exchange = event.inspiration, event.exchange
    if event.action == Action.INSPIRATION_PROPOSED and inspiration is not None:
        return _coordinators(inspiration.source.member_id)
    if (
        event.action in (Action.INSPIRATION_CONFIRMED, Action.INSPIRATION_DECLINED)
        and inspiration is not None
    ):
        asker = [inspiration.proposed_by] if inspiration.proposed_by else []
        return asker + _coordinators(inspiration.story.member_id)
    if event.action == Action.EXCHANGE_REQUESTED and exchange is not None:
        return _coordinators(exchange.to_member_id)
    if event.action in (Action.EXCHANGE_ACCEPTED, Action.EXCHANGE_DECLINED) and exchange is not None:
        asker = [exchange.requested_by] if exchange.requested_by else []
        return asker + _coordinators(exchange.from_member_id)
    return []


def recipients(event: RecommendationEvent) -> list[tuple[str, str]]:
    return [(person.email, person.language) for person in _people(event) if person.is_active]


def _link_path(event: RecommendationEvent) -> str:
    if event.exchange_id is not None:
        return reverse("my_recommendations:exchange_detail", args=[event.exchange_id])
    if event.action == Action.INSPIRATION_PROPOSED:
        return reverse("my_recommendations:inspiration_list")
    return reverse("my_stories:story_detail", args=[event.inspiration.story_id])


def _mail(event: RecommendationEvent, *, language: str, to: list[str]) -> EmailMultiAlternatives:
    with translation.override(language):
        return templated_mail(
            template=f"recommendations/email/{event.action}",
            to=to,
            language=language,
            context={
                "event": event,
                "inspiration": event.inspiration,
                "exchange": event.exchange,
                "story": event.story,
                "link": site_link(_link_path(event)),
            },
        )


def event_notify(*, event_id: int) -> bool:
    """Mail the people concerned by one event, once, one mail per language; the languages already served are
    remembered, so a retry after a failed send mails only those still owed. False when nothing was due."""
    failure: Exception | None = None
    with transaction.atomic():
        event = (
            RecommendationEvent.objects.select_for_update(of=("self",))
            .select_related(
                "inspiration__story__member",
                "inspiration__source__member",
                "inspiration__proposed_by",
                "exchange__from_member",
                "exchange__to_member",
                "exchange__story",
                "exchange__requested_by",
                "story",
                "actor",
            )
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.notified_at is not None or event.action not in NOTIFIED_ACTIONS:
            return False
        mails = {
            language: _mail(event, language=language, to=addresses)
            for language, addresses in group_by_language(recipients(event)).items()
            if language not in event.notified_languages
        }
        failure = send_once(event=event, mails=mails)
    if failure is not None:
        raise failure
    return True


def notifications_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again the mails a broker outage kept from being queued (events of the last week)."""
    from recommendations.tasks import send_recommendation_notification

    now = timezone.now()
    events = RecommendationEvent.objects.filter(
        notified_at__isnull=True,
        action__in=NOTIFIED_ACTIONS,
        created_at__lt=now - older_than,
        created_at__gt=now - datetime.timedelta(days=7),
    ).values_list("pk", flat=True)
    count = 0
    for event_id in events:
        send_recommendation_notification.delay(event_id)
        count += 1
    return count
