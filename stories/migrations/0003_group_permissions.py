"""Story permissions for the role groups: the secretariat moderates, missions write."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Secretariat": [
        "view_story", "moderate_story", "view_storyevent", "view_storyimage", "view_recommendationreference",
        "view_theme", "change_theme",
    ],
    "Mission staff": ["add_story", "change_story", "view_story", "view_theme"],
    "Coordinator": ["add_story", "change_story", "view_story", "view_theme"],
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="stories", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUP_PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="stories"))


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0002_themes"),
        ("members", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
