"""Every theme gets its code: the SDGs `sdg-<number>`, the nine priority themes the slug of their English name
(as the catalogues know them, stories/theme_names.py), any other theme its slug."""

from django.db import migrations

PRIORITY_CODES = {
    "Sustainable development": "sustainable-development",
    "Gender equality": "gender-equality",
    "Social inclusion": "social-inclusion",
    "Resilience": "resilience",
    "Peace and security": "peace-and-security",
    "Social justice": "social-justice",
    "Rule of law and good governance": "rule-of-law-and-good-governance",
    "Civil society and human rights defenders": "civil-society-and-human-rights-defenders",
    "Economic, social and cultural rights": "economic-social-and-cultural-rights",
}


def fill_codes(apps, schema_editor):
    Theme = apps.get_model("stories", "Theme")
    themes = list(Theme.objects.order_by("pk"))
    used = {theme.code for theme in themes if theme.code}
    for theme in themes:
        if theme.code:
            continue
        if theme.kind == "sdg" and theme.sdg_number:
            wanted = f"sdg-{theme.sdg_number}"
        elif theme.slug in PRIORITY_CODES.values():
            wanted = theme.slug
        else:
            wanted = PRIORITY_CODES.get(theme.name, theme.slug)
        code = wanted if wanted not in used else theme.slug
        if code in used:  # a slug that another theme's code already took: keep the row apart
            code = f"{theme.slug}-{theme.pk}"
        theme.code = code
        used.add(code)
        theme.save(update_fields=["code"])


class Migration(migrations.Migration):
    dependencies = [("stories", "0007_theme_code")]

    operations = [migrations.RunPython(fill_codes, migrations.RunPython.noop)]
