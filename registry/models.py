"""The confidential reprisals registry: cases under codes, their referrals, history and the log of every read
of an identity.

A case never holds a name in clear: the person's name, contact and exact place live together in
`identity_token`, encrypted with the keys in REGISTRY_KEYS (registry/crypto.py), which are never in the
database or the repository. The registry is deliberately absent from the audit trail and from the admin.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.models import HistoryEvent

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_case_code() -> str:
    """A random code that says nothing about the person or the country: R-XXXX-XXXX."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"R-{chars[:4]}-{chars[4:]}"


class CaseQuerySet(models.QuerySet):
    def publishable(self, on: datetime.date | None = None) -> CaseQuerySet:
        """Cases whose consent covers publication in aggregate on that day (today by default)."""
        on = on or timezone.localdate()
        return self.filter(
            consent_aggregate=True,
            consent_withdrawn_at__isnull=True,
            consent_given_on__lte=on,
        ).filter(Q(consent_valid_until__isnull=True) | Q(consent_valid_until__gte=on))


class Case(models.Model):
    class Kind(models.TextChoices):
        SMEAR = "smear", _("Smear campaign")
        HARASSMENT = "harassment", _("Harassment")
        INTIMIDATION = "intimidation", _("Intimidation")
        THREAT = "threat", _("Threat")
        DETENTION = "detention", _("Arbitrary detention")
        ATTACK = "attack", _("Physical attack")
        KILLING = "killing", _("Killing")
        OTHER = "other", _("Other")

    class Mechanism(models.TextChoices):
        UPR = "upr", _("Universal Periodic Review")
        TREATY_BODIES = "treaty_bodies", _("Treaty bodies")
        SPECIAL_PROCEDURES = "special_procedures", _("Special Procedures")
        COUNCIL = "council", _("Human Rights Council")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        VERIFIED = "verified", _("Verified")
        REFERRED = "referred", _("Referred")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=20, unique=True, default=new_case_code, editable=False)
    country = CountryField(_("country where it happened"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    kind = models.CharField(_("type of reprisal"), max_length=20, choices=Kind.choices)
    mechanism = models.CharField(
        _("UN mechanism the person cooperated with"), max_length=30, choices=Mechanism.choices
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REPORTED)
    follow_up = models.TextField(
        _("follow-up notes"), blank=True, help_text=_("Never write the person's name or exact place here.")
    )
    # Name, contact and exact place, encrypted together (a Fernet token); empty when none was recorded.
    identity_token = models.TextField(_("encrypted identity"), blank=True, editable=False)
    # Consent, per use.
    consent_aggregate = models.BooleanField(_("publication in aggregate figures"), default=False)
    consent_referral = models.BooleanField(_("referral to the UN"), default=False)
    consent_meeting = models.BooleanField(_("mention in a meeting"), default=False)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_valid_until = models.DateField(_("consent valid until"), null=True, blank=True)
    consent_obtained_how = models.CharField(_("how consent was obtained"), max_length=300, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-year", "-month", "code"]
        default_permissions = ()
        permissions = [("access_registry", _("Can use the reprisals registry"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="registry_case_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def has_identity(self) -> bool:
        return bool(self.identity_token)

    def consent_covers(self, use: str, on: datetime.date | None = None) -> bool:
        """Whether the consent allows `use` ("aggregate", "referral" or "meeting") on that day."""
        on = on or timezone.localdate()
        return bool(
            getattr(self, f"consent_{use}")
            and self.consent_withdrawn_at is None
            and self.consent_given_on is not None
            and self.consent_given_on <= on
            and (self.consent_valid_until is None or on <= self.consent_valid_until)
        )


class Referral(models.Model):
    class Recipient(models.TextChoices):
        OHCHR = "ohchr", _("OHCHR")
        MANDATE_HOLDER = "mandate_holder", _("A Special Procedures mandate holder")
        COUNCIL_PRESIDENT = "council_president", _("The President of the Human Rights Council")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("case"))
    recipient = models.CharField(_("referred to"), max_length=30, choices=Recipient.choices)
    mandate = models.ForeignKey(
        "cooperation.Mandate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mandate"),
    )
    recipient_detail = models.CharField(_("to whom, precisely"), max_length=300, blank=True)
    referred_on = models.DateField(_("referred on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_on", "pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case.code} → {self.get_recipient_display()}"

    @property
    def recipient_label(self) -> str:
        if self.recipient == self.Recipient.MANDATE_HOLDER and self.mandate_id:
            return self.mandate.holder_title
        if self.recipient_detail:
            return f"{self.get_recipient_display()}: {self.recipient_detail}"
        return str(self.get_recipient_display())


class CaseEvent(HistoryEvent):
    """A history row for every change to a case; it never holds an identity."""

    class Action(models.TextChoices):
        RECORDED = "recorded", _("Case recorded")
        CHANGED = "changed", _("Case changed")
        IDENTITY_SET = "identity_set", _("Identity recorded or replaced")
        IDENTITY_ROTATED = "identity_rotated", _("Identity re-encrypted with the current key")
        STATUS = "status", _("Status changed")
        REFERRED = "referred", _("Referred")
        CONSENT = "consent", _("Consent changed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("status before"), max_length=20, choices=Case.Status.choices, blank=True)
    to_status = models.CharField(_("status after"), max_length=20, choices=Case.Status.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case.code}: {self.get_action_display()}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("The log of identity reads cannot be changed."))

    def delete(self):
        raise PermissionDenied(_("The log of identity reads cannot be changed."))


class IdentityRead(models.Model):
    """One read of a case's identity: who, when, which case, why. Append-only: the ORM refuses to change or
    delete a row, and on PostgreSQL a trigger refuses it too (migration 0002)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reads", verbose_name=_("case"))
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("read by")
    )
    reader_email = models.CharField(_("reader's address"), max_length=254)
    read_at = models.DateTimeField(_("read at"), default=timezone.now)
    reason = models.TextField(_("reason"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity read")
        verbose_name_plural = _("identity reads")
        ordering = ["-read_at", "-pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case.code} read by {self.reader_email} at {self.read_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionDenied(_("The log of identity reads cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("The log of identity reads cannot be changed."))


class MonthlyReport(models.Model):
    """The report of one month's reads, claimed once and sent once to the head of the secretariat."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_count = models.PositiveIntegerField(_("reads reported"), default=0)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-year", "-month"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="registry_one_report_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
