"""State changes for accounts: invitations and roles. Views, admin and tasks call these, nothing else."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.mail import site_link, templated_mail
from core.queueing import enqueue_on_commit
from members.models import Invitation, Mission, User, normalize_email
from members.roles import GROUP_FOR_ROLE


def user_sync_groups(*, user: User) -> None:
    """Put the user in exactly the permission group of their role."""
    wanted = Group.objects.get(name=GROUP_FOR_ROLE[user.role])
    role_groups = Group.objects.filter(name__in=GROUP_FOR_ROLE.values())
    user.groups.remove(*role_groups.exclude(pk=wanted.pk))
    user.groups.add(wanted)


@transaction.atomic
def user_invite(
    *,
    email: str,
    full_name: str,
    role: str,
    mission: Mission | None,
    invited_by: User | None,
) -> User:
    """Create an account without a password and send its owner an invitation to set one."""
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
        mission=mission if role != User.Role.SECRETARIAT else None,
        is_staff=role == User.Role.SECRETARIAT,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user_sync_groups(user=user)
    invitation_create(user=user, invited_by=invited_by)
    return user


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
        # The whole mail, link included, in the site's default language: the same from a worker or a request.
        with translation.override(settings.LANGUAGE_CODE):
            message = templated_mail(
                template="members/email/invitation",
                subject=_("Your invitation to the Good Human Rights Stories portal"),
                to=[user.email],
                context={
                    "user": user,
                    "invitation": invitation,
                    "accept_url": site_link(invitation.get_absolute_url()),
                    "valid_days": settings.INVITATION_VALIDITY.days,
                },
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
