"""Every change to a membership application, from the form on /join/ to the members' decision.

Views, admin actions and tasks call these functions; nothing else writes an application's status. Each change
locks the row, checks the actor's right and the current status, writes the change and its history row
(`ApplicationEvent`, from and to) in one transaction, and queues its mail after commit: to the applicant in
the language they applied in, to the secretariat in English, to members' coordinators each in their own.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, TextChoices
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import records_actor
from core.mail import group_by_language, mail_language, send_once, site_link, templated_mail
from core.public_cache import bump_generation
from core.queueing import enqueue_on_commit
from members.models import Member, Mission, User
from members.services import user_invite
from membership.models import (
    Application,
    ApplicationEvent,
    Consultation,
    ConsultationAnswer,
    Criterion,
    CriterionAssessment,
    Endorsement,
)
from membership.tasks import send_application_event

Status = Application.Status

CONFIRM_SALT = "membership.confirm"
CONFIRM_MAX_AGE = datetime.timedelta(days=3)
PENDING_LETTER_SALT = "membership.pending-letter"
PENDING_LETTER_MAX_AGE = datetime.timedelta(days=1)
PENDING_LETTER_FOLDER = "membership/pending"
LETTER_MAX_BYTES = 10 * 1024 * 1024


class Action(TextChoices):
    """What a history row records: a label for the secretariat, the applicant and members alike."""

    SUBMIT = "submit", gettext_lazy("Application sent")
    CONFIRM = "confirm", gettext_lazy("E-mail confirmed, application received")
    REVIEW = "review", gettext_lazy("Review by the secretariat started")
    DETAILS = "details", gettext_lazy("Details set by the secretariat")
    ASSESS = "assess", gettext_lazy("Criterion assessed")
    CONSULT = "consult", gettext_lazy("Consultation of the members opened")
    ANSWER = "answer", gettext_lazy("A member answered the consultation")
    ANSWER_REPLACED = "answer_replaced", gettext_lazy("A member changed its answer")
    OBJECTION = "objection", gettext_lazy("Objection raised: back to the secretariat")
    CONSENTED = "consented", gettext_lazy("Consultation closed without objection")
    APPROVE = "approve", gettext_lazy("Approved")
    DECLINE = "decline", gettext_lazy("Declined")
    WITHDRAW = "withdraw", gettext_lazy("Withdrawn by the applicant")


# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    Action.CONFIRM: ((Status.DRAFT,), Status.RECEIVED),
    Action.REVIEW: ((Status.RECEIVED,), Status.UNDER_REVIEW),
    Action.CONSULT: ((Status.UNDER_REVIEW,), Status.IN_CONSULTATION),
    Action.OBJECTION: ((Status.IN_CONSULTATION,), Status.UNDER_REVIEW),
    Action.APPROVE: ((Status.IN_CONSULTATION,), Status.APPROVED),
    Action.DECLINE: ((Status.RECEIVED, Status.UNDER_REVIEW, Status.IN_CONSULTATION), Status.DECLINED),
    Action.WITHDRAW: (tuple(Application.OPEN_STATUSES), Status.WITHDRAWN),
}

# ---------------------------------------------------------------------------------------------------------
# Who may do what


def can_decide(*, user: User | None) -> bool:
    """The secretariat reviews applications, consults the members and decides."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_secretariat or user.has_perm("membership.decide_application"))
    )


def _require_decider(actor: User | None) -> None:
    if not can_decide(user=actor):
        raise PermissionDenied(_("Only the secretariat reviews and decides membership applications."))


def answering_member(user: User | None) -> Member | None:
    """The member a person answers consultations for: active coordinators of current members only."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role != User.Role.COORDINATOR or not user.mission_id:
        return None
    member = user.mission.member
    return member if member.status == Member.Status.MEMBER else None


def can_see_consultations(*, user: User | None) -> bool:
    """Coordinators and mission staff of current members (staff read only), and the secretariat."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if can_decide(user=user):
        return True
    return bool(user.mission_id and user.mission.member.status == Member.Status.MEMBER)


# ---------------------------------------------------------------------------------------------------------
# Applying


def stale_draft_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Drafts older than this can no longer be confirmed and block nobody."""
    return (now or timezone.now()) - CONFIRM_MAX_AGE


def applicant_conflict(
    *, kind: str, country: str, organisation_name: str, email: str
) -> tuple[str, ValidationError] | None:
    """(field, sentence) when this applicant is already a member or already has an application being
    considered; None when it may apply. A draft of the same address does not count: a new one replaces it."""
    if kind == Application.Kind.STATE and country:
        member = Member.objects.filter(country=country, status=Member.Status.MEMBER).first()
        if member is not None:
            return "country", ValidationError(
                _("%(name)s is already a member of the initiative; it does not need to apply."),
                code="already_member",
                params={"name": member.name},
            )
        same = Q(kind=Application.Kind.STATE, country=country)
        field = "country"
    elif kind == Application.Kind.ORGANISATION and organisation_name.strip():
        same = Q(kind=Application.Kind.ORGANISATION, organisation_name__iexact=organisation_name.strip())
        field = "organisation_name"
    else:
        return None
    open_applications = (
        Application.objects.filter(same, status__in=Application.OPEN_STATUSES)
        .exclude(status=Status.DRAFT, email__iexact=email.strip())
        .exclude(status=Status.DRAFT, created_at__lt=stale_draft_cutoff())
    )
    existing = open_applications.first()
    if existing is None:
        return None
    return field, ValidationError(
        _(
            "An application from %(name)s is already being considered; the contact person received a "
            "link to follow it."
        ),
        code="already_applying",
        params={"name": existing.applicant_name},
    )


@records_actor
def application_submit(*, application: Application, letter: bytes, actor: User | None = None) -> Application:
    """Save a new application as a draft (its letter already checked and cleaned: `letter`) and send the
    link that confirms the e-mail address. An earlier unconfirmed draft of the same address is replaced."""
    with transaction.atomic():
        conflict = applicant_conflict(
            kind=application.kind,
            country=str(application.country or ""),
            organisation_name=application.organisation_name,
            email=application.email,
        )
        if conflict is not None:
            field, error = conflict
            raise ValidationError({field: error})
        replaced = list(
            Application.objects.select_for_update().filter(
                status=Status.DRAFT, email__iexact=application.email
            )
        )
        letters = [old.letter.name for old in replaced if old.letter]
        for old in replaced:
            old.delete()
        now = timezone.now()
        application.pk = None
        application.status = Status.DRAFT
        application.created_at = application.updated_at = now
        application.confirmed_at = None
        application.member = None
        if application.kind == Application.Kind.STATE:
            application.organisation_name = ""
        else:
            application.country = ""
        application.full_clean(
            exclude=["letter", "access_key"]
        )  # before writing a file a refusal would orphan
        application.letter.save("letter.pdf", ContentFile(letter), save=False)
        application.save()
        event = ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            created_at=now,
            action=Action.SUBMIT,
            to_status=Status.DRAFT,
        )
        enqueue_on_commit(send_application_event, event.pk)
        if letters:
            transaction.on_commit(lambda: [storages["private"].delete(name) for name in letters])
    return application


def confirm_token(application: Application) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object({"a": application.pk})


class ConfirmLinkError(Exception):
    """Why a confirmation link cannot be used: `reason` is one of tampered, expired, gone, used."""

    def __init__(self, reason: str, application: Application | None = None):
        super().__init__(reason)
        self.reason = reason
        self.application = application


def application_from_token(token: str) -> Application:
    """The draft a confirmation link is for; ConfirmLinkError when the link cannot confirm anything."""
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        value = signer.unsign_object(token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ConfirmLinkError("expired") from error
    except signing.BadSignature as error:
        raise ConfirmLinkError("tampered") from error
    pk = value.get("a") if isinstance(value, dict) else None
    if not isinstance(pk, int):
        raise ConfirmLinkError("tampered")
    application = Application.objects.filter(pk=pk).first()
    if application is None:
        raise ConfirmLinkError("gone")
    if application.status != Status.DRAFT:
        raise ConfirmLinkError("used", application)
    return application


def _event(
    application: Application,
    *,
    actor: User | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    now: datetime.datetime | None = None,
    notify: bool = True,
) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        created_at=now or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )
    if notify and action in NOTIFIED_ACTIONS:
        enqueue_on_commit(send_application_event, event.pk)
    return event


def _transition(
    application: Application,
    *,
    actor: User | None,
    action: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> ApplicationEvent:
    """Move a locked application along TRANSITIONS and write its history row (the caller holds the lock)."""
    sources, target = TRANSITIONS[action]
    if application.status not in sources:
        raise ValidationError(
            _("This application is “%(status)s”; it cannot be %(action)s."),
            code="invalid_transition",
            params={"status": application.get_status_display(), "action": ACTION_PAST[action]},
        )
    now = now or timezone.now()
    from_status = application.status
    application.status = target
    application.updated_at = now
    application.save(update_fields=["status", "updated_at", "confirmed_at", "member"])
    return _event(
        application,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=target,
        comment=comment,
        now=now,
    )


ACTION_PAST = {
    Action.CONFIRM: gettext_lazy("confirmed"),
    Action.REVIEW: gettext_lazy("taken up for review"),
    Action.CONSULT: gettext_lazy("put to the members"),
    Action.OBJECTION: gettext_lazy("sent back after an objection"),
    Action.APPROVE: gettext_lazy("approved"),
    Action.DECLINE: gettext_lazy("declined"),
    Action.WITHDRAW: gettext_lazy("withdrawn"),
}


def _lock(application_id: int) -> Application:
    return Application.objects.select_for_update().get(pk=application_id)


@records_actor
def application_confirm(*, application_id: int, actor: User | None = None) -> Application:
    """The applicant's e-mail is confirmed: the application reaches the secretariat."""
    with transaction.atomic():
        application = _lock(application_id)
        if application.status != Status.DRAFT:
            raise ValidationError(_("This application is already confirmed."), code="already_confirmed")
        application.confirmed_at = timezone.now()
        _transition(application, actor=actor, action=Action.CONFIRM, now=application.confirmed_at)
    return application


@records_actor
def application_review(*, actor: User, application_id: int, comment: str = "") -> Application:
    _require_decider(actor)
    with transaction.atomic():
        application = _lock(application_id)
        _transition(application, actor=actor, action=Action.REVIEW, comment=(comment or "").strip())
    return application


@records_actor
def application_details_save(
    *, actor: User, application_id: int, regional_group: str, country: str = ""
) -> Application:
    """What the secretariat sets before approving: the UN regional group of a state, and the code under
    which an organisation will be listed (EU for the European Union)."""
    _require_decider(actor)
    with transaction.atomic():
        application = _lock(application_id)
        changes = []
        if regional_group and regional_group not in Member.RegionalGroup.values:
            raise ValidationError(
                {"regional_group": ValidationError(_("Choose a UN regional group."), code="invalid")}
            )
        if regional_group != application.regional_group:
            changes.append(f"regional group: {application.regional_group or '—'} → {regional_group or '—'}")
            application.regional_group = regional_group
        if application.kind == Application.Kind.ORGANISATION and country != str(application.country or ""):
            changes.append(f"code: {application.country or '—'} → {country or '—'}")
            application.country = country
        if not changes:
            return application
        application.updated_at = timezone.now()
        application.save(update_fields=["regional_group", "country", "updated_at"])
        _event(application, actor=actor, action=Action.DETAILS, comment="; ".join(changes))
    return application


@records_actor
def criterion_assess(
    *, actor: User, application_id: int, criterion_id: int, result: str, note: str = ""
) -> CriterionAssessment:
    """Record how the application meets one criterion (met, not met, to discuss), replacing an earlier
    assessment of the same criterion; every assessment is kept in the history."""
    _require_decider(actor)
    if result not in CriterionAssessment.Result.values:
        raise ValidationError(
            {"result": ValidationError(_("Choose met, not met or to discuss."), code="invalid")}
        )
    with transaction.atomic():
        application = _lock(application_id)
        if application.status not in (Status.RECEIVED, Status.UNDER_REVIEW, Status.IN_CONSULTATION):
            raise ValidationError(
                _("This application is “%(status)s”; its criteria can no longer be assessed."),
                code="not_assessable",
                params={"status": application.get_status_display()},
            )
        criterion = Criterion.objects.get(pk=criterion_id)
        note = (note or "").strip()
        assessment, _created = CriterionAssessment.objects.update_or_create(
            application=application,
            criterion=criterion,
            defaults={"result": result, "note": note, "assessed_by": actor, "assessed_at": timezone.now()},
        )
        label = CriterionAssessment.Result(result).label
        _event(
            application,
            actor=actor,
            action=Action.ASSESS,
            comment=f"{criterion.text[:80]}: {label}" + (f" ({note})" if note else ""),
        )
    return assessment


# ---------------------------------------------------------------------------------------------------------
# The consultation of the members


def deadline_from(deadline: datetime.datetime | datetime.date, time_zone: str) -> datetime.datetime:
    """An aware deadline: a date means the end of that day (23:59) in `time_zone`; a naive time is read in
    `time_zone`."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            {
                "time_zone": ValidationError(
                    _("“%(value)s” is not a time zone we know; use a name like Europe/Zurich."),
                    code="unknown_time_zone",
                    params={"value": time_zone},
                )
            }
        ) from error
    if not isinstance(deadline, datetime.datetime):
        deadline = datetime.datetime.combine(deadline, datetime.time(23, 59))
    if timezone.is_naive(deadline):
        deadline = deadline.replace(tzinfo=zone)
    return deadline


def deadline_text(consultation: Consultation, zone: str | None = None) -> str:
    """The deadline as people read it: in the deadline's own time zone unless another is asked for."""
    name = zone or consultation.time_zone
    local = consultation.deadline.astimezone(zoneinfo.ZoneInfo(name))
    return f"{local:%Y-%m-%d %H:%M} ({name})"


@records_actor
def consultation_open(
    *,
    actor: User,
    application_id: int,
    deadline: datetime.datetime | datetime.date,
    time_zone: str,
    now: datetime.datetime | None = None,
) -> Consultation:
    """Put an application under review to the members: every current member's coordinator is told, and
    silence until the deadline counts as consent."""
    _require_decider(actor)
    now = now or timezone.now()
    when = deadline_from(deadline, time_zone)
    if when <= now:
        raise ValidationError(
            {"deadline": ValidationError(_("Choose a deadline in the future."), code="deadline_past")}
        )
    with transaction.atomic():
        application = _lock(application_id)
        event = _transition(application, actor=actor, action=Action.CONSULT, now=now, comment="")
        consultation = Consultation.objects.create(
            application=application, deadline=when, time_zone=time_zone, opened_by=actor, opened_at=now
        )
        event.comment = _("Deadline: %(deadline)s") % {"deadline": deadline_text(consultation)}
        event.save(update_fields=["comment"])
    return consultation


@records_actor
def consultation_answer(
    *,
    actor: User,
    consultation_id: int,
    answer: str,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> ConsultationAnswer:
    """A member's answer: support, or an objection with its reason, which stops the silence at once and
    sends the application back to the secretariat. One answer per member: a second replaces the first."""
    member = answering_member(actor)
    if member is None:
        raise PermissionDenied(_("Only the coordinators of the initiative's members answer consultations."))
    if answer not in ConsultationAnswer.Answer.values:
        raise ValidationError({"answer": ValidationError(_("Choose support or object."), code="invalid")})
    reason = (reason or "").strip()
    if answer == ConsultationAnswer.Answer.OBJECT and not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason for your objection."), code="reason_required")}
        )
    now = now or timezone.now()
    with transaction.atomic():
        # The application first, then the consultation: the order every other service locks them in.
        application_id = Consultation.objects.values_list("application_id", flat=True).get(pk=consultation_id)
        application = _lock(application_id)
        consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
        if consultation.status != Consultation.Status.OPEN:
            raise ValidationError(
                _("This consultation is closed (%(status)s); answers are no longer taken."),
                code="closed",
                params={"status": consultation.get_status_display()},
            )
        if now >= consultation.deadline:
            raise ValidationError(
                _("The deadline was %(deadline)s; answers are no longer taken."),
                code="deadline_passed",
                params={"deadline": deadline_text(consultation)},
            )
        existing = ConsultationAnswer.objects.filter(consultation=consultation, member=member).first()
        label = ConsultationAnswer.Answer(answer).label
        if existing is None:
            saved = ConsultationAnswer.objects.create(
                consultation=consultation,
                member=member,
                answer=answer,
                reason=reason,
                answered_by=actor,
                answered_at=now,
            )
            comment = f"{member.name}: {label}"
            action = Action.ANSWER
        else:
            before = existing.get_answer_display()
            existing.answer, existing.reason = answer, reason
            existing.answered_by, existing.answered_at = actor, now
            existing.save(update_fields=["answer", "reason", "answered_by", "answered_at"])
            saved = existing
            comment = f"{member.name}: {before} → {label}"
            action = Action.ANSWER_REPLACED
        if reason:
            comment += f" ({reason})"
        _event(application, actor=actor, action=action, comment=comment, now=now, notify=False)
        if answer == ConsultationAnswer.Answer.OBJECT:
            consultation.status = Consultation.Status.OBJECTED
            consultation.closed_at = now
            consultation.save(update_fields=["status", "closed_at"])
            _transition(application, actor=actor, action=Action.OBJECTION, comment=comment, now=now)
    return saved


def consultations_close_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Close every open consultation whose deadline has passed with no objection: silence is consent. The
    application waits in consultation for the secretariat's approval; the secretariat is told. Each once,
    even if two beats overlap (a row another run holds is skipped)."""
    now = now or timezone.now()
    due = list(
        Consultation.objects.filter(status=Consultation.Status.OPEN, deadline__lte=now).values_list(
            "pk", "application_id"
        )
    )
    closed = []
    for consultation_id, application_id in due:
        with transaction.atomic():
            # Locked in the order the other services use (application, then consultation); a row another
            # run or an answer holds is left to the next beat.
            application = (
                Application.objects.select_for_update(skip_locked=True).filter(pk=application_id).first()
            )
            if application is None:
                continue
            consultation = (
                Consultation.objects.select_for_update(skip_locked=True)
                .filter(pk=consultation_id, status=Consultation.Status.OPEN, deadline__lte=now)
                .first()
            )
            if consultation is None:
                continue  # closed by another run, or an objection came first
            consultation.status = Consultation.Status.CONSENTED
            consultation.closed_at = now
            consultation.save(update_fields=["status", "closed_at"])
            supports = consultation.answers.filter(answer=ConsultationAnswer.Answer.SUPPORT).count()
            _event(
                application,
                actor=None,
                action=Action.CONSENTED,
                from_status=application.status,
                to_status=application.status,
                comment=f"{supports} support(s), no objection by {deadline_text(consultation)}",
                now=now,
            )
        closed.append(consultation_id)
    return closed


# ---------------------------------------------------------------------------------------------------------
# Deciding


def mission_kind_for(office: str) -> str:
    """Where the applicant's office is, guessed from its name: Geneva, New York, else the capital."""
    text = office.casefold()
    if any(
        word in text for word in ("geneva", "genève", "geneve", "ginebra", "genf", "جنيف", "日内瓦", "женев")
    ):
        return Mission.Kind.GENEVA
    if any(word in text for word in ("new york", "nueva york", "nova iorque", "نيويورك", "纽约", "нью-йорк")):
        return Mission.Kind.NEW_YORK
    return Mission.Kind.CAPITAL


@records_actor
def application_approve(*, actor: User, application_id: int, comment: str = "") -> Application:
    """Approve an application the members consented to. In one transaction: the member is created (or an
    applicant or former member becomes a member again) with today as its joined date, its endorsement of
    the chosen version is recorded with the letter, its mission is created, and the proposed focal point is
    invited as the mission's coordinator."""
    _require_decider(actor)
    with transaction.atomic():
        application = _lock(application_id)
        if application.status != Status.IN_CONSULTATION:
            raise ValidationError(
                _(
                    "This application is “%(status)s”; only an application the members consented to can be "
                    "approved."
                ),
                code="invalid_transition",
                params={"status": application.get_status_display()},
            )
        if not application.consultations.filter(status=Consultation.Status.CONSENTED).exists():
            raise ValidationError(
                _("The members' consultation has not closed without objection yet; wait for its deadline."),
                code="not_consented",
            )
        member = _member_for(application)
        today = timezone.localdate()
        if not Endorsement.objects.filter(
            member=member, version_id=application.declaration_version_id
        ).exists():
            endorsement = Endorsement(
                member=member,
                version_id=application.declaration_version_id,
                endorsed_on=today,
                signatory_name=application.contact_name,
                signatory_title=application.contact_title,
                level=Endorsement.Level.OTHER,
                means=Endorsement.Means.LETTER,
            )
            if application.letter:
                with application.letter.open("rb") as handle:
                    endorsement.document.save("letter.pdf", ContentFile(handle.read()), save=False)
            endorsement.save()
        kind = mission_kind_for(application.office)
        mission = Mission.objects.filter(member=member, kind=kind).first()
        if mission is None:
            mission = Mission(member=member, kind=kind, name=application.office)
            mission.full_clean()
            mission.save()
        try:
            user_invite(
                email=application.focal_point_email,
                full_name=application.focal_point_name,
                role=User.Role.COORDINATOR,
                mission=mission,
                invited_by=actor,
                language=application.language,
            )
        except ValidationError as error:
            raise ValidationError(
                _("The focal point could not be invited as coordinator: %(reason)s Nothing was approved."),
                code="invitation_failed",
                params={"reason": " ".join(error.messages)},
            ) from error
        application.member = member
        _transition(application, actor=actor, action=Action.APPROVE, comment=(comment or "").strip())
        bump_generation()  # /members/, the member's page, /declaration/ and the open data change
    return application


def _member_for(application: Application) -> Member:
    code = str(application.country or "")
    if not code:
        raise ValidationError(
            _("Set the code under which the organisation is listed (for example EU) before approving."),
            code="code_missing",
        )
    if application.kind == Application.Kind.STATE:
        if application.regional_group not in Member.RegionalGroup.values:
            raise ValidationError(
                _("Set the state's UN regional group on the application before approving."),
                code="regional_group_missing",
            )
        regional_group = application.regional_group
        kind = Member.Kind.STATE
    else:
        regional_group = ""
        kind = Member.Kind.ORGANISATION
    member = Member.objects.select_for_update().filter(country=code).first()
    if member is not None and member.status == Member.Status.MEMBER:
        raise ValidationError(
            _("%(name)s is already a member."), code="already_member", params={"name": member.name}
        )
    member = member or Member(country=code)
    member.kind, member.regional_group = kind, regional_group
    member.status = Member.Status.MEMBER
    member.joined_on = timezone.localdate()
    member.full_clean()
    member.save()
    return member


def _cancel_open_consultation(application: Application, now: datetime.datetime) -> None:
    Consultation.objects.filter(application=application, status=Consultation.Status.OPEN).update(
        status=Consultation.Status.CANCELLED, closed_at=now
    )


@records_actor
def application_decline(*, actor: User, application_id: int, comment: str) -> Application:
    _require_decider(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": ValidationError(_("Say why the application is declined."), code="comment_required")}
        )
    with transaction.atomic():
        application = _lock(application_id)
        now = timezone.now()
        _transition(application, actor=actor, action=Action.DECLINE, comment=comment, now=now)
        _cancel_open_consultation(application, now)
    return application


@records_actor
def application_withdraw(*, application_id: int, key: str, actor: User | None = None) -> Application:
    """The applicant withdraws, through the private link only they have."""
    with transaction.atomic():
        application = _lock(application_id)
        if not key or key != application.access_key:
            raise PermissionDenied(_("Only the applicant can withdraw this application."))
        now = timezone.now()
        _transition(application, actor=actor, action=Action.WITHDRAW, now=now)
        _cancel_open_consultation(application, now)
    return application


# ---------------------------------------------------------------------------------------------------------
# Letters kept between two tries of the form


def pending_letter_store(*, content: bytes, filename: str) -> str:
    """Keep a letter that passed the checks while the rest of the form is corrected; returns the signed
    token the form carries in a hidden field (nobody can point it at another file)."""
    name = storages["private"].save(f"{PENDING_LETTER_FOLDER}/{uuid.uuid4().hex}.pdf", ContentFile(content))
    return signing.TimestampSigner(salt=PENDING_LETTER_SALT).sign_object({"n": name, "f": filename[:120]})


@dataclass(frozen=True)
class PendingLetter:
    name: str
    filename: str

    def read(self) -> bytes:
        with storages["private"].open(self.name, "rb") as handle:
            return handle.read()


def pending_letter_from_token(token: str) -> PendingLetter | None:
    if not token:
        return None
    try:
        value = signing.TimestampSigner(salt=PENDING_LETTER_SALT).unsign_object(
            token, max_age=PENDING_LETTER_MAX_AGE
        )
    except signing.BadSignature:
        return None
    name = value.get("n") if isinstance(value, dict) else None
    if not isinstance(name, str) or not name.startswith(f"{PENDING_LETTER_FOLDER}/"):
        return None
    if not storages["private"].exists(name):
        return None
    return PendingLetter(name=name, filename=str(value.get("f") or "letter.pdf"))


def pending_letter_delete(*, name: str) -> None:
    transaction.on_commit(lambda: storages["private"].delete(name))


def pending_letters_remove_stale(*, older_than: datetime.timedelta = PENDING_LETTER_MAX_AGE) -> int:
    """Forget letters kept for forms that were never sent."""
    storage = storages["private"]
    try:
        _folders, names = storage.listdir(PENDING_LETTER_FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for filename in names:
        name = f"{PENDING_LETTER_FOLDER}/{filename}"
        try:
            created = storage.get_created_time(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        if created < cutoff:
            storage.delete(name)
            removed += 1
    return removed


# ---------------------------------------------------------------------------------------------------------
# Notifications

NOTIFIED_ACTIONS = frozenset(
    {
        Action.SUBMIT,
        Action.CONFIRM,
        Action.REVIEW,
        Action.CONSULT,
        Action.OBJECTION,
        Action.CONSENTED,
        Action.APPROVE,
        Action.DECLINE,
        Action.WITHDRAW,
    }
)
APPLICANT_TOLD = frozenset(
    {
        Action.CONFIRM,
        Action.REVIEW,
        Action.CONSULT,
        Action.OBJECTION,
        Action.APPROVE,
        Action.DECLINE,
        Action.WITHDRAW,
    }
)
SECRETARIAT_TOLD = frozenset({Action.CONFIRM, Action.OBJECTION, Action.CONSENTED, Action.WITHDRAW})


def _coordinators_of_current_members() -> list[tuple[str, str]]:
    people = User.objects.coordinators().filter(mission__member__status=Member.Status.MEMBER)
    return [(person.email, person.language) for person in people.order_by("email")]


def _mails(event: ApplicationEvent) -> dict[str, EmailMultiAlternatives]:
    """Every mail an event calls for, keyed by audience and language (what `notified_languages` records)."""
    application = event.application
    mails: dict[str, EmailMultiAlternatives] = {}
    applicant_language = mail_language(application.language)
    with translation.override(applicant_language):
        status_link = site_link(application.get_status_url())
        if event.action == Action.SUBMIT:
            confirm_link = site_link(reverse("membership:join_confirm", args=[confirm_token(application)]))
            mails[f"applicant:{applicant_language}"] = templated_mail(
                template="membership/email/confirm",
                to=[application.email],
                language=applicant_language,
                context={
                    "application": application,
                    "link": confirm_link,
                    "valid_days": CONFIRM_MAX_AGE.days,
                    "LANGUAGE_CODE": applicant_language,
                },
            )
        elif event.action in APPLICANT_TOLD and not (
            event.action == Action.WITHDRAW and event.from_status == Status.DRAFT
        ):
            mails[f"applicant:{applicant_language}"] = templated_mail(
                template="membership/email/applicant_status",
                to=[application.email],
                language=applicant_language,
                context={
                    "application": application,
                    "event": event,
                    "status": Status(event.to_status).label,
                    "link": status_link,
                    "LANGUAGE_CODE": applicant_language,
                },
            )
    if event.action in SECRETARIAT_TOLD and not (
        event.action == Action.WITHDRAW and event.from_status == Status.DRAFT
    ):
        language = settings.LANGUAGE_CODE
        with translation.override(language):
            admin_link = site_link(reverse("admin:membership_application_change", args=[application.pk]))
            mails[f"secretariat:{language}"] = templated_mail(
                template="membership/email/secretariat",
                to=[settings.SECRETARIAT_EMAIL],
                language=language,
                context={
                    "application": application,
                    "event": event,
                    "action": Action(event.action).label,
                    "link": admin_link,
                    "LANGUAGE_CODE": language,
                },
            )
    if event.action == Action.CONSULT:
        consultation = application.consultations.filter(status=Consultation.Status.OPEN).first()
        for language, addresses in group_by_language(_coordinators_of_current_members()).items():
            with translation.override(language):
                link = site_link(reverse("my_applications:consultation_detail", args=[application.pk]))
                mails[f"members:{language}"] = templated_mail(
                    template="membership/email/consultation_opened",
                    to=addresses,
                    language=language,
                    context={
                        "application": application,
                        "consultation": consultation,
                        "deadline": deadline_text(consultation) if consultation else "",
                        "link": link,
                        "LANGUAGE_CODE": language,
                    },
                )
    return mails


def application_event_notify(*, event_id: int) -> bool:
    """Send the mails of one event, once: `notified_languages` records each audience and language whose
    mail left, `notified_at` that all did. A failure is raised after commit so the retry sends only what is
    still owed."""
    failure: Exception | None = None
    with transaction.atomic():
        event = (
            ApplicationEvent.objects.select_for_update(of=("self",))
            .select_related("application__declaration_version")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.notified_at is not None or event.action not in NOTIFIED_ACTIONS:
            return False
        failure = send_once(event=event, mails=_mails(event))
    if failure is not None:
        raise failure
    return True


def application_mails_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again the mails of events a broker outage kept from being queued (from the last week). A
    confirmation link is valid three days, so older ones are not worth sending."""
    now = timezone.now()
    events = ApplicationEvent.objects.filter(
        notified_at__isnull=True,
        action__in=NOTIFIED_ACTIONS,
        created_at__lt=now - older_than,
        created_at__gt=now - datetime.timedelta(days=7),
    ).exclude(action=Action.SUBMIT, created_at__lt=now - CONFIRM_MAX_AGE)
    ids = list(events.values_list("pk", flat=True))
    for event_id in ids:
        send_application_event.delay(event_id)
    return len(ids)
