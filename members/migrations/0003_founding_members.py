"""The initiative's members as of its public record: the 13 founding states, the EU, and Colombia.

Copied from the initiative's published facts; the running project never reads them from elsewhere.
"""

import datetime

from django.db import migrations

LAUNCH = datetime.date(2018, 9, 27)

# (ISO code, UN regional group or "" for an organisation, kind, joined on, founding)
MEMBERS = [
    ("AR", "grulac", "state", LAUNCH, True),
    ("BF", "african", "state", LAUNCH, True),
    ("CV", "african", "state", LAUNCH, True),
    ("CL", "grulac", "state", LAUNCH, True),
    ("GE", "eastern_european", "state", LAUNCH, True),
    ("ID", "asia_pacific", "state", LAUNCH, True),
    ("NZ", "weog", "state", LAUNCH, True),
    ("NO", "weog", "state", LAUNCH, True),
    ("PE", "grulac", "state", LAUNCH, True),
    ("KR", "asia_pacific", "state", LAUNCH, True),
    ("GM", "african", "state", LAUNCH, True),
    ("TN", "african", "state", LAUNCH, True),
    ("UY", "grulac", "state", LAUNCH, True),
    ("EU", "", "organisation", LAUNCH, True),
    ("CO", "grulac", "state", datetime.date(2019, 9, 27), False),
]


def add_members(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for iso, group, kind, joined_on, founding in MEMBERS:
        Member.objects.update_or_create(
            country=iso,
            defaults={
                "regional_group": group,
                "kind": kind,
                "status": "member",
                "joined_on": joined_on,
                "is_founding": founding,
            },
        )


def remove_members(apps, schema_editor):
    apps.get_model("members", "Member").objects.filter(country__in=[m[0] for m in MEMBERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0002_role_groups")]

    operations = [migrations.RunPython(add_members, remove_members)]
