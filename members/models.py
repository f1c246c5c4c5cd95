"""Members of the initiative, their missions, and the people who work for them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.models import HistoryEvent


class MemberQuerySet(models.QuerySet):
    def public(self) -> MemberQuerySet:
        """Members the public sees: current and former ones (applicants are not announced)."""
        return self.filter(status__in=[Member.Status.MEMBER, Member.Status.FORMER])

    def current(self) -> MemberQuerySet:
        return self.filter(status=Member.Status.MEMBER)

    def sorted_by_name(self) -> list[Member]:
        # Names come from django-countries in the active language, so they sort in Python.
        return sorted(self, key=lambda member: str(member.country.name))


class Member(models.Model):
    class Kind(models.TextChoices):
        STATE = "state", _("UN member state")
        ORGANISATION = "organisation", _("Organisation")

    class RegionalGroup(models.TextChoices):
        AFRICAN = "african", _("African States")
        ASIA_PACIFIC = "asia_pacific", _("Asia-Pacific States")
        EASTERN_EUROPEAN = "eastern_european", _("Eastern European States")
        GRULAC = "grulac", _("Latin American and Caribbean States (GRULAC)")
        WEOG = "weog", _("Western European and other States (WEOG)")

    class Status(models.TextChoices):
        MEMBER = "member", _("Member")
        APPLICANT = "applicant", _("Applicant")
        FORMER = "former", _("Former member")

    country = CountryField(
        _("country or organisation"),
        unique=True,
        help_text=_("ISO 3166 code; EU for the European Union."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STATE)
    regional_group = models.CharField(
        _("UN regional group"),
        max_length=20,
        choices=RegionalGroup.choices,
        blank=True,
        help_text=_("Empty for organisations, which belong to no UN regional group."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.MEMBER)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    is_founding = models.BooleanField(_("founding member"), default=False)
    listed_as_applicant = models.BooleanField(
        _("listed on the members page while applying"),
        default=False,
        help_text=_(
            "Only for an applicant, and only if the secretariat chooses to announce it: its name is shown "
            "under “Applying to join”. Nothing of its application is ever public."
        ),
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="state") & ~Q(regional_group=""))
                | (Q(kind="organisation") & Q(regional_group="")),
                name="members_member_regional_group_matches_kind",
                violation_error_message=_(
                    "A member state belongs to a UN regional group; an organisation belongs to none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.country.name)

    def get_absolute_url(self) -> str:
        return reverse("coalition:member_detail", kwargs={"iso": self.iso.lower()})

    @property
    def iso(self) -> str:
        return self.country.code

    @property
    def name(self) -> str:
        return str(self.country.name)


class Mission(models.Model):
    class Kind(models.TextChoices):
        GENEVA = "geneva", _("Permanent Mission in Geneva")
        NEW_YORK = "new_york", _("Permanent Mission in New York")
        CAPITAL = "capital", _("Capital")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="missions", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["member__country", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"],
                name="members_mission_one_per_kind",
                violation_error_message=_("This member already has a mission of this kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def coordinator(self) -> User | None:
        """The active coordinator; uses prefetched `active_coordinators` when a view provided them."""
        if hasattr(self, "active_coordinators"):
            return self.active_coordinators[0] if self.active_coordinators else None
        return self.users.coordinators().first()


class UserQuerySet(models.QuerySet):
    def coordinators(self) -> UserQuerySet:
        return self.filter(role=User.Role.COORDINATOR, is_active=True)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.update(is_staff=True, is_superuser=True, role=User.Role.SECRETARIAT, mission=None)
        return self._create_user(email, password, **extra_fields)


def normalize_email(email: str) -> str:
    """Addresses are compared without case, so they are stored in lower case."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: mission staff, a contact-group coordinator, or the secretariat."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Mission staff")
        COORDINATOR = "coordinator", _("Contact-group coordinator")
        SECRETARIAT = "secretariat", _("Secretariat")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    mission = models.ForeignKey(
        Mission,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("mission"),
        help_text=_("Required for mission staff and coordinators; empty for the secretariat."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the person's mail and of the portal after they log in."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting an account."),
    )
    is_staff = models.BooleanField(
        _("admin access"),
        default=False,
        help_text=_("Can log into the administration. Only the secretariat can."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission"],
                condition=Q(role="coordinator", is_active=True),
                name="members_user_one_active_coordinator_per_mission",
                violation_error_message=_("This mission already has an active coordinator."),
            ),
            models.CheckConstraint(
                condition=(Q(role="secretariat") & Q(mission__isnull=True))
                | (~Q(role="secretariat") & Q(mission__isnull=False)),
                name="members_user_mission_matches_role",
                violation_error_message=_(
                    "Mission staff and coordinators belong to a mission; the secretariat to none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(is_staff=False) | Q(role="secretariat"),
                name="members_user_admin_access_only_for_secretariat",
                violation_error_message=_("Only the secretariat has access to the administration."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def validate_constraints(self, exclude=None) -> None:
        # Say who the current coordinator is, which the database constraint alone cannot.
        current = self.current_coordinator_conflict()
        if current is not None:
            raise ValidationError(
                {
                    "role": ValidationError(
                        _(
                            "%(mission)s already has an active coordinator: %(name)s (%(email)s). "
                            "Make them mission staff or deactivate their account first."
                        ),
                        code="coordinator_exists",
                        params={"mission": self.mission, "name": current.full_name, "email": current.email},
                    )
                }
            )
        super().validate_constraints(exclude=exclude)

    def current_coordinator_conflict(self) -> User | None:
        """The other active coordinator of this user's mission, if making this user one would clash."""
        if self.role != self.Role.COORDINATOR or not self.is_active or self.mission_id is None:
            return None
        return User.objects.coordinators().filter(mission_id=self.mission_id).exclude(pk=self.pk).first()

    @property
    def member(self) -> Member | None:
        return self.mission.member if self.mission_id else None

    @property
    def is_secretariat(self) -> bool:
        return self.role == self.Role.SECRETARIAT

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation to set a password; the link in its email carries a signed reference to this row."""

    TOKEN_SALT = "members.invitation"  # noqa: S105 - a signing namespace, not a secret

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("user")
    )
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.user.email} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("invitations:accept", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        # Not timestamped: the row's expires_at decides validity, so the same invitation has one link.
        return signing.Signer(salt=self.TOKEN_SALT).sign_object(self.pk)

    @classmethod
    def pk_from_token(cls, token: str) -> int | None:
        try:
            value = signing.Signer(salt=cls.TOKEN_SALT).unsign_object(token)
        except signing.BadSignature:
            return None
        return value if isinstance(value, int) else None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class UserEvent(HistoryEvent):
    """One change of a person's access, made through `user_change_access`: role, mission or active flag."""

    class Action(models.TextChoices):
        INVITE = "invite", _("Invited")
        CHANGE = "change", _("Role or mission changed")
        DEACTIVATE = "deactivate", _("Deactivated")
        REACTIVATE = "reactivate", _("Reactivated")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_events", verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_role = models.CharField(_("role before"), max_length=20, choices=User.Role.choices, blank=True)
    to_role = models.CharField(_("role after"), max_length=20, choices=User.Role.choices)
    # SET_NULL: a mission that no longer exists must not take its former staff's history with it.
    from_mission = models.ForeignKey(
        Mission,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mission before"),
    )
    to_mission = models.ForeignKey(
        Mission,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mission after"),
    )
    from_active = models.BooleanField(_("active before"), null=True, blank=True)
    to_active = models.BooleanField(_("active after"))

    class Meta:
        verbose_name = _("access change")
        verbose_name_plural = _("access history")
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.user}: {self.get_action_display()}"

    def changes(self) -> list[tuple[str, str, str]]:
        """(what, before, after) for each of role, mission and active flag that changed."""
        fields = User._meta
        pairs = [
            (
                fields.get_field("role").verbose_name,
                self.get_from_role_display() if self.from_role else "",
                self.get_to_role_display(),
            ),
            (
                fields.get_field("mission").verbose_name,
                str(self.from_mission or ""),
                str(self.to_mission or ""),
            ),
            (
                fields.get_field("is_active").verbose_name,
                "" if self.from_active is None else _yes_no(self.from_active),
                _yes_no(self.to_active),
            ),
        ]
        return [(str(what), before, after) for what, before, after in pairs if before != after]


def _yes_no(value: bool) -> str:
    return str(_("yes") if value else _("no"))


class LoginEvent(models.Model):
    """A login, a failed login or a logout. Never the password tried; the address typed, even unknown."""

    class Kind(models.TextChoices):
        LOGGED_IN = "logged_in", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOGGED_OUT = "logged_out", _("Logged out")

    USER_AGENT_LENGTH = 300

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="login_events",
        verbose_name=_("user"),
        help_text=_("Empty when the address typed belongs to no account."),
    )
    # Not an EmailField: what was typed is kept as typed, valid address or not.
    email = models.CharField(_("email address"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=USER_AGENT_LENGTH, blank=True)
    to_admin = models.BooleanField(
        _("to the administration"),
        default=False,
        help_text=_("The login was on the way to the administration."),
    )

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login events")
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["-created_at"], name="members_loginevent_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email} ({self.created_at:%Y-%m-%d %H:%M})"
