"""Text families: the same recommendation is made, in nearly the same words, to many states ("Ratify the
Optional Protocol to the Convention against Torture"). Recommendations whose texts share their significant
words share a family key, which the matchmaker uses to pair a recommendation one member received with a story
another member wrote about the same recommendation made to it."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Words that say nothing about what is recommended (English, French and Spanish: the languages UHRI uses).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "continue",
        "continues",
        "consider",
        "considering",
        "efforts",
        "ensure",
        "for",
        "from",
        "further",
        "in",
        "into",
        "is",
        "its",
        "it",
        "measures",
        "necessary",
        "of",
        "on",
        "or",
        "steps",
        "strengthen",
        "take",
        "taking",
        "that",
        "the",
        "their",
        "this",
        "to",
        "with",
        "within",
        "all",
        "including",
        "adopt",
        "adopting",
        "pursue",
        "promote",
        "implement",
        "implementing",
        "encourage",
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "et",
        "en",
        "au",
        "aux",
        "un",
        "une",
        "pour",
        "par",
        "sur",
        "dans",
        "que",
        "qui",
        "ses",
        "son",
        "sa",
        "continuer",
        "poursuivre",
        "el",
        "los",
        "las",
        "del",
        "y",
        "en",
        "para",
        "por",
        "con",
        "que",
        "sus",
        "su",
        "seguir",
        "continuar",
    ]
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
SIGNIFICANT_WORDS = 8


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def family_key(text: str) -> str:
    """A 16-character key shared by texts with the same significant words (order and inflection aside):
    the first eight words of four letters or more that are not stop words, each cut to its first six
    letters, sorted. Empty for a text with no significant word."""
    words = [w[:6] for w in WORD.findall(_fold(text)) if len(w) >= 4 and w not in STOP_WORDS]
    if not words:
        return ""
    signature = " ".join(sorted(set(words[:SIGNIFICANT_WORDS])))
    return hashlib.blake2b(signature.encode(), digest_size=8).hexdigest()
