"""State changes for accounts: invitations and roles. Views, admin and tasks call these, nothing else."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import acting_as
from core.mail import site_link, templated_mail
from core.queueing import enqueue_on_commit
from members.models import Invitation, Mission, User, UserEvent, normalize_email
from members.roles import GROUP_FOR_ROLE


def user_sync_groups(*, user: User) -> None:
    """Put the user in exactly the permission group of their role."""
    wanted = Group.objects.get(name=GROUP_FOR_ROLE[user.role])
    role_groups = Group.objects.filter(name__in=GROUP_FOR_ROLE.values())
    user.groups.remove(*role_groups.exclude(pk=wanted.pk))
    user.groups.add(wanted)


def can_change_access(*, user: User | None) -> bool:
    """Only the secretariat gives, changes and takes away roles and accounts."""
    return user is not None and user.is_authenticated and user.is_active and user.is_secretariat


def _require_access_manager(actor: User | None) -> None:
    if not can_change_access(user=actor):
        raise PermissionDenied(_("Only the secretariat changes roles, missions and accounts."))


def check_own_access_kept(*, user: User, actor: User, role: str, is_active: bool) -> None:
    """Nobody takes away their own access: another member of the secretariat has to (so one stays)."""
    if actor.pk != user.pk:
        return
    if not is_active:
        raise ValidationError(
            {"is_active": ValidationError(_("You cannot deactivate your own account."), code="own_access")}
        )
    if role != User.Role.SECRETARIAT:
        raise ValidationError(
            {"role": ValidationError(_("You cannot take away your own secretariat role."), code="own_access")}
        )


def _lock_mission_for_coordinator(*, role: str, is_active: bool, mission_id: int | None) -> None:
    # Two people made coordinator of one mission at once would both see no coordinator yet; locking the
    # mission first makes the second wait and then get the clear message instead of a database error.
    if role == User.Role.COORDINATOR and is_active and mission_id is not None:
        list(Mission.objects.select_for_update().filter(pk=mission_id).values_list("pk", flat=True))


@transaction.atomic
def user_invite(
    *,
    email: str,
    full_name: str,
    role: str,
    mission: Mission | None,
    invited_by: User | None,
    language: str | None = None,
) -> User:
    """Create an account without a password and send its owner an invitation to set one, in `language`
    (the site's default when not given): their mail and the portal after they log in use it."""
    with acting_as(invited_by):
        return _user_invite(
            email=email,
            full_name=full_name,
            role=role,
            mission=mission,
            invited_by=invited_by,
            language=language or settings.LANGUAGE_CODE,
        )


def _user_invite(
    *,
    email: str,
    full_name: str,
    role: str,
    mission: Mission | None,
    invited_by: User | None,
    language: str,
) -> User:
    email = normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("An account with this email address already exists."), code="email_taken"
                )
            }
        )
    user = User(
        email=email,
        full_name=full_name,
        role=role,
        language=language,
        mission=mission if role != User.Role.SECRETARIAT else None,
        is_staff=role == User.Role.SECRETARIAT,
    )
    user.set_unusable_password()
    _lock_mission_for_coordinator(role=user.role, is_active=user.is_active, mission_id=user.mission_id)
    user.full_clean()
    user.save()
    user_sync_groups(user=user)
    UserEvent.objects.create(
        user=user,
        actor=invited_by,
        action=UserEvent.Action.INVITE,
        to_role=user.role,
        to_mission=user.mission,
        to_active=user.is_active,
    )
    invitation_create(user=user, invited_by=invited_by)
    return user


def user_change_access(
    *,
    user: User,
    actor: User,
    role: str | None = None,
    mission: Mission | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a person's role, mission or active flag: the one way to do any of the three.

    An argument left out (None) keeps the current value; the secretariat never has a mission, so making
    someone secretariat also takes them out of theirs. Writes a `UserEvent` when anything changed and
    returns the user as saved.
    """
    _require_access_manager(actor)
    with transaction.atomic(), acting_as(actor):
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = (locked.role, locked.mission_id, locked.is_active)
        new_role = locked.role if role is None else role
        new_active = locked.is_active if is_active is None else is_active
        if new_role not in User.Role.values:
            raise ValidationError(
                {"role": ValidationError(_("Choose one of the roles."), code="invalid_role")}
            )
        if new_role == User.Role.SECRETARIAT:
            if mission is not None:
                raise ValidationError(
                    {
                        "mission": ValidationError(
                            _("The secretariat belongs to no mission; leave this empty."),
                            code="mission_not_allowed",
                        )
                    }
                )
            new_mission_id = None
        else:
            new_mission_id = mission.pk if mission is not None else locked.mission_id
            if new_mission_id is None:
                raise ValidationError(
                    {
                        "mission": ValidationError(
                            _("Choose the mission this person works for."), code="mission_required"
                        )
                    }
                )
        if (new_role, new_mission_id, new_active) == before:
            return locked
        check_own_access_kept(user=locked, actor=actor, role=new_role, is_active=new_active)

        _lock_mission_for_coordinator(role=new_role, is_active=new_active, mission_id=new_mission_id)
        locked.role, locked.mission_id, locked.is_active = new_role, new_mission_id, new_active
        # Admin access (and superuser power) follow the role: nobody outside the secretariat keeps them.
        locked.is_staff = new_role == User.Role.SECRETARIAT
        locked.is_superuser = locked.is_superuser and locked.is_staff
        # Names the current coordinator when the mission already has one (User.validate_constraints).
        locked.validate_constraints()
        locked.save(update_fields=["role", "mission", "is_active", "is_staff", "is_superuser"])
        user_sync_groups(user=locked)
        from_role, from_mission_id, from_active = before
        if from_active != new_active:
            action = UserEvent.Action.REACTIVATE if new_active else UserEvent.Action.DEACTIVATE
        else:
            action = UserEvent.Action.CHANGE
        UserEvent.objects.create(
            user=locked,
            actor=actor,
            action=action,
            from_role=from_role,
            to_role=new_role,
            from_mission_id=from_mission_id,
            to_mission_id=new_mission_id,
            from_active=from_active,
            to_active=new_active,
        )
    return locked


def user_change_language(*, user: User, language: str) -> User:
    """Set the language of a person's mail and of the portal after they log in; each person sets their own
    (the secretariat sets it in the admin). Raises ValidationError for a language the portal does not have."""
    try:
        User._meta.get_field("language").clean(language, user)
    except ValidationError as error:
        raise ValidationError({"language": error}) from error
    user.language = language
    user.save(update_fields=["language"])
    return user


def user_deactivate(*, user: User, actor: User) -> User:
    """Close an account (accounts are deactivated, never deleted): it can no longer log in."""
    return user_change_access(user=user, actor=actor, is_active=False)


def user_reactivate(*, user: User, actor: User) -> User:
    return user_change_access(user=user, actor=actor, is_active=True)


@transaction.atomic
def invitation_create(*, user: User, invited_by: User | None) -> Invitation:
    """A fresh invitation (earlier ones stop working) whose email is sent after commit."""
    if not user.is_active:
        raise ValidationError(
            _("%(user)s is deactivated; activate the account first."), params={"user": user}
        )
    now = timezone.now()
    # Only the newest invitation is valid: expire the others so an old email cannot be used.
    Invitation.objects.filter(user=user, accepted_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    invitation = Invitation.objects.create(
        user=user, invited_by=invited_by, created_at=now, expires_at=now + settings.INVITATION_VALIDITY
    )
    from members.tasks import send_invitation

    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


def invitation_send(*, invitation_id: int) -> bool:
    """Email the invitation once. Returns False when there was nothing to send (already sent, used, gone)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("user").filter(pk=invitation_id).first()
        )
        if invitation is None or invitation.sent_at or invitation.accepted_at or invitation.is_expired:
            return False
        user = invitation.user
        # The whole mail, link included, in the invited person's language, whoever asked for it and whether
        # a worker or a request sends it.
        with translation.override(user.language):
            message = templated_mail(
                template="members/email/invitation",
                subject=_("Your invitation to the Good Human Rights Stories portal"),
                to=[user.email],
                context={
                    "user": user,
                    "invitation": invitation,
                    "accept_url": site_link(invitation.get_absolute_url()),
                    "valid_days": settings.INVITATION_VALIDITY.days,
                    # Rendered without a request, so no context processor says it (the HTML's `lang`).
                    "LANGUAGE_CODE": user.language,
                },
                language=user.language,
            )
        message.send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Set the invited person's password; the invitation can be used only once and before it expires."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."), code="invitation_used")
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired."), code="invitation_expired")
    user = invitation.user
    if not user.is_active:
        raise ValidationError(_("This account has been deactivated."), code="account_inactive")
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


def invitations_requeue_unsent(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again the invitations whose mail never left (the broker was down when they were made)."""
    from members.tasks import send_invitation

    cutoff = timezone.now() - older_than
    pending = Invitation.objects.pending().filter(sent_at__isnull=True, created_at__lt=cutoff)
    ids = list(pending.values_list("pk", flat=True))
    for invitation_id in ids:
        send_invitation.delay(invitation_id)
    return len(ids)
