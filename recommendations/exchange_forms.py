"""Forms of the exchanges: asking another member's coordinator, and answering as the coordinator asked."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recommendations.services.exchanges import MESSAGE_MAX_LENGTH


class ExchangeRequestForm(forms.Form):
    story = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    recommendation = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        help_text=_(
            "Optional. Say what you would like to learn: who designed the policy, what it cost, what "
            "went wrong at first. The coordinator receives it by mail with your name and mission."
        ),
    )


class ExchangeAnswerForm(forms.Form):
    ACCEPT = "accept"
    DECLINE = "decline"

    answer = forms.CharField(
        label=_("Your answer"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_(
            "Optional when you accept (say whom to contact, for example); required when you decline."
        ),
    )
    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (DECLINE, _("Decline"))], widget=forms.HiddenInput
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.DECLINE and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Say in a few words why you decline: the other mission will read it."))
        return data
