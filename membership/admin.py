"""The secretariat's admin of the declaration, endorsements and criteria; applications and consultations are
in admin_applications.py, imported here so the admin finds them.

Versions and endorsements are written by the services in membership/declaration.py: a version endorsed by
someone is shown read-only (its texts never change again: a change is a new version, made with the action
"Start a new version from this one"); endorsement documents are checked, stripped of their metadata and kept
privately, downloadable here by the secretariat only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.pdfs import clean_pdf_upload
from membership import declaration as services
from membership.models import Criterion, DeclarationText, DeclarationVersion, Endorsement

LANGUAGE_NAMES = dict(settings.LANGUAGES)
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def _sentence(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# ---------------------------------------------------------------------------------------------------------
# Versions and their texts


class DeclarationTextFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors) or services.texts_change_refused(self.instance):
            return  # a locked version's texts are not taken from the form at all
        languages = [
            form.cleaned_data["language"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(languages) != len(set(languages)):
            raise ValidationError(_("There are two texts in the same language; keep one."))
        original = self.instance.original_language
        if original and original not in languages:
            raise ValidationError(
                _("Add the text in the original language (%(language)s).")
                % {"language": LANGUAGE_NAMES.get(original, original)}
            )


class DeclarationTextInline(admin.StackedInline):
    model = DeclarationText
    formset = DeclarationTextFormSet
    extra = 0
    fields = ["original_marker", "language", "title", "text"]
    readonly_fields = ["original_marker"]
    verbose_name_plural = _("Texts (one per language)")

    @admin.display(description=_("original"))
    def original_marker(self, text: DeclarationText) -> str:
        if text.pk and text.language == text.version.original_language:
            return str(_("The original text: the other languages are translations of it."))
        if text.pk and text.outdated:
            return str(
                _(
                    "A translation that may be out of date: the original changed after it was made. Update "
                    "it, or confirm it from the list of out-of-date translations."
                )
            )
        if text.pk:
            return str(_("A translation, up to date with the original."))
        return "—"

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 1 if obj is None else 0

    # Once the version is endorsed, its texts are read-only: nobody adds, changes or deletes one.
    def has_add_permission(self, request, obj=None) -> bool:
        if obj is not None and services.texts_change_refused(obj):
            return False
        return super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and services.texts_change_refused(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.texts_change_refused(obj):
            return False
        return super().has_delete_permission(request, obj)


class DeclarationVersionForm(forms.ModelForm):
    # Not the model field itself: setting it must unset the other current version first (the service does),
    # which the model's one-current-version constraint would refuse in the form.
    make_current = forms.BooleanField(
        label=_("current version"),
        required=False,
        help_text=_("The version shown first on the declaration page and offered to applicants."),
    )

    class Meta:
        model = DeclarationVersion
        fields = ["number", "adopted_on", "original_language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["make_current"].initial = self.instance.is_current


@admin.register(DeclarationVersion)
class DeclarationVersionAdmin(admin.ModelAdmin):
    form = DeclarationVersionForm
    list_display = ["__str__", "adopted_on", "original_language", "is_current", "languages", "endorsed_by"]
    list_filter = ["is_current", "original_language"]
    inlines = [DeclarationTextInline]
    actions = ["start_new_version", "make_current"]
    fieldsets = [(None, {"fields": ["number", "adopted_on", "original_language", "make_current", "locked"]})]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(endorsement_total=Count("endorsements", distinct=True))
            .prefetch_related("texts")
        )

    @admin.display(description=_("languages"))
    def languages(self, version: DeclarationVersion) -> str:
        return ", ".join(text.language for text in version.texts.all())

    @admin.display(description=_("endorsed by"), ordering="endorsement_total")
    def endorsed_by(self, version: DeclarationVersion) -> int:
        return getattr(version, "endorsement_total", 0)

    @admin.display(description=_("texts locked"))
    def locked(self, version: DeclarationVersion) -> str:
        if version.pk and services.texts_change_refused(version):
            return services.locked_message(version)
        return str(_("No: nobody has endorsed this version yet."))

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        if obj is None:
            return ["locked"]
        if services.texts_change_refused(obj):
            return ["number", "adopted_on", "original_language", "locked"]
        return ["number", "locked"]

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and services.texts_change_refused(obj):
            return False
        return super().has_delete_permission(request, obj) and services.can_manage_declaration(
            user=request.user
        )

    def has_manage_permission(self, request) -> bool:
        return services.can_manage_declaration(user=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        if version is not None and request.method == "GET" and services.texts_change_refused(version):
            hint = _("In the list of versions, choose it and the action “Start a new version from this one”.")
            self.message_user(request, f"{services.locked_message(version)} {hint}", messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Saved with its texts in save_related, through the services (which hold the lock)."""

    def save_related(self, request, form, formsets, change) -> None:
        obj = form.instance
        locked = change and services.texts_change_refused(obj)
        texts = None
        if not locked:
            texts = [
                (f.cleaned_data["language"], f.cleaned_data["title"], f.cleaned_data["text"])
                for formset in formsets
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
        for formset in formsets:  # the change message reads these; the service wrote the texts
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            if change:
                stored = DeclarationVersion.objects.get(pk=obj.pk)
                services.declaration_version_update(
                    actor=request.user,
                    version_id=obj.pk,
                    adopted_on=stored.adopted_on if locked else obj.adopted_on,
                    original_language=stored.original_language if locked else obj.original_language,
                    is_current=form.cleaned_data["make_current"],
                    texts=texts,
                )
            else:
                version = services.declaration_version_create(
                    actor=request.user,
                    number=obj.number,
                    adopted_on=obj.adopted_on,
                    original_language=obj.original_language,
                    texts=texts or [],
                    is_current=form.cleaned_data["make_current"],
                )
                obj.pk, obj.created_at = version.pk, version.created_at
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, _sentence(error), messages.ERROR)
            raise PermissionDenied(_sentence(error)) from error

    def delete_model(self, request, obj) -> None:
        services.declaration_version_delete(actor=request.user, version_id=obj.pk)

    def delete_queryset(self, request, queryset) -> None:
        for version in queryset:
            try:
                services.declaration_version_delete(actor=request.user, version_id=version.pk)
            except ValidationError as error:
                self.message_user(request, f"“{version}”: {_sentence(error)}", messages.ERROR)

    @admin.action(description=_("Start a new version from this one"), permissions=["manage"])
    def start_new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one version to start the new one from."), messages.ERROR)
            return None
        source = queryset.get()
        try:
            version = services.declaration_version_start_next(actor=request.user, version_id=source.pk)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, _sentence(error), messages.ERROR)
            return None
        self.message_user(
            request,
            _("Version %(number)s was started with the texts of version %(source)s. It is not current yet.")
            % {"number": version.number, "source": source.number},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:membership_declarationversion_change", args=[version.pk]))

    @admin.action(description=_("Make this the current version"), permissions=["manage"])
    def make_current(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose one version to make current."), messages.ERROR)
            return
        version = services.declaration_version_make_current(actor=request.user, version_id=queryset.get().pk)
        self.message_user(request, _("%(version)s is now current.") % {"version": version}, messages.SUCCESS)


# ---------------------------------------------------------------------------------------------------------
# Endorsements


class EndorsementAdminForm(forms.ModelForm):
    class Meta:
        model = Endorsement
        fields = [
            "member",
            "version",
            "endorsed_on",
            "signatory_name",
            "signatory_title",
            "level",
            "means",
            "meeting",
            "document",
        ]
        # A plain file input: the stored document has no public address to link to (see "download").
        widgets = {"document": forms.FileInput(attrs={"accept": "application/pdf"})}

    def clean_document(self):
        """Checked by content (a real PDF, no script, action or embedded file) and kept without its metadata
        (core/pdfs.py); the signatory's software and name never reach the storage."""
        upload = self.cleaned_data.get("document")
        if not upload or not hasattr(upload, "read") or getattr(upload, "_committed", False):
            return upload  # unchanged
        return ContentFile(clean_pdf_upload(upload), name="endorsement.pdf")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("means") == Endorsement.Means.EVENT and not cleaned.get("meeting"):
            self.add_error("meeting", _("Name the meeting where the declaration was signed."))
        return cleaned


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    form = EndorsementAdminForm
    list_display = ["member", "version", "endorsed_on", "level", "means", "signatory_title", "has_document"]
    list_filter = ["version", "level", "means", "member__regional_group"]
    list_select_related = ["member", "version"]
    search_fields = ["member__country", "signatory_name", "signatory_title"]
    autocomplete_fields = ["member", "meeting"]
    date_hierarchy = "endorsed_on"
    fieldsets = [
        (None, {"fields": ["member", "version", "endorsed_on"]}),
        (_("Signatory"), {"fields": ["signatory_name", "signatory_title", "level"]}),
        (_("How it was given"), {"fields": ["means", "meeting"]}),
        (_("Signed document"), {"fields": ["document", "download"]}),
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # Who endorsed which version stays as recorded; the rest may be corrected.
        return ["member", "version", "download"] if obj is not None else ["download"]

    @admin.display(description=_("document"), boolean=True)
    def has_document(self, endorsement: Endorsement) -> bool:
        return bool(endorsement.document)

    @admin.display(description=_("download"))
    def download(self, endorsement: Endorsement) -> str:
        if not endorsement.pk or not endorsement.document:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:membership_endorsement_document", args=[endorsement.pk]),
            _("Download the signed document (PDF)"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/document/",
                self.admin_site.admin_view(self.document_view),
                name="membership_endorsement_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, pk: int) -> FileResponse:
        """The signed document, from the private storage, for the secretariat only."""
        if not (services.can_manage_declaration(user=request.user) and self.has_view_permission(request)):
            raise PermissionDenied
        endorsement = get_object_or_404(Endorsement.objects.select_related("member", "version"), pk=pk)
        if not endorsement.document:
            raise Http404(_("This endorsement has no document."))
        filename = f"endorsement-{endorsement.member.iso.lower()}-v{endorsement.version.number}.pdf"
        response = FileResponse(
            endorsement.document.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def save_model(self, request, obj: Endorsement, form, change: bool) -> None:
        data = form.cleaned_data
        document = data.get("document") if "document" in form.changed_data else None
        fields = {
            "endorsed_on": data["endorsed_on"],
            "signatory_name": data.get("signatory_name", ""),
            "signatory_title": data.get("signatory_title", ""),
            "level": data["level"],
            "means": data["means"],
            "meeting_id": data["meeting"].pk if data.get("meeting") else None,
            "document": document or None,
        }
        if change:
            endorsement = services.endorsement_change(actor=request.user, endorsement_id=obj.pk, **fields)
        else:
            endorsement = services.endorsement_record(
                actor=request.user, member_id=data["member"].pk, version_id=data["version"].pk, **fields
            )
        obj.pk, obj.document, obj.created_at = endorsement.pk, endorsement.document, endorsement.created_at


# ---------------------------------------------------------------------------------------------------------
# Criteria


class CriterionAdminForm(forms.ModelForm):
    """The English text, and one text box per other language, kept together in `translations`."""

    class Meta:
        model = Criterion
        fields = ["order", "text", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.translations or {}
        for code in TRANSLATED_LANGUAGES:
            self.initial.setdefault(f"text_{code}", stored.get(code, ""))

    def save(self, commit=True):
        criterion = super().save(commit=False)
        criterion.translations = {
            code: self.cleaned_data[f"text_{code}"].strip()
            for code in TRANSLATED_LANGUAGES
            if self.cleaned_data.get(f"text_{code}", "").strip()
        }
        if commit:
            criterion.save()
        return criterion


# One text box per language, declared on the class so the admin's form factory knows them.
for _code in TRANSLATED_LANGUAGES:
    _field = forms.CharField(
        label=LANGUAGE_NAMES[_code],  # under the heading "Translations"
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "lang": _code, "dir": "rtl" if _code == "ar" else "ltr"}),
    )
    CriterionAdminForm.base_fields[f"text_{_code}"] = CriterionAdminForm.declared_fields[f"text_{_code}"] = (
        _field
    )


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    form = CriterionAdminForm
    list_display = ["order", "__str__", "translated_into", "is_active"]
    list_display_links = ["__str__"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["text"]

    def get_fieldsets(self, request, obj=None):
        others = [f"text_{code}" for code in TRANSLATED_LANGUAGES]
        return [(None, {"fields": ["order", "text", "is_active"]}), (_("Translations"), {"fields": others})]

    @admin.display(description=_("translated into"))
    def translated_into(self, criterion: Criterion) -> str:
        return ", ".join(sorted(criterion.translations)) or "—"


from membership import admin_applications  # noqa: E402, F401
