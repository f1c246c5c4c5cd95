"""The monthly report of identity reads to the head of the secretariat (REGISTRY_REPORT_EMAIL, by default
SECRETARIAT_EMAIL). The beat task runs often; the report of the month just ended is claimed once (a
`MonthlyReport` row, unique per month) and sent once (`sent_at`, under a row lock), so two beats at once or
a task run twice mail it once. The report names the case codes, readers and reasons, never an identity."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.mail import site_link, templated_mail
from core.queueing import enqueue_on_commit
from registry.models import IdentityRead, MonthlyReport
from registry.tasks import send_monthly_report


def previous_month(now: datetime.datetime) -> tuple[int, int]:
    today = timezone.localtime(now).date()
    first = today.replace(day=1) - datetime.timedelta(days=1)
    return first.year, first.month


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(year, month, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=datetime.UTC)
    return start, end


def report_recipient() -> str:
    return getattr(settings, "REGISTRY_REPORT_EMAIL", "") or settings.SECRETARIAT_EMAIL


def monthly_report_queue_due(*, now: datetime.datetime | None = None) -> int | None:
    """Claim the report of the month just ended and queue it; the report's id, or None when it was
    claimed before."""
    year, month = previous_month(now or timezone.now())
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(year=year, month=month)
            enqueue_on_commit(send_monthly_report, report.pk)
    except IntegrityError:
        return None
    return report.pk


def monthly_report_send(*, report_id: int) -> bool:
    """Send the report once; False when it was sent already."""
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report_id)
        if report.sent_at is not None:
            return False
        start, end = month_bounds(report.year, report.month)
        reads = list(
            IdentityRead.objects.filter(read_at__gte=start, read_at__lt=end)
            .select_related("case")
            .order_by("read_at", "pk")
        )
        message = templated_mail(
            template="registry/email/monthly_report",
            to=[report_recipient()],
            context={
                "reads": reads,
                "month": datetime.date(report.year, report.month, 1),
                "log_url": site_link("/en/my/registry/reads/"),
            },
        )
        message.send()
        report.sent_at = timezone.now()
        report.read_count = len(reads)
        report.save(update_fields=["sent_at", "read_count"])
    return True
