"""The secretariat's review queue. Content is read-only here: it is the mission's text; every change of
status goes through an action that calls the workflow service, with a form for the comment or the time."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import admin_translations
from core.admin_actions import action_with_form
from core.admin_history import HistoryInline
from stories import (
    consent_admin,  # noqa: F401  (registers the consent records' admin)
    search,
    services,
)
from stories.forms import CommentForm, OptionalCommentForm, ScheduleForm
from stories.models import (
    FaceDetection,
    Story,
    StoryEvent,
    StoryImage,
    StoryTranslation,
    Theme,
    ThemeTranslation,
)


class StoryEventInline(HistoryInline):
    model = StoryEvent
    fields = ["created_at", "actor", "from_status", "to_status", "comment", "notified_at"]
    verbose_name_plural = _("History")


_BOX_COLOURS = {"person": "#ffbf00", "detector": "#e4002b"}


def _photo_with_boxes(image: StoryImage, width: int = 240) -> str:
    """The photo (its smallest public copy, else the private original) with its face boxes drawn over it."""
    url = image.smallest_url or reverse("my_stories:image_original", args=[image.pk])
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-width="3" '
        'vector-effect="non-scaling-stroke"></rect>',
        (
            (
                box["x"],
                box["y"],
                box["w"],
                box["h"],
                "#ffbf00" if box.get("source") == "person" else "#e4002b",
            )
            for box in image.face_boxes
        ),
    )
    return format_html(
        '<div style="position: relative; display: inline-block; width: {}px;">'
        '<img src="{}" alt="{}" style="display: block; width: 100%; height: auto;">'
        '<svg viewBox="0 0 {} {}" preserveAspectRatio="none" aria-hidden="true" focusable="false" '
        'style="position: absolute; inset: 0; width: 100%; height: 100%;">{}</svg></div>',
        width,
        url,
        image.alt_text,
        max(1, image.width),
        max(1, image.height),
        rects,
    )


def _faces_text(image: StoryImage) -> str:
    """Where a photo stands with its faces, for the secretariat."""
    if image.face_detection == FaceDetection.PENDING:
        return str(_("Not checked for faces yet."))
    count = len(image.face_boxes)
    boxes = ngettext("%(count)d face boxed", "%(count)d faces boxed", count) % {"count": count}
    detector = image.face_detector or "—"
    if image.face_detection == FaceDetection.NONE:
        return str(_("No face found (detector: %(detector)s).") % {"detector": detector})
    if services.image_faces_undecided(image):
        if image.face_detection == FaceDetection.FAILED:
            return str(
                _("Detection failed: held, not published. %(boxes)s; no decision yet.") % {"boxes": boxes}
            )
        return str(
            _("Faces found (detector: %(detector)s): held, not published. %(boxes)s; no decision yet.")
            % {"detector": detector, "boxes": boxes}
        )
    return str(
        _("%(boxes)s (detector: %(detector)s). Decision: %(decision)s.")
        % {"boxes": boxes, "detector": detector, "decision": image.get_face_decision_display()}
    )


class StoryImageInline(admin.TabularInline):
    model = StoryImage
    extra = 0
    can_delete = False
    fields = ["thumbnail", "alt_text", "caption", "credit", "consent_confirmed", "order", "faces"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("consents")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("photo"))
    def thumbnail(self, image: StoryImage) -> str:
        return _photo_with_boxes(image, width=160)

    @admin.display(description=_("faces"))
    def faces(self, image: StoryImage) -> str:
        return format_html(
            '{} <a href="{}">{}</a>',
            _faces_text(image),
            reverse("my_stories:image_faces", args=[image.story_id, image.pk]),
            _("Faces page"),
        )


class FacesFilter(admin.SimpleListFilter):
    title = _("faces")
    parameter_name = "faces"

    def lookups(self, request, model_admin):
        return [("held", _("Waiting for a decision")), ("failed", _("Detection failed"))]

    def queryset(self, request, queryset):
        if self.value() == "held":
            return queryset.filter(face_detection__in=services.FACES_HELD, face_decision="")
        if self.value() == "failed":
            return queryset.filter(face_detection=FaceDetection.FAILED)
        return queryset


@admin.register(StoryImage)
class StoryImageAdmin(admin.ModelAdmin):
    """The photos, with their faces: what was found, by which detector, and what was decided. Read only: the
    decision is the mission's (on its faces page); the secretariat may say, after a look, that a photo held
    for its faces (or a failed detection) shows none."""

    list_display = ["thumbnail", "story", "face_detection", "face_detector", "face_decision", "faces"]
    list_filter = [FacesFilter, "face_detection", "face_decision", "face_detector"]
    list_select_related = ["story"]
    search_fields = ["alt_text", "story__title"]
    actions = ["mark_no_face"]
    fields = [
        "preview",
        "story",
        "alt_text",
        "face_detection",
        "face_detector",
        "face_boxes",
        "face_decision",
        "face_decided_by",
        "face_decided_at",
        "taken_down_at",
        "taken_down_reason",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("consents")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_moderate_permission(self, request) -> bool:
        return services.can_moderate(user=request.user)

    @admin.display(description=_("photo"))
    def thumbnail(self, image: StoryImage) -> str:
        return _photo_with_boxes(image, width=120)

    @admin.display(description=_("photo"))
    def preview(self, image: StoryImage) -> str:
        return _photo_with_boxes(image, width=480)

    @admin.display(description=_("faces"))
    def faces(self, image: StoryImage) -> str:
        return _faces_text(image)

    @admin.action(description=_("No face in this photo (checked by eye)"), permissions=["moderate"])
    def mark_no_face(self, request, queryset):
        done = 0
        for image in queryset:
            try:
                services.image_mark_no_face(actor=request.user, image_id=image.pk)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"“{image}”: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d photo marked as showing no face: it will be published with its story.",
                    "%(count)d photos marked as showing no face: they will be published with their story.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )


class TranslationInline(admin_translations.TranslationInline):
    """The secretariat may add or correct translations; they are published with the story."""

    model = StoryTranslation


class ThemeTranslationInline(admin_translations.TranslationInline):
    model = ThemeTranslation


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", _("Waiting for review")), ("scheduled", _("Scheduled"))]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(status=Story.Status.SUBMITTED)
        if self.value() == "scheduled":
            return queryset.filter(status=Story.Status.SCHEDULED)
        return queryset


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "member", "status", "submitted_at", "waiting", "updated_at", "author"]
    list_filter = [
        QueueFilter,
        "status",
        "member",
        "themes",
        "language",
        admin_translations.OutdatedTranslationFilter,
    ]
    search_fields = ["title", "summary", "slug"]
    list_select_related = ["member", "author"]
    date_hierarchy = "submitted_at"
    inlines = [TranslationInline, StoryImageInline, StoryEventInline]
    actions = ["request_changes", "approve", "schedule", "reject", "withdraw"]
    # The one part of a story that whoever may change stories here can set (a mission may miss a target); the
    # Secretariat group views and moderates stories only, so for it the targets are shown, not edited.
    filter_horizontal = ["sdg_targets"]
    fieldsets = [
        (None, {"fields": ["preview_link", "status", "member", "author", "language", "title", "slug"]}),
        (_("Content"), {"fields": ["summary", "body", "policy_year", "themes", "video_url", "source_url"]}),
        (_("SDG targets"), {"fields": ["sdg_targets"]}),
        (
            _("Dates"),
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "updated_by",
                    "submitted_at",
                    "scheduled_for",
                    "published_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Everything but the SDG targets: the mission owns the text, the services own the status.
        return [
            "preview_link",
            *(
                f.name
                for f in Story._meta.get_fields()
                if f.concrete and not f.auto_created and f.name != "sdg_targets"
            ),
        ]

    def get_ordering(self, request):
        # The review queue: submitted stories first, oldest submission first, then scheduled, then the rest.
        queue_rank = Case(
            When(status=Story.Status.SUBMITTED, then=Value(0)),
            When(status=Story.Status.SCHEDULED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return [queue_rank.asc(), F("submitted_at").asc(nulls_last=True), "-updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # stories are written by missions, on the site

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Translations feed the search and the public pages.
        search.update_search_vector([form.instance.pk], form.instance.language)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # withdraw instead: the history stays

    def has_moderate_permission(self, request) -> bool:
        return services.can_moderate(user=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and str(object_id).isdigit():
            undecided = services.story_photos_undecided(int(object_id))
            if undecided:
                self.message_user(
                    request,
                    ngettext(
                        "A photo of this story shows faces (or could not be checked) and waits for a "
                        "decision: the story cannot be approved until then. See the photos below.",
                        "%(count)d photos of this story show faces (or could not be checked) and wait for a "
                        "decision: the story cannot be approved until then. See the photos below.",
                        len(undecided),
                    )
                    % {"count": len(undecided)},
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("preview"))
    def preview_link(self, story: Story) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("my_stories:story_preview", args=[story.pk]),
            _("Open the preview"),
        )

    @admin.display(description=_("waiting"), ordering="submitted_at")
    def waiting(self, story: Story) -> str:
        if story.status != Story.Status.SUBMITTED or not story.submitted_at:
            return "—"
        from django.utils.timesince import timesince

        return timesince(story.submitted_at)

    # --- actions: each asks for what it needs, then calls the service once per story --------------------

    def _run(self, request, queryset, *, title, form_class, button, call):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=form_class,
            title=title,
            button=button,
            call=call,
            describe=lambda story: (
                f"{story.title} — {story.member} ({story.get_status_display()})",
                reverse("my_stories:story_preview", args=[story.pk]),
            ),
            succeeded=lambda done: [
                ngettext("%(count)d story: done.", "%(count)d stories: done.", len(done))
                % {"count": len(done)}
            ],
        )

    @admin.action(description=_("Request changes (with a comment)"), permissions=["moderate"])
    def request_changes(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=_("Request changes"),
            form_class=CommentForm,
            button=_("Send back to the mission"),
            call=lambda story, data: services.story_request_changes(
                story_id=story.pk, actor=request.user, comment=data["comment"]
            ),
        )

    @admin.action(description=_("Approve and publish now"), permissions=["moderate"])
    def approve(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=_("Approve and publish now"),
            form_class=OptionalCommentForm,
            button=_("Publish"),
            call=lambda story, data: services.story_approve(
                story_id=story.pk, actor=request.user, comment=data["comment"]
            ),
        )

    @admin.action(description=_("Approve and publish at a set time"), permissions=["moderate"])
    def schedule(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=_("Approve and publish at a set time"),
            form_class=ScheduleForm,
            button=_("Schedule"),
            call=lambda story, data: services.story_schedule(
                story_id=story.pk, actor=request.user, publish_at=data["publish_at"], comment=data["comment"]
            ),
        )

    @admin.action(description=_("Reject (with a comment)"), permissions=["moderate"])
    def reject(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=_("Reject"),
            form_class=CommentForm,
            button=_("Reject"),
            call=lambda story, data: services.story_reject(
                story_id=story.pk, actor=request.user, comment=data["comment"]
            ),
        )

    @admin.action(description=_("Withdraw (with the reason)"), permissions=["moderate"])
    def withdraw(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=_("Withdraw"),
            form_class=WithdrawForm,
            button=_("Withdraw from the portal"),
            call=lambda story, data: services.story_withdraw(
                story_id=story.pk, actor=request.user, reason=data["comment"]
            ),
        )


class WithdrawForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The author and their coordinator receive it. The public page will say the story was withdrawn."
        ),
    )


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sdg_number", "order"]
    list_filter = ["kind", admin_translations.OutdatedTranslationFilter]
    search_fields = ["name", "code"]
    fields = ["kind", "sdg_number", "code", "slug", "name", "language", "description", "order"]
    inlines = [ThemeTranslationInline]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # The code is what the translations hang on: chosen once, then fixed, so a reworded name keeps them.
        return ["kind", "sdg_number", "slug"] + (["code"] if obj is not None and obj.code else [])

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
