"""The benchmark's data generator (`manage.py bench_data`): published stories spread over members, themes,
SDGs and years, with rendition files, searchable, and with planner statistics on PostgreSQL; recommendations
to the members, some answered by the stories, and a few confirmed inspirations."""

import io

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Citation, Inspiration, Recommendation
from stories.models import Story

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_bench_data_makes_published_stories_spread_over_members_themes_sdgs_and_years(client):
    call_command("bench_data", "--stories", "60", stdout=io.StringIO())

    stories = Story.objects.published()
    assert stories.count() == 60
    assert stories.values("member").distinct().count() >= 5
    assert stories.filter(themes__kind="priority").distinct().count() == 60
    assert stories.filter(themes__kind="sdg").distinct().count() == 60
    assert stories.order_by().values("policy_year").distinct().count() >= 10
    media = storages["default"]
    for story in stories.prefetch_related("images")[:5]:
        (image,) = story.images.all()
        assert sorted(image.renditions, key=int) == ["480", "960", "1600"]
        assert all(
            media.exists(entry["webp"]) and media.exists(entry["jpeg"]) for entry in image.renditions.values()
        )
    assert "60 stories" in client.get(reverse("stories:story_list")).content.decode()


def test_bench_data_adds_to_what_is_there():
    call_command("bench_data", "--stories", "10", stdout=io.StringIO())
    call_command("bench_data", "--stories", "15", stdout=io.StringIO())

    assert Story.objects.published().count() == 25
    assert Story.objects.values("slug").distinct().count() == 25


def test_bench_data_leaves_the_stories_searchable_and_analysed_for_the_planner(client, uses_postgresql):
    call_command("bench_data", "--stories", "40", stdout=io.StringIO())

    assert not Story.objects.filter(search_vector=None).exists()
    html = client.get(reverse("stories:story_list"), {"q": "justice"}).content.decode()
    assert 'class="story-card"' in html
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_analyze IS NOT NULL, last_vacuum IS NOT NULL FROM pg_stat_user_tables"
            " WHERE relname = 'stories_story'"
        )
        assert cursor.fetchone() == (True, True)


def test_bench_data_makes_recommendations_answered_by_some_stories():
    call_command("bench_data", "--stories", "60", "--recommendations", "90", stdout=io.StringIO())

    recommendations = Recommendation.objects.all()
    assert recommendations.count() == 90
    assert recommendations.values("country").distinct().count() >= 5
    assert not recommendations.filter(country="EU").exists()  # no UN mechanism reviews the EU
    assert recommendations.values("family").distinct().count() <= 8  # alike wordings: matches
    assert {rec.mechanism for rec in recommendations} >= {"upr", "treaty_body"}
    assert all(rec.sdg_targets.count() == 2 and rec.themes.exists() for rec in recommendations[:10])
    citations = Citation.objects.select_related("story__member", "recommendation")
    assert citations.exists()
    assert all(c.recommendation.country == c.story.member.country for c in citations)
    assert all(
        (c.symbol, c.paragraph) == (c.recommendation.symbol, c.recommendation.paragraph) for c in citations
    )
    inspirations = Inspiration.objects.select_related("story", "source")
    assert inspirations.exists()
    assert all(i.status == "confirmed" and i.decided_at is not None for i in inspirations)
    assert all(i.story.member_id != i.source.member_id for i in inspirations)


def test_bench_data_makes_as_many_recommendations_as_stories_unless_told():
    call_command("bench_data", "--stories", "12", stdout=io.StringIO())
    call_command("bench_data", "--stories", "5", "--recommendations", "0", stdout=io.StringIO())

    assert Recommendation.objects.count() == 12


def test_bench_data_cooperation_gives_members_confirmed_visits_and_communications_over_three_years():
    from cooperation.models import Communication, CooperationRecord, VisitRequest
    from cooperation.review import coalition_review
    from members.models import Member

    call_command("bench_data", "--cooperation", "12", stdout=io.StringIO())

    assert Story.objects.count() == 0  # only what was asked for
    members = Member.objects.filter(visit_requests__isnull=False).distinct()
    assert members.count() == 12
    assert all(member.status == "member" for member in members)
    assert members.exclude(regional_group="").values("regional_group").distinct().count() >= 4
    assert CooperationRecord.objects.filter(member__in=members).count() == 12
    visits, communications = VisitRequest.objects.all(), Communication.objects.all()
    assert visits.count() == 12 * 50 and communications.count() == 12 * 200
    assert (
        not visits.filter(confirmed_at=None).exists()
        and not communications.filter(confirmed_at=None).exists()
    )
    assert visits.dates("requested_on", "year").count() >= 3
    for entries in (visits, communications):
        assert entries.filter(replied_on=None).exists()
        assert entries.filter(replied_on__lte=F("reply_due_on")).exists()
        assert entries.filter(replied_on__gt=F("reply_due_on")).exists()
    assert visits.filter(status="completed").exists()
    year = timezone.localdate().year - 1
    assert coalition_review(year=year).total.figures.communications.received > 0

    call_command("bench_data", "--cooperation", "3", stdout=io.StringIO())  # adds to what is there
    assert VisitRequest.objects.count() == 15 * 50
