"""The secretariat's review queue. Content is read-only here: it is the mission's text; every change of
status goes through an action that calls the workflow service, with a form for the comment or the time."""

from django import forms
from django.contrib import admin
from django.db.models import Case, F, IntegerField, Value, When
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import action_with_form
from core.admin_history import HistoryInline
from stories import search, services
from stories.forms import CommentForm, OptionalCommentForm, ScheduleForm
from stories.models import Story, StoryEvent, StoryImage, StoryTranslation, Theme


class StoryEventInline(HistoryInline):
    model = StoryEvent
    fields = ["created_at", "actor", "from_status", "to_status", "comment", "notified_at"]
    verbose_name_plural = _("History")


class StoryImageInline(admin.TabularInline):
    model = StoryImage
    extra = 0
    can_delete = False
    fields = ["thumbnail", "alt_text", "caption", "credit", "consent_confirmed", "order"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("photo"))
    def thumbnail(self, image: StoryImage) -> str:
        url = image.smallest_url or reverse("my_stories:image_original", args=[image.pk])
        return format_html(
            '<img src="{}" alt="{}" style="max-width: 160px; height: auto;">', url, image.alt_text
        )


class TranslationInline(admin.StackedInline):
    """The secretariat may add or correct translations; they are published with the story."""

    model = StoryTranslation
    extra = 0
    fields = ["language", "title", "summary", "body"]


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
    list_filter = [QueueFilter, "status", "member", "themes", "language"]
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
    list_filter = ["kind"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # The code is what the translations hang on: chosen once, then fixed, so a reworded name keeps them.
        return ["kind", "sdg_number", "slug"] + (["code"] if obj is not None and obj.code else [])

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
