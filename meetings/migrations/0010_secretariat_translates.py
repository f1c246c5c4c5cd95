"""The secretariat writes and checks the translations of meetings and their agendas."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("meetingtranslation", "agendaitemtranslation")
CODENAMES = [f"{verb}_{model}" for model in MODELS for verb in ("add", "change", "delete", "view")]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Secretariat")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="meetings", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Secretariat"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="meetings", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0009_translations"),
        ("members", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
