"""The forms of the page where a story's recommendations are chosen: the search among those the member
received, and the entry of one that is not in the database."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from recommendations.models import TREATY_BODIES, UPR_BODY, Citation, Mechanism
from recommendations.services.citations import clean_paragraph, clean_symbol


def body_label(body: str) -> str:
    if body == UPR_BODY:
        return str(_("Universal Periodic Review"))
    return str(TREATY_BODIES.get(body, body))


class CitationSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Symbol, paragraph or words"),
        required=False,
        max_length=200,
        help_text=_("For example A/HRC/38/4, 116.23 or “access to justice”."),
    )
    mechanism = forms.ChoiceField(
        label=_("Mechanism"), required=False, choices=[("", _("All mechanisms")), *Mechanism.choices]
    )
    body = forms.ChoiceField(label=_("Body"), required=False)

    def __init__(self, *args, bodies: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", _("All bodies"))] + [(b, body_label(b)) for b in bodies]
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["autocomplete"] = "off"


class ManualCitationForm(forms.ModelForm):
    """A recommendation entered by hand: the service links it to the imported one when it exists."""

    url = forms.URLField(
        label=_("Link (optional)"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_("Where the document can be read, for example at OHCHR or UPR Info."),
    )

    class Meta:
        model = Citation
        fields = ["mechanism", "symbol", "paragraph", "note", "url"]
        labels = {"note": _("Text or note (optional)")}
        help_texts = {
            "symbol": _("As on the UN document, for example A/HRC/38/4 or CEDAW/C/URY/CO/10."),
            "paragraph": _("For example 116.23. Leave empty if the recommendation has no paragraph number."),
            "note": _("The recommendation's words, or anything that helps find it."),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["symbol"].required = True
        self.fields["mechanism"].choices = [("", _("Choose…")), *Mechanism.choices]

    def clean_symbol(self) -> str:
        try:
            return clean_symbol(self.cleaned_data.get("symbol", ""))
        except ValidationError as error:
            raise ValidationError(error.error_dict["symbol"]) from None

    def clean_paragraph(self) -> str:
        return clean_paragraph(self.cleaned_data.get("paragraph", ""))

    def validate_unique(self) -> None:
        """The service checks for duplicates, under the story's lock."""

    def _post_clean(self) -> None:
        # No model validation here: the citation has no story yet; the service validates it whole.
        pass
