"""The data migration: the free-text references stories had (stories.RecommendationReference) became
citations without loss (the whole text kept as the note; symbol and paragraph found in it filled in), and
going back puts them back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recommendations.models import Citation
from tests import factories

BEFORE = [("stories", "0013_load_sdg_targets"), ("recommendations", "0001_initial")]
AFTER = [("recommendations", "0002_citations_from_references")]

REFERENCES = [
    # (mechanism, reference as typed, url) -> symbol and paragraph found in it
    ("upr", "A/HRC/38/4, para. 116.23", "https://undocs.org/A/HRC/38/4"),
    ("treaty_body", "CRC/C/URY/CO/3-5 paragraph 24(b)", ""),
    ("special_procedures", "Ratify the Optional Protocol to the Convention against Torture", ""),
]
FOUND = [("A/HRC/38/4", "116.23"), ("CRC/C/URY/CO/3-5", "24(b)"), ("", "")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_free_text_references_become_citations_and_come_back():
    story = factories.StoryFactory()  # the Story table is the same before and after
    other = factories.StoryFactory()
    try:
        old = migrate(BEFORE)
        Reference = old.get_model("stories", "RecommendationReference")
        for order, (mechanism, reference, url) in enumerate(REFERENCES):
            Reference.objects.create(
                story_id=story.pk, mechanism=mechanism, reference=reference, url=url, order=order
            )
        Reference.objects.create(story_id=other.pk, mechanism="upr", reference="A/HRC/24/5, para. 90.1")

        migrate(AFTER)
        new = migrate(leaf_nodes())

        rows = list(
            Citation.objects.filter(story=story).values_list(
                "mechanism", "symbol", "paragraph", "note", "url", "order", "recommendation"
            )
        )
        assert rows == [
            (mechanism, symbol, paragraph, reference, url, order, None)
            for order, ((mechanism, reference, url), (symbol, paragraph)) in enumerate(
                zip(REFERENCES, FOUND, strict=True)
            )
        ]
        assert [c.reference for c in Citation.objects.filter(story=other)] == ["A/HRC/24/5, para. 90.1"]
        with pytest.raises(LookupError):
            new.get_model("stories", "RecommendationReference")  # gone once every reference is a citation

        back = migrate(BEFORE)
        Reference = back.get_model("stories", "RecommendationReference")
        assert list(
            Reference.objects.filter(story_id=story.pk).values_list("mechanism", "reference", "url", "order")
        ) == [(m, r, u, order) for order, (m, r, u) in enumerate(REFERENCES)]
    finally:
        migrate(leaf_nodes())
