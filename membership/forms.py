"""Forms of membership applications: the one on /join/, the members' answer, and the secretariat's admin
actions."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.pdfs import PdfRefused, clean_pdf_upload
from members.models import Member
from membership import applications
from membership.models import Application, ConsultationAnswer, CriterionAssessment, DeclarationVersion


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DeclarationVersion) -> str:
        label = _("Version %(number)s, adopted on %(date)s") % {
            "number": obj.number,
            "date": obj.adopted_on.isoformat(),
        }
        return f"{label} ({_('current')})" if obj.is_current else label


class ApplicationForm(forms.ModelForm):
    """The application on /join/. The letter, once it passed the checks, is kept (a signed token in a
    hidden field) so a form shown again for another error does not ask for it twice."""

    letter = forms.FileField(
        label=_("Letter or note verbale (PDF)"),
        required=False,
        help_text=_(
            "A PDF of at most 10 MB, signed by your ministry or mission, without password or scripts."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    letter_token = forms.CharField(required=False, widget=forms.HiddenInput)
    declaration_version = VersionChoiceField(
        queryset=DeclarationVersion.objects.order_by("-number"),
        label=_("Version of the joint declaration you will endorse"),
        empty_label=None,
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Application
        fields = [
            "kind",
            "country",
            "organisation_name",
            "office",
            "contact_name",
            "contact_title",
            "email",
            "phone",
            "declaration_version",
            "focal_point_name",
            "focal_point_email",
            "story_idea",
        ]
        labels = {
            "country": _("Country"),
            "organisation_name": _("Name of the organisation"),
            "office": _("Mission or ministry"),
            "email": _("Official e-mail"),
        }
        help_texts = {
            "country": _("If you apply for a state."),
            "organisation_name": _("If you apply for a regional organisation."),
            "office": _(
                "For example: Permanent Mission to the United Nations in Geneva, or the Ministry of "
                "Foreign Affairs."
            ),
            "email": _("We send a link to this address to confirm it."),
            "focal_point_name": _("The person who will represent you in the contact group."),
            "story_idea": _("Optional: a policy of yours that made a difference for people's rights."),
        }
        widgets = {
            "kind": forms.RadioSelect,
            "story_idea": forms.Textarea(attrs={"rows": 4}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Application.Kind.choices
        self.letter_content: bytes | None = None
        self.pending: applications.PendingLetter | None = None
        if not self.is_bound:
            current = DeclarationVersion.objects.filter(is_current=True).values_list("pk", flat=True).first()
            if current is not None:
                self.initial.setdefault("declaration_version", current)

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_letter(self):
        upload = self.cleaned_data.get("letter")
        if not upload:
            return None
        try:
            self.letter_content = clean_pdf_upload(upload, max_bytes=applications.LETTER_MAX_BYTES)
        except PdfRefused as error:
            raise ValidationError(error.messages, code=error.code) from error
        return upload

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Application.Kind.STATE and not cleaned.get("country"):
            self.add_error("country", ValidationError(_("Choose the country that applies."), code="required"))
        if kind == Application.Kind.ORGANISATION and not (cleaned.get("organisation_name") or "").strip():
            self.add_error(
                "organisation_name",
                ValidationError(_("Give the name of the organisation that applies."), code="required"),
            )
        if self.letter_content is None and "letter" not in self.errors:
            self.pending = applications.pending_letter_from_token(cleaned.get("letter_token", ""))
            if self.pending is None:
                self.add_error(
                    "letter",
                    ValidationError(_("Attach the letter or note verbale (PDF)."), code="required"),
                )
        if kind and cleaned.get("email") and not self.errors.keys() & {"country", "organisation_name"}:
            conflict = applications.applicant_conflict(
                kind=kind,
                country=str(cleaned.get("country") or ""),
                organisation_name=cleaned.get("organisation_name") or "",
                email=cleaned["email"],
            )
            if conflict is not None:
                self.add_error(*conflict)
        return cleaned

    def keep_letter(self) -> None:
        """A letter that passed the checks is kept for the next try; the hidden field then names it."""
        if self.letter_content is None:
            return
        upload = self.cleaned_data.get("letter")
        token = applications.pending_letter_store(
            content=self.letter_content, filename=getattr(upload, "name", "") or "letter.pdf"
        )
        self.pending = applications.pending_letter_from_token(token)
        data = self.data.copy()
        data["letter_token"] = token
        self.data = data

    def letter_bytes(self) -> bytes:
        if self.letter_content is not None:
            return self.letter_content
        if self.pending is None:
            raise ValueError("letter_bytes() of a form without a letter")
        return self.pending.read()


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your member's answer"), choices=ConsultationAnswer.Answer.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for an objection; shared with the secretariat."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("answer") == ConsultationAnswer.Answer.OBJECT
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error(
                "reason", ValidationError(_("Give the reason for your objection."), code="reason_required")
            )
        return cleaned


# ---------------------------------------------------------------------------------------------------------
# The secretariat's admin actions


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeclineForm(forms.Form):
    comment = forms.CharField(
        label=_("Why the application is declined"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant reads this."),
    )


class ConsultationOpenForm(forms.Form):
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        help_text=_("Date and time in the time zone below, for example 2025-03-31 18:00."),
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
    )
    time_zone = forms.CharField(label=_("Time zone of the deadline"), initial="Europe/Zurich", max_length=64)

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise ValidationError(
                _("“%(value)s” is not a time zone we know; use a name like Europe/Zurich."),
                code="unknown_time_zone",
                params={"value": value},
            )
        return value


class ApplicationAdminForm(forms.ModelForm):
    """In the admin, the secretariat sets only what approval needs; everything else is the applicant's."""

    regional_group = forms.ChoiceField(
        label=_("UN regional group"),
        choices=[("", "—"), *Member.RegionalGroup.choices],
        required=False,
        help_text=_("Needed before approving a state."),
    )

    class Meta:
        model = Application
        fields = ["regional_group", "country"]
        help_texts = {
            "country": _("For an organisation: the code it will be listed under (EU for the European Union).")
        }


class AssessmentAdminForm(forms.ModelForm):
    class Meta:
        model = CriterionAssessment
        fields = ["criterion", "result", "note"]
