"""The secretariat's admin of cooperation records: the group's permissions (cooperation/migrations/0002),
the mandates it keeps, the lists and their filters, corrections with their history, reply PDFs checked, and
what stays read-only (publishing, history, reminders)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.models import (
    Communication,
    CooperationEvent,
    CooperationRecord,
    DeadlineReminder,
    Mandate,
)
from members.roles import SECRETARIAT_GROUP
from tests import factories
from tests.admin_forms import admin_errors, submit_change_form
from tests.cooperation.test_card import communication, publish, visit
from tests.core.pdf_files import pdf_with_javascript, plain_pdf

pytestmark = pytest.mark.django_db

MODELS = [
    "mandate",
    "cooperationrecord",
    "visitrequest",
    "communication",
    "cooperationevent",
    "deadlinereminder",
]


def test_the_secretariat_group_sees_everything_and_corrects_entries(db):
    granted = set(
        Group.objects.get(name=SECRETARIAT_GROUP)
        .permissions.filter(content_type__app_label="cooperation")
        .values_list("codename", flat=True)
    )
    assert {f"view_{model}" for model in [*MODELS, "followup"]} <= granted
    assert {
        "change_mandate",
        "change_cooperationrecord",
        "change_visitrequest",
        "change_communication",
    } <= granted
    assert not {"delete_visitrequest", "delete_communication", "change_cooperationevent"} & granted


def test_the_thematic_mandates_are_there(db):
    judges = Mandate.objects.get(name="independence of judges and lawyers")
    assert judges.holder_title == "Special Rapporteur on the independence of judges and lawyers"
    assert judges.kind == Mandate.Kind.THEMATIC
    titles = set(Mandate.objects.values_list("holder_title", flat=True))
    assert "Working Group on Arbitrary Detention" in titles
    assert any(title.startswith("Independent Expert on") for title in titles)
    assert Mandate.objects.count() >= 20


@pytest.mark.parametrize("model", MODELS)
def test_every_list_opens(secretariat_client, member, model):
    publish(member)
    entry = visit(member, reply_due_on=datetime.date(2000, 5, 1))
    DeadlineReminder.objects.create(kind="overdue", visit=entry, due_on=entry.reply_due_on)
    communication(member)
    response = secretariat_client.get(reverse(f"admin:cooperation_{model}_changelist"))
    assert response.status_code == 200


def test_visits_list_shows_the_overdue_flag_and_filters_by_member(secretariat_client, member):
    other = factories.MemberFactory()
    visit(member, requested_on=datetime.date(2000, 1, 1), reply_due_on=datetime.date(2000, 3, 1))
    visit(other, report_symbol="A/HRC/1/OTHER")
    url = reverse("admin:cooperation_visitrequest_changelist")

    everything = secretariat_client.get(url).content.decode()
    assert 'alt="True"' in everything  # overdue: no reply, due long ago
    filtered = secretariat_client.get(url, {"member__id__exact": member.pk}).content.decode()
    assert "1 visit request" in filtered


def test_the_record_page_shows_visits_and_communication_counts(secretariat_client, member):
    record = publish(member)
    visit(member)
    communication(member)
    html = secretariat_client.get(
        reverse("admin:cooperation_cooperationrecord_change", args=[record.pk])
    ).content
    html = html.decode()
    assert "Special Rapporteur on the right to food" in html
    assert "1 received, 1 replied to, 1 confirmed" in html
    assert f"/members/{member.iso.lower()}/cooperation/" in html
    # Publishing is the coordinator's: no field for it in the form.
    assert 'name="card_published_at"' not in html and 'name="card_year"' not in html


def test_a_correction_bumps_the_version_and_writes_history(secretariat_client, secretariat_user, member):
    entry = visit(member)
    url = reverse("admin:cooperation_visitrequest_change", args=[entry.pk])

    response = submit_change_form(secretariat_client, url, status="accepted", replied_on="2020-01-02")

    assert response.status_code == 302, admin_errors(response)
    entry.refresh_from_db()
    assert (entry.status, entry.version) == ("accepted", 2)
    event = CooperationEvent.objects.get(visit=entry)
    assert event.actor == secretariat_user and event.action == "corrected_in_admin"
    assert "status" in event.comment


def test_a_hostile_reply_pdf_is_refused_and_a_good_one_stripped(secretariat_client, member):
    entry = communication(member)
    url = reverse("admin:cooperation_communication_change", args=[entry.pk])
    page = secretariat_client.get(url)
    assert page.status_code == 200

    def post(content: bytes):
        from tests.admin_forms import _FormValues

        html = page.content.decode()
        parser = _FormValues()
        parser.feed(html[html.index("<form") : html.rindex("</form>")])
        data: dict = {}
        for name, value in parser.values:
            data.setdefault(name, []).append(value)
        data["reply_document"] = SimpleUploadedFile("reply.pdf", content, content_type="application/pdf")
        data["_save"] = ["Save"]
        return secretariat_client.post(url, data)

    refused = post(pdf_with_javascript())
    assert refused.status_code == 200
    assert "reply_document" in admin_errors(refused)["form"]
    entry.refresh_from_db()
    assert not entry.reply_document

    accepted = post(plain_pdf(author="Jane Diplomat"))
    assert accepted.status_code == 302, admin_errors(accepted)
    entry.refresh_from_db()
    assert b"Jane Diplomat" not in entry.reply_document.read()


def test_history_and_reminders_are_read_only(secretariat_client, member):
    entry = visit(member)
    event = CooperationEvent.objects.create(member=member, action="visit_recorded", visit=entry)
    reminder = DeadlineReminder.objects.create(kind="days_14", visit=entry, due_on=entry.reply_due_on)
    for model, pk in (("cooperationevent", event.pk), ("deadlinereminder", reminder.pk)):
        html = secretariat_client.get(
            reverse(f"admin:cooperation_{model}_change", args=[pk])
        ).content.decode()
        assert 'name="_save"' not in html
    assert secretariat_client.get(reverse("admin:cooperation_cooperationevent_add")).status_code == 403


def test_the_secretariat_keeps_the_mandates(secretariat_client):
    response = secretariat_client.post(
        reverse("admin:cooperation_mandate_add"),
        {
            "kind": "country",
            "name": "the situation of human rights in Testland",
            "holder_title": "Special Rapporteur on the situation of human rights in Testland",
            "country": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, admin_errors(response)
    assert Mandate.objects.filter(kind="country", name__endswith="Testland").exists()


def test_visits_list_queries_do_not_grow(secretariat_client, member, django_assert_max_num_queries):
    CooperationRecord.objects.create(member=member)
    for n in range(15):
        visit(member, requested_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n))
    url = reverse("admin:cooperation_visitrequest_changelist")
    with django_assert_max_num_queries(20):
        assert secretariat_client.get(url).status_code == 200


def test_unconfirmed_entries_show_so(secretariat_client, member):
    communication(member, confirmed=False, reply_due_on=datetime.date(2099, 1, 1))
    html = secretariat_client.get(reverse("admin:cooperation_communication_changelist")).content.decode()
    assert html.count('alt="False"') == 2  # not confirmed, not overdue
    assert Communication.objects.get().confirmed_at is None
