"""The secretariat keeps recommendations (and sees citations, inspirations, exchanges, imports and history);
everyone on the staff side sees the SDG targets."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Secretariat": [
        ("recommendations", "view_recommendation"),
        ("recommendations", "change_recommendation"),
        ("recommendations", "view_citation"),
        ("recommendations", "view_inspiration"),
        ("recommendations", "view_exchange"),
        ("recommendations", "view_importrun"),
        ("recommendations", "view_recommendationevent"),
        ("stories", "view_sdgtarget"),
    ],
    "Mission staff": [("stories", "view_sdgtarget")],
    "Coordinator": [("stories", "view_sdgtarget")],
}


def _permissions(Permission, pairs):
    found = []
    for app_label, codename in pairs:
        found += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, pairs in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(Permission, pairs))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUP_PERMISSIONS):
        group.permissions.remove(*_permissions(Permission, GROUP_PERMISSIONS[group.name]))


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0003_exchange_message_optional"),
        ("stories", "0014_references_became_citations"),
        ("members", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
