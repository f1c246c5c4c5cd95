from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import Mandate
from registry.crypto import Identity
from registry.models import Case, Referral


class CaseForm(forms.ModelForm):
    """The facts of a case and its consent; on creation also the identity, which never comes back into a
    form (it is shown only on the identity page, after a reason is given)."""

    class Meta:
        model = Case
        fields = [
            "country",
            "year",
            "month",
            "kind",
            "mechanism",
            "follow_up",
            "consent_aggregate",
            "consent_referral",
            "consent_meeting",
            "consent_given_on",
            "consent_valid_until",
            "consent_obtained_how",
        ]
        widgets = {
            "consent_given_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "consent_valid_until": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "follow_up": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
            self.fields["month"].initial = timezone.localdate().month


class IdentityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=500, required=False)
    place = forms.CharField(
        label=_("Exact place"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.required = required
        for field in self.fields.values():
            field.widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        if (
            self.required
            and Identity(**{k: data.get(k, "") for k in ("name", "contact", "place")}).is_empty()
        ):
            raise forms.ValidationError(_("Give at least a name, a contact or a place."))
        return data

    def identity(self) -> Identity:
        return Identity(
            name=self.cleaned_data.get("name", "").strip(),
            contact=self.cleaned_data.get("contact", "").strip(),
            place=self.cleaned_data.get("place", "").strip(),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to see this identity?"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Your reason, your name and the time are kept in the log of reads, which the head of the "
            "secretariat reviews every month."
        ),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Case.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReferralForm(forms.Form):
    recipient = forms.ChoiceField(label=_("Referred to"), choices=Referral.Recipient.choices)
    mandate = forms.ModelChoiceField(
        label=_("Mandate (when referred to a mandate holder)"),
        queryset=Mandate.objects.filter(is_active=True),
        required=False,
    )
    recipient_detail = forms.CharField(label=_("To whom, precisely"), max_length=300, required=False)
    referred_on = forms.DateField(
        label=_("Referred on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
