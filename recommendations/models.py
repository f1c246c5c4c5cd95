"""UN human-rights recommendations addressed to states, the stories that answer them, the stories that
inspired other members' stories, and the exchanges members ask each other for.

This app sits above stories and meetings: a story reaches what is here only through reverse relations
(`story.citations`, `story.inspired_by_links`, `story.inspired_links`), never by importing it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.models import HistoryEvent
from recommendations.families import family_key


class Mechanism(models.TextChoices):
    UPR = "upr", _("Universal Periodic Review")
    TREATY_BODY = "treaty_body", _("Treaty Bodies")
    SPECIAL_PROCEDURES = "special_procedures", _("Special Procedures")


# The ten treaty bodies, by the abbreviation OHCHR and UHRI use.
TREATY_BODIES: dict[str, str] = {
    "CCPR": _("Human Rights Committee (CCPR)"),
    "CESCR": _("Committee on Economic, Social and Cultural Rights (CESCR)"),
    "CERD": _("Committee on the Elimination of Racial Discrimination (CERD)"),
    "CEDAW": _("Committee on the Elimination of Discrimination against Women (CEDAW)"),
    "CAT": _("Committee against Torture (CAT)"),
    "SPT": _("Subcommittee on Prevention of Torture (SPT)"),
    "CRC": _("Committee on the Rights of the Child (CRC)"),
    "CMW": _("Committee on Migrant Workers (CMW)"),
    "CRPD": _("Committee on the Rights of Persons with Disabilities (CRPD)"),
    "CED": _("Committee on Enforced Disappearances (CED)"),
}
UPR_BODY = "UPR"


class Response(models.TextChoices):
    SUPPORTED = "supported", _("Supported")
    NOTED = "noted", _("Noted")


class RecommendationQuerySet(models.QuerySet):
    def addressed_to(self, member) -> RecommendationQuerySet:
        return self.filter(country=member.country)

    def answered(self) -> RecommendationQuerySet:
        """Recommendations that at least one published story answers."""
        return self.filter(Exists(published_citations()))

    def not_answered(self) -> RecommendationQuerySet:
        return self.exclude(Exists(published_citations()))


def published_citations():
    return Citation.objects.filter(recommendation=OuterRef("pk"), story__status="published")


class Recommendation(models.Model):
    """A recommendation of a UN human-rights mechanism to one state, as UHRI publishes it."""

    country = CountryField(
        _("addressed to"), db_index=True, help_text=_("The state the recommendation is for.")
    )
    mechanism = models.CharField(_("mechanism"), max_length=20, choices=Mechanism.choices)
    body = models.CharField(
        _("body"),
        max_length=200,
        help_text=_(
            "UPR; a treaty body (CCPR, CESCR, CERD, CEDAW, CAT, CRC, CMW, CRPD, CED); or the mandate."
        ),
    )
    symbol = models.CharField(_("document symbol"), max_length=100, help_text=_("For example A/HRC/38/4."))
    paragraph = models.CharField(
        _("paragraph"), max_length=30, blank=True, help_text=_("For example 116.23.")
    )
    upr_cycle = models.PositiveSmallIntegerField(_("UPR cycle"), null=True, blank=True)
    session = models.CharField(_("session"), max_length=50, blank=True)
    recommending_states = models.JSONField(
        _("recommending states"),
        default=list,
        blank=True,
        help_text=_("UPR: the states that recommended it."),
    )
    response = models.CharField(
        _("the state's response"), max_length=20, choices=Response.choices, blank=True
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    text = models.TextField(_("text"))
    language = models.CharField(
        _("language of the text"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    themes = models.ManyToManyField(
        "stories.Theme", related_name="recommendations", blank=True, verbose_name=_("themes and SDGs")
    )
    sdg_targets = models.ManyToManyField(
        "stories.SdgTarget", related_name="recommendations", blank=True, verbose_name=_("SDG targets")
    )
    uhri_themes = models.JSONField(_("UHRI themes"), default=list, blank=True)
    affected_groups = models.JSONField(_("affected persons"), default=list, blank=True)
    uhri_id = models.CharField(
        _("UHRI identifier"), max_length=64, null=True, blank=True, unique=True, default=None
    )
    uhri_url = models.URLField(_("link at UHRI"), max_length=500, blank=True)
    # Recommendations worded alike (the same recommendation made to several states) share a family: the
    # matchmaker pairs them. Computed from the text when empty (recommendations.families).
    family = models.CharField(_("text family"), max_length=40, blank=True, db_index=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    # Maintained by recommendations.search on PostgreSQL; unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-published_on", "symbol", "paragraph", "pk"]
        indexes = [
            models.Index(fields=["country", "mechanism"], name="recs_country_mechanism"),
            models.Index(fields=["country", "-published_on", "-id"], name="recs_country_published"),
            models.Index(fields=["-published_on", "-id"], name="recs_published"),
            models.Index(fields=["symbol", "paragraph"], name="recs_symbol_paragraph"),
            # The mandates in the list's menu, found by a skip scan (recommendations.filters).
            models.Index(fields=["mechanism", "body"], name="recs_mechanism_body"),
            GinIndex(fields=["search_vector"], name="recs_search_vector"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "symbol", "paragraph"],
                condition=~Q(paragraph=""),
                name="recs_unique_paragraph",
                violation_error_message=_(
                    "This paragraph of this document is already recorded for this state."
                ),
            ),
            models.CheckConstraint(condition=~Q(symbol="") & ~Q(text=""), name="recs_symbol_and_text"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs) -> None:
        if not self.family:
            self.family = family_key(self.text)
        super().save(*args, **kwargs)
        # Words search reads the stored vector on PostgreSQL: a row saved one by one (the admin, a shell, the
        # demo) is searchable at once; bulk writers (the importer, bench_data) update theirs per batch.
        from recommendations.search import update_search_vectors

        update_search_vectors([self.pk])

    def get_absolute_url(self) -> str:
        return reverse("recommendations:recommendation_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        if self.paragraph:
            return _("%(symbol)s, para. %(paragraph)s") % {"symbol": self.symbol, "paragraph": self.paragraph}
        return self.symbol

    @property
    def body_label(self) -> str:
        if self.mechanism == Mechanism.UPR:
            return str(_("Universal Periodic Review"))
        return str(TREATY_BODIES.get(self.body, self.body))

    def clean(self) -> None:
        super().clean()
        if self.mechanism == Mechanism.TREATY_BODY and self.body not in TREATY_BODIES:
            raise ValidationError({"body": _("Give the treaty body's abbreviation, for example CEDAW.")})
        if self.mechanism == Mechanism.UPR:
            self.body = UPR_BODY
        elif self.response:
            raise ValidationError({"response": _("Only UPR recommendations are supported or noted.")})


class Citation(models.Model):
    """A story answers a recommendation: one picked among those imported, or entered by hand (symbol,
    paragraph and mechanism) when it is not in the database yet, to be matched to an imported one later."""

    story = models.ForeignKey(
        "stories.Story", on_delete=models.CASCADE, related_name="citations", verbose_name=_("story")
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="citations",
        verbose_name=_("recommendation"),
    )
    # Copied from the recommendation when picked, typed when entered by hand: what is cited survives the
    # deletion of an imported row.
    mechanism = models.CharField(_("mechanism"), max_length=20, choices=Mechanism.choices)
    symbol = models.CharField(_("document symbol"), max_length=100, blank=True)
    paragraph = models.CharField(_("paragraph"), max_length=30, blank=True)
    note = models.CharField(
        _("text or note"),
        max_length=500,
        blank=True,
        help_text=_("The recommendation's words, or a reference kept from before recommendations were data."),
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    matched_at = models.DateTimeField(_("matched to an imported recommendation at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recommendation answered")
        verbose_name_plural = _("recommendations answered")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "recommendation"],
                condition=Q(recommendation__isnull=False),
                name="recs_citation_once_per_story",
                violation_error_message=_("The story already answers this recommendation."),
            ),
            models.CheckConstraint(
                condition=Q(recommendation__isnull=False) | ~Q(symbol="") | ~Q(note=""),
                name="recs_citation_says_what",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        if self.symbol and self.paragraph:
            return _("%(symbol)s, para. %(paragraph)s") % {"symbol": self.symbol, "paragraph": self.paragraph}
        return self.symbol or self.note[:120]

    @property
    def is_manual(self) -> bool:
        return self.recommendation_id is None


class Inspiration(models.Model):
    """A story says it was inspired by another member's story (and maybe by a meeting where that story was
    presented). Only the other member's coordinator can confirm it; only confirmed links are public."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("link status", "Confirmed")
        DECLINED = "declined", pgettext_lazy("link status", "Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    story = models.ForeignKey(
        "stories.Story",
        on_delete=models.CASCADE,
        related_name="inspired_by_links",
        verbose_name=_("story inspired"),
    )
    source = models.ForeignKey(
        "stories.Story",
        on_delete=models.CASCADE,
        related_name="inspired_links",
        verbose_name=_("inspired by"),
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspirations",
        verbose_name=_("meeting where it was presented"),
    )
    note = models.TextField(_("how it inspired the story"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("confirmed or declined at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("inspiration")
        verbose_name_plural = _("inspirations")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["story", "source"], name="recs_inspiration_once"),
            models.CheckConstraint(condition=~Q(story=models.F("source")), name="recs_inspiration_not_self"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(decided_at__isnull=False),
                name="recs_inspiration_confirmed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "decided_at"], name="recs_inspiration_status")]

    def __str__(self) -> str:
        return f"{self.story} ← {self.source}"


class Exchange(models.Model):
    """One member's mission asks another's coordinator for an exchange about a story that answers a
    recommendation the first member received (the matchmaker's button)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ACCEPTED = "accepted", pgettext_lazy("request status", "Accepted")
        DECLINED = "declined", pgettext_lazy("request status", "Declined")

    from_member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="exchanges_asked", verbose_name=_("asked by")
    )
    to_member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="exchanges_received",
        verbose_name=_("asked of"),
    )
    story = models.ForeignKey(
        "stories.Story", on_delete=models.CASCADE, related_name="exchanges", verbose_name=_("story")
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchanges",
        verbose_name=_("recommendation received"),
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange request")
        verbose_name_plural = _("exchange requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_member=models.F("to_member")), name="recs_exchange_not_self"
            ),
            # One open request per member, story and recommendation: a second click is not a second mail.
            models.UniqueConstraint(
                fields=["from_member", "story", "recommendation"],
                condition=Q(status="open"),
                name="recs_exchange_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_member} → {self.to_member}: {self.story}"


class RecommendationEvent(HistoryEvent):
    """The history of this app: who cited, matched, proposed, confirmed, asked and answered what, and when.
    Events that tell someone are mailed once, after commit (recommendations.services.notifications)."""

    class Action(models.TextChoices):
        CITED = "cited", _("recommendation cited")
        UNCITED = "uncited", _("citation removed")
        MATCHED = "matched", _("citation matched to an imported recommendation")
        INSPIRATION_PROPOSED = "inspiration_proposed", _("inspiration proposed")
        INSPIRATION_CONFIRMED = "inspiration_confirmed", _("inspiration confirmed")
        INSPIRATION_DECLINED = "inspiration_declined", _("inspiration declined")
        INSPIRATION_WITHDRAWN = "inspiration_withdrawn", _("inspiration withdrawn")
        EXCHANGE_REQUESTED = "exchange_requested", _("exchange requested")
        EXCHANGE_ACCEPTED = "exchange_accepted", _("exchange accepted")
        EXCHANGE_DECLINED = "exchange_declined", _("exchange declined")
        IMPORTED = "imported", _("recommendations imported")

    action = models.CharField(_("what"), max_length=30, choices=Action.choices)
    story = models.ForeignKey(
        "stories.Story", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    inspiration = models.ForeignKey(
        Inspiration, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    comment = models.TextField(_("comment"), blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notified_languages = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["notified_at", "created_at"], name="recs_event_unnotified")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportRun(models.Model):
    """One run of `manage.py import_recommendations`: what it read and what it did, row by row."""

    file_name = models.CharField(_("file"), max_length=300)
    states = models.JSONField(_("states imported"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    report = models.JSONField(_("rows skipped, with the reason"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"
