from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from members import services
from members.models import Invitation, User, UserEvent
from members.roles import COORDINATOR_GROUP, MISSION_STAFF_GROUP, SECRETARIAT_GROUP
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def invite(mission, secretariat_user, **overrides) -> User:
    kwargs = {
        "email": "Ines.Invited@Example.org",
        "full_name": "Inès Invited",
        "role": User.Role.STAFF,
        "mission": mission,
        "invited_by": secretariat_user,
        **overrides,
    }
    return services.user_invite(**kwargs)


def group_names(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# user_invite


def test_invite_creates_an_account_without_usable_password(mission, secretariat_user):
    user = invite(mission, secretariat_user)

    user.refresh_from_db()
    assert user.email == "ines.invited@example.org"
    assert (user.full_name, user.role, user.mission) == ("Inès Invited", User.Role.STAFF, mission)
    assert not user.has_usable_password()
    assert not user.is_staff
    assert group_names(user) == {MISSION_STAFF_GROUP}
    invitation = user.invitations.get()
    assert invitation.invited_by == secretariat_user
    assert invitation.accepted_at is None
    assert not invitation.is_expired


def test_invite_a_coordinator_puts_them_in_the_coordinator_group(mission, secretariat_user):
    user = invite(mission, secretariat_user, role=User.Role.COORDINATOR)

    assert group_names(user) == {COORDINATOR_GROUP}
    assert mission.coordinator == user


def test_invite_the_secretariat_gives_admin_access_and_no_mission(mission, secretariat_user):
    user = invite(mission, secretariat_user, role=User.Role.SECRETARIAT)

    user.refresh_from_db()
    assert user.is_staff
    assert user.mission is None
    assert group_names(user) == {SECRETARIAT_GROUP}


def test_invitation_email_is_sent_after_commit(
    mission, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = invite(mission, secretariat_user)
        assert mailoutbox == []  # nothing leaves before the transaction commits

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ines.invited@example.org"]
    assert "invitation" in message.subject.lower()
    invitation = user.invitations.get()
    link = f"/en/accounts/invitation/{invitation.token}/"
    assert link in message.body
    assert "Dear Inès Invited" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{settings.SITE_URL}{link}"' in html
    assert "ines.invited@example.org" in html
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_invitation_link_is_in_the_language_of_the_email(mission, secretariat_user, mailoutbox):
    # The email is written in the recipient's language (English here) whoever sends it (and a Celery worker
    # has no active language at all), so its link must not depend on the sender's language either.
    with translation.override("fr"):
        user = invite(mission, secretariat_user)
        services.invitation_send(invitation_id=user.invitations.get().pk)

    token = user.invitations.get().token
    assert "Dear Inès Invited" in mailoutbox[0].body
    assert f"{settings.SITE_URL}/en/accounts/invitation/{token}/" in mailoutbox[0].body


@pytest.mark.parametrize("email", ["taken@example.org", "TAKEN@Example.ORG", " Taken@example.org "])
def test_invite_an_existing_email_is_refused(
    email, mission, secretariat_user, django_capture_on_commit_callbacks
):
    factories.UserFactory(email="taken@example.org", mission=mission)
    users_before = User.objects.count()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as caught:
        invite(mission, secretariat_user, email=email)

    assert "already exists" in caught.value.message_dict["email"][0]
    assert User.objects.count() == users_before
    assert not Invitation.objects.exists()
    assert callbacks == []


def test_invite_an_existing_email_says_email_taken(mission, secretariat_user):
    factories.UserFactory(email="taken@example.org", mission=mission)

    with pytest.raises(ValidationError) as caught:
        invite(mission, secretariat_user, email="Taken@example.org")

    codes = [error.code for error in caught.value.error_dict["email"]]
    assert codes == ["email_taken"]


def test_invite_a_second_coordinator_names_the_current_one(coordinator, mission, secretariat_user):
    with pytest.raises(ValidationError) as caught:
        invite(mission, secretariat_user, role=User.Role.COORDINATOR)

    assert "Cora Coordinator" in caught.value.message_dict["role"][0]
    assert not User.objects.filter(email="ines.invited@example.org").exists()


# invitation_create and invitation_send


def test_a_new_invitation_expires_the_pending_ones(mission, secretariat_user):
    user = invite(mission, secretariat_user)
    first = user.invitations.get()

    second = services.invitation_create(user=user, invited_by=secretariat_user)

    first.refresh_from_db()
    assert first.is_expired
    assert not second.is_expired
    assert list(Invitation.objects.pending()) == [second]


def test_a_new_invitation_leaves_accepted_ones_alone(staff_user, secretariat_user):
    accepted = Invitation.objects.create(
        user=staff_user, expires_at=timezone.now() + timedelta(days=3), accepted_at=timezone.now()
    )

    services.invitation_create(user=staff_user, invited_by=secretariat_user)

    accepted.refresh_from_db()
    assert not accepted.is_expired


def test_no_invitation_for_a_deactivated_account(staff_user, secretariat_user):
    staff_user.is_active = False
    staff_user.save()

    with pytest.raises(ValidationError) as caught:
        services.invitation_create(user=staff_user, invited_by=secretariat_user)

    assert "deactivated" in caught.value.messages[0]
    assert not Invitation.objects.exists()


def test_invitation_is_sent_only_once(mission, secretariat_user, mailoutbox):
    user = invite(mission, secretariat_user)  # on-commit callbacks not run: nothing sent yet
    invitation = user.invitations.get()

    assert services.invitation_send(invitation_id=invitation.pk) is True
    assert services.invitation_send(invitation_id=invitation.pk) is False

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]


def test_an_expired_or_missing_invitation_is_not_sent(mission, secretariat_user, mailoutbox):
    user = invite(mission, secretariat_user)
    invitation = user.invitations.get()
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()

    assert services.invitation_send(invitation_id=invitation.pk) is False
    assert services.invitation_send(invitation_id=invitation.pk + 1000) is False
    assert mailoutbox == []


# invitation_accept


def test_accepting_sets_the_password(mission, secretariat_user):
    user = invite(mission, secretariat_user)
    invitation = user.invitations.get()

    accepted_user = services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)

    user.refresh_from_db()
    assert accepted_user == user
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_an_invitation_works_once(mission, secretariat_user):
    user = invite(mission, secretariat_user)
    invitation = user.invitations.get()
    services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)

    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(invitation=invitation, password="another passphrase 99")

    assert caught.value.code == "invitation_used"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_invitation_is_refused(mission, secretariat_user):
    user = invite(mission, secretariat_user)
    invitation = user.invitations.get()
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()

    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)

    assert caught.value.code == "invitation_expired"
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_superseded_invitation_is_refused(mission, secretariat_user):
    user = invite(mission, secretariat_user)
    old = user.invitations.get()
    services.invitation_create(user=user, invited_by=secretariat_user)

    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(invitation=old, password=NEW_PASSWORD)

    assert caught.value.code == "invitation_expired"


def test_a_deactivated_account_cannot_accept(mission, secretariat_user):
    user = invite(mission, secretariat_user)
    invitation = user.invitations.get()
    User.objects.filter(pk=user.pk).update(is_active=False)

    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)

    assert caught.value.code == "account_inactive"
    user.refresh_from_db()
    assert not user.has_usable_password()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# user_sync_groups


def test_changing_the_role_moves_the_user_between_groups(staff_user):
    assert group_names(staff_user) == {MISSION_STAFF_GROUP}

    staff_user.role = User.Role.COORDINATOR
    staff_user.save()
    services.user_sync_groups(user=staff_user)

    assert group_names(staff_user) == {COORDINATOR_GROUP}


def test_syncing_groups_keeps_groups_that_are_not_role_groups(staff_user):
    other = Group.objects.create(name="Newsletter editors")
    staff_user.groups.add(other)

    services.user_sync_groups(user=staff_user)

    assert group_names(staff_user) == {MISSION_STAFF_GROUP, "Newsletter editors"}


# user_change_access


def access(user: User) -> tuple:
    user.refresh_from_db()
    return (user.role, user.mission, user.is_active, user.is_staff)


def test_changing_the_role_writes_the_history_and_moves_groups(staff_user, mission, secretariat_user):
    services.user_change_access(user=staff_user, actor=secretariat_user, role=User.Role.COORDINATOR)

    assert access(staff_user) == (User.Role.COORDINATOR, mission, True, False)
    assert group_names(staff_user) == {COORDINATOR_GROUP}
    event = staff_user.access_events.get()
    assert (event.actor, event.action) == (secretariat_user, UserEvent.Action.CHANGE)
    assert (event.from_role, event.to_role) == (User.Role.STAFF, User.Role.COORDINATOR)
    assert (event.from_mission, event.to_mission) == (mission, mission)
    assert (event.from_active, event.to_active) == (True, True)
    assert event.changes() == [("role", "Mission staff", "Contact-group coordinator")]


def test_moving_to_another_mission_records_both_missions(staff_user, mission, secretariat_user):
    other = factories.MissionFactory()

    services.user_change_access(user=staff_user, actor=secretariat_user, mission=other)

    assert access(staff_user) == (User.Role.STAFF, other, True, False)
    event = staff_user.access_events.get()
    assert (event.from_mission, event.to_mission) == (mission, other)
    assert event.changes() == [("mission", mission.name, other.name)]


def test_making_someone_secretariat_drops_the_mission_and_gives_admin_access(staff_user, secretariat_user):
    services.user_change_access(user=staff_user, actor=secretariat_user, role=User.Role.SECRETARIAT)

    assert access(staff_user) == (User.Role.SECRETARIAT, None, True, True)
    assert group_names(staff_user) == {SECRETARIAT_GROUP}
    assert staff_user.access_events.get().to_mission is None


def test_leaving_the_secretariat_takes_admin_and_superuser_power_away(mission, secretariat_user):
    boss = factories.SecretariatFactory(is_superuser=True)

    services.user_change_access(user=boss, actor=secretariat_user, role=User.Role.STAFF, mission=mission)

    boss.refresh_from_db()
    assert (boss.role, boss.mission, boss.is_staff, boss.is_superuser) == (
        User.Role.STAFF,
        mission,
        False,
        False,
    )


def test_the_secretariat_with_a_mission_is_refused_by_the_service(staff_user, mission, secretariat_user):
    with pytest.raises(ValidationError) as error:
        services.user_change_access(
            user=staff_user, actor=secretariat_user, role=User.Role.SECRETARIAT, mission=mission
        )

    assert error.value.error_dict["mission"][0].code == "mission_not_allowed"
    assert access(staff_user)[0] == User.Role.STAFF
    assert not UserEvent.objects.filter(user=staff_user).exists()


def test_deactivating_and_reactivating_are_recorded(staff_user, secretariat_user):
    services.user_deactivate(user=staff_user, actor=secretariat_user)
    assert access(staff_user)[2] is False

    services.user_reactivate(user=staff_user, actor=secretariat_user)
    assert access(staff_user)[2] is True

    actions = list(staff_user.access_events.order_by("pk").values_list("action", "from_active", "to_active"))
    assert actions == [
        (UserEvent.Action.DEACTIVATE, True, False),
        (UserEvent.Action.REACTIVATE, False, True),
    ]


def test_a_second_active_coordinator_is_refused_naming_the_current_one(
    coordinator, staff_user, mission, secretariat_user
):
    with pytest.raises(ValidationError) as error:
        services.user_change_access(user=staff_user, actor=secretariat_user, role=User.Role.COORDINATOR)

    problem = error.value.error_dict["role"][0]
    assert problem.code == "coordinator_exists"
    assert f"Cora Coordinator ({coordinator.email})" in error.value.messages[0]
    assert access(staff_user)[0] == User.Role.STAFF
    assert group_names(staff_user) == {MISSION_STAFF_GROUP}
    assert not UserEvent.objects.exists()


def test_reactivating_a_former_coordinator_is_refused_while_another_coordinates(mission, secretariat_user):
    former = factories.CoordinatorFactory(mission=mission, is_active=False)
    factories.CoordinatorFactory(mission=mission)

    with pytest.raises(ValidationError) as error:
        services.user_reactivate(user=former, actor=secretariat_user)

    assert error.value.error_dict["role"][0].code == "coordinator_exists"
    assert access(former)[2] is False


def test_a_coordinator_can_be_replaced_once_the_old_one_is_mission_staff(
    coordinator, staff_user, mission, secretariat_user
):
    services.user_change_access(user=coordinator, actor=secretariat_user, role=User.Role.STAFF)
    services.user_change_access(user=staff_user, actor=secretariat_user, role=User.Role.COORDINATOR)

    assert mission.coordinator == staff_user


@pytest.mark.parametrize("actor_fixture", ["staff_user", "coordinator"])
def test_only_the_secretariat_changes_access(request, actor_fixture, mission):
    actor = request.getfixturevalue(actor_fixture)
    target = factories.UserFactory(mission=mission)

    with pytest.raises(PermissionDenied):
        services.user_change_access(user=target, actor=actor, is_active=False)

    assert access(target)[2] is True
    assert not UserEvent.objects.exists()


def test_a_deactivated_secretariat_account_changes_nothing(staff_user):
    gone = factories.SecretariatFactory(is_active=False)

    with pytest.raises(PermissionDenied):
        services.user_change_access(user=staff_user, actor=gone, role=User.Role.COORDINATOR)


@pytest.mark.parametrize(("change", "field"), [("deactivate", "is_active"), ("demote", "role")])
def test_nobody_takes_away_their_own_access(secretariat_user, mission, change, field):
    arguments = {"deactivate": {"is_active": False}, "demote": {"role": "staff", "mission": mission}}[change]

    with pytest.raises(ValidationError) as error:
        services.user_change_access(user=secretariat_user, actor=secretariat_user, **arguments)

    assert error.value.error_dict[field][0].code == "own_access"
    assert access(secretariat_user) == (User.Role.SECRETARIAT, None, True, True)


def test_no_change_writes_no_history(staff_user, mission, secretariat_user):
    services.user_change_access(
        user=staff_user, actor=secretariat_user, role=User.Role.STAFF, mission=mission, is_active=True
    )

    assert not UserEvent.objects.exists()


def test_inviting_starts_the_history(mission, secretariat_user):
    user = invite(mission, secretariat_user, role=User.Role.COORDINATOR)

    event = user.access_events.get()
    assert (event.action, event.actor) == (UserEvent.Action.INVITE, secretariat_user)
    assert (event.from_role, event.to_role, event.to_mission) == ("", User.Role.COORDINATOR, mission)
    assert (event.from_active, event.to_active) == (None, True)
