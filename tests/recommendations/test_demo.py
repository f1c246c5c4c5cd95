"""The demo recommendations: a few dozen per demo member, marked as demo, with wordings shared across states,
cited by the demo stories, and loaded once however often `load_demo` runs."""

import io
from collections import defaultdict

import pytest
from django.core.management import call_command

from recommendations.demo import UPR_REPORTS, load_recommendation_demo
from recommendations.families import family_key
from recommendations.models import Citation, Recommendation

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def test_load_demo_is_idempotent():
    first = load_demo()
    count = Recommendation.objects.count()
    citations = Citation.objects.count()
    assert f"{count} new recommendations" in first
    assert "0 new recommendations" in load_demo()
    assert Recommendation.objects.count() == count
    assert Citation.objects.count() == citations
    assert load_recommendation_demo() == []


def test_what_the_demo_holds():
    load_demo()
    recommendations = list(Recommendation.objects.prefetch_related("sdg_targets", "themes"))
    by_state = defaultdict(list)
    for rec in recommendations:
        by_state[rec.country.code].append(rec)
    assert set(by_state) == set(UPR_REPORTS)
    assert all(20 <= len(recs) <= 40 for recs in by_state.values())
    assert all(rec.is_demo for rec in recommendations)
    assert {rec.mechanism for rec in recommendations} == {"upr", "treaty_body", "special_procedures"}
    assert {rec.response for rec in recommendations if rec.mechanism == "upr"} == {"supported", "noted"}
    assert {rec.upr_cycle for rec in recommendations if rec.mechanism == "upr"} == {3, 4}
    assert all(rec.sdg_targets.all() and rec.themes.all() for rec in recommendations)
    assert all(rec.search_vector is not None or rec.family for rec in recommendations)
    # The same wording to several states: the matchmaker's matches.
    states_by_family = defaultdict(set)
    for rec in recommendations:
        assert rec.family == family_key(rec.text)
        states_by_family[rec.family].add(rec.country.code)
    assert max(len(states) for states in states_by_family.values()) >= 4
    torture = [
        rec for rec in recommendations if "Optional Protocol to the Convention against Torture" in rec.text
    ]
    assert len({rec.country.code for rec in torture}) >= 3


def test_demo_stories_answer_recommendations_to_their_member():
    load_demo()
    citations = list(Citation.objects.select_related("story__member", "recommendation"))
    assert citations
    for citation in citations:
        assert citation.story.status == "published"
        assert citation.recommendation.country == citation.story.member.country
        assert (citation.symbol, citation.paragraph) == (
            citation.recommendation.symbol,
            citation.recommendation.paragraph,
        )
    assert Recommendation.objects.answered().count() == len(citations)
