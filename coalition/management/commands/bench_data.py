"""Benchmark data: N published stories spread over members, themes, SDGs and years, with small rendition
files, inserted in bulk (100,000 in a few minutes on PostgreSQL). Adds to what is there."""

from __future__ import annotations

import io
import random
import time
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image

from members.models import Member
from stories.models import Story, StoryImage, Theme
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
        parser.add_argument("--stories", type=int, required=True)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        rng = random.Random(options["seed"] + Story.objects.count())  # noqa: S311 - test data
        members = list(Member.objects.public())
        priorities = list(Theme.objects.priorities())
        sdgs = list(Theme.objects.sdgs())
        renditions = rendition_set()
        through = Story.themes.through
        total, now = options["stories"], timezone.now()
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
        if connection.vendor == "postgresql":
            # As autovacuum would after a bulk load: statistics for the planner and a visibility map for
            # index-only scans. Without them the first minutes of a fresh database plan by guesswork.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} stories in {time.monotonic() - started:.0f} s; {Story.objects.count()} in all."
            )
        )
