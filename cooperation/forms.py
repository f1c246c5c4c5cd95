"""Forms of /my/cooperation/: what mission staff type; the services check the rest (dates against each other,
the version the person started from, who may write)."""

from __future__ import annotations

from django import forms
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cooperation.models import Communication, FollowUp, Mandate, VisitRequest
from core.pdfs import clean_pdf_upload

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PDF_HELP = _(
    "A PDF of at most 20 MB. It is checked and kept without its metadata (author, software, dates). If the "
    "form comes back with an error, choose the file again: browsers do not send it twice."
)
CONFIRMED_HELP = _(
    "This entry is confirmed by your coordinator. If you change it, it must be confirmed again before it "
    "counts in the review (a change made by the coordinator stays confirmed)."
)


def _date_field(label, *, required: bool = False, help_text="") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE_WIDGET, help_text=help_text)


def _mandates(current_ids: list[int]):
    """Active mandates, and the ones an existing entry already names."""
    return Mandate.objects.filter(Q(is_active=True) | Q(pk__in=current_ids)).order_by("kind", "holder_title")


class ReplyDocumentMixin:
    def clean_reply_document(self):
        upload = self.cleaned_data.get("reply_document")
        if not upload:
            return None
        # The service checks it again; this puts the reason next to the field.
        return ContentFile(clean_pdf_upload(upload), name="reply.pdf")


class VisitForm(ReplyDocumentMixin, forms.ModelForm):
    reply_document = forms.FileField(
        label=_("Reply (PDF)"),
        required=False,
        help_text=PDF_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = VisitRequest
        fields = [
            "mandate",
            "requested_on",
            "status",
            "reply_due_on",
            "replied_on",
            "proposed_dates",
            "visit_starts_on",
            "visit_ends_on",
            "report_symbol",
            "note",
        ]
        widgets = {
            "requested_on": DATE_WIDGET,
            "reply_due_on": DATE_WIDGET,
            "replied_on": DATE_WIDGET,
            "visit_starts_on": DATE_WIDGET,
            "visit_ends_on": DATE_WIDGET,
            "note": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "reply_due_on": _("Leave empty for the default: two months after the request."),
            "proposed_dates": _("The dates your member proposed, for example “first half of May 2027”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = [self.instance.mandate_id] if self.instance.pk else []
        self.fields["mandate"].queryset = _mandates(current)
        self.fields["reply_due_on"].required = False
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)
            if self.instance.is_confirmed:
                self.fields["status"].help_text = CONFIRMED_HELP

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["reply_document"] = self.cleaned_data.get("reply_document")
        return data


class CommunicationForm(ReplyDocumentMixin, forms.ModelForm):
    reply_document = forms.FileField(
        label=_("Reply (PDF)"),
        required=False,
        help_text=PDF_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Communication
        fields = ["kind", "reference", "mandates", "received_on", "reply_due_on", "replied_on", "note"]
        widgets = {
            "received_on": DATE_WIDGET,
            "reply_due_on": DATE_WIDGET,
            "replied_on": DATE_WIDGET,
            "mandates": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "reply_due_on": _(
                "Leave empty for the default: 60 days after receipt, 30 days for an urgent appeal. Change it "
                "when the communication asks for a reply sooner or later."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = list(self.instance.mandates.values_list("pk", flat=True)) if self.instance.pk else []
        self.fields["mandates"].queryset = _mandates(current)
        self.fields["reply_due_on"].required = False
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def validate_unique(self) -> None:
        """The service says it in its own words (the member is not a field of this form)."""

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["mandates"] = list(data["mandates"] or [])
        data["reply_document"] = self.cleaned_data.get("reply_document")
        return data


class StandingInvitationForm(forms.Form):
    extended_on = _date_field(
        _("Standing invitation extended on"),
        help_text=_(
            "Leave empty when your member has not extended a standing invitation to all mandate holders."
        ),
    )


class FollowUpForm(forms.Form):
    """One recommendation's follow-up; the story choices are given by the view (one query for all rows)."""

    status = forms.ChoiceField(label=_("Status"), choices=FollowUp.Status.choices)
    noted_on = _date_field(_("As of"), required=True)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    story = forms.TypedChoiceField(
        label=_("Good story that answers it"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, story_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["story"].choices = [("", _("None")), *story_choices]


class ConfirmForm(forms.Form):
    visits = forms.TypedMultipleChoiceField(
        label=_("Visit requests"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    communications = forms.TypedMultipleChoiceField(
        label=_("Communications"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, visits, communications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visits"].choices = [(v.pk, str(v.pk)) for v in visits]
        self.fields["communications"].choices = [(c.pk, str(c.pk)) for c in communications]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("visits") and not cleaned.get("communications"):
            raise forms.ValidationError(_("Select at least one entry to confirm."), code="nothing_selected")
        return cleaned
