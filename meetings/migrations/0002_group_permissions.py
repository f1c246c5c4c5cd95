"""The secretariat keeps meetings; mission people may see them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Secretariat": [
        f"{verb}_{model}"
        for model in ("meeting", "agendaitem", "participant", "document")
        for verb in ("add", "change", "delete", "view")
    ]
    + ["view_reminder"],
    "Mission staff": ["view_meeting"],
    "Coordinator": ["view_meeting", "view_participant"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUP_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="meetings"))


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("members", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
