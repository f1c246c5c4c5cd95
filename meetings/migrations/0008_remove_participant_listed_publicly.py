"""The "listed publicly" flag is gone: consent records (0007) say who may be named, for what and until when.
The secretariat keeps participants' consent records (adds and withdraws them; never deletes one) and reads
the photos' consent records (stories.ImageConsent: its admin list and withdraw action)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Secretariat": [
        ("meetings", "add_participantconsent"),
        ("meetings", "change_participantconsent"),
        ("meetings", "view_participantconsent"),
        ("stories", "view_imageconsent"),
    ],
}


def _permissions(apps, codenames):
    from django.db.models import Q

    Permission = apps.get_model("auth", "Permission")
    query = Q(pk__in=[])
    for app_label, codename in codenames:
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in GROUP_PERMISSIONS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*_permissions(apps, codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0007_participant_consent"),
        ("members", "0002_role_groups"),
        ("stories", "0015_faces_and_consent"),
    ]

    operations = [
        migrations.RemoveField(model_name="participant", name="listed_publicly"),
        migrations.RunPython(grant, revoke),
    ]
