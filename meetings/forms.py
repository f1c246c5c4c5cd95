from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.pdfs import clean_pdf_upload
from meetings.models import CITY_TIME_ZONES, Document, Meeting, Participant, validate_time_zone
from members.models import User

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def offset_label(moment: datetime.datetime) -> str:
    offset = moment.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def exists_in_zone(moment: datetime.datetime) -> bool:
    """False for wall-clock times skipped when the clocks go forward."""
    round_trip = moment.astimezone(datetime.UTC).astimezone(moment.tzinfo)
    return round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None)


class MeetingAdminForm(forms.ModelForm):
    """Start and end are typed in the meeting city's local time; they are stored in UTC. The status is not
    here: it changes through the admin actions, which call the services (history, mail)."""

    local_starts_at = forms.DateTimeField(
        label=_("Starts (local time)"),
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(format=LOCAL_FORMAT, attrs={"placeholder": "2026-09-24 10:00"}),
    )
    local_ends_at = forms.DateTimeField(
        label=_("Ends (local time)"),
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(format=LOCAL_FORMAT, attrs={"placeholder": "2026-09-24 12:30"}),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "slug",
            "language",
            "kind",
            "city",
            "place",
            "time_zone",
            "venue",
            "topic",
            "topic_text",
            "co_chairs",
            "description",
            "outcome_summary",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        meeting = self.instance
        help_text = _("In the city's own time: Geneva is Europe/Zurich, New York is America/New_York.")
        if meeting.pk:
            local_start, local_end = meeting.local_start, meeting.local_end
            self.initial["local_starts_at"] = local_start.replace(tzinfo=None)
            self.initial["local_ends_at"] = local_end.replace(tzinfo=None)
            help_text = _("In %(zone)s time (%(offset)s on that date); %(utc)s UTC.") % {
                "zone": meeting.tz.key,
                "offset": offset_label(local_start),
                "utc": meeting.starts_at.astimezone(datetime.UTC).strftime(LOCAL_FORMAT),
            }
        self.fields["local_starts_at"].help_text = help_text
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Leave empty to make one from the title and year.")

    def _zone(self) -> zoneinfo.ZoneInfo | None:
        city = self.cleaned_data.get("city")
        name = CITY_TIME_ZONES.get(city) or self.cleaned_data.get("time_zone")
        if not name:
            return None
        try:
            validate_time_zone(name)
        except ValidationError as error:
            self.add_error("time_zone", error)
            return None
        return zoneinfo.ZoneInfo(name)

    def clean(self) -> dict:
        cleaned = super().clean()
        zone = self._zone()
        start, end = cleaned.get("local_starts_at"), cleaned.get("local_ends_at")
        if zone is None:
            if cleaned.get("city") == Meeting.City.OTHER and not self.has_error("time_zone"):
                self.add_error(
                    "time_zone", ValidationError(_("Give the time zone of the place."), code="required")
                )
            return cleaned
        if start and end:
            # The field read the typed value as UTC (the site's zone): take the wall-clock time it typed and
            # place it in the meeting's own zone.
            starts_at = timezone.make_naive(start, datetime.UTC).replace(tzinfo=zone)
            ends_at = timezone.make_naive(end, datetime.UTC).replace(tzinfo=zone)
            for name, value in (("local_starts_at", starts_at), ("local_ends_at", ends_at)):
                if not exists_in_zone(value):
                    self.add_error(
                        name,
                        ValidationError(
                            _("%(time)s does not exist in %(zone)s: the clocks go forward then."),
                            code="nonexistent_time",
                            params={"time": value.strftime(LOCAL_FORMAT), "zone": zone.key},
                        ),
                    )
            if self.errors:
                return cleaned
            if ends_at <= starts_at:
                self.add_error(
                    "local_ends_at",
                    ValidationError(_("The meeting must end after it starts."), code="ends_before_start"),
                )
            else:
                self.instance.starts_at = starts_at
                self.instance.ends_at = ends_at
        return cleaned


class ParticipantAdminForm(forms.ModelForm):
    """A participant row of the meeting form. Participants are not accounts, but some are people with one:
    a new row left at the default language takes the language of the account its address belongs to."""

    class Meta:
        model = Participant
        fields = [
            "name",
            "organisation",
            "category",
            "member",
            "email",
            "language",
            "invitation_status",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        email = cleaned.get("email")
        if self.instance.pk is None and email and "language" not in self.changed_data:
            account_language = (
                User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
            )
            if account_language:
                cleaned["language"] = account_language
        return cleaned


class DocumentAdminForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["kind", "title", "file"]

    def clean_file(self):
        """Checked by content (a real PDF, at most 20 MB, no script, action or embedded file) and kept without
        its metadata (core/pdfs.py): the author's name and software never reach the public."""
        upload = self.cleaned_data.get("file")
        if upload is None or not hasattr(upload, "read") or getattr(upload, "_committed", False):
            return upload  # unchanged
        cleaned = clean_pdf_upload(upload, max_bytes=MAX_DOCUMENT_BYTES)
        return ContentFile(cleaned, name=upload.name)

    def save(self, commit=True):
        document = super().save(commit=False)
        if self.cleaned_data.get("file") is not None and hasattr(self.cleaned_data["file"], "size"):
            document.size = self.cleaned_data["file"].size
        if commit:
            document.save()
        return document


class OutcomeForm(forms.Form):
    outcome_summary = forms.CharField(
        label=_("Outcome summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published on the meeting's page."),
    )


class ConfirmForm(forms.Form):
    comment = forms.CharField(
        label=_("Note for the history (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class CancelForm(forms.Form):
    message = forms.CharField(
        label=_("Message to participants (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
