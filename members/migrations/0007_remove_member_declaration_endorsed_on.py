"""A member's endorsement of the joint declaration is now a record of its own (membership.Endorsement: which
version, when, by whom, how); membership 0002 copied the dates there first."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_user_language"),
        ("membership", "0002_first_declaration_version"),
    ]

    operations = [migrations.RemoveField(model_name="member", name="declaration_endorsed_on")]
