"""The recommendations stories cited as free text (stories.RecommendationReference) become citations, without
loss: the text is kept whole as the citation's note; a symbol and paragraph found in it are filled in too, and
the citation is matched to an imported recommendation later (the secretariat's "match" action)."""

import re

from django.db import migrations

# A UN document symbol (A/HRC/38/4, CEDAW/C/URY/CO/10, A/HRC/WG.6/31/URY/1) and a paragraph (para. 116.23).
SYMBOL = re.compile(r"\b((?:A|E|CCPR|CESCR|CERD|CEDAW|CAT|CRC|CMW|CRPD|CED)/[A-Za-z0-9./()-]*[A-Za-z0-9)])")
PARAGRAPH = re.compile(r"\bpara(?:graph|s?\.)?\s*([0-9]+(?:\.[0-9]+)*(?:\s?\([a-z]\))?)", re.IGNORECASE)


def parse(reference: str) -> tuple[str, str]:
    symbol = SYMBOL.search(reference)
    paragraph = PARAGRAPH.search(reference)
    return (
        symbol.group(1)[:100] if symbol else "",
        paragraph.group(1).replace(" ", "")[:30] if symbol and paragraph else "",
    )


def forwards(apps, schema_editor):
    Reference = apps.get_model("stories", "RecommendationReference")
    Citation = apps.get_model("recommendations", "Citation")
    citations = []
    for ref in Reference.objects.order_by("story_id", "order", "pk").iterator():
        symbol, paragraph = parse(ref.reference)
        citations.append(
            Citation(
                story_id=ref.story_id,
                mechanism=ref.mechanism,
                symbol=symbol,
                paragraph=paragraph,
                note=ref.reference,
                url=ref.url,
                order=ref.order,
            )
        )
    Citation.objects.bulk_create(citations, batch_size=1000)


def backwards(apps, schema_editor):
    Reference = apps.get_model("stories", "RecommendationReference")
    Citation = apps.get_model("recommendations", "Citation")
    Reference.objects.bulk_create(
        Reference(
            story_id=c.story_id,
            mechanism=c.mechanism,
            reference=(c.note or (f"{c.symbol}, para. {c.paragraph}" if c.paragraph else c.symbol))[:500],
            url=c.url,
            order=c.order,
        )
        for c in Citation.objects.order_by("story_id", "order", "pk")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("stories", "0013_load_sdg_targets"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
