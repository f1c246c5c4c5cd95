"""How a state or organisation joins: the joint declaration in its versions, endorsements of it, the criteria
the founding members set, applications to join (made without an account), and the consultation of members on
each (a silence procedure).

Above members and meetings (an endorsement may be signed at a meeting; an approval creates a member, its
mission and its coordinator's invitation through the members' services)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.models import HistoryEvent
from core.translations import digest, digest_expression, direction


def private_storage():
    """Letters, notes verbales and signed declarations: never under a public URL."""
    return storages["private"]


def endorsement_document_path(instance, filename: str) -> str:
    return f"membership/endorsements/{uuid.uuid4().hex}.pdf"


def application_letter_path(instance, filename: str) -> str:
    return f"membership/letters/{uuid.uuid4().hex}.pdf"


def _access_key() -> str:
    return secrets.token_urlsafe(24)


class DeclarationVersion(models.Model):
    """One version of the joint declaration. Once a member has endorsed it, its texts are never edited: a
    change is a new version."""

    number = models.PositiveSmallIntegerField(_("version"), unique=True)
    adopted_on = models.DateField(_("adopted on"))
    original_language = models.CharField(
        _("original language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_current = models.BooleanField(
        _("current version"),
        default=False,
        help_text=_("The version shown first on the declaration page and offered to applicants."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("declaration version")
        verbose_name_plural = _("declaration versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="membership_one_current_declaration"
            )
        ]

    def __str__(self) -> str:
        return _("Joint declaration, version %(number)s") % {"number": self.number}

    @property
    def is_locked(self) -> bool:
        """Endorsed by someone: its texts can no longer change."""
        return self.endorsements.exists()

    def text_in(self, language: str | None) -> DeclarationText | None:
        """The text in `language`, else the original; uses prefetched `texts`."""
        texts = {text.language: text for text in self.texts.all()}
        return (
            texts.get(language or "") or texts.get(self.original_language) or next(iter(texts.values()), None)
        )


class DeclarationText(models.Model):
    version = models.ForeignKey(
        DeclarationVersion, on_delete=models.CASCADE, related_name="texts", verbose_name=_("version")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), help_text=_("Paragraphs separated by an empty line."))
    # The fingerprint of the original-language text this translation was made from or last checked against
    # (core/translations.py): a different one means the original changed since, and the translation may be out
    # of date. Unused on the original's own row.
    source_digest = models.CharField(_("made from"), max_length=32, blank=True, editable=False)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)

    translated_fields = ("title", "text")

    class Meta:
        verbose_name = _("declaration text")
        verbose_name_plural = _("declaration texts")
        ordering = ["version", "language"]
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="membership_one_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"

    def translation_digest(self) -> str:
        return digest(getattr(self, field) for field in self.translated_fields)

    @property
    def is_original(self) -> bool:
        return self.language == self.version.original_language

    @property
    def original(self) -> DeclarationText | None:
        """The version's text in its original language (uses prefetched `version.texts`)."""
        return next(
            (t for t in self.version.texts.all() if t.language == self.version.original_language), None
        )

    @property
    def outdated(self) -> bool:
        """A translation whose original changed after it was made or last confirmed."""
        if self.is_original:
            return False
        original = self.original
        return original is not None and self.source_digest != original.translation_digest()

    @property
    def direction(self) -> str:
        return direction(self.language)

    def mark_current(self) -> None:
        original = self.original
        self.source_digest = original.translation_digest() if original is not None else ""
        self.updated_at = timezone.now()

    @classmethod
    def outdated_rows(cls) -> models.QuerySet:
        """Every translation whose original changed since it was made or confirmed."""
        original_digest = (
            cls.objects.filter(version=OuterRef("version"), language=OuterRef("version__original_language"))
            .annotate(fingerprint=digest_expression(cls.translated_fields))
            .values("fingerprint")[:1]
        )
        return (
            cls.objects.exclude(language=F("version__original_language"))
            .alias(current_digest=Subquery(original_digest))
            .exclude(source_digest=F("current_digest"))
        )


class Endorsement(models.Model):
    class Level(models.TextChoices):
        HEAD = "head", _("Head of state or government")
        MINISTER = "minister", _("Minister")
        AMBASSADOR = "ambassador", _("Ambassador")
        OTHER = "other", _("Other")

    class Means(models.TextChoices):
        EVENT = "event", _("Signed at an event")
        NOTE_VERBALE = "note_verbale", _("By note verbale")
        LETTER = "letter", _("By letter")
        RECORDED = "recorded", _("Recorded by the secretariat (how is not known)")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="endorsements", verbose_name=_("member")
    )
    version = models.ForeignKey(
        DeclarationVersion, on_delete=models.PROTECT, related_name="endorsements", verbose_name=_("version")
    )
    endorsed_on = models.DateField(_("endorsed on"))
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.OTHER)
    means = models.CharField(_("how it was given"), max_length=20, choices=Means.choices)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="endorsements",
        verbose_name=_("meeting where it was signed"),
    )
    document = models.FileField(
        _("document (PDF)"), upload_to=endorsement_document_path, storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        ordering = ["endorsed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="membership_endorse_a_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.version}"


class Criterion(models.Model):
    """A membership criterion set by the founding members, shown on /join/ in the visitor's language."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("criterion (in English)"))
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_("The criterion by language code (fr, es, ar, ...)."),
    )
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("membership criterion")
        verbose_name_plural = _("membership criteria")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    def text_in(self, language: str | None) -> tuple[str, str]:
        """(text, its language): the translation when there is one, else the English."""
        translated = self.translations.get(language or "")
        return (translated, language) if translated else (self.text, "en")


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("E-mail not confirmed yet")
        RECEIVED = "received", pgettext_lazy("application status", "Received")
        UNDER_REVIEW = "under_review", _("Under review")
        IN_CONSULTATION = "in_consultation", _("In consultation with the members")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", pgettext_lazy("application status", "Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")

    class Kind(models.TextChoices):
        STATE = "state", _("A state (its mission or foreign ministry)")
        ORGANISATION = "organisation", _("A regional organisation")

    OPEN_STATUSES = (Status.DRAFT, Status.RECEIVED, Status.UNDER_REVIEW, Status.IN_CONSULTATION)

    kind = models.CharField(_("applying as"), max_length=20, choices=Kind.choices, default=Kind.STATE)
    country = CountryField(_("country or organisation"), blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    regional_group = models.CharField(
        _("UN regional group"),
        max_length=20,
        blank=True,
        help_text=_("Set by the secretariat before approving a state."),
    )
    office = models.CharField(_("mission or ministry"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_title = models.CharField(_("contact person's title"), max_length=200, blank=True)
    email = models.EmailField(_("official e-mail"))
    phone = models.CharField(_("phone"), max_length=50)
    letter = models.FileField(
        _("letter or note verbale (PDF)"), upload_to=application_letter_path, storage=private_storage
    )
    declaration_version = models.ForeignKey(
        DeclarationVersion,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("declaration version to endorse"),
    )
    focal_point_name = models.CharField(_("proposed focal point"), max_length=200)
    focal_point_email = models.EmailField(_("focal point's e-mail"))
    story_idea = models.TextField(_("a first story idea"), max_length=2000, blank=True)
    language = models.CharField(
        _("language of the application"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The private link by which the applicant follows the status: never guessable, never in a public page.
    access_key = models.CharField(max_length=64, unique=True, default=_access_key, editable=False)
    created_at = models.DateTimeField(_("applied at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("member created"),
    )

    class Meta:
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        ordering = ["-created_at", "-pk"]
        permissions = [("decide_application", _("Can review, consult on and decide membership applications"))]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="state") & ~Q(country=""))
                | (Q(kind="organisation") & ~Q(organisation_name="")),
                name="membership_application_names_applicant",
            ),
        ]
        indexes = [models.Index(fields=["status", "country"], name="membership_app_status_country")]

    def __str__(self) -> str:
        return self.applicant_name

    @property
    def applicant_name(self) -> str:
        if self.kind == self.Kind.STATE and self.country:
            return str(self.country.name)
        return self.organisation_name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def get_status_url(self) -> str:
        return reverse("membership:application_status", args=[self.access_key])


class ApplicationEvent(HistoryEvent):
    """A change of an application's status, a criterion assessed, an answer of a member: who, when, what."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("what"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, choices=Application.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Application.Status.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    notified_at = models.DateTimeField(_("applicant told at"), null=True, blank=True)
    notified_languages = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("application history entry")
        verbose_name_plural = _("application history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.action}"


class CriterionAssessment(models.Model):
    class Result(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        TO_DISCUSS = "to_discuss", _("To discuss")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assessments")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="assessments")
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)

    class Meta:
        verbose_name = _("criterion assessment")
        verbose_name_plural = _("criteria assessments")
        ordering = ["criterion__order", "criterion__pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="membership_assess_once"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.get_result_display()}"


class Consultation(models.Model):
    """The members' say on one application: support, object (with a reason), or silence until the deadline,
    which counts as consent. One objection stops the silence and sends the application back."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("consultation status", "Open")
        CONSENTED = "consented", _("Closed: no objection")
        OBJECTED = "objected", _("Stopped: objection raised")
        CANCELLED = "cancelled", _("Cancelled")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="consultations")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField(_("deadline"))
    time_zone = models.CharField(
        _("time zone of the deadline"),
        max_length=64,
        default="Europe/Zurich",
        help_text=_("For example Europe/Zurich."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="open"), name="membership_one_open_consultation"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="membership_consult_due")]

    def __str__(self) -> str:
        return f"{self.application} ({self.get_status_display()})"


class ConsultationAnswer(models.Model):
    class Answer(models.TextChoices):
        SUPPORT = "support", _("Support")
        OBJECT = "object", _("Object")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="consultation_answers"
    )
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices)
    reason = models.TextField(_("reason"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("answer to a consultation")
        verbose_name_plural = _("answers to consultations")
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "member"], name="membership_one_answer_per_member"
            ),
            models.CheckConstraint(
                condition=~Q(answer="object") | ~Q(reason=""), name="membership_objection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_answer_display()}"
