"""The secretariat's admin site: allauth's login (rate limits, MFA) and MFA required for staff; and the
audit trail (django-auditlog's log entries), read only, by object and by person."""

from functools import wraps
from urllib.parse import urlencode

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from auditlog.mixins import LogEntryAdminMixin
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.db.models.base import ModelBase
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_history import LabelledChangesMixin, ReadOnlyAdminMixin
from members.destinations import forget_destination_after_mfa_setup, remember_destination_before_mfa_setup


class CoalitionAdminSite(admin.AdminSite):
    site_header = _("Good Stories: secretariat")
    site_title = _("Good Stories secretariat")
    index_title = _("Administration")

    def register(self, model_or_iterable, admin_class=None, **options):
        # django-auditlog registers its own admin for log entries when admin modules are discovered. Ours
        # takes its place: it filters by object and by person, and searches fields our user model has
        # (auditlog's searches first and last names, which it lacks).
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        if LogEntry in models:
            admin_class = AuditTrailAdmin
        return super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        from django.urls import path

        from coalition.admin_translations import outdated_translations

        return [
            path(
                "translations/outdated/",
                self.admin_view(lambda request: outdated_translations(request, self)),
                name="outdated_translations",
            ),
            *super().get_urls(),
        ]

    def each_context(self, request):
        context = super().each_context(request)
        context["outdated_translations_url"] = reverse("admin:outdated_translations")
        return context

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        # The admin has no login form of its own: it sends people to allauth's, so the same rate limits and
        # two-factor step apply everywhere.
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def mfa_guard(request, *args, **kwargs):
            user = request.user
            if settings.ADMIN_REQUIRE_MFA and user.is_active and user.is_staff and not is_mfa_enabled(user):
                messages.warning(
                    request,
                    _("Set up two-factor authentication before using the administration."),
                )
                # allauth's activation drops `next`; the recovery-codes page it ends on reads it from here.
                remember_destination_before_mfa_setup(request, request.get_full_path())
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
            if user.is_authenticated:
                forget_destination_after_mfa_setup(request)
            return inner(request, *args, **kwargs)

        return mfa_guard


class ObjectFilter(admin.SimpleListFilter):
    """One object's history; chosen with the "history" link of a row, together with its type."""

    title = _("object")
    parameter_name = "object_pk"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        entry = (
            LogEntry.objects.filter(
                object_pk=value, content_type_id=request.GET.get("content_type__id__exact") or None
            )
            .only("object_repr")
            .first()
        )
        return [(value, entry.object_repr if entry else value)]

    def has_output(self) -> bool:
        return bool(self.value())

    def queryset(self, request, queryset):
        return queryset.filter(object_pk=self.value()) if self.value() else queryset


class AuditTrailAdmin(ReadOnlyAdminMixin, LabelledChangesMixin, LogEntryAdminMixin, admin.ModelAdmin):
    """Who changed what, and when, in the admin or through a service. Nobody edits or deletes it."""

    date_hierarchy = "timestamp"
    list_display = ["created", "resource_url", "action", "msg_short", "user_url", "object_history"]
    list_filter = [
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ObjectFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["content_type", "actor"]
    search_fields = ["object_repr", "changes", "actor__full_name", "actor__email", "actor_email"]
    readonly_fields = ["created", "resource_url", "action", "user_url", "remote_addr", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "remote_addr", "resource_url"]}),
        (_("Changes"), {"fields": ["action", "msg"]}),
    ]

    def get_queryset(self, request):
        # The mixin's links build on the request.
        self.request = request
        return super().get_queryset(request)

    @admin.display(description=_("history"))
    def object_history(self, entry: LogEntry) -> str:
        query = urlencode({"content_type__id__exact": entry.content_type_id, "object_pk": entry.object_pk})
        return format_html(
            '<a href="{}?{}">{}</a>',
            reverse("admin:auditlog_logentry_changelist"),
            query,
            _("all changes of this object"),
        )
