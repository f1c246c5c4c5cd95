"""The thematic Special Procedures mandates (as OHCHR names them: the mandate, and its holder's title), and
what the secretariat may do in the admin: see every member's record, keep the mandates, correct records,
visit requests and communications. History, reminders and follow-up stay read-only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (name, holder's title): names are get_or_created, so a demo or an earlier import keeps its rows.
MANDATES = [
    ("independence of judges and lawyers", "Special Rapporteur on the independence of judges and lawyers"),
    (
        "the promotion and protection of the right to freedom of opinion and expression",
        "Special Rapporteur on the promotion and protection of the right to freedom of opinion and "
        "expression",
    ),
    (
        "the rights to freedom of peaceful assembly and of association",
        "Special Rapporteur on the rights to freedom of peaceful assembly and of association",
    ),
    (
        "the situation of human rights defenders",
        "Special Rapporteur on the situation of human rights defenders",
    ),
    (
        "torture and other cruel, inhuman or degrading treatment or punishment",
        "Special Rapporteur on torture and other cruel, inhuman or degrading treatment or punishment",
    ),
    (
        "extrajudicial, summary or arbitrary executions",
        "Special Rapporteur on extrajudicial, summary or arbitrary executions",
    ),
    ("freedom of religion or belief", "Special Rapporteur on freedom of religion or belief"),
    ("the human rights of migrants", "Special Rapporteur on the human rights of migrants"),
    ("the rights of Indigenous Peoples", "Special Rapporteur on the rights of Indigenous Peoples"),
    (
        "violence against women and girls, its causes and consequences",
        "Special Rapporteur on violence against women and girls, its causes and consequences",
    ),
    ("the right to education", "Special Rapporteur on the right to education"),
    ("the right to food", "Special Rapporteur on the right to food"),
    (
        "adequate housing as a component of the right to an adequate standard of living, and on the right to "
        "non-discrimination in this context",
        "Special Rapporteur on adequate housing as a component of the right to an adequate standard of "
        "living, and on the right to non-discrimination in this context",
    ),
    ("extreme poverty and human rights", "Special Rapporteur on extreme poverty and human rights"),
    (
        "the right of everyone to the enjoyment of the highest attainable standard of physical and mental "
        "health",
        "Special Rapporteur on the right of everyone to the enjoyment of the highest attainable standard of "
        "physical and mental health",
    ),
    ("the right to privacy", "Special Rapporteur on the right to privacy"),
    (
        "the rights of persons with disabilities",
        "Special Rapporteur on the rights of persons with disabilities",
    ),
    (
        "contemporary forms of racism, racial discrimination, xenophobia and related intolerance",
        "Special Rapporteur on contemporary forms of racism, racial discrimination, xenophobia and related "
        "intolerance",
    ),
    (
        "trafficking in persons, especially women and children",
        "Special Rapporteur on trafficking in persons, especially women and children",
    ),
    (
        "the promotion of truth, justice, reparation and guarantees of non-recurrence",
        "Special Rapporteur on the promotion of truth, justice, reparation and guarantees of non-recurrence",
    ),
    ("arbitrary detention", "Working Group on Arbitrary Detention"),
    ("enforced or involuntary disappearances", "Working Group on Enforced or Involuntary Disappearances"),
    ("discrimination against women and girls", "Working Group on discrimination against women and girls"),
    (
        "business and human rights",
        "Working Group on the issue of human rights and transnational corporations and other business "
        "enterprises",
    ),
    (
        "protection against violence and discrimination based on sexual orientation and gender identity",
        "Independent Expert on protection against violence and discrimination based on sexual orientation "
        "and gender identity",
    ),
    (
        "the enjoyment of all human rights by older persons",
        "Independent Expert on the enjoyment of all human rights by older persons",
    ),
    (
        "the enjoyment of human rights by persons with albinism",
        "Independent Expert on the enjoyment of human rights by persons with albinism",
    ),
]

SECRETARIAT_PERMISSIONS = [
    ("cooperation", "view_mandate"),
    ("cooperation", "add_mandate"),
    ("cooperation", "change_mandate"),
    ("cooperation", "view_cooperationrecord"),
    ("cooperation", "change_cooperationrecord"),
    ("cooperation", "view_visitrequest"),
    ("cooperation", "change_visitrequest"),
    ("cooperation", "view_followup"),
    ("cooperation", "view_communication"),
    ("cooperation", "change_communication"),
    ("cooperation", "view_cooperationevent"),
    ("cooperation", "view_deadlinereminder"),
]
SECRETARIAT_GROUP = "Secretariat"


def add_mandates(apps, schema_editor):
    Mandate = apps.get_model("cooperation", "Mandate")
    for name, holder_title in MANDATES:
        Mandate.objects.get_or_create(
            name=name, defaults={"holder_title": holder_title, "kind": "thematic", "is_active": True}
        )


def _permissions(Permission):
    found = []
    for app_label, codename in SECRETARIAT_PERMISSIONS:
        found += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    group.permissions.add(*_permissions(Permission))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=SECRETARIAT_GROUP):
        group.permissions.remove(*_permissions(Permission))


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0001_initial"),
        ("members", "0002_role_groups"),
    ]

    operations = [
        # Mandates the secretariat or a demo added stay: reversing removes nothing.
        migrations.RunPython(add_mandates, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
