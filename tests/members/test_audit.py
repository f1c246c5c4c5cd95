"""The audit trail (django-auditlog) and the login records."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import encrypt
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.audit import acting_as
from members import services
from members.models import LoginEvent, Member, Mission, User
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Not-the-right-passphrase-7"


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("pk"))


# What is tracked


@pytest.mark.parametrize(
    "label",
    [
        "members.Member",
        "members.Mission",
        "members.User",
        "stories.Story",
        "stories.StoryImage",
        "stories.StoryTranslation",
        "meetings.Meeting",
        "meetings.Participant",
        "meetings.AgendaItem",
        "meetings.Document",
    ],
)
def test_the_models_of_the_issue_are_tracked(label):
    from django.apps import apps

    assert auditlog.contains(apps.get_model(label))


def test_secrets_are_not_tracked():
    from stories.models import StoryImage

    user_fields = auditlog.get_model_fields(User)["exclude_fields"]
    image_fields = auditlog.get_model_fields(StoryImage)["exclude_fields"]

    assert {"password", "last_login"} <= set(user_fields)
    assert {"rendition_key", "renditions"} <= set(image_fields)
    assert not auditlog.contains(Authenticator)


def test_passwords_and_login_times_never_reach_the_trail(client, mission):
    user = factories.UserFactory(mission=mission)
    [created] = entries_for(user)

    user.set_password("another long passphrase 99")
    user.save()
    client.login(email=user.email, password="another long passphrase 99")

    assert "password" not in created.changes_dict and "last_login" not in created.changes_dict
    assert entries_for(user) == [created]  # neither the new password nor the login time made an entry
    user.refresh_from_db()
    assert not LogEntry.objects.filter(changes__icontains=user.password[-20:]).exists()


def test_stories_and_meetings_are_recorded(staff_user):
    from tests.meetings.factories import MeetingFactory

    story = factories.StoryFactory(member=staff_user.mission.member, author=staff_user)
    story.title = "A new title"
    story.save()
    meeting = MeetingFactory()
    meeting_pk = meeting.pk
    meeting.delete()

    actions = [entry.action for entry in entries_for(story)]
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries_for(story)[1].changes_dict["title"][1] == "A new title"
    meeting_type = ContentType.objects.get(app_label="meetings", model="meeting")
    meeting_entries = LogEntry.objects.filter(content_type=meeting_type, object_pk=str(meeting_pk))
    assert list(meeting_entries.order_by("pk").values_list("action", flat=True)) == [
        LogEntry.Action.CREATE,
        LogEntry.Action.DELETE,
    ]


# Who did it


def change_mission(client, mission: Mission, **changes):
    data = {
        "member": mission.member_id,
        "kind": mission.kind,
        "name": mission.name,
        "address": mission.address,
    }
    return client.post(reverse("admin:members_mission_change", args=[mission.pk]), {**data, **changes})


def test_an_admin_change_names_its_author(secretariat_client, secretariat_user, mission):
    old_name = mission.name

    response = change_mission(secretariat_client, mission, name="Mission in Geneva, renamed")

    assert response.status_code == 302
    update = entries_for(mission)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == secretariat_user
    assert update.remote_addr == "127.0.0.1"
    assert update.changes_dict == {"name": [old_name, "Mission in Geneva, renamed"]}


def test_an_admin_delete_names_its_author(secretariat_client, secretariat_user):
    member = factories.MemberFactory()
    pk = member.pk

    response = secretariat_client.post(reverse("admin:members_member_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Member.objects.filter(pk=pk).exists()
    deletion = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Member),
        object_pk=str(pk),
        action=LogEntry.Action.DELETE,
    )
    assert deletion.actor == secretariat_user


def test_a_service_without_a_request_names_its_actor(staff_user, secretariat_user):
    # As from a Celery task: no request, so no middleware to say who it is.
    services.user_change_access(user=staff_user, actor=secretariat_user, role=User.Role.COORDINATOR)

    update = entries_for(staff_user)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == secretariat_user
    assert update.changes_dict["role"] == ["staff", "coordinator"]


def test_the_request_author_comes_back_after_a_service_named_its_own(mission, secretariat_user):
    other = factories.SecretariatFactory()
    first, second = factories.MemberFactory(), factories.MemberFactory()

    with set_actor(secretariat_user):  # what the middleware does for a request
        with acting_as(other):
            first.is_founding = True
            first.save()
        second.is_founding = True
        second.save()

    assert entries_for(first)[-1].actor == other
    assert entries_for(second)[-1].actor == secretariat_user


# Reading the trail


def test_the_trail_is_in_the_admin_by_person_and_by_object(secretariat_client, secretariat_user, mission):
    other = factories.SecretariatFactory(full_name="Otto Other")
    member = mission.member
    with acting_as(other):
        member.is_founding = not member.is_founding
        member.save()
    change_mission(secretariat_client, mission, name="Renamed by Sami")
    url = reverse("admin:auditlog_logentry_changelist")
    mission_type = ContentType.objects.get_for_model(Mission)

    everything = secretariat_client.get(url)
    by_otto = secretariat_client.get(url, {"actor__id__exact": other.pk})
    by_object = secretariat_client.get(
        url, {"content_type__id__exact": mission_type.pk, "object_pk": mission.pk}
    )
    searched = secretariat_client.get(url, {"q": "Renamed by Sami"})

    assert everything.status_code == 200
    html = everything.content.decode()
    assert "By actor" in html and "By content type" in html
    assert "all changes of this object" in html
    assert {entry.actor for entry in by_otto.context["cl"].result_list} == {other}
    assert [(e.content_type, e.object_pk) for e in by_object.context["cl"].result_list] == [
        (mission_type, str(mission.pk))
    ] * len(entries_for(mission))
    assert "Renamed by Sami" in by_object.content.decode()
    assert searched.status_code == 200
    assert [(e.actor, e.object_pk) for e in searched.context["cl"].result_list] == [
        (secretariat_user, str(mission.pk))
    ]


def test_the_trail_is_read_only(secretariat_client, mission):
    entry = entries_for(mission)[0]

    assert secretariat_client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert (
        secretariat_client.post(
            reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    detail = secretariat_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert 'type="submit"' not in detail.content.decode().split('id="logentry_form"')[-1].split("</form>")[0]
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_mission_staff_cannot_read_the_trail(staff_client):
    response = staff_client.get(reverse("admin:auditlog_logentry_changelist"), follow=True)

    assert response.status_code == 403


# Logins


def log_in(client, email: str, password: str, **extra):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password, **extra},
        HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500,
    )


def test_a_login_is_recorded(client, staff_user):
    log_in(client, staff_user.email, TEST_PASSWORD)

    event = LoginEvent.objects.get()
    assert (event.kind, event.user, event.email) == (LoginEvent.Kind.LOGGED_IN, staff_user, staff_user.email)
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent.startswith("Mozilla/5.0 xxx") and len(event.user_agent) == 300
    assert not event.to_admin


def test_a_login_to_the_admin_is_marked(client, secretariat_user):
    log_in(client, secretariat_user.email, TEST_PASSWORD, next="/admin/members/user/")

    event = LoginEvent.objects.get()
    assert (event.kind, event.user, event.to_admin) == (LoginEvent.Kind.LOGGED_IN, secretariat_user, True)


def test_a_login_to_the_admin_with_two_factor_authentication_is_marked(client, secretariat_user):
    secret = generate_totp_secret()
    Authenticator.objects.create(
        user=secretariat_user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
    )

    response = log_in(client, secretariat_user.email, TEST_PASSWORD, next="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert not LoginEvent.objects.exists()  # not logged in yet
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response["Location"] == "/admin/"
    event = LoginEvent.objects.get()
    assert (event.kind, event.user, event.to_admin) == (LoginEvent.Kind.LOGGED_IN, secretariat_user, True)


def test_a_failed_login_is_recorded_without_the_password(client, staff_user):
    log_in(client, staff_user.email.upper(), WRONG_PASSWORD, next="/admin/")

    event = LoginEvent.objects.get()
    assert (event.kind, event.user, event.email) == (
        LoginEvent.Kind.LOGIN_FAILED,
        staff_user,
        staff_user.email,
    )
    assert event.ip_address == "127.0.0.1"
    assert event.to_admin
    stored = [str(value) for value in LoginEvent.objects.values_list().get()]
    assert not any(WRONG_PASSWORD in value for value in stored)


def test_a_failed_login_for_an_unknown_address_keeps_the_address(client, staff_user):
    log_in(client, "Nobody.Here@Example.org", WRONG_PASSWORD)

    event = LoginEvent.objects.get()
    assert (event.kind, event.user, event.email) == (
        LoginEvent.Kind.LOGIN_FAILED,
        None,
        "nobody.here@example.org",
    )
    assert not event.to_admin


def test_a_logout_is_recorded(client, staff_user):
    log_in(client, staff_user.email, TEST_PASSWORD)

    client.post(reverse("account_logout"))

    kinds = list(LoginEvent.objects.order_by("pk").values_list("kind", "user"))
    assert kinds == [(LoginEvent.Kind.LOGGED_IN, staff_user.pk), (LoginEvent.Kind.LOGGED_OUT, staff_user.pk)]
