"""Stories published before publishing set `updated_at` (the demo's among them) were "last changed" before
they were published: their last change becomes their publication."""

from django.db import migrations
from django.db.models import F


def updated_at_not_before_published_at(apps, schema_editor):
    Story = apps.get_model("stories", "Story")
    Story.objects.filter(published_at__gt=F("updated_at")).update(updated_at=F("published_at"))


class Migration(migrations.Migration):
    dependencies = [("stories", "0009_theme_code_required")]

    operations = [migrations.RunPython(updated_at_not_before_published_at, migrations.RunPython.noop)]
