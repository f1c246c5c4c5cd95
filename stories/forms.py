from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stories import services
from stories.models import FaceDecision, FaceDetection, PendingUpload, SdgTarget, Story, StoryImage, Theme


class StoryForm(forms.ModelForm):
    priority_themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.priorities(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sdgs = forms.ModelMultipleChoiceField(
        label=_("Sustainable Development Goals"),
        queryset=Theme.objects.sdgs(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sdg_targets = forms.ModelMultipleChoiceField(
        label=_("SDG targets"),
        queryset=SdgTarget.objects.order_by("goal", "position"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The targets of the Sustainable Development Goals the policy works towards."),
    )
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https", max_length=200)
    source_url = forms.URLField(
        label=_("Source link"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=_("An official page about the policy."),
    )
    # The version the person started from, to notice when somebody else saved in between.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Story
        fields = ["title", "language", "summary", "body", "policy_year", "video_url", "source_url"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4, "maxlength": 600}),
            "body": forms.Textarea(attrs={"rows": 16}),
            "policy_year": forms.NumberInput(attrs={"min": 1945, "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            chosen = list(self.instance.themes.all())
            self.initial.setdefault("priority_themes", [t for t in chosen if t.kind == Theme.Kind.PRIORITY])
            self.initial.setdefault("sdgs", [t for t in chosen if t.kind == Theme.Kind.SDG])
            self.initial.setdefault("version", self.instance.version)
            self.initial.setdefault("sdg_targets", list(self.instance.sdg_targets.all()))

    @property
    def sdg_targets_sent(self) -> bool:
        """Whether the form had the SDG targets section: one sent without it (an older page, a script) leaves
        the story's targets as they are, as no ticked box cannot be told from no box at all."""
        return self.is_bound and SDG_TARGETS_SHOWN in self.data

    def sdg_target_groups(self) -> list[dict]:
        """The target checkboxes by goal, for one fieldset per goal (open when it has a ticked target or the
        field has an error)."""
        goals = {theme.sdg_number: theme for theme in Theme.objects.sdgs()}
        groups: dict[int, dict] = {}
        has_errors = bool(self["sdg_targets"].errors)
        for choice in self["sdg_targets"]:
            target = choice.data["value"].instance
            group = groups.setdefault(
                target.goal,
                {"goal": target.goal, "theme": goals.get(target.goal), "choices": [], "open": has_errors},
            )
            group["choices"].append((choice, target))
            group["open"] = group["open"] or bool(choice.data["selected"])
        return list(groups.values())

    def clean_policy_year(self) -> int | None:
        year = self.cleaned_data.get("policy_year")
        if year is not None and year > timezone.now().year:
            raise ValidationError(_("The year cannot be in the future."), code="year_in_future")
        return year

    @property
    def themes(self) -> list[Theme]:
        return [*self.cleaned_data.get("priority_themes", []), *self.cleaned_data.get("sdgs", [])]


# The name of a hidden input of the story form: the page had the SDG targets section.
SDG_TARGETS_SHOWN = "sdg_targets_shown"


class TranslationForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=600, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(label=_("Story"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    confirmed = forms.BooleanField(
        label=_("This translation is still correct"),
        required=False,
        help_text=_(
            "Tick after checking it against the story as it is now: it is no longer marked out of date."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown only for a translation that may be out of date (set from the saved row in `initial`).
        self.outdated = bool(self.initial.get("outdated"))

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        has_text = any(cleaned.get(name) for name in ("title", "summary", "body"))
        if has_text and not cleaned.get("language"):
            self.add_error(
                "language", ValidationError(_("Choose the language of this translation."), code="required")
            )
        if cleaned.get("language") and not cleaned.get("title"):
            self.add_error("title", ValidationError(_("Give the translated title."), code="required"))
        return cleaned

    def to_data(self) -> services.TranslationData | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not data.get("language"):
            return None
        return services.TranslationData(
            language=data["language"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            confirmed=bool(data.get("confirmed")),
        )


class BaseTranslationFormSet(forms.BaseFormSet):
    def __init__(self, *args, story_language: str | None = None, **kwargs):
        self.story_language = story_language
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        languages = [
            form.cleaned_data["language"]
            for form in self.forms
            if form.cleaned_data.get("language") and not form.cleaned_data.get("DELETE")
        ]
        if len(languages) != len(set(languages)):
            raise ValidationError(_("Give at most one translation per language."), code="duplicate_language")
        if self.story_language and self.story_language in languages:
            raise ValidationError(
                _("A translation cannot be in the language the story is written in."), code="same_language"
            )


TranslationFormSet = forms.formset_factory(
    TranslationForm, formset=BaseTranslationFormSet, extra=1, can_delete=True, max_num=5
)


def translation_initial(story: Story | None) -> list[dict]:
    if story is None or story.pk is None:
        return []
    return [
        {
            "language": t.language,
            "title": t.title,
            "summary": t.summary,
            "body": t.body,
            "outdated": t.outdated,
        }
        for t in story.translations.all()
    ]


class ImageForm(forms.Form):
    """One photo of the story: a new file, a photo kept from an earlier attempt, or one already saved."""

    image_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pending_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_(
            "JPEG, PNG, WebP or HEIC (iPhone photos), at most 20 MB. Location and camera data are removed."
        ),
        # The extensions too: some browsers know no MIME type for HEIC and would grey the files out.
        widget=forms.FileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"}
        ),
    )
    alt_text = forms.CharField(
        label=_("Text alternative"),
        max_length=250,
        required=False,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)
    credit = forms.CharField(label=_("Credit"), max_length=200, required=False)
    consent_confirmed = forms.BooleanField(
        label=_("Everyone who can be recognised in this photo agreed to its publication."), required=False
    )
    order = forms.IntegerField(label=_("Position"), min_value=0, max_value=99, required=False)

    def __init__(self, *args, owner=None, images_by_id: dict[int, StoryImage] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.images_by_id = images_by_id or {}
        self.pending: PendingUpload | None = None
        # The saved photo this row describes; bound forms learn it again when they are cleaned.
        self.existing: StoryImage | None = self.images_by_id.get(self.initial.get("image_id"))

    def clean(self) -> dict:
        cleaned = super().clean()
        self.existing = self.images_by_id.get(cleaned.get("image_id"))
        if self.existing is None:
            cleaned["image_id"] = None
        if cleaned.get("pending_id") and self.owner is not None:
            self.pending = PendingUpload.objects.filter(pk=cleaned["pending_id"], owner=self.owner).first()
            if self.pending is None:
                cleaned["pending_id"] = None
        if cleaned.get("DELETE"):
            return cleaned
        upload = cleaned.get("file")
        if upload:
            # Check and keep the photo now, so it survives errors elsewhere in the form.
            try:
                self.pending = services.pending_upload_create(owner=self.owner, upload=upload)
            except ValidationError as error:
                self.add_error("file", error)
            else:
                cleaned["pending_id"] = self.pending.pk
        if self.existing or self.pending:
            if not cleaned.get("alt_text", "").strip():
                self.add_error(
                    "alt_text",
                    ValidationError(_("Describe the photo for people who cannot see it."), code="required"),
                )
            if not cleaned.get("consent_confirmed"):
                self.add_error(
                    "consent_confirmed",
                    ValidationError(
                        _("Photos can only be published with the consent of the people in them."),
                        code="required",
                    ),
                )
        elif not self.errors and (cleaned.get("alt_text") or cleaned.get("caption") or cleaned.get("credit")):
            self.add_error(
                "file", ValidationError(_("Choose the photo these details belong to."), code="required")
            )
        return cleaned

    @property
    def faces(self) -> str:
        """Where the saved photo stands with its faces: "undecided" (held until someone decides), "decided",
        "pending" (not checked yet), or "" (no face, or no saved photo)."""
        image = self.existing
        if image is None or image.face_detection == FaceDetection.NONE:
            return ""
        if image.face_detection == FaceDetection.PENDING:
            return "pending"
        return "undecided" if services.image_faces_undecided(image) else "decided"

    def to_data(self, index: int) -> services.ImageData | None:
        data = self.cleaned_data
        if not data or not (self.existing or self.pending):
            return None
        order = data.get("order")
        return services.ImageData(
            image_id=self.existing.pk if self.existing else None,
            pending_id=self.pending.pk if self.pending and not self.existing else None,
            alt_text=data.get("alt_text", "").strip(),
            caption=data.get("caption", ""),
            credit=data.get("credit", ""),
            consent_confirmed=bool(data.get("consent_confirmed")),
            order=order if order is not None else index,
            delete=bool(data.get("DELETE")),
        )


class BaseImageFormSet(forms.BaseFormSet):
    def __init__(self, *args, owner=None, story=None, **kwargs):
        self.owner = owner
        # One query for the story's photos, shared by every row (a row only names its photo by id).
        self.images_by_id = (
            {image.pk: image for image in story.images.prefetch_related("consents")}
            if story and story.pk
            else {}
        )
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "owner": self.owner, "images_by_id": self.images_by_id}


ImageFormSet = forms.formset_factory(
    ImageForm, formset=BaseImageFormSet, extra=1, can_delete=True, max_num=20
)


def image_initial(story: Story | None) -> list[dict]:
    if story is None or story.pk is None:
        return []
    return [
        {
            "image_id": image.pk,
            "alt_text": image.alt_text,
            "caption": image.caption,
            "credit": image.credit,
            "consent_confirmed": image.consent_confirmed,
            "order": image.order,
        }
        for image in story.images.all()
    ]


class ImageFacesForm(forms.Form):
    """The decision on a photo's faces, and a box the detector missed (in the original's pixels)."""

    decision = forms.ChoiceField(label=_("What should the public see?"), widget=forms.RadioSelect)
    box_x = forms.IntegerField(label=_("From the left edge (x)"), min_value=0, required=False)
    box_y = forms.IntegerField(label=_("From the top edge (y)"), min_value=0, required=False)
    box_w = forms.IntegerField(label=_("Width"), min_value=1, required=False)
    box_h = forms.IntegerField(label=_("Height"), min_value=1, required=False)

    BOX_FIELDS = ("box_x", "box_y", "box_w", "box_h")

    def __init__(self, *args, image: StoryImage, consent_covers: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.image = image
        choices = [(FaceDecision.BLUR, _("Blur every face (the boxes below, in every public copy)"))]
        if consent_covers:
            choices.append(
                (FaceDecision.CONSENT, _("Consent recorded: show the faces (a consent covers the portal)"))
            )
        self.fields["decision"].choices = choices
        for name in self.BOX_FIELDS:
            field = self.fields[name]
            field.widget.attrs.update({"inputmode": "numeric"})
            limit = image.width if name in ("box_x", "box_w") else image.height
            if limit:
                field.max_value = limit
                field.widget.attrs["max"] = limit
                field.validators.append(MaxValueValidator(limit))
        if image.face_decision in dict(choices):
            self.initial.setdefault("decision", image.face_decision)

    def clean(self) -> dict:
        cleaned = super().clean()
        given = [name for name in self.BOX_FIELDS if cleaned.get(name) is not None]
        if given and len(given) < len(self.BOX_FIELDS):
            for name in self.BOX_FIELDS:
                if cleaned.get(name) is None and name not in self.errors:
                    error = ValidationError(_("Give all four numbers of the box, or none."), code="box_part")
                    self.add_error(name, error)
        return cleaned

    def extra_boxes(self) -> list[dict]:
        data = self.cleaned_data
        if any(data.get(name) is None for name in self.BOX_FIELDS):
            return []
        return [{"x": data["box_x"], "y": data["box_y"], "w": data["box_w"], "h": data["box_h"]}]


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}), required=True)


class OptionalCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_publish_at(self) -> datetime.datetime:
        value = self.cleaned_data["publish_at"]
        if value <= timezone.now():
            raise ValidationError(_("Choose a time in the future."), code="publish_at_past")
        return value
