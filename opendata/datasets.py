"""What a release holds: one CSV file per dataset, its columns with their Table Schema types, and the rows.

The stories, recommendations, endorsements and cooperation cards are the open-data API's own: their columns
are the API modules' CSV header and their cells the API's `csv_row` of its record of each row, so a release
file and the live CSV say the same (a test compares them); here each column gets its Table Schema type.
Members, meetings and the themes have no CSV in the API: their columns are defined here, with only what the
public pages show.

Rows are read with `.iterator(chunk_size=CHUNK_SIZE)` (prefetches run per chunk) and written out one at a
time: 100,000 stories never sit in memory together.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import Prefetch
from django.http import QueryDict

from cooperation import api as cooperation_api
from core.csv_safety import Echo, neutralise
from meetings.models import AgendaItem, Meeting
from members.models import Member
from membership import api as membership_api
from membership.models import Endorsement
from membership.views_declaration import public_endorsements
from recommendations import api as recommendations_api
from recommendations.models import Mechanism, Response
from stories import api as stories_api
from stories.models import Story, Theme

CHUNK_SIZE = 500
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
REGIONAL_GROUPS = list(Member.RegionalGroup.values)
SDG_NUMBERS = list(range(1, 18))
# Every file of a release, in the data package's order (`datasets()` builds their schemas).
DATASET_NAMES = [
    "stories",
    "story_themes",
    "themes",
    "members",
    "meetings",
    "endorsements",
    "recommendations",
    "cooperation",
]


class SiteRequest:
    """What the API's record functions need of a request, outside any request: absolute addresses on the
    portal's public host (settings.SITE_URL), as a visitor would see them."""

    def build_absolute_uri(self, location: str) -> str:
        return urljoin(f"{settings.SITE_URL}/", location)


# Columns and their Table Schema ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    enum: list | None = None
    required: bool = False
    unique: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def table_schema(self) -> dict[str, Any]:
        descriptor: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        descriptor.update(self.extra)
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.enum is not None:
            constraints["enum"] = self.enum
        if constraints:
            descriptor["constraints"] = constraints
        return descriptor


def text(name: str, description: str, **kwargs: Any) -> Column:
    return Column(name, "string", description, **kwargs)


def url(name: str, description: str, **kwargs: Any) -> Column:
    # Only for addresses the portal makes itself; links typed by people are plain strings (an address
    # Django accepts, with non-ASCII letters, is not always a URI).
    return Column(name, "string", description, extra={"format": "uri"}, **kwargs)


def integer(name: str, description: str, **kwargs: Any) -> Column:
    return Column(name, "integer", description, **kwargs)


def number(name: str, description: str) -> Column:
    return Column(name, "number", description)


def date(name: str, description: str, **kwargs: Any) -> Column:
    return Column(name, "date", description, **kwargs)


def datetime(name: str, description: str, **kwargs: Any) -> Column:
    return Column(name, "datetime", description, **kwargs)


def boolean(name: str, description: str) -> Column:
    return Column(name, "boolean", description, extra={"trueValues": ["true"], "falseValues": ["false"]})


def listing(name: str, description: str, *, item_type: str = "string", delimiter: str = " ") -> Column:
    """Several values in one cell (Table Schema v2 `list`): the API's CSV separates them by spaces, or by
    "; " where a value may hold a space."""
    return Column(name, "list", description, extra={"delimiter": delimiter, "itemType": item_type})


# Writing -------------------------------------------------------------------------------------------------


class CsvFile:
    """One CSV file being written: UTF-8 with a byte-order mark (as the API's CSV, so spreadsheet programs
    read it), the header, then rows; counted and hashed as they are written."""

    def __init__(self, path: Path, columns: list[Column]) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self.bytes = 0
        self._sha256 = hashlib.sha256()
        self._writer = csv.writer(Echo())
        self._file: BinaryIO = path.open("wb")
        self._write("\ufeff" + self._writer.writerow([column.name for column in columns]))

    def _write(self, line: str) -> None:
        data = line.encode("utf-8")
        self._sha256.update(data)
        self.bytes += len(data)
        self._file.write(data)

    def write(self, row: dict[str, Any]) -> None:
        # A column the row lacks (or a cell no column names) is a programming error: fail loudly.
        if len(row) != len(self.columns):
            raise ValueError(f"{self.path.name}: the row has {sorted(row)}, the columns are different")
        self._write(self._writer.writerow([neutralise(_cell(row[column.name])) for column in self.columns]))
        self.rows += 1

    def close(self) -> None:
        self._file.close()

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def joined(values: Iterable[Any], delimiter: str = " ") -> str:
    return delimiter.join(str(value) for value in values)


# Datasets ------------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """One file of a release. `columns` is built when the release is made (some enumerations, like the
    themes, come from the database)."""

    name: str
    title: str
    description: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def table_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
            "fields": [column.table_schema() for column in self.columns],
        }
        if self.primary_key:
            schema["primaryKey"] = self.primary_key
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return schema


def _reference(columns: list[str], resource: str, fields: list[str]) -> dict[str, Any]:
    return {"fields": columns, "reference": {"resource": resource, "fields": fields}}


def theme_slugs() -> list[str]:
    """Every theme's slug (priority themes and SDGs), in the themes' order."""
    return list(Theme.objects.order_by("kind", "order", "slug").values_list("slug", flat=True))


def datasets() -> list[Dataset]:
    """Every file of a release, in the order of the data package."""
    all_slugs = theme_slugs()
    return [
        Dataset(
            "stories",
            "Published good stories",
            "One row per published story. The same columns as /api/stories.csv (see the API documentation).",
            [
                integer("id", "The story's stable identifier.", required=True, unique=True),
                text("slug", "The last part of the story's address.", required=True),
                url("url", "The story's page."),
                text("title", "The title, in the story's language."),
                text("summary", "The summary, in the story's language."),
                text("language", "The language the story is written in.", enum=LANGUAGE_CODES),
                text("member_iso", "The member's ISO 3166 code (EU for the European Union)."),
                text("member_name", "The member's name, in English."),
                text(
                    "regional_group",
                    "The member's UN regional group; empty for an organisation.",
                    enum=REGIONAL_GROUPS,
                ),
                integer("policy_year", "The year the policy started."),
                listing(
                    "themes", "The story's priority themes (slugs, see themes.csv), separated by spaces."
                ),
                listing(
                    "sdgs",
                    "The Sustainable Development Goals it is tagged with, 1 to 17.",
                    item_type="integer",
                ),
                datetime("published_at", "When it was published (UTC)."),
                datetime("updated_at", "When it last changed (UTC)."),
                text("video_url", "A video about the policy, as given by the member."),
                text("source_url", "An official page about the policy, as given by the member."),
                listing("image_urls", "The widest JPEG rendition of each photo shown publicly."),
                listing("sdg_targets", "SDG target codes such as 16.3."),
                listing(
                    "recommendation_ids",
                    "The UN recommendations it answers (recommendations.csv ids).",
                    item_type="integer",
                ),
                listing(
                    "inspired_by_ids",
                    "The stories of other members it was inspired by, as confirmed.",
                    item_type="integer",
                ),
                listing("translation_languages", "The languages it is also published in (translations)."),
            ],
            primary_key=["id"],
        ),
        Dataset(
            "story_themes",
            "Themes and SDGs of the published stories",
            "One row per story and theme (priority themes and SDGs): the themes of stories.csv, one per row.",
            [
                integer("story_id", "The story (stories.csv id).", required=True),
                text("theme", "The theme's slug (themes.csv).", required=True, enum=all_slugs),
            ],
            primary_key=["story_id", "theme"],
            foreign_keys=[
                _reference(["story_id"], "stories", ["id"]),
                _reference(["theme"], "themes", ["slug"]),
            ],
        ),
        Dataset(
            "themes",
            "Priority themes and Sustainable Development Goals",
            "The initiative's priority themes and the 17 SDGs that stories and meetings are tagged with.",
            [
                text(
                    "slug",
                    "The theme's identifier in the open data.",
                    required=True,
                    unique=True,
                    enum=all_slugs,
                ),
                text("code", "A fixed identifier that never changes.", required=True),
                text(
                    "kind",
                    "priority (a priority theme) or sdg (a Goal).",
                    required=True,
                    enum=list(Theme.Kind.values),
                ),
                integer("sdg_number", "The Goal's number, for an SDG.", enum=SDG_NUMBERS),
                text("name", "The name, in English."),
            ],
            primary_key=["slug"],
        ),
        Dataset(
            "members",
            "Members of the initiative",
            "Current and former members (applicants are not published).",
            [
                text("iso", "ISO 3166 code (EU for the European Union).", required=True, unique=True),
                text("name", "The name, in English."),
                text("kind", "state or organisation.", enum=list(Member.Kind.values)),
                text(
                    "regional_group",
                    "The UN regional group; empty for an organisation.",
                    enum=REGIONAL_GROUPS,
                ),
                text("status", "member or former.", enum=[Member.Status.MEMBER, Member.Status.FORMER]),
                date("joined_on", "The day it joined."),
                boolean("founding", "Whether it is a founding member."),
                url("url", "The member's page."),
            ],
            primary_key=["iso"],
        ),
        Dataset(
            "meetings",
            "Meetings and events",
            "Every meeting and event of the initiative, past and upcoming (participants are not published "
            "here).",
            [
                integer("id", "The meeting's stable identifier.", required=True, unique=True),
                text("slug", "The last part of the meeting's address.", required=True),
                url("url", "The meeting's page."),
                text("title", "The title."),
                text("kind", "The kind of meeting.", enum=list(Meeting.Kind.values)),
                text("status", "planned, confirmed, held or cancelled.", enum=list(Meeting.Status.values)),
                text("city", "geneva, new_york or other (see place).", enum=list(Meeting.City.values)),
                text("place", "The city, when it is neither Geneva nor New York."),
                text("venue", "The venue."),
                text("time_zone", "The IANA time zone of the place."),
                datetime("starts_at", "Start, with the offset of UTC."),
                datetime("ends_at", "End, with the offset of UTC."),
                text("topic", "The topic's theme slug (themes.csv), if any.", enum=all_slugs),
                listing("co_chairs", "The co-chairs' ISO codes."),
                text("description", "The public description."),
                text("outcome_summary", "The outcome, once held."),
                listing(
                    "stories_presented",
                    "The published stories on its agenda (stories.csv ids).",
                    item_type="integer",
                ),
            ],
            primary_key=["id"],
            foreign_keys=[_reference(["topic"], "themes", ["slug"])],
        ),
        Dataset(
            "endorsements",
            "Endorsements of the joint declaration",
            "One row per endorsement of a version of the joint declaration by a member or former member. "
            "The same columns as /api/endorsements.csv.",
            [
                text("member_iso", "The member's ISO code.", required=True),
                text("member_name", "The member's name, in English."),
                text("regional_group", "The member's UN regional group.", enum=REGIONAL_GROUPS),
                integer("version", "The version of the declaration.", required=True),
                date("version_adopted_on", "The day that version was adopted."),
                date("endorsed_on", "The day it was endorsed."),
                text("level", "The signatory's level.", enum=list(Endorsement.Level.values)),
                text("means", "How it was given.", enum=list(Endorsement.Means.values)),
                text("signatory_name", "The public official who signed."),
                text("signatory_title", "Their title."),
                url("meeting_url", "The meeting where it was signed."),
            ],
            primary_key=["member_iso", "version"],
            foreign_keys=[_reference(["member_iso"], "members", ["iso"])],
        ),
        Dataset(
            "recommendations",
            "UN recommendations to members",
            "Recommendations of the UN human-rights mechanisms to current and former members, as imported "
            "from the Universal Human Rights Index. The same columns as /api/recommendations.csv.",
            [
                integer("id", "The recommendation's stable identifier.", required=True, unique=True),
                url("url", "Its page on the portal."),
                text("member_iso", "The state it is addressed to (ISO code).", required=True),
                text("member_name", "That state's name, in English."),
                text("mechanism", "The mechanism that made it.", enum=list(Mechanism.values)),
                text("body", "UPR, a treaty body, or the Special Procedures mandate."),
                text("symbol", "The UN document symbol."),
                text("paragraph", "The paragraph in that document."),
                integer("upr_cycle", "The UPR cycle."),
                text("session", "The session."),
                listing(
                    "recommending_states", "The states that made it (UPR), separated by '; '.", delimiter="; "
                ),
                text("response", "The state's response (UPR).", enum=list(Response.values)),
                date("published_on", "The date of the document."),
                text("text", "The recommendation, in the language it was published in."),
                text("language", "That language.", enum=LANGUAGE_CODES),
                listing("themes", "Priority-theme slugs."),
                listing("sdg_goals", "SDG numbers.", item_type="integer"),
                listing("sdg_targets", "SDG target codes."),
                listing("affected_groups", "The persons concerned, separated by '; '.", delimiter="; "),
                text("uhri_id", "Its identifier at the Universal Human Rights Index."),
                text("uhri_url", "Its page at the Universal Human Rights Index."),
                listing("answered_by", "The pages of the published stories answering it."),
            ],
            primary_key=["id"],
            foreign_keys=[_reference(["member_iso"], "members", ["iso"])],
        ),
        Dataset(
            "cooperation",
            "Cooperation cards with the UN Special Procedures",
            "One row per card a member chose to publish. The same columns as /api/cooperation.csv.",
            [
                text("member_iso", "The member's ISO code.", required=True, unique=True),
                text("member_name", "The member's name, in English."),
                text("regional_group", "The member's UN regional group.", enum=REGIONAL_GROUPS),
                url("url", "The card's page."),
                integer("year", "The year of the figures."),
                datetime("published_at", "When the member published the card."),
                date("standing_invitation_on", "Since when the member extends a standing invitation."),
                integer("visits", "How many visit requests are listed on the card."),
                listing("visit_report_symbols", "The UN symbols of the visit reports."),
                *[
                    number(f"{group}_{name}", f"{group.replace('_', ' ')}: {name.replace('_', ' ')}.")
                    if name.startswith("share_") or name.startswith("median_")
                    else integer(f"{group}_{name}", f"{group.replace('_', ' ')}: {name.replace('_', ' ')}.")
                    for group, name in cooperation_api.FIGURE_FIELDS
                ],
            ],
            primary_key=["member_iso"],
            foreign_keys=[_reference(["member_iso"], "members", ["iso"])],
        ),
    ]


# Rows ----------------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """What the stories file held: the ids and photo addresses, to tell what left since the release
    before (some thousands of integers and strings, not the stories)."""

    story_ids: set[int] = field(default_factory=set)
    image_urls: set[str] = field(default_factory=set)


def api_row(header: list[str], cells: list[Any]) -> dict[str, Any]:
    """A row of the API's CSV (its `csv_row` of a record, under its header): the release writes the cells
    the live CSV writes."""
    return dict(zip(header, cells, strict=True))


def write_stories(files: dict[str, CsvFile], site: SiteRequest, seen: Seen) -> None:
    """stories.csv and story_themes.csv, in one pass over the published stories (newest first, as the API)."""
    queryset, _ignored = stories_api.api_queryset(QueryDict())
    for story in queryset.iterator(chunk_size=CHUNK_SIZE):
        row = api_row(stories_api.CSV_FIELDS, stories_api.csv_row(stories_api.story_record(story, site)))
        files["stories"].write(row)
        seen.story_ids.add(story.pk)
        seen.image_urls.update(row["image_urls"].split())
        for theme in story.themes.all():
            files["story_themes"].write({"story_id": story.pk, "theme": theme.slug})


def write_themes(out: CsvFile) -> None:
    for theme in Theme.objects.order_by("kind", "order", "slug"):
        out.write(
            {
                "slug": theme.slug,
                "code": theme.code,
                "kind": theme.kind,
                "sdg_number": theme.sdg_number,
                "name": theme.name,
            }
        )


def write_members(out: CsvFile, site: SiteRequest) -> None:
    for member in Member.objects.public().order_by("country").iterator(chunk_size=CHUNK_SIZE):
        out.write(
            {
                "iso": member.iso,
                "name": member.name,
                "kind": member.kind,
                "regional_group": member.regional_group,
                "status": member.status,
                "joined_on": member.joined_on.isoformat() if member.joined_on else None,
                "founding": member.is_founding,
                "url": site.build_absolute_uri(member.get_absolute_url()),
            }
        )


def write_meetings(out: CsvFile, site: SiteRequest) -> None:
    presented = AgendaItem.objects.filter(story__status=Story.Status.PUBLISHED).order_by("order", "pk")
    meetings = (
        Meeting.objects.select_related("topic")
        .prefetch_related(
            Prefetch("co_chairs", queryset=Member.objects.order_by("country")),
            Prefetch("agenda", queryset=presented.only("pk", "meeting_id", "story_id"), to_attr="presented"),
        )
        .order_by("starts_at", "pk")
    )
    for meeting in meetings.iterator(chunk_size=CHUNK_SIZE):
        out.write(
            {
                "id": meeting.pk,
                "slug": meeting.slug,
                "url": site.build_absolute_uri(meeting.get_absolute_url()),
                "title": meeting.title,
                "kind": meeting.kind,
                "status": meeting.status,
                "city": meeting.city,
                "place": meeting.place,
                "venue": meeting.venue,
                "time_zone": meeting.tz.key,
                "starts_at": meeting.starts_at.isoformat(),
                "ends_at": meeting.ends_at.isoformat(),
                "topic": meeting.topic.slug if meeting.topic else None,
                "co_chairs": joined(member.iso for member in meeting.co_chairs.all()),
                "description": meeting.description,
                "outcome_summary": meeting.outcome_summary,
                "stories_presented": joined(dict.fromkeys(item.story_id for item in meeting.presented)),
            }
        )


def write_endorsements(out: CsvFile, site: SiteRequest) -> None:
    endorsements = public_endorsements().order_by("version__number", "endorsed_on", "pk")
    for endorsement in endorsements.iterator(chunk_size=CHUNK_SIZE):
        record = membership_api.endorsement_record(endorsement, site)
        out.write(api_row(membership_api.CSV_FIELDS, membership_api.csv_row(record)))


def write_recommendations(out: CsvFile, site: SiteRequest) -> None:
    queryset, _ignored = recommendations_api.api_queryset(QueryDict())
    for rec in queryset.iterator(chunk_size=CHUNK_SIZE):
        record = recommendations_api.recommendation_record(rec, site)
        out.write(api_row(recommendations_api.CSV_FIELDS, recommendations_api.csv_row(record)))


def write_cooperation(out: CsvFile, site: SiteRequest) -> None:
    # At most one card per member (some dozens): the API builds them in a fixed handful of queries.
    for record in cooperation_api.card_records(site):
        out.write(api_row(cooperation_api.csv_header(), cooperation_api.csv_row(record)))


def api_columns() -> dict[str, list[str]]:
    """The API's CSV columns of the datasets that have one: a release's columns must be the same."""
    return {
        "stories": list(stories_api.CSV_FIELDS),
        "endorsements": list(membership_api.CSV_FIELDS),
        "recommendations": list(recommendations_api.CSV_FIELDS),
        "cooperation": cooperation_api.csv_header(),
    }


def write_all(files: dict[str, CsvFile], site: SiteRequest, seen: Seen) -> None:
    """Every file of a release, each dataset read once."""
    write_stories(files, site, seen)
    write_themes(files["themes"])
    write_members(files["members"], site)
    write_meetings(files["meetings"], site)
    write_endorsements(files["endorsements"], site)
    write_recommendations(files["recommendations"], site)
    write_cooperation(files["cooperation"], site)
