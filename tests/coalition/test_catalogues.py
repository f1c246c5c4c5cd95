"""The six languages: complete catalogues that keep up with the code."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fr", "es", "ar", "zh_Hans", "ru"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert fuzzy == [], f"{language}: fuzzy entries {fuzzy[:3]}"
    assert "fuzzy" not in po.metadata_as_entry().flags


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in catalogue(language):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            # A language's forms need not match English's two: any of them may name the number.
            expected = sorted(set(expected) | set(PLACEHOLDER.findall(entry.msgid_plural)))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in forms:
            if not text:
                continue  # reported by the completeness test
            found = sorted(PLACEHOLDER.findall(text))
            # A plural form may leave the number out ("one story"); it may not invent or rename one.
            if not set(found) <= set(expected) or (not entry.msgid_plural and found != expected):
                wrong.append((entry.msgid[:60], text[:60]))
    assert wrong == []


def test_the_catalogues_are_not_behind_the_code(tmp_path):
    """Extract the texts from the code as it is now and check each one is in the catalogues."""
    require(shutil.which("xgettext") is not None, "needs GNU gettext (xgettext) to extract the texts")
    for name in ["manage.py", ".env"]:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, tmp_path / name)
    packages = [path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()]
    for folder in [*(name for name in packages if name not in ("tests", "bench")), "templates"]:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "coalition.settings", "SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
    )
    fresh = {entry.msgid for entry in polib.pofile(str(tmp_path / "locale/fr/LC_MESSAGES/django.po"))}
    for language in LANGUAGES:
        known = {entry.msgid for entry in catalogue(language)}
        missing = sorted(fresh - known)
        assert missing == [], (
            f"{language} lacks {len(missing)} texts, e.g. {missing[:3]}: run `make messages`"
        )
