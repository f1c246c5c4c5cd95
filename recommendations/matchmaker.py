"""The matchmaker: recommendations a member received that another member has a good story about.

A match pairs one recommendation addressed to the member with one published story of another member, for one
or more reasons, each with its weight:

- the story answers (cites) a recommendation of the same text family: the same recommendation, made to
  another state (3);
- the story and the recommendation share an SDG target (2);
- they share a theme (1).

The weights of the kinds of reason a pair has are summed (at most 6); ties go to the pair with more shared
targets and themes, then to the more recent story.

It is built in a fixed number of queries whatever the number of rows: the member's recommendations with their
families, targets and themes (three queries), the candidate stories for each kind of reason, found through the
citations and the stories' tags with subqueries and a LIMIT each (three queries), and the chosen
recommendations, stories, targets and themes to show (four queries). The ranking happens in Python over those
bounded candidate sets, within a budget of pairs (a theme shared by thousands of recommendations must not make
millions of them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from members.models import Member
from recommendations.models import Citation, Recommendation
from stories.models import SdgTarget, Story, Theme

FAMILY_WEIGHT = 3
TARGET_WEIGHT = 2
THEME_WEIGHT = 1
# Candidate rows read per kind of reason: enough for a page of good matches, bounded whatever the data.
CANDIDATES_PER_KIND = 400
# At most this many (recommendation, story) pairs are weighed by family and target; theme-only pairs (the
# weakest) only up to THEME_ONLY_FACTOR times the page's length beyond those.
MAX_PAIRS = 3_000
THEME_ONLY_FACTOR = 4

StoryTargets = Story.sdg_targets.through
StoryThemes = Story.themes.through
RecommendationTargets = Recommendation.sdg_targets.through
RecommendationThemes = Recommendation.themes.through


@dataclass
class Match:
    """One recommendation the member received and one story of another member about it."""

    recommendation: Recommendation
    story: Story
    score: int
    # The states the same recommendation was made to, as the other member's story cites it.
    family_countries: list[str] = field(default_factory=list)
    targets: list[SdgTarget] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """What the person is shown: why this story fits this recommendation, strongest reason first."""
        reasons = [
            str(_("same recommendation made to %(country)s") % {"country": name})
            for name in self.family_countries
        ]
        reasons += [str(_("SDG target %(code)s") % {"code": target.code}) for target in self.targets]
        reasons += [str(_("theme: %(theme)s") % {"theme": theme.label}) for theme in self.themes]
        return reasons


def received(member: Member, *, mechanism: str | None = None) -> QuerySet[Recommendation]:
    """The recommendations addressed to the member that none of its own stories answers yet."""
    own_citations = Citation.objects.filter(recommendation=OuterRef("pk"), story__member_id=member.pk)
    queryset = Recommendation.objects.filter(country=member.country).exclude(Exists(own_citations))
    if mechanism:
        queryset = queryset.filter(mechanism=mechanism)
    return queryset


def matches(member: Member, *, limit: int = 50, mechanism: str | None = None) -> list[Match]:
    """The best matches for the member, best first, one per (recommendation, story)."""
    mine = received(member, mechanism=mechanism)
    mine_ids = mine.values("pk")

    # The member's side: which of its recommendations have which family, target and theme.
    rec_family: dict[int, str] = {}
    by_family: dict[str, list[int]] = defaultdict(list)
    for pk, family in mine.order_by().values_list("pk", "family"):
        if family:
            rec_family[pk] = family
            by_family[family].append(pk)
    rec_targets: dict[int, set[int]] = defaultdict(set)
    by_target: dict[int, list[int]] = defaultdict(list)
    for pk, target_id in RecommendationTargets.objects.filter(recommendation__in=mine_ids).values_list(
        "recommendation_id", "sdgtarget_id"
    ):
        rec_targets[pk].add(target_id)
        by_target[target_id].append(pk)
    rec_themes: dict[int, set[int]] = defaultdict(set)
    by_theme: dict[int, list[int]] = defaultdict(list)
    for pk, theme_id in RecommendationThemes.objects.filter(recommendation__in=mine_ids).values_list(
        "recommendation_id", "theme_id"
    ):
        rec_themes[pk].add(theme_id)
        by_theme[theme_id].append(pk)
    if not (by_family or by_target or by_theme):
        return []

    # The other side: published stories of other members, the most recent first, by each kind of reason.
    published = {"story__status": Story.Status.PUBLISHED}
    recent = ("-story__published_at", "-story_id")
    story_dates: dict[int, float] = {}
    story_families: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    story_targets: dict[int, set[int]] = defaultdict(set)
    story_themes: dict[int, set[int]] = defaultdict(set)
    if by_family:
        rows = (
            Citation.objects.filter(
                **published, recommendation__family__in=mine.exclude(family="").values("family")
            )
            .exclude(story__member_id=member.pk)
            .order_by(*recent)
            .values_list(
                "story_id", "story__published_at", "recommendation__family", "recommendation__country"
            )[:CANDIDATES_PER_KIND]
        )
        for story_id, published_at, family, country in rows:
            story_dates[story_id] = published_at.timestamp()
            story_families[story_id][family].add(country)
    if by_target:
        rows = (
            StoryTargets.objects.filter(
                **published,
                sdgtarget_id__in=RecommendationTargets.objects.filter(recommendation__in=mine_ids).values(
                    "sdgtarget_id"
                ),
            )
            .exclude(story__member_id=member.pk)
            .order_by(*recent)
            .values_list("story_id", "story__published_at", "sdgtarget_id")[:CANDIDATES_PER_KIND]
        )
        for story_id, published_at, target_id in rows:
            story_dates[story_id] = published_at.timestamp()
            story_targets[story_id].add(target_id)
    if by_theme:
        rows = (
            StoryThemes.objects.filter(
                **published,
                theme_id__in=RecommendationThemes.objects.filter(recommendation__in=mine_ids).values(
                    "theme_id"
                ),
            )
            .exclude(story__member_id=member.pk)
            .order_by(*recent)
            .values_list("story_id", "story__published_at", "theme_id")[:CANDIDATES_PER_KIND]
        )
        for story_id, published_at, theme_id in rows:
            story_dates[story_id] = published_at.timestamp()
            story_themes[story_id].add(theme_id)

    # The pairs, strongest kind of reason first, the most recent stories first, within a budget: a theme
    # shared by thousands of recommendations must not make millions of pairs. Family and target pairs all
    # outrank theme-only ones, which are only needed to fill the page.
    by_recency = sorted(story_dates, key=lambda story_id: (-story_dates[story_id], -story_id))
    pairs: set[tuple[int, int]] = set()
    for kind_of_story, index in ((story_families, by_family), (story_targets, by_target)):
        for story_id in by_recency:
            for key in kind_of_story.get(story_id, ()):
                for rec_id in index.get(key, ()):
                    if len(pairs) >= MAX_PAIRS:
                        break
                    pairs.add((rec_id, story_id))
    wanted = len(pairs) + limit * THEME_ONLY_FACTOR
    for story_id in by_recency:
        for theme_id in story_themes.get(story_id, ()):
            for rec_id in by_theme.get(theme_id, ()):
                if len(pairs) >= wanted:
                    break
                pairs.add((rec_id, story_id))

    def reasons(pair: tuple[int, int]) -> tuple[set[str], set[int], set[int]]:
        rec_id, story_id = pair
        family = rec_family.get(rec_id)
        countries_cited = story_families[story_id].get(family, set()) if family else set()
        return (
            countries_cited,
            rec_targets[rec_id] & story_targets[story_id],
            rec_themes[rec_id] & story_themes[story_id],
        )

    scored = []
    for pair in pairs:
        countries_cited, shared_targets, shared_themes = reasons(pair)
        score = (
            FAMILY_WEIGHT * bool(countries_cited)
            + TARGET_WEIGHT * bool(shared_targets)
            + THEME_WEIGHT * bool(shared_themes)
        )
        breadth = len(countries_cited) + len(shared_targets) + len(shared_themes)
        rec_id, story_id = pair
        # Best first: score, then breadth, then the most recent story; ids last, for one order every run.
        rank = (-score, -breadth, -story_dates[story_id], -story_id, rec_id)
        scored.append((rank, pair, score, countries_cited, shared_targets, shared_themes))
    scored.sort(key=lambda item: item[0])
    chosen = scored[:limit]
    if not chosen:
        return []

    recommendations = Recommendation.objects.in_bulk({pair[0] for _rank, pair, *_rest in chosen})
    stories = (
        Story.objects.published()
        .select_related("member")
        .in_bulk({pair[1] for _rank, pair, *_rest in chosen})
    )
    target_ids = set().union(*(item[4] for item in chosen))
    theme_ids = set().union(*(item[5] for item in chosen))
    targets = SdgTarget.objects.in_bulk(target_ids) if target_ids else {}
    themes = Theme.objects.in_bulk(theme_ids) if theme_ids else {}

    result = []
    for _rank, (rec_id, story_id), score, countries_cited, shared_targets, shared_themes in chosen:
        if rec_id not in recommendations or story_id not in stories:
            continue  # changed in between
        result.append(
            Match(
                recommendation=recommendations[rec_id],
                story=stories[story_id],
                score=score,
                family_countries=sorted(countries.name(code) or code for code in countries_cited),
                targets=sorted(
                    (targets[pk] for pk in shared_targets if pk in targets),
                    key=lambda target: (target.goal, target.position),
                ),
                themes=sorted(
                    (themes[pk] for pk in shared_themes if pk in themes),
                    key=lambda theme: (theme.kind, theme.order, theme.name),
                ),
            )
        )
    return result
