from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from members import services
from members.models import Invitation, User
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
    # The email is written in the site's default language whoever sends it (and a Celery worker has no
    # active language at all), so its link must not depend on the sender's language either.
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
