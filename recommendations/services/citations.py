"""Which recommendations a story answers: picked among those imported for the story's member, or entered by
hand (mechanism, symbol, paragraph) and matched to an imported one later.

Citations change only while the story is editable (a draft, or changes requested), by the people who can
edit it; the story row is locked meanwhile, so two people adding at once cannot give two citations the same
place or cite the same recommendation twice. The story's `version` is not bumped: it guards the story's text
against concurrent edits in the story form, and citations have their own page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import records_actor
from core.public_cache import bump_generation
from members.models import User
from recommendations.models import Citation, Mechanism, Recommendation, RecommendationEvent
from recommendations.services.notifications import notify_after_commit
from stories.models import Story
from stories.services import can_edit, can_moderate

Action = RecommendationEvent.Action

# A UN document symbol: series of letters and digits separated by slashes, the parts allowing the dots,
# hyphens and brackets UN symbols use (A/HRC/38/4, CEDAW/C/URY/CO/10, A/HRC/WG.6/31/URY/1, CRC/C/URY/CO/3-5,
# A/HRC/38/4/Add.1).
SYMBOL_SHAPE = re.compile(r"^[A-Z][A-Z0-9]*(?:/[A-Za-z0-9][A-Za-z0-9.()\-]*)+$")
SYMBOL_MIXED_CASE = re.compile(r"(?<=/)(ADD|CORR|REV|AMEND)(?=\.)")
PARAGRAPH_PREFIX = re.compile(r"^(?:paragraphs?|paras?\.?|§)\s*", re.IGNORECASE)

MATCH_BATCH = 500


def clean_symbol(raw: str) -> str:
    """The symbol as stored (spaces removed, series letters in capitals); ValidationError when it does not
    have the shape of a UN document symbol."""
    symbol = "".join((raw or "").split())
    if not symbol:
        raise ValidationError(
            {
                "symbol": ValidationError(
                    _("Give the document symbol, for example A/HRC/38/4."), code="required"
                )
            }
        )
    # Capitals, as the UN writes symbols, except the parts it writes in lower case (Add.1, Corr.1, Rev.1).
    symbol = SYMBOL_MIXED_CASE.sub(lambda m: m.group(1).capitalize(), symbol.upper())
    if len(symbol) > 100 or not SYMBOL_SHAPE.match(symbol):
        raise ValidationError(
            {
                "symbol": ValidationError(
                    _(
                        "This does not look like a UN document symbol: letters and digits separated by "
                        "slashes, for example A/HRC/38/4 or CEDAW/C/URY/CO/10."
                    ),
                    code="symbol_shape",
                )
            }
        )
    return symbol


def clean_paragraph(raw: str) -> str:
    """The paragraph as stored: "para. 116.23" and "116.23" are the same paragraph."""
    return PARAGRAPH_PREFIX.sub("", " ".join((raw or "").split())).replace(" ", "")[:30]


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _locked_editable_story(*, actor: User, story_id: int) -> Story:
    story = Story.objects.select_for_update(of=("self",)).select_related("member").get(pk=story_id)
    if not can_edit(user=actor, story=story):
        raise PermissionDenied(
            _("Only the member's own mission staff choose the recommendations its stories answer.")
        )
    if not story.is_editable:
        raise ValidationError(
            _(
                "This story is %(status)s: the recommendations it answers can be changed only while it is a "
                "draft or when changes are requested."
            ),
            code="not_editable",
            params={"status": story.get_status_display().lower()},
        )
    return story


def _next_order(story: Story) -> int:
    last = Citation.objects.filter(story=story).aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


def _record(*, action: str, actor: User | None, citation: Citation, comment: str = "") -> RecommendationEvent:
    event = RecommendationEvent.objects.create(
        action=action,
        actor=actor,
        story_id=citation.story_id,
        recommendation_id=citation.recommendation_id,
        comment=comment or str(citation.reference),
    )
    notify_after_commit(event)
    return event


def _refuse_twice() -> ValidationError:
    return ValidationError(_("The story already answers this recommendation."), code="already_cited")


# ---------------------------------------------------------------------------------------------------------
# Services


@records_actor
def citation_add(*, actor: User, story_id: int, recommendation_id: int) -> Citation:
    """The story answers this imported recommendation, which must be addressed to the story's member."""
    with transaction.atomic():
        story = _locked_editable_story(actor=actor, story_id=story_id)
        recommendation = Recommendation.objects.filter(pk=recommendation_id).first()
        if recommendation is None:
            raise ValidationError(_("This recommendation is not in the database any more."), code="missing")
        if recommendation.country != story.member.country:
            raise ValidationError(
                _("This recommendation is addressed to another state than the story's member."),
                code="wrong_country",
            )
        if Citation.objects.filter(story=story, recommendation=recommendation).exists():
            raise _refuse_twice()
        citation = Citation.objects.create(
            story=story,
            recommendation=recommendation,
            mechanism=recommendation.mechanism,
            symbol=recommendation.symbol,
            paragraph=recommendation.paragraph,
            order=_next_order(story),
            added_by=actor,
        )
        _record(action=Action.CITED, actor=actor, citation=citation)
    return citation


@records_actor
def citation_add_manual(
    *,
    actor: User,
    story_id: int,
    mechanism: str,
    symbol: str,
    paragraph: str = "",
    note: str = "",
    url: str = "",
) -> Citation:
    """A recommendation that is not in the database, entered by hand. When an imported recommendation to the
    member has this symbol and paragraph, it is cited directly instead (the citation's `recommendation` is
    set: callers can say so)."""
    errors: dict[str, list[ValidationError]] = {}
    if mechanism not in Mechanism.values:
        errors["mechanism"] = [ValidationError(_("Choose the mechanism."), code="invalid_choice")]
    try:
        symbol = clean_symbol(symbol)
    except ValidationError as error:
        errors.update(error.error_dict)
    paragraph = clean_paragraph(paragraph)
    note = (note or "").strip()
    url = (url or "").strip()
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        story = _locked_editable_story(actor=actor, story_id=story_id)
        recommendation = _imported_match(country=story.member.country, symbol=symbol, paragraph=paragraph)
        if recommendation is not None:
            if Citation.objects.filter(story=story, recommendation=recommendation).exists():
                raise _refuse_twice()
            mechanism, symbol, paragraph = (
                recommendation.mechanism,
                recommendation.symbol,
                recommendation.paragraph,
            )
        elif Citation.objects.filter(
            story=story, recommendation__isnull=True, symbol__iexact=symbol, paragraph=paragraph
        ).exists():
            raise _refuse_twice()
        citation = Citation(
            story=story,
            recommendation=recommendation,
            mechanism=mechanism,
            symbol=symbol,
            paragraph=paragraph,
            note=note,
            url=url,
            order=_next_order(story),
            added_by=actor,
        )
        citation.full_clean(exclude=["story", "recommendation", "added_by"], validate_constraints=False)
        citation.save()
        _record(action=Action.CITED, actor=actor, citation=citation)
    return citation


def _imported_match(*, country: str, symbol: str, paragraph: str) -> Recommendation | None:
    """The one imported recommendation to this state with this symbol and paragraph, if exactly one."""
    if not symbol:
        return None
    candidates = list(
        Recommendation.objects.filter(country=country, symbol__iexact=symbol, paragraph=paragraph)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


@records_actor
def citation_remove(*, actor: User, citation_id: int) -> Citation:
    """The story no longer answers this recommendation. Returns the removed citation (without its id)."""
    with transaction.atomic():
        story_id = Citation.objects.values_list("story_id", flat=True).filter(pk=citation_id).first()
        if story_id is None:
            raise ValidationError(
                _("This recommendation was already removed from the story."), code="missing"
            )
        _locked_editable_story(actor=actor, story_id=story_id)
        citation = Citation.objects.filter(pk=citation_id, story_id=story_id).first()
        if citation is None:
            raise ValidationError(
                _("This recommendation was already removed from the story."), code="missing"
            )
        _record(action=Action.UNCITED, actor=actor, citation=citation)
        citation.delete()
    return citation


@records_actor
def citation_move(*, actor: User, citation_id: int, direction: Literal["up", "down"]) -> Citation:
    """Swap the citation with its neighbour in the story's list (nothing happens at either end)."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a recommendation up or down."), code="direction")
    with transaction.atomic():
        story_id = Citation.objects.values_list("story_id", flat=True).filter(pk=citation_id).first()
        if story_id is None:
            raise ValidationError(
                _("This recommendation was already removed from the story."), code="missing"
            )
        story = _locked_editable_story(actor=actor, story_id=story_id)
        citations = list(Citation.objects.filter(story=story).order_by("order", "pk"))
        index = next(i for i, c in enumerate(citations) if c.pk == citation_id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(citations):
            citations[index], citations[other] = citations[other], citations[index]
            # Renumbered 0..n-1, so that equal orders (migrated data) cannot keep the swap from showing.
            changed = []
            for position, item in enumerate(citations):
                if item.order != position:
                    item.order = position
                    changed.append(item)
            Citation.objects.bulk_update(changed, ["order"])
        return next(c for c in citations if c.pk == citation_id)


@records_actor
def citations_match(*, actor: User | None, citation_ids: list[int] | None = None) -> int:
    """Link the citations entered by hand whose (member's state, symbol, paragraph) is now an imported
    recommendation: the secretariat's admin action, and the importer after each run (actor None: the system
    itself). Safe to run twice: a matched citation is no longer entered by hand. Returns how many were
    linked."""
    if actor is not None and not can_moderate(user=actor):
        raise PermissionDenied(_("Only the secretariat matches citations to imported recommendations."))
    candidates = Citation.objects.filter(recommendation__isnull=True).exclude(symbol="")
    if citation_ids is not None:
        candidates = candidates.filter(pk__in=list(citation_ids))
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    matched = 0
    for start in range(0, len(ids), MATCH_BATCH):
        matched += _match_batch(actor=actor, citation_ids=ids[start : start + MATCH_BATCH])
    return matched


def _match_batch(*, actor: User | None, citation_ids: list[int]) -> int:
    with transaction.atomic():
        story_ids = set(Citation.objects.filter(pk__in=citation_ids).values_list("story_id", flat=True))
        # Stories first, in a fixed order, as the other services do: no deadlock with someone adding.
        stories = {
            story.pk: story
            for story in Story.objects.select_for_update(of=("self",))
            .select_related("member")
            .filter(pk__in=story_ids)
            .order_by("pk")
        }
        citations = list(
            Citation.objects.select_for_update()
            .filter(pk__in=citation_ids, recommendation__isnull=True)
            .exclude(symbol="")
            .order_by("pk")
        )
        wanted: dict[str, set[str]] = defaultdict(set)
        for citation in citations:
            wanted[str(stories[citation.story_id].member.country)].add(citation.symbol.upper())
        condition = Q(pk__in=[])
        for country, symbols in wanted.items():
            condition |= Q(country=country, symbol_upper__in=symbols)
        found: dict[tuple[str, str, str], list[Recommendation]] = defaultdict(list)
        imported = (
            Recommendation.objects.annotate(symbol_upper=Upper("symbol"))
            .filter(condition)
            .only("pk", "country", "symbol", "paragraph", "mechanism")
        )
        for recommendation in imported:
            found[
                (str(recommendation.country), recommendation.symbol.upper(), recommendation.paragraph)
            ].append(recommendation)
        cited = set(
            Citation.objects.filter(story_id__in=stories, recommendation__isnull=False).values_list(
                "story_id", "recommendation_id"
            )
        )
        now = timezone.now()
        linked, events, public = [], [], False
        for citation in citations:
            story = stories[citation.story_id]
            key = (str(story.member.country), citation.symbol.upper(), citation.paragraph)
            matches = found.get(key, [])
            # Ambiguous (a symbol without paragraph recorded twice) or already cited by the story: left alone.
            if len(matches) != 1 or (story.pk, matches[0].pk) in cited:
                continue
            recommendation = matches[0]
            cited.add((story.pk, recommendation.pk))
            citation.recommendation = recommendation
            citation.mechanism = recommendation.mechanism
            citation.symbol = recommendation.symbol
            citation.matched_at = now
            linked.append(citation)
            events.append(
                RecommendationEvent(
                    action=Action.MATCHED,
                    actor=actor,
                    created_at=now,
                    story_id=story.pk,
                    recommendation_id=recommendation.pk,
                    comment=str(citation.reference),
                )
            )
            public = public or story.status == Story.Status.PUBLISHED
        if not linked:
            return 0
        Citation.objects.bulk_update(linked, ["recommendation", "mechanism", "symbol", "matched_at"])
        for event in RecommendationEvent.objects.bulk_create(events):
            if event.pk is not None:
                notify_after_commit(event)
        if public:
            bump_generation()  # a published story now shows on the recommendation's page
    return len(linked)
