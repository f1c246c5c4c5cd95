"""The Celery app. Tasks live in each app's `tasks.py`; services queue them after commit with
`core.queueing.enqueue_on_commit` (a broker outage never fails the user's action)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

app = Celery("coalition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
