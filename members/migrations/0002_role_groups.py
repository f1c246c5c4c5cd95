"""The three permission groups that go with the roles: Secretariat, Mission staff, Coordinator.

Later migrations of other apps add their own permissions to these groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Secretariat": [
        "members.add_member", "members.change_member", "members.delete_member", "members.view_member",
        "members.add_mission", "members.change_mission", "members.delete_mission", "members.view_mission",
        "members.add_user", "members.change_user", "members.view_user",
        "members.view_invitation",
    ],
    "Mission staff": ["members.view_member", "members.view_mission"],
    "Coordinator": ["members.view_member", "members.view_mission"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
