"""Celery tasks of the registry: thin callers of services, safe to run twice."""

from celery import shared_task


@shared_task
def queue_monthly_report() -> int | None:
    from registry import reports

    return reports.monthly_report_queue_due()


@shared_task
def send_monthly_report(report_id: int) -> bool:
    from registry import reports

    return reports.monthly_report_send(report_id=report_id)
