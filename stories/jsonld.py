"""schema.org metadata of a story page (JSON-LD), and the story's stable identifier.

No personal data: the member (a state or the European Union) is the author, never a person.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.open_data import current_licence
from stories.models import Story, StoryText

# The sets the SDGs and their targets belong to: the UN's own list.
SDG_SET_URL = "https://sdgs.un.org/goals"


def url_in(story: Story, language: str) -> str:
    """The path of the story's page under `language`'s prefix."""
    with translation.override(language):
        return story.get_absolute_url()


def story_identifier(story: Story) -> str:
    """The story's permanent address: its page in the language it was written in, under SITE_URL.

    A story's slug is made once, from its first title, and never changes afterwards (story_save keeps it,
    the admin shows it read-only), and the language it is written in is fixed; so this address stays the
    same for the story's whole life, whatever its title becomes and whatever language a reader uses."""
    return settings.SITE_URL + url_in(story, story.language)


def initiative(request: HttpRequest) -> dict[str, Any]:
    """The Initiative as the publisher of stories and the organiser of meetings."""
    return {
        "@type": "Organization",
        "name": gettext("Good Human Rights Stories Initiative"),
        "url": request.build_absolute_uri(reverse("home")),
    }


def member_organization(member, request: HttpRequest) -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": member.name,
        "url": request.build_absolute_uri(member.get_absolute_url()),
    }


def spatial_coverage(member) -> dict[str, Any]:
    """The country a story is about; the European Union is a place but not a country."""
    return {
        "@type": "Country" if member.kind == member.Kind.STATE else "Place",
        "name": member.name,
        "identifier": member.iso,
    }


def defined_term(name: str, code: str, term_set: dict[str, Any]) -> dict[str, Any]:
    return {"@type": "DefinedTerm", "name": name, "termCode": code, "inDefinedTermSet": term_set}


def about(story: Story, request: HttpRequest) -> list[dict[str, Any]]:
    """Its priority themes, SDGs and SDG targets as defined terms, each with the code the open data and the
    gallery's filters use (theme slug, goal number, target code)."""
    themes = {
        "@type": "DefinedTermSet",
        "name": gettext("Priority themes"),
        "url": request.build_absolute_uri(reverse("stories:story_list")),
    }
    goals = {"@type": "DefinedTermSet", "name": gettext("Sustainable Development Goals"), "url": SDG_SET_URL}
    targets = {"@type": "DefinedTermSet", "name": gettext("SDG targets"), "url": SDG_SET_URL}
    terms = [
        defined_term(str(theme), str(theme.sdg_number), goals)
        if theme.kind == theme.Kind.SDG
        else defined_term(theme.label, theme.slug, themes)
        for theme in story.themes.all()
    ]
    terms += [defined_term(target.label, target.code, targets) for target in story.sdg_targets.all()]
    return terms


def translations(story: Story, text: StoryText, request: HttpRequest) -> dict[str, Any]:
    """The story's other languages: on the original, its translations (`workTranslation`); on a translation,
    the original it was made from (`translationOfWork`), which lists the others."""

    def version(language: str, title: str) -> dict[str, Any]:
        return {
            "@type": "Article",
            "headline": title,
            "inLanguage": language,
            "url": request.build_absolute_uri(url_in(story, language)),
        }

    others = [version(t.language, t.title) for t in story.translations.all() if t.language != text.language]
    if not text.is_translation:
        return {"workTranslation": others}
    original = version(story.language, story.title)
    original["identifier"] = story_identifier(story)
    original["workTranslation"] = others
    return {"translationOfWork": original}


def cited_url(citation, request: HttpRequest) -> str:
    """A cited recommendation's page here when it was picked among those imported, else the link given."""
    if citation.recommendation_id and citation.recommendation is not None:
        return request.build_absolute_uri(citation.recommendation.get_absolute_url())
    return citation.url


def story_structured_data(story: Story, text: StoryText, request: HttpRequest) -> dict[str, Any]:
    """The story page as a schema.org Article, in the language its words are shown in (`text`).

    Uses what story_queryset() prefetches: themes, SDG targets, translations, shown images, citations and
    inspirations."""
    images = [image.largest_url for image in story.images.all() if image.largest_url]
    url = request.build_absolute_uri(story.get_absolute_url())
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "identifier": story_identifier(story),
        "url": url,
        "mainEntityOfPage": url,
        "headline": text.title,
        "description": text.summary,
        "inLanguage": text.language,
        "datePublished": story.published_at.isoformat() if story.published_at else None,
        "dateModified": story.updated_at.isoformat(),
        "author": member_organization(story.member, request),
        "publisher": initiative(request),
        "about": about(story, request),
        "spatialCoverage": spatial_coverage(story.member),
        "license": current_licence().url,
        "isAccessibleForFree": True,
        "image": [request.build_absolute_uri(url) for url in images],
        **translations(story, text, request),
        # The UN recommendations it answers, and the stories of other members it was inspired by.
        "citation": [
            {
                "@type": "CreativeWork",
                "name": str(c.reference),
                **({"url": url} if (url := cited_url(c, request)) else {}),
            }
            for c in story.citations.all()
        ],
        "isBasedOn": [
            request.build_absolute_uri(link.source.get_absolute_url()) for link in story.confirmed_inspired_by
        ],
    }
