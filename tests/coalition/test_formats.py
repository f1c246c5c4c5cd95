"""Dates in each language's own conventions (coalition/formats/): the named formats rendered as templates
render them, one style of Arabic month names everywhere, and the admin's Arabic dates in Arabic order."""

import datetime
import importlib
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from coalition.formats import PORTAL_FORMATS
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime.datetime(2026, 12, 1, 14, 30, tzinfo=datetime.UTC)
SEPTEMBER = datetime.datetime(2026, 9, 24, 10, 0, tzinfo=datetime.UTC)  # a Thursday

# The month names of Django's Arabic "F", the one style used throughout.
ARABIC_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "إبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]
# The other style (Levantine and Iraqi names, also written before the other with a slash: "أيلول/سبتمبر"),
# and the other spelling of April.
OTHER_ARABIC_MONTHS = [
    "كانون",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين",
    "أبريل",
]


@pytest.fixture(autouse=True)
def project_formats(settings):
    """The formats as settings name them (the same setting, should this run before it is in settings.py)."""
    settings.FORMAT_MODULE_PATH = ["coalition.formats"]
    formats.reset_format_cache()
    yield
    formats.reset_format_cache()


def render(value, name: str, language: str) -> str:
    with translation.override(language):
        return Template("{{ value|date:name }}").render(Context({"value": value, "name": name}))


def test_settings_name_the_formats_package():
    assert importlib.import_module("coalition.settings").FORMAT_MODULE_PATH == ["coalition.formats"]


@pytest.mark.parametrize(
    ("language", "date", "date_time"),
    [
        ("en", "Dec. 1, 2026", "Dec. 1, 2026, 2:30 p.m."),
        ("fr", "1 décembre 2026", "1 décembre 2026 14:30"),
        ("es", "1 de diciembre de 2026", "1 de diciembre de 2026 a las 14:30"),
        ("ar", "1 ديسمبر 2026", "1 ديسمبر 2026، 14:30"),
        ("zh-hans", "2026年12月1日", "2026年12月1日 14:30"),
        ("ru", "1 декабря 2026 г.", "1 декабря 2026 г. 14:30"),  # noqa: RUF001 - Cyrillic
    ],
)
def test_dates_and_times_in_each_language(language, date, date_time):
    assert render(WHEN, "DATE_FORMAT", language) == date
    assert render(WHEN, "DATETIME_FORMAT", language) == date_time


@pytest.mark.parametrize(
    ("language", "short_date", "short_date_time", "month_day"),
    [
        ("ar", "01/12/2026", "01/12/2026، 14:30", "1 ديسمبر"),
        ("zh-hans", "2026年12月1日", "2026年12月1日 14:30", "12月1日"),
        ("ru", "01.12.2026", "01.12.2026 14:30", "1 декабря"),
        ("fr", "01/12/2026", "01/12/2026 14:30", "1 décembre"),
    ],
)
def test_short_dates_and_days_of_the_month(language, short_date, short_date_time, month_day):
    assert render(WHEN, "SHORT_DATE_FORMAT", language) == short_date
    assert render(WHEN, "SHORT_DATETIME_FORMAT", language) == short_date_time
    assert render(WHEN, "MONTH_DAY_FORMAT", language) == month_day


@pytest.mark.parametrize(
    ("language", "long_date", "long_date_time", "with_weekday"),
    [
        ("en", "24 September 2026", "24 September 2026, 10:00", "Thursday 24 September 2026, 10:00"),
        ("fr", "24 septembre 2026", "24 septembre 2026 à 10:00", "jeudi 24 septembre 2026 à 10:00"),
        (
            "es",
            "24 de septiembre de 2026",
            "24 de septiembre de 2026, 10:00",
            "jueves, 24 de septiembre de 2026, 10:00",
        ),
        ("ar", "24 سبتمبر 2026", "24 سبتمبر 2026، 10:00", "الخميس، 24 سبتمبر 2026، 10:00"),
        ("zh-hans", "2026年9月24日", "2026年9月24日 10:00", "2026年9月24日 星期四 10:00"),
        (
            "ru",
            "24 сентября 2026 г.",  # noqa: RUF001 - Cyrillic
            "24 сентября 2026 г., 10:00",  # noqa: RUF001 - Cyrillic
            "Четверг, 24 сентября 2026 г., 10:00",  # noqa: RUF001 - Cyrillic
        ),
    ],
)
def test_the_portals_named_formats_in_each_language(language, long_date, long_date_time, with_weekday):
    assert render(SEPTEMBER, "LONG_DATE_FORMAT", language) == long_date
    assert render(SEPTEMBER, "LONG_DATETIME_FORMAT", language) == long_date_time
    assert render(SEPTEMBER, "WEEKDAY_DATETIME_FORMAT", language) == with_weekday


@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_every_language_defines_the_portals_named_formats(language):
    # A name no module defines comes back as itself and would be rendered letter by letter as a format.
    for name in PORTAL_FORMATS:
        assert formats.get_format(name, lang=language) != name, (language, name)


@pytest.mark.parametrize("name", ["DATE_FORMAT", "DATETIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"])
def test_arabic_dates_name_each_month_in_one_style(name):
    names = [render(WHEN.replace(month=month), name, "ar") for month in range(1, 13)]
    for month, text in enumerate(names):
        assert ARABIC_MONTHS[month] in text, (month + 1, text)
        assert not any(other in text for other in OTHER_ARABIC_MONTHS), text
    for name_ in PORTAL_FORMATS:
        text = render(WHEN.replace(month=4), name_, "ar")
        assert "إبريل" in text and "أبريل" not in text, text


def test_the_arabic_catalogue_names_months_in_the_same_style():
    catalogue = polib.pofile(str(ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    other = [
        (entry.msgid[:50], month)
        for entry in catalogue
        for month in OTHER_ARABIC_MONTHS
        if month in entry.msgstr.split() or f"{month}/" in entry.msgstr
    ]
    assert other == []
    with translation.override("ar"):
        launched = translation.gettext(
            "The Good Human Rights Stories Initiative is a cross-regional coalition of countries, "
            "launched in New York in September 2018."
        )
    assert "في سبتمبر 2018" in launched


def test_arabic_date_fields_read_the_day_first():
    with translation.override("ar"):
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"  # what date inputs show
        from django import forms

        field = forms.DateField(localize=True)
        assert field.clean("01/12/2026") == datetime.date(2026, 12, 1)
        assert field.clean("2026-12-01") == datetime.date(2026, 12, 1)


def test_chinese_date_fields_read_dates_written_in_chinese():
    from django import forms

    with translation.override("zh-hans"):
        assert forms.DateField().clean("2026年12月1日") == datetime.date(2026, 12, 1)
        assert forms.DateTimeField().clean("2026年9月5日 20:45").replace(tzinfo=None) == datetime.datetime(
            2026, 9, 5, 20, 45
        )


def test_the_admin_in_arabic_writes_dates_day_month_year(client, secretariat_user):
    story = factories.StoryFactory(title="Mobile courts reach remote villages")
    type(story).objects.filter(pk=story.pk).update(updated_at=WHEN)
    member = story.member
    type(member).objects.filter(pk=member.pk).update(joined_on=datetime.date(2018, 9, 24))
    client.force_login(secretariat_user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ar"

    stories = client.get(reverse("admin:stories_story_changelist")).content.decode()
    members = client.get(reverse("admin:members_member_changelist")).content.decode()

    assert 'lang="ar" dir="rtl"' in stories
    assert "1 ديسمبر 2026، 14:30" in stories
    assert "ديسمبر 1, 2026" not in stories  # the English order Django's settings fell back to
    assert "24 سبتمبر 2018" in members
