"""Each member's record of its cooperation with the UN Special Procedures: its standing invitation, the visits
mandate holders asked for (a reply is due within two months), the communications it received (replies due),
the follow-up of visit reports' recommendations; reminders of due replies; and the card a member may publish.

Above recommendations (a visit report's recommendations are `recommendations.Recommendation` rows). Nothing
of a member's record is public until the member publishes its card, and never the content of communications.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.models import HistoryEvent

COMMUNICATION_REPLY_DAYS = 60


def private_storage():
    return storages["private"]


def reply_document_path(instance, filename: str) -> str:
    return f"cooperation/documents/{uuid.uuid4().hex}.pdf"


class Mandate(models.Model):
    """A Special Procedures mandate, kept by the secretariat."""

    class Kind(models.TextChoices):
        THEMATIC = "thematic", _("Thematic")
        COUNTRY = "country", _("Country")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.THEMATIC)
    name = models.CharField(
        _("mandate"), max_length=300, unique=True, help_text=_("For example: on the independence of judges.")
    )
    holder_title = models.CharField(
        _("mandate holder's title"),
        max_length=200,
        help_text=_("For example: Special Rapporteur on the independence of judges and lawyers."),
    )
    country = CountryField(_("country (country mandates)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Special Procedures mandate")
        verbose_name_plural = _("Special Procedures mandates")
        ordering = ["kind", "holder_title"]

    def __str__(self) -> str:
        return self.holder_title


class CooperationRecord(models.Model):
    """One per member: its standing invitation, the time zone its due dates are kept in, and whether its card
    is published."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="cooperation", verbose_name=_("member")
    )
    standing_invitation_on = models.DateField(
        _("standing invitation extended on"),
        null=True,
        blank=True,
        help_text=_("Empty when the member has not extended a standing invitation."),
    )
    time_zone = models.CharField(
        _("time zone of due dates"),
        max_length=64,
        default="Europe/Zurich",
        help_text=_("The mission's: Europe/Zurich for Geneva, America/New_York for New York."),
    )
    card_published_at = models.DateTimeField(_("card published at"), null=True, blank=True)
    card_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    card_year = models.PositiveSmallIntegerField(_("year of the published figures"), null=True, blank=True)

    class Meta:
        verbose_name = _("cooperation record")
        verbose_name_plural = _("cooperation records")
        ordering = ["member__country"]

    def __str__(self) -> str:
        return str(self.member)

    @property
    def is_published(self) -> bool:
        return self.card_published_at is not None


class ConfirmedMixin(models.Model):
    """Entered by mission staff; counts in the review once the member's coordinator has confirmed it."""

    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class VisitRequest(ConfirmedMixin):
    class Status(models.TextChoices):
        # The vocabulary of OHCHR's table of country visits.
        REQUESTED = "requested", _("Requested")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        ACCEPTED = "accepted", _("Accepted")
        DATES_PROPOSED = "dates_proposed", _("Dates proposed")
        SCHEDULED = "scheduled", _("Visit scheduled")
        COMPLETED = "completed", _("Visit completed")
        POSTPONED = "postponed", _("Postponed")
        DECLINED = "declined", pgettext_lazy("visit status", "Declined")
        NO_RESPONSE = "no_response", _("No response")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="visit_requests", verbose_name=_("member")
    )
    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, related_name="visit_requests", verbose_name=_("mandate")
    )
    requested_on = models.DateField(_("requested on"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reply_due_on = models.DateField(
        _("reply due on"), help_text=_("Two months after the request by default.")
    )
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    proposed_dates = models.CharField(_("dates proposed"), max_length=200, blank=True)
    visit_starts_on = models.DateField(_("visit starts on"), null=True, blank=True)
    visit_ends_on = models.DateField(_("visit ends on"), null=True, blank=True)
    report_symbol = models.CharField(
        _("visit report's symbol"), max_length=100, blank=True, help_text=_("For example A/HRC/53/37/Add.1.")
    )
    note = models.TextField(_("note"), blank=True)
    reply_document = models.FileField(
        _("reply (PDF)"), upload_to=reply_document_path, storage=private_storage, blank=True
    )

    class Meta:
        verbose_name = _("visit request")
        verbose_name_plural = _("visit requests")
        ordering = ["-requested_on", "-pk"]
        indexes = [
            models.Index(fields=["member", "requested_on"], name="coop_visit_member_requested"),
            models.Index(fields=["replied_on", "reply_due_on"], name="coop_visit_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_ends_on__isnull=True)
                | Q(visit_starts_on__isnull=True)
                | Q(visit_ends_on__gte=models.F("visit_starts_on")),
                name="coop_visit_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mandate} ({self.requested_on:%Y-%m-%d})"


class FollowUp(models.Model):
    """The member's follow-up of one recommendation of a visit report."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")

    visit = models.ForeignKey(
        VisitRequest, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("visit")
    )
    recommendation = models.ForeignKey(
        "recommendations.Recommendation",
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("recommendation"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(_("note"), blank=True)
    noted_on = models.DateField(_("as of"), default=datetime.date.today)
    story = models.ForeignKey(
        "stories.Story",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("good story that answers it"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up of a recommendation")
        verbose_name_plural = _("follow-up of recommendations")
        ordering = ["visit", "recommendation__paragraph", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "recommendation"], name="coop_follow_up_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation}: {self.get_status_display()}"


class Communication(ConfirmedMixin):
    """A communication from the Special Procedures. It never holds the names of the people concerned: there is
    no field for them, and the note's help text says why."""

    class Kind(models.TextChoices):
        URGENT_APPEAL = "urgent_appeal", _("Urgent appeal")
        ALLEGATION = "allegation", _("Letter of allegation")
        OTHER_LETTER = "other_letter", _("Other letter")
        JOINT = "joint", _("Joint communication")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="communications", verbose_name=_("member")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    reference = models.CharField(
        _("reference"),
        max_length=100,
        help_text=_("The communication's reference, for example UA URY 1/2026."),
    )
    mandates = models.ManyToManyField(
        Mandate, related_name="communications", blank=True, verbose_name=_("mandates")
    )
    received_on = models.DateField(_("received on"))
    reply_due_on = models.DateField(
        _("reply due on"), help_text=_("60 days after receipt by default; sooner for an urgent appeal.")
    )
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_(
            "Never write the names of the people concerned, here or anywhere on this portal: they may be at "
            "risk, and this record may be read by others. The reference is enough to find the communication."
        ),
    )
    reply_document = models.FileField(
        _("reply (PDF)"), upload_to=reply_document_path, storage=private_storage, blank=True
    )

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["member", "received_on"], name="coop_comm_member_received"),
            models.Index(fields=["replied_on", "reply_due_on"], name="coop_comm_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "reference"], name="coop_comm_reference_once"),
            models.CheckConstraint(
                condition=Q(reply_due_on__gte=models.F("received_on")), name="coop_comm_due_after_receipt"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CooperationEvent(HistoryEvent):
    """Who recorded, changed, confirmed or published what, and when."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("what"), max_length=40)
    visit = models.ForeignKey(
        VisitRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    communication = models.ForeignKey(
        Communication, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("cooperation history entry")
        verbose_name_plural = _("cooperation history")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.member}: {self.action}"


class DeadlineReminder(models.Model):
    """One reminder of one due reply: claimed (created) before it is sent, so it is never sent twice."""

    class Kind(models.TextChoices):
        DAYS_14 = "days_14", _("14 days before the reply is due")
        DAYS_3 = "days_3", _("3 days before the reply is due")
        OVERDUE = "overdue", _("Reply overdue")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    visit = models.ForeignKey(
        VisitRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    communication = models.ForeignKey(
        Communication, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    due_on = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=False, communication__isnull=True)
                | Q(visit__isnull=True, communication__isnull=False),
                name="coop_reminder_one_subject",
            ),
            # Per due date: a changed due date is reminded of again.
            models.UniqueConstraint(fields=["kind", "visit", "due_on"], name="coop_reminder_visit_once"),
            models.UniqueConstraint(
                fields=["kind", "communication", "due_on"], name="coop_reminder_comm_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due_on})"
