"""Good stories, their themes, images, the recommendations they answer, and their publishing history."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEvent
from core.translations import ContentTranslation, TranslatedContent, direction
from stories.markdown import render_markdown
from stories.theme_names import THEME_NAMES


def private_storage():
    """Originals and pending uploads: never under a public URL."""
    return storages["private"]


class ThemeQuerySet(models.QuerySet):
    def priorities(self) -> ThemeQuerySet:
        return self.filter(kind=Theme.Kind.PRIORITY)

    def sdgs(self) -> ThemeQuerySet:
        return self.filter(kind=Theme.Kind.SDG)


class Theme(TranslatedContent, models.Model):
    """One of the initiative's priority themes, or one of the 17 Sustainable Development Goals."""

    translated_fields = ("name", "description")

    class Kind(models.TextChoices):
        PRIORITY = "priority", _("Priority theme")
        SDG = "sdg", _("Sustainable Development Goal")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # What the translation catalogues know the theme by (stories/theme_names.py): the name may be reworded in
    # the admin without losing its translations. Set once, when the theme is added.
    code = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_("A fixed identifier; it cannot be changed once the theme is saved."),
    )
    sdg_number = models.PositiveSmallIntegerField(_("SDG number"), null=True, blank=True, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("A short paragraph shown above the stories of this theme in the gallery."),
    )
    language = models.CharField(
        _("language of the name and description"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["kind", "order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="sdg") & Q(sdg_number__gte=1) & Q(sdg_number__lte=17))
                | (Q(kind="priority") & Q(sdg_number__isnull=True)),
                name="stories_theme_sdg_number_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="stories_theme_has_code"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SDG:
            return gettext("SDG %(number)s: %(name)s") % {"number": self.sdg_number, "name": self.label}
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language: the catalogues' translation of the theme's code when there is
        one (see stories/theme_names.py), else the name as the secretariat typed it."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        # A name the secretariat translated (when the translations were fetched with the theme) comes first.
        for row in getattr(self, "_prefetched_objects_cache", {}).get("translations", ()):
            if row.language == language and row.name and language != self.language:
                return row.name
        catalogue_name = THEME_NAMES.get(self.code or "")
        if catalogue_name is None:
            return self.name
        translated = gettext(catalogue_name)
        # Untranslated (in English, say), gettext gives the catalogue's English back: the name as typed
        # wins, so a rewording in the admin shows at once.
        return self.name if translated == catalogue_name else translated

    def clean(self) -> None:
        super().clean()
        if self.pk is not None:
            saved = Theme.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if saved and saved != self.code:
                raise ValidationError(
                    {
                        "code": ValidationError(
                            _("The code of a theme cannot be changed once it is set."), code="code_locked"
                        )
                    }
                )


class ThemeTranslation(ContentTranslation):
    """A theme's name and description in another language, written by the secretariat. A blank name keeps
    the catalogues' translation of the theme's name."""

    original_field = "theme"

    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, related_name="translations", verbose_name=_("theme")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("theme translation")
        verbose_name_plural = _("theme translations")
        ordering = ["theme", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "language"], name="stories_theme_one_translation_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.theme.name} ({self.language})"


class SdgTarget(models.Model):
    """One of the 169 targets of the Sustainable Development Goals (1.1 ... 17.19), loaded by a data migration
    from stories/data/sdg_targets.json, which names its source. The official English title is always there;
    another language's only when the data file has it from a named source (never machine-made)."""

    goal = models.PositiveSmallIntegerField(
        _("goal"), validators=[MinValueValidator(1), MaxValueValidator(17)]
    )
    code = models.CharField(_("code"), max_length=5, unique=True, help_text=_("For example 16.10 or 5.a."))
    position = models.PositiveSmallIntegerField(_("position within the goal"))
    title = models.TextField(_("official English title"))
    titles = models.JSONField(
        _("titles in other languages"),
        default=dict,
        blank=True,
        help_text=_("Official titles by language code, only from a source named in the data file."),
    )

    class Meta:
        verbose_name = _("SDG target")
        verbose_name_plural = _("SDG targets")
        ordering = ["goal", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(goal__gte=1) & Q(goal__lte=17), name="stories_sdgtarget_goal"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_in(translation.get_language())[0]}"

    def title_in(self, language: str | None) -> tuple[str, str]:
        """(title, its language): the official title in `language` when the data has it, else in English."""
        title = self.titles.get(language or "")
        if title:
            return title, language
        return self.title, "en"

    @property
    def label(self) -> str:
        return self.title_in(translation.get_language())[0]

    @property
    def label_language(self) -> str:
        return self.title_in(translation.get_language())[1]


class StoryQuerySet(models.QuerySet):
    def published(self) -> StoryQuerySet:
        return self.filter(status=Story.Status.PUBLISHED)

    def for_member(self, member) -> StoryQuerySet:
        return self.filter(member=member)

    def visible_to(self, user) -> StoryQuerySet:
        """All stories for the secretariat; a member's own for its people; published ones otherwise."""
        if not user.is_authenticated:
            return self.published()
        if user.has_perm("stories.moderate_story"):
            return self
        if user.mission_id:
            return self.filter(Q(member_id=user.mission.member_id) | Q(status=Story.Status.PUBLISHED))
        return self.published()

    def of_member_of(self, user) -> StoryQuerySet:
        """The stories a mission's people work on: their member's, and nobody else's."""
        if not user.is_authenticated or not user.mission_id:
            return self.none()
        return self.filter(member_id=user.mission.member_id)

    def cards(self) -> StoryQuerySet:
        """What a list of story cards needs (member, photos in order, translations), in a fixed number of
        queries whatever the number of stories."""
        return self.select_related("member").prefetch_related(
            models.Prefetch("images", queryset=StoryImage.objects.shown_publicly().order_by("order", "pk")),
            "translations",
        )


class StoryManager(models.Manager.from_queryset(StoryQuerySet)):
    def get_queryset(self) -> StoryQuerySet:
        # The search vector is only ever read by PostgreSQL: loading it would carry kilobytes per story
        # to Python for nothing. (Saving an instance then leaves it alone too.)
        return super().get_queryset().defer("search_vector")


class Story(TranslatedContent, models.Model):
    translated_fields = ("title", "summary", "body")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        SCHEDULED = "scheduled", _("Approved, scheduled")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # action: (statuses it may start from, status it leads to). Every change of status goes through a
    # service in stories/services.py that checks this table under a row lock.
    TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
        "submit": (frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}), Status.SUBMITTED),
        "request_changes": (frozenset({Status.SUBMITTED, Status.SCHEDULED}), Status.CHANGES_REQUESTED),
        "approve": (frozenset({Status.SUBMITTED, Status.SCHEDULED}), Status.PUBLISHED),
        "schedule": (frozenset({Status.SUBMITTED, Status.SCHEDULED}), Status.SCHEDULED),
        "reject": (frozenset({Status.SUBMITTED, Status.SCHEDULED}), Status.REJECTED),
        "withdraw": (frozenset({Status.PUBLISHED, Status.SCHEDULED}), Status.WITHDRAWN),
        "publish_scheduled": (frozenset({Status.SCHEDULED}), Status.PUBLISHED),
    }
    EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="stories", verbose_name=_("member")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name=_("author"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    summary = models.TextField(
        _("summary"), max_length=600, blank=True, help_text=_("One paragraph, at most 600 characters.")
    )
    body = models.TextField(
        _("story"),
        blank=True,
        help_text=_("The whole story. Markdown: *italic*, **bold**, [links](https://…), lists, headings."),
    )
    policy_year = models.PositiveSmallIntegerField(
        _("year the policy started"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1945), MaxValueValidator(2100)],
    )
    themes = models.ManyToManyField(
        Theme, related_name="stories", blank=True, verbose_name=_("themes and SDGs")
    )
    sdg_targets = models.ManyToManyField(
        SdgTarget, related_name="stories", blank=True, verbose_name=_("SDG targets")
    )
    video_url = models.URLField(_("video link"), blank=True)
    source_url = models.URLField(
        _("source link"), blank=True, help_text=_("An official page about the policy.")
    )

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Maintained by stories.search on PostgreSQL (title over summary over body); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = StoryManager()

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["-published_at", "-updated_at"]
        permissions = [
            ("moderate_story", _("Can moderate stories (approve, reject, request changes, withdraw)"))
        ]
        indexes = [
            # The gallery's order, with the id: a page's ids come from an index-only scan.
            models.Index(fields=["status", "-published_at", "-id"], name="stories_status_published_id"),
            models.Index(fields=["status", "policy_year"], name="stories_status_year"),
            GinIndex(fields=["search_vector"], name="stories_search_vector"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="stories_story_published_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_for__isnull=False),
                name="stories_story_scheduled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("stories:story_detail", kwargs={"slug": self.slug})

    # "Inspired by" links are kept by the recommendations app (above this one) and read through the relations
    # only; prefetch stories.inspirations.INSPIRED_BY_LOOKUPS / INSPIRED_LOOKUPS for lists.
    @property
    def confirmed_inspired_by(self) -> list:
        """Confirmed links to the published stories that inspired this one, newest confirmation first."""
        links = [
            link
            for link in self.inspired_by_links.all()
            if link.status == "confirmed" and link.source.status == self.Status.PUBLISHED
        ]
        return sorted(links, key=lambda link: (link.decided_at, link.pk), reverse=True)

    @property
    def confirmed_inspired(self) -> list:
        """Confirmed links from the published stories of other members that this one inspired."""
        links = [
            link
            for link in self.inspired_links.all()
            if link.status == "confirmed" and link.story.status == self.Status.PUBLISHED
        ]
        return sorted(links, key=lambda link: (link.decided_at, link.pk), reverse=True)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def can(self, action: str) -> bool:
        sources, _target = self.TRANSITIONS[action]
        return self.status in sources

    @cached_property
    def body_html(self) -> str:
        return render_markdown(self.body)

    def text_in(self, language: str) -> StoryText:
        """The story in this language when a translation exists, else as written (uses prefetched
        `translations` when there are any)."""
        if language != self.language:
            for translation in self.translations.all():
                if translation.language == language:
                    return StoryText(
                        language=language,
                        title=translation.title,
                        summary=translation.summary or self.summary,
                        body=translation.body or self.body,
                        is_translation=True,
                        outdated=translation.outdated,
                        summary_language=language if translation.summary else self.language,
                        body_language=language if translation.body else self.language,
                        original_language=self.language,
                    )
        return StoryText(
            language=self.language,
            title=self.title,
            summary=self.summary,
            body=self.body,
            is_translation=False,
            original_language=self.language,
        )

    @property
    def has_outdated_translation(self) -> bool:
        """Uses prefetched `translations`."""
        return any(translation.outdated for translation in self.translations.all())

    def languages(self) -> list[str]:
        return [self.language, *(t.language for t in self.translations.all())]


@dataclass(frozen=True)
class StoryText:
    """A story's words in one language: its own, or a translation."""

    language: str
    title: str
    summary: str
    body: str
    is_translation: bool
    # A translation whose original changed after it was made or last confirmed.
    outdated: bool = False
    # A translation without its own summary or body shows the original's, in the original's language.
    summary_language: str = ""
    body_language: str = ""
    original_language: str = ""

    def __post_init__(self) -> None:
        for name in ("summary_language", "body_language", "original_language"):
            if not getattr(self, name):
                object.__setattr__(self, name, self.language)

    @cached_property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def direction(self) -> str:
        return direction(self.language)

    @property
    def summary_direction(self) -> str:
        return direction(self.summary_language)

    @property
    def body_direction(self) -> str:
        return direction(self.body_language)


class StoryTranslation(ContentTranslation):
    """The title, summary and story in another language, added by the mission (and reviewed with the story)
    or by the secretariat."""

    original_field = "story"

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="translations", verbose_name=_("story")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=600, blank=True)
    body = models.TextField(_("story"), blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "language"],
                name="stories_translation_one_per_language",
                violation_error_message=_("This story already has a translation in this language."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.story} ({self.language})"

    def clean(self) -> None:
        super().clean()
        if self.story_id and self.language == self.story.language:
            raise ValidationError(
                {"language": _("The story is written in this language already.")}, code="same_language"
            )


def _original_path(instance: StoryImage, filename: str) -> str:
    return f"stories/originals/{uuid.uuid4().hex}{_extension(filename)}"


def _pending_path(instance: PendingUpload, filename: str) -> str:
    return f"stories/pending/{uuid.uuid4().hex}{_extension(filename)}"


def _extension(filename: str) -> str:
    # Names come from our own re-encoding (image.jpg, image.png, image.webp), never from the uploader.
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


class FaceDetection(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    NONE = "none", _("No face found")
    FOUND = "found", _("Faces found")
    FAILED = "failed", _("Detection failed")


class FaceDecision(models.TextChoices):
    BLUR = "blur", _("Blur every face")
    CONSENT = "consent", _("Consent recorded")


class ConsentUse(models.TextChoices):
    PORTAL = "portal", _("Publication on the portal")
    OPEN_DATA = "open_data", _("Open data")
    MEETING = "meeting", _("Presentation at a meeting")
    TRANSLATION = "translation", _("Translation")


class ConsentTerms(models.Model):
    """What a consent record says, wherever it is attached (a photo here, a meeting participant in
    meetings): who consented (kept private), to which uses, from when, until when, how it was obtained, and
    whether it was withdrawn."""

    who = models.CharField(
        _("who consented"),
        max_length=300,
        help_text=_('A name or a description ("the woman in the blue scarf"). Never shown publicly.'),
    )
    uses = models.JSONField(_("for which uses"), default=list)
    given_on = models.DateField(_("given on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    obtained_how = models.CharField(
        _("how it was obtained"), max_length=300, help_text=_("For example: signed form kept by the mission.")
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_note = models.CharField(_("withdrawal note"), max_length=300, blank=True)
    expiry_warned_at = models.DateTimeField(_("expiry warning sent at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        abstract = True

    def covers(self, use: str, on: datetime.date) -> bool:
        """Whether this consent allows `use` on that day."""
        return (
            self.withdrawn_at is None
            and use in self.uses
            and self.given_on <= on
            and (self.valid_until is None or on <= self.valid_until)
        )


class StoryImageQuerySet(models.QuerySet):
    def shown_publicly(self) -> StoryImageQuerySet:
        """Photos the public may see: not taken down (consent withdrawn or expired), and not holding faces
        that nobody has decided about (found, or a detection that failed)."""
        return self.filter(taken_down_at__isnull=True).exclude(
            Q(face_detection__in=[FaceDetection.FOUND, FaceDetection.FAILED]) & Q(face_decision="")
        )


class StoryImage(models.Model):
    """A photo of a story: re-encoded without metadata on upload; public renditions made by a task."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="images", verbose_name=_("story"))
    original = models.ImageField(
        _("image"),
        upload_to=_original_path,
        storage=private_storage,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    alt_text = models.CharField(
        _("text alternative"),
        max_length=250,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    consent_confirmed = models.BooleanField(
        _("identifiable people consented"),
        default=False,
        help_text=_("Everyone who can be recognised in this photo agreed to its publication."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Faces: found offline by the rendition task (stories/faces.py); only boxes are kept, never faces. A photo
    # with faces is not published until its uploader decides: blur them all, or consent recorded.
    face_detection = models.CharField(
        _("face detection"), max_length=20, choices=FaceDetection.choices, default=FaceDetection.PENDING
    )
    face_detector = models.CharField(_("detector used"), max_length=100, blank=True)
    face_boxes = models.JSONField(
        _("face boxes"),
        default=list,
        blank=True,
        help_text=_("Boxes in the original's pixels: x, y, width, height, and who drew them."),
    )
    face_decision = models.CharField(
        _("decision on faces"), max_length=20, choices=FaceDecision.choices, blank=True
    )
    face_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    face_decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Set when consent is withdrawn or expires: the photo is taken down everywhere the public reaches.
    taken_down_at = models.DateTimeField(_("taken down at"), null=True, blank=True)
    taken_down_reason = models.CharField(_("why it was taken down"), max_length=300, blank=True)
    rendition_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    renditions = models.JSONField(_("renditions"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = StoryImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("story image")
        verbose_name_plural = _("story images")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_confirmed=True), name="stories_image_consent_confirmed"
            ),
            models.CheckConstraint(condition=~Q(alt_text=""), name="stories_image_has_alt_text"),
        ]

    def __str__(self) -> str:
        return self.alt_text

    def rendition_url(self, width: int, fmt: str = "jpeg") -> str | None:
        entry = self.renditions.get(str(width))
        return storages["default"].url(entry[fmt]) if entry else None

    def srcset(self, fmt: str = "jpeg") -> str:
        media = storages["default"]
        return ", ".join(
            f"{media.url(entry[fmt])} {width}w"
            for width, entry in sorted(self.renditions.items(), key=lambda item: int(item[0]))
        )

    @property
    def srcset_webp(self) -> str:
        return self.srcset("webp")

    @property
    def srcset_jpeg(self) -> str:
        return self.srcset("jpeg")

    @property
    def smallest_url(self) -> str | None:
        if not self.renditions:
            return None
        return self.rendition_url(min(int(width) for width in self.renditions))

    @property
    def largest_url(self) -> str | None:
        if not self.renditions:
            return None
        return self.rendition_url(max(int(width) for width in self.renditions))


class StoryEvent(HistoryEvent):
    """One change of a story's status: who, when, from, to, and why."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="events", verbose_name=_("story"))
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, choices=Story.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Story.Status.choices)
    comment = models.TextField(_("comment"), blank=True)
    notified_at = models.DateTimeField(_("notification sent at"), null=True, blank=True)
    # The languages whose mail has left, when another language's failed: the retry sends only the others.
    notified_languages = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("story event")
        verbose_name_plural = _("story history")
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.story}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class ImageConsent(ConsentTerms):
    """Consent of a person who can be recognised in a photo."""

    image = models.ForeignKey(
        StoryImage, on_delete=models.CASCADE, related_name="consents", verbose_name=_("photo")
    )

    class Meta:
        verbose_name = _("consent for a photo")
        verbose_name_plural = _("consents for photos")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["withdrawn_at", "valid_until"], name="stories_consent_validity")]

    def __str__(self) -> str:
        return _("Consent of %(who)s") % {"who": self.who}


class PendingUpload(models.Model):
    """A photo already checked and re-encoded while the rest of its form still had errors.

    It keeps the upload across a form that did not validate, so nobody has to choose the file again.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.ImageField(upload_to=_pending_path, storage=private_storage)
    original_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name or self.file.name
