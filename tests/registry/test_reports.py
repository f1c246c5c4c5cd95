import datetime

import pytest
from django.core import mail

from registry import reports, services
from registry.models import IdentityRead, MonthlyReport
from registry.tasks import queue_monthly_report
from tests.registry.helpers import PERSON, make_case

pytestmark = pytest.mark.django_db


def test_the_months_reads_are_reported_once_to_the_head_of_the_secretariat(
    keeper, registry_keys, settings, django_capture_on_commit_callbacks
):
    settings.REGISTRY_REPORT_EMAIL = "head@secretariat.example"
    case = make_case(keeper)
    services.identity_read(actor=keeper, case_id=case.pk, reason="Preparing the referral to OHCHR")
    read = IdentityRead.objects.get()
    now = read.read_at.replace(day=1) + datetime.timedelta(days=40)
    now = now.replace(day=2)

    with django_capture_on_commit_callbacks(execute=True):
        first = reports.monthly_report_queue_due(now=now)
        assert reports.monthly_report_queue_due(now=now) is None  # claimed once
    assert first is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["head@secretariat.example"]
    assert case.code in message.body and "Preparing the referral to OHCHR" in message.body
    assert keeper.email in message.body
    assert PERSON.name not in message.body and PERSON.name not in message.alternatives[0][0]

    assert reports.monthly_report_send(report_id=first) is False  # sent once
    assert len(mail.outbox) == 1
    assert MonthlyReport.objects.get().read_count == 1


def test_the_beat_task_reports_an_empty_month_too_and_defaults_to_the_secretariat(
    settings, db, django_capture_on_commit_callbacks
):
    settings.REGISTRY_REPORT_EMAIL = ""
    with django_capture_on_commit_callbacks(execute=True):
        queue_monthly_report()
        queue_monthly_report()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [settings.SECRETARIAT_EMAIL]
    assert "None." in mail.outbox[0].body
