from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("UN recommendations")

    def ready(self) -> None:
        from core.public_cache import stale_when_changed

        # Recommendations and the stories citing them are public; an inspiration only once confirmed (a
        # change of a confirmed one, or one leaving that state, goes through a service that bumps itself).
        stale_when_changed(self.get_model("Recommendation"), self.get_model("Citation"))
        stale_when_changed(self.get_model("Inspiration"), when=lambda link: link.status == "confirmed")
