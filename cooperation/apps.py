from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = _("Cooperation with the Special Procedures")

    def ready(self) -> None:
        from core.public_cache import stale_when_changed

        # Only published cards are public: any change to a member's record may change its card, and
        # publishing or withdrawing a card changes the list of cards.
        stale_when_changed(
            self.get_model("CooperationRecord"),
            self.get_model("VisitRequest"),
            self.get_model("FollowUp"),
            self.get_model("Communication"),
            self.get_model("Mandate"),
        )
