"""The demo stories (stories/demo.py), loaded as `manage.py load_demo` loads them: consistent dates."""

import datetime
import importlib
import json
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from stories.demo import DEMO_STORIES
from stories.models import Story
from tests import factories
from tests.members.test_load_demo import load_demo

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def test_no_demo_story_was_last_changed_before_it_was_published(client):
    load_demo()

    published = list(Story.objects.published())
    assert len(published) == sum(demo.outcome == "published" for demo in DEMO_STORIES)
    for story in published:
        assert story.updated_at >= story.published_at, story.title
    # Nor in what the public reads: the JSON API and the story pages' schema.org data.
    results = client.get(reverse("api:stories_json"), {"page_size": 100}).json()["results"]
    assert results
    for record in results:
        updated = datetime.datetime.fromisoformat(record["updated_at"])
        assert updated >= datetime.datetime.fromisoformat(record["published_at"]), record["title"]
    for story in Story.objects.published():
        html = client.get(story.get_absolute_url()).content.decode()
        data = json.loads(JSON_LD.search(html).group(1))
        modified = datetime.datetime.fromisoformat(data["dateModified"])
        assert modified >= datetime.datetime.fromisoformat(data["datePublished"]), story.title


def test_stories_published_before_the_fix_get_their_dates_straightened(member):
    published_at = timezone.now() - datetime.timedelta(days=2)
    wrong = factories.PublishedStoryFactory(
        member=member, published_at=published_at, updated_at=published_at - datetime.timedelta(hours=3)
    )
    edited_later = factories.PublishedStoryFactory(
        member=member, published_at=published_at, updated_at=published_at + datetime.timedelta(hours=3)
    )
    migration = importlib.import_module("stories.migrations.0010_story_updated_not_before_published")

    migration.updated_at_not_before_published_at(apps, schema_editor=None)

    wrong.refresh_from_db()
    edited_later.refresh_from_db()
    assert wrong.updated_at == published_at
    assert edited_later.updated_at == published_at + datetime.timedelta(hours=3)
