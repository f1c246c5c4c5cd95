"""Benchmark data: N published stories spread over members, themes, SDGs and years, with small rendition
files, and M recommendations to the members (same wordings to several states, SDG targets), some answered by
the new stories and a few stories confirmed as inspired by others; inserted in bulk (100,000 of each in a few
minutes on PostgreSQL). Adds to what is there.

With `--cooperation [MEMBERS]` (200 by default): that many current members (the existing ones, then generated
states with free ISO codes, spread over the UN regional groups), each with 50 visit requests and 200
communications to the Special Procedures over the last three years, confirmed, answered in time, late or not
yet, as the cooperation review and the secretariat's dashboard meet them."""

from __future__ import annotations

import io
import random
import time
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django_countries import countries
from PIL import Image

from cooperation.models import Communication, CooperationRecord, Mandate, VisitRequest
from members.models import Member
from recommendations.families import family_key
from recommendations.models import Citation, Inspiration, Mechanism, Recommendation, Response
from recommendations.search import update_search_vectors
from stories.models import SdgTarget, Story, StoryImage, Theme
from stories.search import update_all_search_vectors

WORDS = [
    "access",
    "justice",
    "court",
    "legal",
    "aid",
    "children",
    "education",
    "school",
    "health",
    "clinic",
    "women",
    "equality",
    "parity",
    "inclusion",
    "disability",
    "migrants",
    "refugees",
    "citizenship",
    "registration",
    "birth",
    "elections",
    "participation",
    "dialogue",
    "prison",
    "reform",
    "police",
    "training",
    "water",
    "sanitation",
    "housing",
    "employment",
    "apprenticeship",
    "pension",
    "care",
    "elderly",
    "youth",
    "indigenous",
    "language",
    "culture",
    "media",
    "freedom",
    "expression",
    "assembly",
    "defenders",
    "ombudsman",
    "institution",
    "data",
    "transparency",
]
BATCH = 2000
# Recommendations worded alike go to many states (the matchmaker pairs them by this family).
# (each opening has eight significant words: recommendations starting alike share a family).
RECOMMENDATION_OPENINGS = [
    "Ratify the Optional Protocol to the Convention against Torture without delay;",
    "Guarantee the independence of the national human rights institution with adequate funding;",
    "Adopt a comprehensive national law prohibiting discrimination on every ground, including sexual "
    "orientation;",
    "Guarantee access to justice and free legal aid for people living in rural areas;",
    "Guarantee free and universal birth registration for every child born in the territory;",
    "Prevent violence against women and girls, punish perpetrators and support survivors;",
    "Improve conditions of detention, reduce prison overcrowding and develop alternatives;",
    "Protect human rights defenders and journalists, and investigate every attack against them;",
]
TREATY_BODY_CODES = ["CEDAW", "CRC", "CCPR", "CESCR", "CAT", "CERD", "CRPD"]
COOPERATION_MEMBERS = 200
VISITS_PER_MEMBER = 50
COMMUNICATIONS_PER_MEMBER = 200
COOPERATION_DAYS = 3 * 365  # entries over the last three years
CITED_SHARE = 0.3  # of the new stories, each answering one or two recommendations to its member
INSPIRED_SHARE = 0.01  # of the new stories, each confirmed as inspired by another member's story


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def rendition_set() -> dict[str, dict]:
    """Small shared rendition files (one set serves every benchmark story)."""
    media = storages["default"]
    key = "bench"
    renditions = {}
    for width in (480, 960, 1600):
        height = width * 5 // 8
        entry = {"height": height}
        for fmt, extension in (("webp", "webp"), ("jpeg", "jpg")):
            name = f"stories/renditions/{key}/{width}.{extension}"
            if not media.exists(name):
                buffer = io.BytesIO()
                Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, fmt.upper())
                media.save(name, ContentFile(buffer.getvalue()))
            entry[fmt] = name
        renditions[str(width)] = entry
    return renditions


class Command(BaseCommand):
    help = "Create N published benchmark stories (bulk inserts), with themes, SDGs, years and renditions."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--stories", type=int, default=None)
        parser.add_argument(
            "--recommendations", type=int, default=None, help="how many (default: as many as --stories)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--cooperation",
            type=int,
            nargs="?",
            const=COOPERATION_MEMBERS,
            default=None,
            metavar="MEMBERS",
            help=f"members with a cooperation record ({COOPERATION_MEMBERS} without a number), each with "
            f"{VISITS_PER_MEMBER} visit requests and {COMMUNICATIONS_PER_MEMBER} communications",
        )

    def handle(self, *args, **options) -> None:
        if options["stories"] is None and options["cooperation"] is None:
            raise CommandError("Give --stories, --cooperation, or both.")
        if options["cooperation"] is not None:
            self.create_cooperation(options["cooperation"], options["seed"])
            if options["stories"] is None:
                return
        started = time.monotonic()
        rng = random.Random(options["seed"] + Story.objects.count())  # noqa: S311 - test data
        members = list(Member.objects.public())
        priorities = list(Theme.objects.priorities())
        sdgs = list(Theme.objects.sdgs())
        renditions = rendition_set()
        through = Story.themes.through
        total, now = options["stories"], timezone.now()
        new_stories: list[tuple[int, int]] = []  # (story, member)
        for start in range(0, total, BATCH):
            size = min(BATCH, total - start)
            with transaction.atomic():
                stories = Story.objects.bulk_create(
                    [
                        Story(
                            member=rng.choice(members),
                            title=sentence(rng, 6)[:-1],
                            slug=f"bench-{uuid.uuid4().hex[:16]}",
                            summary=sentence(rng, 30),
                            body="\n\n".join(sentence(rng, 60) for _ in range(4)),
                            policy_year=rng.randint(1995, 2025),
                            language="en",
                            status=Story.Status.PUBLISHED,
                            published_at=now - timezone.timedelta(minutes=rng.randint(0, 5_000_000)),
                            updated_at=now,
                        )
                        for _ in range(size)
                    ]
                )
                links = []
                for story in stories:
                    for theme in {rng.choice(priorities), rng.choice(sdgs), rng.choice(sdgs)}:
                        links.append(through(story_id=story.pk, theme_id=theme.pk))
                through.objects.bulk_create(links, ignore_conflicts=True)
                new_stories += [(story.pk, story.member_id) for story in stories]
                StoryImage.objects.bulk_create(
                    [
                        StoryImage(
                            story=story,
                            original="stories/originals/bench.jpg",
                            width=1600,
                            height=1000,
                            alt_text="A blue illustration",
                            consent_confirmed=True,
                            renditions=renditions,
                        )
                        for story in stories
                    ]
                )
            self.stdout.write(f"  {start + size}/{total}")
        update_all_search_vectors()
        wanted = total if options["recommendations"] is None else options["recommendations"]
        by_country = self.create_recommendations(rng, members, sdgs, wanted, now)
        self.link_stories(rng, members, new_stories, by_country, now)
        if connection.vendor == "postgresql":
            # As autovacuum would after a bulk load: statistics for the planner and a visibility map for
            # index-only scans. Without them the first minutes of a fresh database plan by guesswork.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} stories and {wanted} recommendations in {time.monotonic() - started:.0f} s; "
                f"{Story.objects.count()} stories and {Recommendation.objects.count()} recommendations "
                "in all."
            )
        )

    def create_recommendations(
        self, rng: random.Random, members: list[Member], sdgs: list[Theme], total: int, now
    ) -> dict[str, list[Recommendation]]:
        """`total` recommendations to the members' states, in bulk; by country."""
        states = [member.country.code for member in members if member.kind == Member.Kind.STATE]
        targets = list(SdgTarget.objects.values_list("pk", "goal"))
        goal_themes = {theme.sdg_number: theme.pk for theme in sdgs}
        theme_links, target_links = Recommendation.themes.through, Recommendation.sdg_targets.through
        batch_token = uuid.uuid4().hex[:8]  # symbols unique to this run: it adds to what is there
        by_country: dict[str, list[Recommendation]] = {}
        for start in range(0, total, BATCH):
            size = min(BATCH, total - start)
            recs, chosen_targets = [], []
            for i in range(start, start + size):
                text = f"{rng.choice(RECOMMENDATION_OPENINGS)} {sentence(rng, 12)}"
                cycle, session, response, recommending = None, "", "", []
                kind = rng.random()
                if kind < 0.7:
                    mechanism, body, cycle = Mechanism.UPR, "UPR", rng.choice([3, 4])
                    session = str(rng.randint(27, 40) if cycle == 3 else rng.randint(41, 50))
                    response = rng.choice([Response.SUPPORTED, Response.SUPPORTED, Response.NOTED])
                    recommending = [rng.choice(WORDS).capitalize()]
                elif kind < 0.95:
                    mechanism, body = Mechanism.TREATY_BODY, rng.choice(TREATY_BODY_CODES)
                else:
                    mechanism, body = Mechanism.SPECIAL_PROCEDURES, "Special Rapporteur on the right to food"
                recs.append(
                    Recommendation(
                        country=rng.choice(states),
                        mechanism=mechanism,
                        body=body,
                        symbol=f"BENCH/{batch_token}/{i // 250}",
                        paragraph=f"{i % 250 + 1}",
                        upr_cycle=cycle,
                        session=session,
                        recommending_states=recommending,
                        response=response,
                        published_on=(now - timezone.timedelta(days=rng.randint(0, 6000))).date(),
                        text=text,
                        family=family_key(text),
                        created_at=now,
                        updated_at=now,
                    )
                )
                chosen_targets.append(rng.sample(targets, 2))
            with transaction.atomic():
                Recommendation.objects.bulk_create(recs)
                target_links.objects.bulk_create(
                    [
                        target_links(recommendation_id=rec.pk, sdgtarget_id=target)
                        for rec, pair in zip(recs, chosen_targets, strict=True)
                        for target, _goal in pair
                    ]
                )
                theme_links.objects.bulk_create(
                    [
                        theme_links(recommendation_id=rec.pk, theme_id=goal_themes[goal])
                        for rec, pair in zip(recs, chosen_targets, strict=True)
                        for goal in {goal for _target, goal in pair}
                        if goal in goal_themes
                    ]
                )
                update_search_vectors([rec.pk for rec in recs])
            for rec in recs:
                by_country.setdefault(rec.country.code, []).append(rec)
            self.stdout.write(f"  {start + size}/{total} recommendations")
        return by_country

    def link_stories(
        self,
        rng: random.Random,
        members: list[Member],
        new_stories: list[tuple[int, int]],
        by_country: dict[str, list[Recommendation]],
        now,
    ) -> None:
        """A share of the new stories answer recommendations to their member; a few were inspired (and the
        other member confirmed it) by another member's story."""
        country_of = {member.pk: member.country.code for member in members}
        citations = []
        for story_id, member_id in new_stories:
            candidates = by_country.get(country_of[member_id])
            if not candidates or rng.random() >= CITED_SHARE:
                continue
            for rec in {rec.pk: rec for rec in rng.sample(candidates, min(len(candidates), 2))}.values():
                citations.append(
                    Citation(
                        story_id=story_id,
                        recommendation_id=rec.pk,
                        mechanism=rec.mechanism,
                        symbol=rec.symbol,
                        paragraph=rec.paragraph,
                        added_at=now,
                    )
                )
        Citation.objects.bulk_create(citations, batch_size=BATCH)
        inspirations, pairs = [], set()
        inspired = min(len(new_stories), max(1, int(len(new_stories) * INSPIRED_SHARE)))
        for story_id, member_id in rng.sample(new_stories, inspired):
            source_id, source_member = rng.choice(new_stories)
            if source_member == member_id or (story_id, source_id) in pairs:
                continue
            pairs.add((story_id, source_id))
            decided = now - timezone.timedelta(days=rng.randint(0, 1500))
            inspirations.append(
                Inspiration(
                    story_id=story_id,
                    source_id=source_id,
                    status=Inspiration.Status.CONFIRMED,
                    proposed_at=decided - timezone.timedelta(days=7),
                    decided_at=decided,
                )
            )
        Inspiration.objects.bulk_create(inspirations, batch_size=BATCH)
        self.stdout.write(f"  {len(citations)} citations, {len(inspirations)} confirmed inspirations")

    # --- Cooperation with the Special Procedures -----------------------------------------------------------

    def create_cooperation(self, count: int, seed: int) -> None:
        started = time.monotonic()
        rng = random.Random(seed + VisitRequest.objects.count())  # noqa: S311 - test data
        members = self.cooperation_members(rng, count)
        now = timezone.now()
        today = timezone.localdate()
        CooperationRecord.objects.bulk_create(
            [
                CooperationRecord(
                    member=member,
                    time_zone=rng.choice(["Europe/Zurich", "Europe/Zurich", "America/New_York"]),
                    standing_invitation_on=(
                        today - timezone.timedelta(days=rng.randint(0, 6000)) if rng.random() < 0.6 else None
                    ),
                )
                for member in members
            ],
            ignore_conflicts=True,  # members that keep a record already keep theirs
        )
        mandates = list(Mandate.objects.all()) or [
            Mandate.objects.create(name=f"bench mandate {i}", holder_title=f"Special Rapporteur {i}")
            for i in range(10)
        ]
        token = uuid.uuid4().hex[:6]  # references unique to this run: it adds to what is there
        for member in members:
            with transaction.atomic():
                VisitRequest.objects.bulk_create(
                    [
                        self.bench_visit(rng, member, rng.choice(mandates), today, now)
                        for _ in range(VISITS_PER_MEMBER)
                    ],
                    batch_size=BATCH,
                )
                Communication.objects.bulk_create(
                    [
                        self.bench_communication(rng, member, f"BENCH {member.iso} {token}-{i}", today, now)
                        for i in range(COMMUNICATIONS_PER_MEMBER)
                    ],
                    batch_size=BATCH,
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(members)} members with {VISITS_PER_MEMBER} visit requests and "
                f"{COMMUNICATIONS_PER_MEMBER} communications each in {time.monotonic() - started:.0f} s."
            )
        )

    def cooperation_members(self, rng: random.Random, count: int) -> list[Member]:
        """The current members first, then new states with free ISO codes, spread over the regional groups."""
        members = list(Member.objects.current().order_by("pk")[:count])
        used = set(Member.objects.values_list("country", flat=True))
        free = [code for code, _name in countries if code not in used]
        groups = list(Member.RegionalGroup)
        missing = count - len(members)
        if missing > len(free):
            raise CommandError(f"Only {len(free)} ISO codes are free: ask for fewer members.")
        Member.objects.bulk_create(
            [
                Member(
                    country=code,
                    kind=Member.Kind.STATE,
                    regional_group=groups[i % len(groups)],
                    status=Member.Status.MEMBER,
                    joined_on=timezone.localdate() - timezone.timedelta(days=rng.randint(30, 2500)),
                )
                for i, code in enumerate(free[: max(missing, 0)])
            ]
        )
        return members + list(Member.objects.filter(country__in=free[: max(missing, 0)]))

    @staticmethod
    def bench_reply(rng: random.Random, start, due, today, answered_share: float):
        """A reply date: in time, late or none yet (never after today)."""
        if rng.random() >= answered_share:
            return None
        allowed = (due - start).days
        days = rng.randint(1, allowed) if rng.random() < 0.7 else rng.randint(allowed + 1, allowed + 150)
        replied = start + timezone.timedelta(days=days)
        return replied if replied <= today else None

    def bench_visit(self, rng: random.Random, member: Member, mandate: Mandate, today, now) -> VisitRequest:
        requested = today - timezone.timedelta(days=rng.randint(0, COOPERATION_DAYS))
        due = requested + timezone.timedelta(days=61)  # two months
        replied = self.bench_reply(rng, requested, due, today, 0.85)
        starts = ends = None
        if replied is None:
            status = rng.choice(["requested", "reminder_sent", "no_response"])
        else:
            status = rng.choice(
                ["accepted", "dates_proposed", "scheduled", "completed", "postponed", "declined"]
            )
            if status in ("scheduled", "completed"):
                starts = replied + timezone.timedelta(days=rng.randint(30, 300))
                ends = starts + timezone.timedelta(days=rng.randint(4, 12))
                status = "completed" if ends < today else "scheduled"
        return VisitRequest(
            member=member,
            mandate=mandate,
            requested_on=requested,
            reply_due_on=due,
            replied_on=replied,
            status=status,
            visit_starts_on=starts,
            visit_ends_on=ends,
            confirmed_at=now,
            created_at=now,
            updated_at=now,
        )

    def bench_communication(
        self, rng: random.Random, member: Member, reference: str, today, now
    ) -> Communication:
        kind = rng.choice(list(Communication.Kind))
        received = today - timezone.timedelta(days=rng.randint(0, COOPERATION_DAYS))
        due = received + timezone.timedelta(days=30 if kind == Communication.Kind.URGENT_APPEAL else 60)
        return Communication(
            member=member,
            kind=kind,
            reference=reference,
            received_on=received,
            reply_due_on=due,
            replied_on=self.bench_reply(rng, received, due, today, 0.8),
            confirmed_at=now,
            created_at=now,
            updated_at=now,
        )
