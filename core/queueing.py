"""Queueing side effects after commit without letting a broker outage fail the user's action.

The database already records what is still to do (an event not yet notified, a photo without renditions, an
invitation not yet sent); when the broker cannot take a task, it is logged and the periodic `redrive` task
queues it again once the broker is back.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any) -> None:
    def send() -> None:
        try:
            task.apply_async(args=args)
        except (OperationalError, ConnectionError, OSError) as error:
            logger.warning("broker unavailable, %s(%s) will be re-queued later: %s", task.name, args, error)

    transaction.on_commit(send)
