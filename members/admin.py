from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from core.admin_history import HistoryInline, ReadOnlyAdminMixin
from core.templatetags.flags import flag_url
from members import services
from members.forms import InviteUserForm, UserChangeForm
from members.models import Invitation, LoginEvent, Member, Mission, User, UserEvent


class MissionInline(admin.TabularInline):
    model = Mission
    extra = 0
    fields = ["kind", "name", "address"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["flag_and_name", "iso", "regional_group", "status", "joined_on", "is_founding"]
    list_filter = ["status", "regional_group", "is_founding", "kind"]
    search_fields = ["country"]
    inlines = [MissionInline]
    fieldsets = [
        (None, {"fields": ["country", "kind", "regional_group", "status"]}),
        (_("Membership"), {"fields": ["joined_on", "is_founding", "listed_as_applicant"]}),
    ]

    @admin.display(description=_("member"), ordering="country")
    def flag_and_name(self, member: Member) -> str:
        return format_html(
            '<img src="{}" alt="" width="20" height="15"> {}', flag_url(member.country), member.name
        )

    @admin.display(description=_("ISO code"), ordering="country")
    def iso(self, member: Member) -> str:
        return member.iso

    def get_search_results(self, request, queryset, search_term):
        # Names live in django-countries, not in the table: match them there, then by code.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lower()
        if term:
            codes = [code for code, name in countries if term in str(name).lower()]
            results = results | queryset.filter(country__in=codes)
        return results, may_have_duplicates


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ["name", "member", "kind", "coordinator_display"]
    list_filter = ["kind", "member__regional_group"]
    search_fields = ["name", "member__country", "address"]
    list_select_related = ["member"]
    autocomplete_fields = ["member"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("users", queryset=User.objects.coordinators(), to_attr="active_coordinators")
            )
        )

    @admin.display(description=_("coordinator"))
    def coordinator_display(self, mission: Mission) -> str:
        coordinator = mission.coordinator
        if coordinator is None:
            return _("none")
        return format_html("{} &lt;{}&gt;", coordinator.full_name, coordinator.email)


class InvitationInline(admin.TabularInline):
    model = Invitation
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["created_at", "invited_by", "sent_at", "expires_at", "accepted_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UserEventInline(HistoryInline):
    """The history of role, mission and active flag, written by the services."""

    model = UserEvent
    fk_name = "user"
    fields = ["created_at", "actor", "action", "changes_display"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "from_mission", "to_mission")

    @admin.display(description=_("change"))
    def changes_display(self, event: UserEvent) -> str:
        arrow = "←" if translation.get_language_bidi() else "→"
        return format_html_join(
            "",
            "<div>{}: {} " + arrow + " {}</div>",
            ((what, before or _("none"), after or _("none")) for what, before, after in event.changes()),
        )


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "role", "mission", "is_active", "account_state", "last_login"]
    list_filter = ["role", "is_active", "language", "mission__kind", "mission__member__regional_group"]
    search_fields = ["full_name", "email", "mission__name"]
    list_select_related = ["mission__member"]
    ordering = ["full_name"]
    autocomplete_fields = ["mission"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["send_new_invitation", "deactivate_accounts"]
    inlines = [UserEventInline, InvitationInline]

    add_fieldsets = [
        (
            _("Invite a person"),
            {
                "fields": ["email", "full_name", "language", "role", "mission"],
                "description": _(
                    "They receive an email with a link to choose their password. "
                    "The link works once and expires after a few days."
                ),
            },
        )
    ]
    change_fieldsets = [
        (None, {"fields": ["email", "full_name", "language"]}),
        (_("Role"), {"fields": ["role", "mission", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.change_fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = InviteUserForm if obj is None else UserChangeForm
        form = super().get_form(request, obj, change=change, **kwargs)
        # A class built for this request only, so it can tell who is making the change.
        form.actor = request.user
        return form

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def save_model(self, request, obj: User, form, change: bool) -> None:
        if change:
            # Name, address and language are saved here; role, mission and the active flag only by the
            # service, which checks who asks, locks the row, keeps groups in step and writes the history.
            obj.save(update_fields=["email", "full_name", "language"])
            user = services.user_change_access(user=obj, actor=request.user, **form.access_changes())
            for field in ("role", "mission_id", "is_active", "is_staff", "is_superuser"):
                setattr(obj, field, getattr(user, field))
            return
        # The instance built by the form is discarded: the service creates the account and the invitation.
        user = services.user_invite(
            email=obj.email,
            full_name=obj.full_name,
            role=obj.role,
            mission=obj.mission,
            invited_by=request.user,
            language=obj.language,
        )
        obj.pk = user.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("An invitation has been sent to %(email)s.") % {"email": obj.email},
            messages.SUCCESS,
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=_("account"))
    def account_state(self, user: User) -> str:
        return _("password set") if user.has_usable_password() else _("invited")

    @admin.action(description=_("Deactivate the selected accounts"), permissions=["change"])
    def deactivate_accounts(self, request, queryset) -> None:
        done = 0
        for user in queryset.filter(is_active=True):
            try:
                services.user_deactivate(user=user, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
                self.message_user(
                    request,
                    _("%(email)s was not deactivated: %(reason)s")
                    % {"email": user.email, "reason": " ".join(reasons)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("Deactivated %(count)d account.", "Deactivated %(count)d accounts.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Send a new invitation"), permissions=["change"])
    def send_new_invitation(self, request, queryset) -> None:
        sent, skipped = 0, []
        for user in queryset:
            if user.has_usable_password():
                skipped.append(user.email)
                continue
            try:
                services.invitation_create(user=user, invited_by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                ngettext("Sent %(count)d invitation.", "Sent %(count)d invitations.", sent) % {"count": sent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("Not sent to %(emails)s: they have already set a password (use password reset instead).")
                % {"emails": ", ".join(skipped)},
                messages.WARNING,
            )


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Logins, failed logins and logouts, as recorded by members/receivers.py; read only."""

    list_display = ["created_at", "kind", "email", "user", "to_admin", "ip_address", "user_agent"]
    list_filter = ["kind", "to_admin", ("user", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["email", "user__full_name", "ip_address"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = ["created_at", "kind", "email", "user", "to_admin", "ip_address", "user_agent"]
    readonly_fields = fields
