"""Meetings of the initiative and its members' good-stories events: agendas, participants, documents."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.templatetags.tz import do_timezone
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEvent
from core.translations import ContentTranslation, TranslatedContent
from stories.consent import covering
from stories.models import ConsentTerms, ConsentUse

CITY_TIME_ZONES = {"geneva": "Europe/Zurich", "new_york": "America/New_York"}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone we know; use a name like Europe/Paris or Asia/Jakarta."),
            code="unknown_time_zone",
            params={"value": value},
        )


class MeetingQuerySet(models.QuerySet):
    def upcoming(self) -> MeetingQuerySet:
        """Meetings still to come, cancelled ones included (they are shown as cancelled)."""
        return self.filter(ends_at__gte=timezone.now())

    def past(self) -> MeetingQuerySet:
        return self.filter(ends_at__lt=timezone.now())

    def for_member(self, member) -> MeetingQuerySet:
        """Meetings a member co-chairs, or where someone of the member takes part."""
        return self.filter(Q(co_chairs=member) | Q(participants__member=member)).distinct()


class Meeting(TranslatedContent, models.Model):
    # What its translations carry (MeetingTranslation); the agenda's titles have their own.
    translated_fields = ("title", "topic_text", "place", "venue", "description", "outcome_summary")

    class Kind(models.TextChoices):
        MINISTERIAL = "ministerial", _("Ministerial meeting")
        AMBASSADORIAL = "ambassadorial", _("Ambassadorial meeting")
        CONTACT_GROUP = "contact_group", _("Contact group meeting")
        SIDE_EVENT = "side_event", _("Side event")
        BILATERAL = "bilateral", _("Bilateral event")
        REGIONAL = "regional", _("Regional event")
        CROSS_REGIONAL = "cross_regional", _("Cross-regional event")
        TRIANGULAR = "triangular", _("Triangular event")

    class City(models.TextChoices):
        GENEVA = "geneva", _("Geneva")
        NEW_YORK = "new_york", _("New York")
        OTHER = "other", _("Another place")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CONFIRMED = "confirmed", _("Confirmed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    class Action(models.TextChoices):
        """Each change of status, labelled with what it did to the meeting."""

        CONFIRM = "confirm", _("confirmed")
        MARK_HELD = "mark_held", _("marked as held")
        CANCEL = "cancel", _("cancelled")

    OPEN_STATUSES = frozenset({Status.PLANNED, Status.CONFIRMED})
    # action: (statuses it may start from, status it leads to). Every change of status goes through a
    # service in meetings/services.py that checks this table under a row lock; held and cancelled are final.
    TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
        Action.CONFIRM: (frozenset({Status.PLANNED}), Status.CONFIRMED),
        Action.MARK_HELD: (frozenset({Status.CONFIRMED}), Status.HELD),
        Action.CANCEL: (OPEN_STATUSES, Status.CANCELLED),
    }

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    language = models.CharField(
        _("language of the texts"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the title, venue, description and outcome are written in."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=20, choices=City.choices)
    place = models.CharField(
        _("place"),
        max_length=120,
        blank=True,
        help_text=_("The city, when it is neither Geneva nor New York."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Set for you in Geneva and New York; elsewhere an IANA name such as Asia/Jakarta."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    topic = models.ForeignKey(
        "stories.Theme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("topic"),
    )
    topic_text = models.CharField(_("topic in words"), max_length=300, blank=True)
    co_chairs = models.ManyToManyField(
        "members.Member", related_name="co_chaired_meetings", blank=True, verbose_name=_("co-chairs")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    description = models.TextField(_("public description"), blank=True)
    outcome_summary = models.TextField(_("outcome"), blank=True)
    # Raised whenever the meeting changes, so calendars that imported it replace their copy.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        permissions = [
            ("manage_meeting", _("Can confirm, mark as held and cancel meetings, and send their invitations"))
        ]
        indexes = [models.Index(fields=["starts_at"], name="meetings_starts_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="meetings_meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
            # Another place needs its name and its time zone (Geneva and New York have theirs).
            models.CheckConstraint(
                condition=~Q(city="other") | (~Q(place="") & ~Q(time_zone="")),
                name="meetings_meeting_other_place_named",
                violation_error_message=_("For another place, give its name and its time zone."),
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(outcome_summary=""),
                name="meetings_meeting_held_has_outcome",
                violation_error_message=_("A meeting marked as held needs its outcome summary."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", kwargs={"slug": self.slug})

    def get_ics_url(self) -> str:
        return reverse("meetings:meeting_ics", kwargs={"slug": self.slug})

    @property
    def is_open(self) -> bool:
        """Still to happen as far as we know: neither held nor cancelled."""
        return self.status in self.OPEN_STATUSES

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or CITY_TIME_ZONES.get(self.city, "UTC"))

    @property
    def city_name(self) -> str:
        return self.place if self.city == self.City.OTHER else str(self.get_city_display())

    # In the city's own time. Marked so that templates show it as it is instead of converting it back to the
    # site's time zone (which the `date` filter otherwise does).
    @property
    def local_start(self):
        return do_timezone(self.starts_at, self.tz)

    @property
    def local_end(self):
        return do_timezone(self.ends_at, self.tz)

    def clean_fields(self, exclude=None) -> None:
        # Another place needs its name and time zone; checked here (not in clean()) so that a field which
        # already failed in a form is not reported twice.
        exclude = set(exclude or ())
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.error_dict
        if self.city == self.City.OTHER:
            if "place" not in exclude and not self.place:
                errors.setdefault("place", []).append(
                    ValidationError(_("Name the place."), code="place_required")
                )
            if "time_zone" not in exclude and not self.time_zone:
                errors.setdefault("time_zone", []).append(
                    ValidationError(_("Give the time zone of the place."), code="time_zone_required")
                )
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        super().clean()
        if self.city in CITY_TIME_ZONES:
            self.time_zone = CITY_TIME_ZONES[self.city]
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError(
                {
                    "ends_at": ValidationError(
                        _("The meeting must end after it starts."), code="ends_before_start"
                    )
                }
            )
        if self.status == self.Status.HELD and not self.outcome_summary.strip():
            raise ValidationError(
                {
                    "outcome_summary": ValidationError(
                        _("A meeting marked as held needs its outcome summary."), code="outcome_required"
                    )
                }
            )


class AgendaItem(TranslatedContent, models.Model):
    translated_fields = ("title",)

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("meeting")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    time = models.TimeField(
        _("time"), null=True, blank=True, help_text=_("Local time in the meeting's city.")
    )
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)
    story = models.ForeignKey(
        "stories.Story",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("story presented"),
        limit_choices_to={"status": "published"},
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        ordering = ["order", "time", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def language(self) -> str:
        return self.meeting.language


class MeetingTranslation(ContentTranslation):
    """A meeting's texts in another language; a blank field shows the original's."""

    original_field = "meeting"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="translations", verbose_name=_("meeting")
    )
    title = models.CharField(_("title"), max_length=200)
    topic_text = models.CharField(_("topic in words"), max_length=300, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    description = models.TextField(_("public description"), blank=True)
    outcome_summary = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("meeting translation")
        verbose_name_plural = _("meeting translations")
        ordering = ["meeting", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "language"], name="meetings_meeting_one_translation_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} ({self.language})"

    def clean(self) -> None:
        super().clean()
        if self.meeting_id and self.language == self.meeting.language:
            raise ValidationError(
                {"language": _("The meeting is written in this language already.")}, code="same_language"
            )


class AgendaItemTranslation(ContentTranslation):
    """An agenda item's title in another language."""

    original_field = "item"

    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="translations", verbose_name=_("agenda item")
    )
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("agenda item translation")
        verbose_name_plural = _("agenda item translations")
        ordering = ["item", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "language"], name="meetings_agenda_one_translation_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.language})"


class ParticipantQuerySet(models.QuerySet):
    def with_portal_consent(self, on: datetime.date | None = None) -> ParticipantQuerySet:
        """Annotated with `portal_consent`: whether the person's consent covers being named on the portal
        on that day (today by default)."""
        consents = covering(
            ParticipantConsent.objects.filter(participant=OuterRef("pk")), ConsentUse.PORTAL, on
        )
        return self.annotate(portal_consent=Exists(consents))

    def listed_on_portal(self, on: datetime.date | None = None) -> ParticipantQuerySet:
        """Only the participants whose consent covers being named on the portal that day (today by default):
        the only ones on public pages and in public files."""
        return self.with_portal_consent(on).filter(portal_consent=True)


class Participant(models.Model):
    class Category(models.TextChoices):
        MINISTER = "minister", _("Minister")
        AMBASSADOR = "ambassador", _("Ambassador")
        UN_OFFICIAL = "un_official", _("UN official")
        ACADEMIC = "academic", _("Academic")
        BUSINESS = "business", _("Business")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        NHRI = "nhri", _("National human rights institution")
        EXPERT = "expert", _("Expert")

    class Invitation(models.TextChoices):
        INVITED = "invited", _("Invited")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        ATTENDED = "attended", _("Attended")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participants", verbose_name=_("meeting")
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_participants",
        verbose_name=_("member"),
    )
    invitation_status = models.CharField(
        _("invitation"), max_length=20, choices=Invitation.choices, default=Invitation.INVITED
    )
    email = models.EmailField(_("email"), blank=True, help_text=_("Never shown publicly."))
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language of this person's invitation, reminders and notices. For a new participant whose "
            "address belongs to an account, leave the default to use the account's language."
        ),
    )
    # Mail markers. A mail is owed while its "requested" time is set and its "sent" time is not; the task
    # that sends it sets the "sent" time in the same transaction, so running the task again sends nothing.
    # Each "Send invitations" is a new round: it sets the request time and clears the sent time again.
    invitation_requested_at = models.DateTimeField(
        _("invitation requested at"), null=True, blank=True, editable=False
    )
    invitation_sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True, editable=False)
    cancellation_requested_at = models.DateTimeField(
        _("cancellation notice requested at"), null=True, blank=True, editable=False
    )
    cancellation_sent_at = models.DateTimeField(
        _("cancellation notice sent at"), null=True, blank=True, editable=False
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class ParticipantConsent(ConsentTerms):
    """A participant's consent: to be named on the portal, in open data, and so on. It replaced the single
    "listed publicly" flag; withdrawing it takes the person off the public pages at once."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consents", verbose_name=_("participant")
    )

    class Meta:
        verbose_name = _("consent of a participant")
        verbose_name_plural = _("consents of participants")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["withdrawn_at", "valid_until"], name="meetings_consent_validity")]

    def __str__(self) -> str:
        return _("Consent of %(who)s") % {"who": self.who}


class MeetingEvent(HistoryEvent):
    """One change of a meeting's status: who, when, from, to, and the note, outcome or message with it."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="events", verbose_name=_("meeting")
    )
    action = models.CharField(_("action"), max_length=20, choices=Meeting.Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Meeting.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Meeting.Status.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting history")
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.meeting}: {self.get_from_status_display()} → {self.get_to_status_display()}"


def document_path(instance: Document, filename: str) -> str:
    import uuid

    return f"meetings/documents/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    class Kind(models.TextChoices):
        CONCEPT_NOTE = "concept_note", _("Concept note")
        PROGRAMME = "programme", _("Programme")
        OUTCOME = "outcome", _("Outcome document")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="documents", verbose_name=_("meeting")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("PDF file"), upload_to=document_path)
    size = models.PositiveIntegerField(_("size in bytes"), default=0, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """One reminder to one address for one meeting: claimed before it is sent, so it is never sent twice."""

    class Kind(models.TextChoices):
        WEEK = "week", _("Seven days before")
        DAY = "day", _("The day before")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    email = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email", "kind"], name="meetings_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} → {self.email} ({self.kind})"
