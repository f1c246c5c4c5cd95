from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership and the joint declaration")

    def ready(self) -> None:
        from core.public_cache import stale_when_changed

        # The declaration, its texts and endorsements are public; applications never are (an approval
        # creates or changes a member, which members' own signals make public).
        stale_when_changed(
            self.get_model("DeclarationVersion"),
            self.get_model("DeclarationText"),
            self.get_model("Endorsement"),
            self.get_model("Criterion"),
        )
