"""The initiative's nine priority themes and the 17 Sustainable Development Goals, from its public record."""

from django.db import migrations
from django.utils.text import slugify

PRIORITY_THEMES = [
    "Sustainable development",
    "Gender equality",
    "Social inclusion",
    "Resilience",
    "Peace and security",
    "Social justice",
    "Rule of law and good governance",
    "Civil society and human rights defenders",
    "Economic, social and cultural rights",
]

SDGS = [
    "No Poverty",
    "Zero Hunger",
    "Good Health and Well-being",
    "Quality Education",
    "Gender Equality",
    "Clean Water and Sanitation",
    "Affordable and Clean Energy",
    "Decent Work and Economic Growth",
    "Industry, Innovation and Infrastructure",
    "Reduced Inequalities",
    "Sustainable Cities and Communities",
    "Responsible Consumption and Production",
    "Climate Action",
    "Life Below Water",
    "Life on Land",
    "Peace, Justice and Strong Institutions",
    "Partnerships for the Goals",
]


def add_themes(apps, schema_editor):
    Theme = apps.get_model("stories", "Theme")
    for order, name in enumerate(PRIORITY_THEMES, start=1):
        Theme.objects.update_or_create(
            slug=slugify(name), defaults={"kind": "priority", "name": name, "order": order}
        )
    for number, name in enumerate(SDGS, start=1):
        Theme.objects.update_or_create(
            slug=f"sdg-{number}", defaults={"kind": "sdg", "sdg_number": number, "name": name, "order": number}
        )


def remove_themes(apps, schema_editor):
    apps.get_model("stories", "Theme").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("stories", "0001_initial")]

    operations = [migrations.RunPython(add_themes, remove_themes)]
