from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and accounts")

    def ready(self) -> None:
        from core.public_cache import stale_when_changed

        # Members and their missions appear on public pages (names, groups, the member page).
        stale_when_changed(self.get_model("Member"), self.get_model("Mission"))
