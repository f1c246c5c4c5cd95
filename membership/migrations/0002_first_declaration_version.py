"""The joint declaration as it stood at the launch (version 1, current), the endorsements kept from
`Member.declaration_endorsed_on` (removed by members 0007), and the secretariat's permissions on membership.

The text of version 1 is the secretariat's own summary, written for this portal; the signed original is kept
by the secretariat. Going back puts each member's earliest endorsement date back on the member.
"""

import datetime

from django.contrib.auth.management import create_permissions
from django.db import migrations

LAUNCH = datetime.date(2018, 9, 27)
TITLE = "Joint declaration of the Good Human Rights Stories Initiative"
PARAGRAPHS = [
    "This is the secretariat's summary of the joint declaration; the signed original is kept by the "
    "secretariat.",
    "The members of the initiative, coming from every region of the world, believe that human rights move "
    "forward when countries show what works, not only when they point out what fails. They undertake to "
    "promote a positive narrative on human rights by sharing concrete good practices: policies, laws and "
    "programmes that changed people's lives for the better.",
    "They undertake to work across regional groups, so that good practices travel from one region to "
    "another, and to welcome states and organisations that share this aim.",
    "They undertake to support the United Nations human-rights system, its Human Rights Council, its treaty "
    "bodies and its special procedures, and to show how the recommendations of these mechanisms are put into "
    "practice.",
    "They undertake to meet regularly at ministerial level, in Geneva and in New York, each time on a "
    "different topic, and to coordinate their work through a contact group of their missions.",
]
TEXT = "\n\n".join(PARAGRAPHS)

SECRETARIAT_PERMISSIONS = [
    *(
        f"{verb}_{model}"
        for model in ("declarationversion", "declarationtext", "endorsement", "criterion")
        for verb in ("add", "change", "delete", "view")
    ),
    "view_application",
    "change_application",
    "decide_application",
    "view_applicationevent",
    "add_criterionassessment",
    "change_criterionassessment",
    "view_criterionassessment",
    "view_consultation",
    "view_consultationanswer",
]


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="membership", codename__in=SECRETARIAT_PERMISSIONS
    )


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name="Secretariat")
    group.permissions.add(*_permissions(apps))

    DeclarationVersion = apps.get_model("membership", "DeclarationVersion")
    DeclarationText = apps.get_model("membership", "DeclarationText")
    Endorsement = apps.get_model("membership", "Endorsement")
    Member = apps.get_model("members", "Member")
    version, created = DeclarationVersion.objects.get_or_create(
        number=1, defaults={"adopted_on": LAUNCH, "original_language": "en"}
    )
    if created:
        DeclarationText.objects.create(version=version, language="en", title=TITLE, text=TEXT)
        if not DeclarationVersion.objects.filter(is_current=True).exists():
            version.is_current = True
            version.save(update_fields=["is_current"])
    for member in Member.objects.exclude(declaration_endorsed_on=None):
        Endorsement.objects.get_or_create(
            member=member,
            version=version,
            defaults={"endorsed_on": member.declaration_endorsed_on, "means": "recorded", "level": "other"},
        )


def backwards(apps, schema_editor):
    Endorsement = apps.get_model("membership", "Endorsement")
    Member = apps.get_model("members", "Member")
    DeclarationVersion = apps.get_model("membership", "DeclarationVersion")
    for member in Member.objects.all():
        first = Endorsement.objects.filter(member=member).order_by("endorsed_on").first()
        if first is not None:
            member.declaration_endorsed_on = first.endorsed_on
            member.save(update_fields=["declaration_endorsed_on"])
    Endorsement.objects.filter(version__number=1, means="recorded", document="").delete()
    DeclarationVersion.objects.filter(number=1, endorsements=None, applications=None).delete()
    for group in apps.get_model("auth", "Group").objects.filter(name="Secretariat"):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0001_initial"),
        ("members", "0006_user_language"),
        ("members", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
