from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        from core.public_cache import stale_when_changed

        Story = self.get_model("Story")
        public = {Story.Status.PUBLISHED, Story.Status.WITHDRAWN}
        # Themes and SDGs name the filters and chips of every gallery page.
        stale_when_changed(self.get_model("Theme"), self.get_model("ThemeTranslation"))
        # A draft saved by its mission changes no public page; a public story's text does. Photos and
        # translations are saved rarely enough not to look their story up first.
        stale_when_changed(Story, when=lambda story: getattr(story, "status", None) in public)
        stale_when_changed(self.get_model("StoryImage"), self.get_model("StoryTranslation"))
