"""A real Celery worker process, on Redis, doing real work against the test database in PostgreSQL."""

import pytest

from members.models import Invitation, User
from members.services import user_invite
from tests.services import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_invitation_mail_is_sent_by_a_real_worker(celery_worker, mission, secretariat_user):
    user = user_invite(
        email="New.Person@Example.org",
        full_name="Nadia Newcomer",
        role=User.Role.STAFF,
        mission=mission,
        invited_by=secretariat_user,
    )
    invitation = Invitation.objects.get(user=user)
    assert invitation.sent_at is None  # queued, not sent: this process runs no tasks

    sent = wait_for(lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists())

    output = celery_worker.stop()
    assert sent, f"the worker did not send the invitation in time; its output:\n{output}"
    assert "To: new.person@example.org" in output
    assert invitation.get_absolute_url() in output
