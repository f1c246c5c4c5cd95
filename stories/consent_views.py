"""The consent records of a story's photos, for the story's own people and the secretariat, under
/my/stories/<story>/photos/<photo>/consents/ (paths in stories/consent_urls.py). Who consented is private:
these pages are never cached and never public."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from stories import consent as consent_services
from stories.models import ConsentUse, ImageConsent, Story, StoryImage


class UsesField(forms.TypedMultipleChoiceField):
    """The uses a consent covers, as checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("For which uses"))
        kwargs.setdefault("choices", ConsentUse.choices)
        kwargs.setdefault(
            "error_messages", {"required": gettext_lazy("Choose at least one use the person agreed to.")}
        )
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ConsentForm(forms.Form):
    who = forms.CharField(
        label=gettext_lazy("Who consented"),
        max_length=300,
        help_text=gettext_lazy(
            "A name or a description (“the woman in the blue scarf”). Never shown publicly: only this "
            "story's mission and the secretariat see it."
        ),
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    uses = UsesField()
    given_on = forms.DateField(
        label=gettext_lazy("Given on"), widget=DateInput(), help_text=gettext_lazy("Year-month-day.")
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy(
            "Leave empty if the consent has no end. You are warned 30 days before it ends."
        ),
    )
    obtained_how = forms.CharField(
        label=gettext_lazy("How it was obtained"),
        max_length=300,
        help_text=gettext_lazy("For example: signed form kept by the mission."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            described = [f"id_{name}_helptext"] if field.help_text else []
            if self.is_bound and name in self.errors:
                described.insert(0, f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described and not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def clean(self) -> dict:
        cleaned = super().clean()
        given_on, valid_until = cleaned.get("given_on"), cleaned.get("valid_until")
        if given_on and given_on > timezone.localdate():
            self.add_error("given_on", _("Consent cannot be given in the future: give the day it was given."))
        if given_on and valid_until and valid_until < given_on:
            self.add_error("valid_until", _("The consent cannot end before the day it was given."))
        return cleaned


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=gettext_lazy("Why, or how the person told you. Kept with the record; never public."),
    )


def _photo(request: HttpRequest, pk: int, image_pk: int) -> tuple[Story, StoryImage]:
    """The photo if this person may keep its consent records; 404 alike for missing and not theirs."""
    image = get_object_or_404(StoryImage.objects.select_related("story__member"), pk=image_pk, story_id=pk)
    story = image.story
    if not consent_services.can_see_consents(user=request.user, story=story):
        raise PermissionDenied(
            _("Only the story's own mission and the secretariat keep its consent records.")
        )
    return story, image


def _status(consent: ImageConsent, today) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.valid_until is not None and consent.valid_until < today:
        return "expired"
    if consent.given_on > today:
        return "not_yet"
    return "in_force"


def _rows(image: StoryImage) -> list[dict]:
    today = timezone.localdate()
    labels = dict(ConsentUse.choices)
    return [
        {
            "consent": consent,
            "uses": [labels.get(use, use) for use in consent.uses],
            "status": _status(consent, today),
        }
        for consent in image.consents.select_related("recorded_by").order_by("-recorded_at", "-pk")
    ]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def image_consents(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    """A photo's consent records, and the form to add one."""
    story, image = _photo(request, pk, image_pk)
    status = 200
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consent_services.consent_record(
                    actor=request.user,
                    image_id=image.pk,
                    who=data["who"],
                    uses=data["uses"],
                    given_on=data["given_on"],
                    valid_until=data["valid_until"],
                    obtained_how=data["obtained_how"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                messages.success(request, _("The consent is recorded."))
                return HttpResponseRedirect(reverse("my_stories:image_consents", args=[story.pk, image.pk]))
        status = 400
    else:
        form = ConsentForm()
    context = {
        "story": story,
        "image": image,
        "rows": _rows(image),
        "form": form,
        "covered": consent_services.covers(image.consents.all(), ConsentUse.PORTAL),
    }
    return render(request, "stories/consents/image_consents.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def consent_withdraw(request: HttpRequest, pk: int, image_pk: int, consent_pk: int) -> HttpResponse:
    """Withdraw a consent: a confirmation page first (what will happen), then the withdrawal."""
    story, image = _photo(request, pk, image_pk)
    consent = get_object_or_404(ImageConsent, pk=consent_pk, image=image)
    back = reverse("my_stories:image_consents", args=[story.pk, image.pk])
    if consent.withdrawn_at is not None:
        messages.info(request, _("This consent was already withdrawn."))
        return HttpResponseRedirect(back)
    others_cover = any(
        other.covers(ConsentUse.PORTAL, timezone.localdate())
        for other in image.consents.exclude(pk=consent.pk)
    )
    status = 200
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                consent_services.consent_withdraw(
                    actor=request.user, consent_id=consent.pk, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                image.refresh_from_db(fields=["taken_down_at"])
                if image.taken_down_at is not None:
                    messages.success(
                        request,
                        _("The consent is withdrawn. The photo is taken down everywhere on the portal."),
                    )
                else:
                    messages.success(request, _("The consent is withdrawn."))
                return HttpResponseRedirect(back)
        status = 400
    else:
        form = WithdrawForm()
    context = {
        "story": story,
        "image": image,
        "consent": consent,
        "uses": [dict(ConsentUse.choices).get(use, use) for use in consent.uses],
        "form": form,
        "takes_down": image.taken_down_at is None
        and not others_cover
        and consent_services.relies_on_consent(image),
        "back": back,
    }
    return render(request, "stories/consents/consent_withdraw.html", context, status=status)
