"""Who inspired whom: the confirmed "inspired by" links between published stories, filtered, counted, and
laid out as an SVG diagram (a timeline by year across, members down; a curve from the inspiring member at
the inspiring story's publication to the inspired member at the confirmation).

Every coordinate is a string formatted here: a template would localise a number ("12,5" in French), which
SVG does not read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from recommendations.models import Inspiration
from stories.models import Story, Theme

DIAGRAM_LIMIT = 200  # the latest links drawn; the table lists them all


def public_links() -> QuerySet[Inspiration]:
    """Confirmed links between two published stories: nothing else is public."""
    return Inspiration.objects.filter(
        status=Inspiration.Status.CONFIRMED,
        story__status=Story.Status.PUBLISHED,
        source__status=Story.Status.PUBLISHED,
    )


def filtered_links(filters: dict[str, str]) -> QuerySet[Inspiration]:
    """`theme` (a priority theme's slug), `sdg` (a goal's number) and `region` (a UN regional group), each
    matching either side of a link; newest confirmation first."""
    links = public_links()
    if theme := filters.get("theme"):
        stories = Story.objects.filter(themes__slug=theme).values("pk")
        links = links.filter(Q(story__in=stories) | Q(source__in=stories))
    if sdg := filters.get("sdg"):
        stories = Story.objects.filter(themes__kind=Theme.Kind.SDG, themes__sdg_number=int(sdg)).values("pk")
        links = links.filter(Q(story__in=stories) | Q(source__in=stories))
    if region := filters.get("region"):
        links = links.filter(
            Q(story__member__regional_group=region) | Q(source__member__regional_group=region)
        )
    return links.order_by("-decided_at", "-pk")


def with_related(links: QuerySet[Inspiration]) -> QuerySet[Inspiration]:
    return links.select_related("story__member", "source__member", "meeting")


def figures(links: QuerySet[Inspiration]) -> dict[str, int]:
    """How many links, how many inspiring stories were taken up, and in how many members' countries."""
    return links.order_by().aggregate(
        links=Count("pk"),
        stories=Count("source", distinct=True),
        countries=Count("story__member", distinct=True),
    )


# ---------------------------------------------------------------------------------------------------------
# The diagram

LABEL_MIN_WIDTH, LABEL_MAX_WIDTH = 120, 420  # members' names, left of the timeline
YEAR_WIDTH = 110
ROW_HEIGHT = 30
TOP = 16
AXIS_HEIGHT = 36
RIGHT = 24


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _text_width(text: str) -> float:
    """Roughly how wide a label is at 13px: wide scripts (Chinese) take about twice a Latin letter."""
    return sum(13.0 if ord(char) >= 0x2E80 else 7.5 for char in text)


@dataclass
class Row:
    label: str
    y: str
    line_y: str


@dataclass
class Tick:
    label: str
    x: str
    label_x: str


@dataclass
class Curve:
    path: str
    start_x: str
    start_y: str
    title: str


@dataclass
class Diagram:
    width: str
    height: str
    left: str
    right: str
    top: str
    axis_y: str
    axis_label_y: str
    rows: list[Row] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    first_year: int = 0
    last_year: int = 0


def _fractional_year(moment: datetime.datetime) -> float:
    day = timezone.localtime(moment).date()
    start = datetime.date(day.year, 1, 1)
    days = (datetime.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / days


def diagram(links: list[Inspiration]) -> Diagram | None:
    """The layout of these links (already limited to DIAGRAM_LIMIT), or None when there is none."""
    links = [link for link in links if link.source.published_at and link.decided_at]
    if not links:
        return None
    members = {}
    for link in links:
        members[link.source.member_id] = link.source.member
        members[link.story.member_id] = link.story.member
    ordered = sorted(members.values(), key=lambda member: member.name)
    row_of = {member.pk: index for index, member in enumerate(ordered)}
    label_width = max(_text_width(member.name) for member in ordered) + 16
    label_width = round(min(max(label_width, LABEL_MIN_WIDTH), LABEL_MAX_WIDTH))
    moments = [_fractional_year(link.source.published_at) for link in links]
    moments += [_fractional_year(link.decided_at) for link in links]
    first_year, last_year = int(min(moments)), int(max(moments))
    years = last_year - first_year + 1
    width = label_width + years * YEAR_WIDTH + RIGHT
    plot_bottom = TOP + len(ordered) * ROW_HEIGHT
    height = plot_bottom + AXIS_HEIGHT

    def x_of(moment: float) -> float:
        return label_width + (moment - first_year) * YEAR_WIDTH

    def y_of(member_id: int) -> float:
        return TOP + row_of[member_id] * ROW_HEIGHT + ROW_HEIGHT / 2

    result = Diagram(
        width=str(width),
        height=str(height),
        left=str(label_width),
        right=str(width - RIGHT),
        top=str(TOP),
        axis_y=str(plot_bottom),
        axis_label_y=str(plot_bottom + 22),
        first_year=first_year,
        last_year=last_year,
    )
    for member in ordered:
        y = y_of(member.pk)
        result.rows.append(Row(label=member.name, y=_fmt(y + 4), line_y=_fmt(y)))
    for offset in range(years + 1):
        x = label_width + offset * YEAR_WIDTH
        label = str(first_year + offset) if offset < years else ""
        result.ticks.append(Tick(label=label, x=_fmt(x), label_x=_fmt(x + YEAR_WIDTH / 2)))
    for link in links:
        x1, y1 = x_of(_fractional_year(link.source.published_at)), y_of(link.source.member_id)
        x2, y2 = x_of(_fractional_year(link.decided_at)), y_of(link.story.member_id)
        bend = max(abs(x2 - x1) / 2, 30.0)
        path = (
            f"M{_fmt(x1)} {_fmt(y1)} C{_fmt(x1 + bend)} {_fmt(y1)} {_fmt(x2 - bend)} {_fmt(y2)} "
            f"{_fmt(x2)} {_fmt(y2)}"
        )
        title = _(
            "“%(source)s” (%(source_member)s, published %(published)s) inspired “%(story)s” "
            "(%(member)s), confirmed %(confirmed)s"
        ) % {
            # First-strong isolates (an SVG <title> holds no markup): the quotes stay around the title in
            # Arabic.
            "source": f"\u2068{link.source.title}\u2069",
            "source_member": link.source.member.name,
            "published": timezone.localtime(link.source.published_at).year,
            "story": f"\u2068{link.story.title}\u2069",
            "member": link.story.member.name,
            "confirmed": timezone.localtime(link.decided_at).year,
        }
        result.curves.append(Curve(path=path, start_x=_fmt(x1), start_y=_fmt(y1), title=title))
    return result
