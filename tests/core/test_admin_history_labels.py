"""The admin's history in Arabic: statuses by their names in the reader's language, never the codes the
database keeps ("draft → submitted"), in history tables and in the audit trail; breadcrumbs isolated so
their separators point the page's way."""

import re
from html import unescape
from pathlib import Path

import pytest
from auditlog.mixins import LogEntryAdminMixin
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from core.admin_history import LabelledChangesMixin
from stories import services
from stories.admin import StoryAdmin, StoryEventInline
from stories.models import Story
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def in_arabic(text) -> str:
    with translation.override("ar"):
        return str(text)


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def history_table(html: str) -> str:
    """The story's history table (the StoryEvent inline), as text."""
    match = re.search(
        r'<div class="js-inline-admin-formset inline-group" id="events-group".*?</table>', html, re.S
    )
    assert match, "no history table on the page"
    return text_of(match.group(0))


@pytest.fixture(autouse=True)
def project_formats(settings):
    settings.FORMAT_MODULE_PATH = ["coalition.formats"]  # as in settings.py


@pytest.fixture
def arabic_admin(client, secretariat_user):
    client.force_login(secretariat_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


@pytest.fixture
def submitted_story(staff_user) -> Story:
    story = factories.StoryFactory(member=staff_user.mission.member, author=staff_user, title="Mobile courts")
    return services.story_submit(story_id=story.pk, actor=staff_user)


def test_a_storys_history_names_each_status_in_arabic(arabic_admin, submitted_story):
    html = arabic_admin.get(reverse("admin:stories_story_change", args=[submitted_story.pk])).content.decode()
    table = history_table(html)

    assert in_arabic(Story.Status.DRAFT.label) in table
    assert in_arabic(Story.Status.SUBMITTED.label) in table
    assert in_arabic(Story.Status.DRAFT.label) != "Draft"  # the catalogue has them in Arabic
    # Not the codes, nor the row's str() Django wrote above each row ("Mobile courts: draft → submitted").
    assert "→" not in table
    assert not re.search(r"\b(draft|submitted)\b", table)


def test_codes_of_fields_without_choices_are_shown_by_their_names(arabic_admin, submitted_story, monkeypatch):
    class LabelledEvents(StoryEventInline):
        fields = ["created_at", "action", "from_status", "to_status"]
        value_labels = {"action": [("submit", Story.Status.SUBMITTED.label)]}

    monkeypatch.setattr(StoryAdmin, "inlines", [LabelledEvents])

    html = arabic_admin.get(reverse("admin:stories_story_change", args=[submitted_story.pk])).content.decode()
    table = history_table(html)

    assert "submit" not in table
    assert table.count(in_arabic(Story.Status.SUBMITTED.label)) == 2  # the action, and the status it led to
    assert 'class="column-action_label"' in html  # the column keeps a name of its own for styles and tests


def trail_entry(story: Story) -> LogEntry:
    """The audit trail's entry of the story's change of status."""
    entries = LogEntry.objects.get_for_object(story).order_by("-timestamp", "-pk")
    return next(entry for entry in entries if "status" in entry.changes_dict)


class TrailAdmin(LabelledChangesMixin, LogEntryAdminMixin, admin.ModelAdmin):
    pass


def test_the_audit_trail_names_fields_and_statuses_in_the_readers_language(submitted_story):
    entry = trail_entry(submitted_story)
    assert entry.changes_dict["status"] == ["draft", "submitted"]  # what auditlog keeps
    trail = TrailAdmin(LogEntry, admin.site)

    with translation.override("ar"):
        table = text_of(str(trail.msg(entry)))
        summary = trail.msg_short(entry)

    assert in_arabic(Story.Status.DRAFT.label) in table
    assert in_arabic(Story.Status.SUBMITTED.label) in table
    assert in_arabic(Story._meta.get_field("status").verbose_name).capitalize() in table
    assert not re.search(r"\b(draft|submitted|status)\b", table)
    assert "العضو المُلهِم" not in table  # "From" in another sense: who inspired a story
    submitted_on = in_arabic(Story._meta.get_field("submitted_at").verbose_name)
    assert in_arabic(Story._meta.get_field("status").verbose_name) in summary and submitted_on in summary
    assert "status" not in summary and "submitted_at" not in summary
    # The time the story was submitted, as the admin writes times in Arabic, not as auditlog keeps it.
    assert re.search(r"\d{1,2} [^\W\d_]+ \d{4}، \d\d:\d\d", table), table
    assert not re.search(r"\d{4}-\d\d-\d\d", table)


def test_the_audit_trail_page_shows_status_names(arabic_admin, submitted_story):
    # Needs coalition/admin.py's AuditTrailAdmin to take LabelledChangesMixin before auditlog's mixin.
    entry = trail_entry(submitted_story)

    html = arabic_admin.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()

    assert in_arabic(Story.Status.SUBMITTED.label) in text_of(html)
    assert not re.search(r"<td>\s*(draft|submitted)\s*</td>", html)


def test_every_admin_page_isolates_its_breadcrumbs(arabic_admin, submitted_story):
    for url in [
        reverse("admin:index"),
        reverse("admin:stories_story_changelist"),
        reverse("admin:stories_story_change", args=[submitted_story.pk]),
        reverse("admin:auditlog_logentry_changelist"),
    ]:
        html = arabic_admin.get(url).content.decode()
        assert 'dir="rtl"' in html, url
        assert 'href="/static/admin-extra/admin.css"' in html, url
    stylesheet = (ROOT / "static" / "admin-extra" / "admin.css").read_text()
    assert re.search(r"div\.breadcrumbs a[^{]*\{\s*unicode-bidi: isolate;", stylesheet)
