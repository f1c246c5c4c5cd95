from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and accounts")

    def ready(self) -> None:
        from django.contrib.auth import signals as auth_signals

        from core.public_cache import stale_when_changed
        from members import receivers

        # Members and their missions appear on public pages (names, groups, the member page).
        stale_when_changed(self.get_model("Member"), self.get_model("Mission"))

        auth_signals.user_logged_in.connect(receivers.record_login, dispatch_uid="members.record_login")
        auth_signals.user_logged_out.connect(receivers.record_logout, dispatch_uid="members.record_logout")
        auth_signals.user_login_failed.connect(
            receivers.record_login_failure, dispatch_uid="members.record_login_failure"
        )
