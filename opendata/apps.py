from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    """Dated, immutable releases of the open data (Frictionless data packages) and their DCAT catalogue.
    Above every app whose data it publishes, below coalition/."""

    name = "opendata"
    verbose_name = _("Open data releases")

    def ready(self) -> None:
        from core.open_data import register_full_export
        from opendata.datasets import DATASET_NAMES
        from opendata.releases import latest_file_url

        # The unfiltered CSV of the API is the latest release's file: no request builds the whole dataset.
        for name in DATASET_NAMES:
            register_full_export(name, partial(latest_file_url, name))

        # A story withdrawn or a photo taken down (consent withdrawn or expired) must leave the file that
        # anonymous visitors download at once, not at the next daily release: a new release is made right
        # after the change commits (it is made only if the data changed).
        from django.db.models.signals import post_save

        from stories.models import StoryEvent

        post_save.connect(
            _release_after_removal, sender=StoryEvent, dispatch_uid="opendata-release-after-removal"
        )


def _release_after_removal(sender, instance, created: bool, **kwargs) -> None:
    from core.queueing import enqueue_on_commit
    from opendata.tasks import release_if_changed
    from stories.consent import ACTION_TAKEN_DOWN
    from stories.models import Story

    if kwargs.get("raw") or not created:
        return
    if instance.to_status == Story.Status.WITHDRAWN or instance.action == ACTION_TAKEN_DOWN:
        enqueue_on_commit(release_if_changed)
