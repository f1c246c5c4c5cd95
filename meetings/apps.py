from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from core.public_cache import stale_when_changed

        # Meetings, their agendas, listed participants and documents are public.
        stale_when_changed(
            self.get_model("Meeting"),
            self.get_model("AgendaItem"),
            self.get_model("MeetingTranslation"),
            self.get_model("AgendaItemTranslation"),
            self.get_model("Participant"),
            self.get_model("Document"),
            self.get_model("ParticipantConsent"),
        )
