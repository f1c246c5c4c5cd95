"""The 169 SDG targets, from stories/data/sdg_targets.json (which names its source). Safe to run again:
targets are matched by code."""

import json
import re
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "sdg_targets.json"


def position(code: str) -> int:
    """Numbered targets first (1.1 ... 1.5), then the lettered means of implementation (1.a, 1.b)."""
    tail = code.split(".", 1)[1]
    if tail.isdigit():
        return int(tail)
    return 100 + ord(tail) - ord("a")


def load(apps, schema_editor):
    SdgTarget = apps.get_model("stories", "SdgTarget")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for entry in data["targets"]:
        code = entry["code"]
        assert re.fullmatch(r"\d{1,2}\.(\d{1,2}|[a-z])", code), code
        SdgTarget.objects.update_or_create(
            code=code,
            defaults={
                "goal": int(entry["goal"]),
                "position": position(code),
                "title": entry["title"],
                "titles": entry.get("titles", {}),
            },
        )


def unload(apps, schema_editor):
    apps.get_model("stories", "SdgTarget").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("stories", "0012_sdg_targets")]

    operations = [migrations.RunPython(load, unload)]
