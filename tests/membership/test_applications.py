"""The services of membership applications (membership/applications.py): each transition, who may make it,
its history row and its mails in the right language. Helpers here are shared by test_join.py and
test_consultations.py."""

from __future__ import annotations

import datetime
import io

import pikepdf
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from members.models import Invitation, Member, Mission, User
from membership import applications
from membership.models import (
    Application,
    ApplicationEvent,
    Consultation,
    Criterion,
    DeclarationVersion,
    Endorsement,
)
from tests import factories
from tests.core.pdf_files import plain_pdf

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------
# Helpers shared by the membership tests


@pytest.fixture(autouse=True)
def _letters_in_test_storage():
    """The letter and document fields resolved their storage when the models loaded, before the suite moved
    private files to a temporary folder (tests/conftest.py does this for photos only)."""
    fields = [Application._meta.get_field("letter"), Endorsement._meta.get_field("document")]
    before = [field.storage for field in fields]
    for field in fields:
        field.storage = storages["private"]
    yield
    for field, storage in zip(fields, before, strict=True):
        field.storage = storage


def current_version() -> DeclarationVersion:
    version = DeclarationVersion.objects.filter(is_current=True).first()
    if version is None:
        number = (
            DeclarationVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = DeclarationVersion.objects.create(
            number=number, adopted_on=datetime.date(2018, 9, 27), is_current=True
        )
        version.texts.create(language="en", title="Joint declaration", text="We share good stories.")
    return version


def free_country(exclude: set[str] = frozenset()) -> str:
    """A country code that is no member and has no application yet."""
    taken = set(Member.objects.values_list("country", flat=True)) | set(
        Application.objects.values_list("country", flat=True)
    )
    for code in ("MX", "KE", "SN", "PH", "FJ", "JM", "BW", "MN", "LK", "GH", "CR", "ZA", "PT", "IE"):
        if code not in taken and code not in exclude:
            return code
    raise AssertionError("no free country code left")


def application_data(**overrides) -> dict:
    data = {
        "kind": Application.Kind.STATE,
        "country": overrides.pop("country", None) or free_country(),
        "office": "Permanent Mission to the United Nations in Geneva",
        "contact_name": "Ana Contact",
        "contact_title": "First Secretary",
        "email": "ana@mission.example",
        "phone": "+41 22 000 00 00",
        "declaration_version": current_version(),
        "focal_point_name": "Felix Focal",
        "focal_point_email": "felix@mission.example",
        "story_idea": "Mobile birth registration",
        "language": "fr",
    }
    data.update(overrides)
    return data


def submit(**overrides) -> Application:
    return applications.application_submit(
        application=Application(**application_data(**overrides)), letter=plain_pdf()
    )


def make_application(status: str = Application.Status.RECEIVED, **overrides) -> Application:
    """An application already at `status` (set up directly: the services are tested one by one)."""
    application = Application(**application_data(**overrides), status=status)
    application.letter.save("letter.pdf", ContentFile(plain_pdf()), save=False)
    application.save()
    return application


def consented(application: Application, secretariat) -> Consultation:
    """Put `application` (under review) to the members and let the deadline pass in silence."""
    opened_at = timezone.now() - datetime.timedelta(days=20)
    consultation = applications.consultation_open(
        actor=secretariat,
        application_id=application.pk,
        deadline=opened_at + datetime.timedelta(days=14),
        time_zone="Europe/Zurich",
        now=opened_at,
    )
    applications.consultations_close_due()
    consultation.refresh_from_db()
    return consultation


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# ---------------------------------------------------------------------------------------------------------
# Applying and confirming


def test_submit_saves_a_draft_and_mails_the_confirmation_link_in_the_applicants_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(language="fr", country="MX")
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.letter.name.startswith("membership/letters/")
    assert [e.action for e in application.events.all()] == ["submit"]
    [message] = mailoutbox
    assert message.to == ["ana@mission.example"]
    assert "/fr/join/confirm/" in message.body
    assert "Mexique" in message.subject  # rendered in French (country names come translated)


def test_a_new_application_from_the_same_address_replaces_the_unconfirmed_draft():
    first = submit(email="Same@Mission.example")
    second = submit(email="same@mission.example", country=free_country({str(first.country)}))
    assert not Application.objects.filter(pk=first.pk).exists()
    assert Application.objects.get().pk == second.pk


def test_a_current_member_is_told_it_need_not_apply(member):
    with pytest.raises(ValidationError) as error:
        submit(country=member.country.code)
    assert "already a member" in str(error.value)
    assert not Application.objects.exists()


def test_an_open_application_for_the_same_state_is_not_made_twice():
    existing = make_application(Application.Status.UNDER_REVIEW)
    with pytest.raises(ValidationError) as error:
        submit(country=existing.country.code, email="other@ministry.example")
    assert "is already being considered" in str(error.value)


def test_an_open_application_of_the_same_organisation_whatever_its_case():
    make_application(kind=Application.Kind.ORGANISATION, country="", organisation_name="Union of Islands")
    with pytest.raises(ValidationError):
        submit(
            kind=Application.Kind.ORGANISATION,
            country="",
            organisation_name="union of islands",
            email="x@y.example",
        )


def test_confirming_moves_the_draft_to_received_and_tells_applicant_and_secretariat(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    application = submit(language="es")
    token = applications.confirm_token(application)
    assert applications.application_from_token(token).pk == application.pk
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_confirm(application_id=application.pk)
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED
    assert application.confirmed_at is not None
    event = application.events.get(action="confirm")
    assert (event.from_status, event.to_status) == ("draft", "received")
    [to_applicant] = sent_to("ana@mission.example")
    assert application.access_key in to_applicant.body and "/es/join/application/" in to_applicant.body
    [to_secretariat] = sent_to(settings.SECRETARIAT_EMAIL)
    assert "Membership application of" in to_secretariat.subject  # in English
    assert f"/admin/membership/application/{application.pk}/" in to_secretariat.body
    with pytest.raises(applications.ConfirmLinkError) as used:
        applications.application_from_token(token)
    assert used.value.reason == "used"


def test_a_link_is_refused_when_changed_or_expired(monkeypatch):
    application = submit()
    token = applications.confirm_token(application)
    with pytest.raises(applications.ConfirmLinkError) as tampered:
        applications.application_from_token(token[:-2] + "xx")
    assert tampered.value.reason == "tampered"
    import time

    later = time.time() + 3 * 24 * 3600 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(applications.ConfirmLinkError) as expired:
        applications.application_from_token(token)
    assert expired.value.reason == "expired"


# ---------------------------------------------------------------------------------------------------------
# The secretariat's steps


def test_only_the_secretariat_starts_the_review(
    coordinator, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    application = make_application(language="ar")
    with pytest.raises(PermissionDenied):
        applications.application_review(actor=coordinator, application_id=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_review(actor=secretariat_user, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW
    event = application.events.get()
    assert (event.actor, event.from_status, event.to_status) == (secretariat_user, "received", "under_review")
    [message] = mailoutbox
    assert "/ar/join/application/" in message.body
    assert 'lang="ar"' in message.alternatives[0][0] and 'dir="rtl"' in message.alternatives[0][0]


def test_a_transition_from_the_wrong_status_is_refused_with_a_sentence(secretariat_user):
    application = make_application(Application.Status.DRAFT)
    with pytest.raises(ValidationError) as error:
        applications.application_review(actor=secretariat_user, application_id=application.pk)
    assert "cannot be taken up for review" in str(error.value)
    assert not application.events.exists()


def test_assessing_a_criterion_twice_keeps_one_assessment_and_both_in_history(secretariat_user, coordinator):
    application = make_application(Application.Status.UNDER_REVIEW)
    criterion = Criterion.objects.create(text="Supports the UN human-rights system")
    with pytest.raises(PermissionDenied):
        applications.criterion_assess(
            actor=coordinator, application_id=application.pk, criterion_id=criterion.pk, result="met"
        )
    applications.criterion_assess(
        actor=secretariat_user, application_id=application.pk, criterion_id=criterion.pk, result="to_discuss"
    )
    assessment = applications.criterion_assess(
        actor=secretariat_user,
        application_id=application.pk,
        criterion_id=criterion.pk,
        result="met",
        note="Standing invitation",
    )
    assert application.assessments.get() == assessment
    assert (assessment.result, assessment.note, assessment.assessed_by) == (
        "met",
        "Standing invitation",
        secretariat_user,
    )
    assert application.events.filter(action="assess").count() == 2


def test_declining_needs_a_comment_which_the_applicant_reads(
    secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    application = make_application(Application.Status.UNDER_REVIEW, language="en")
    with pytest.raises(ValidationError):
        applications.application_decline(actor=secretariat_user, application_id=application.pk, comment=" ")
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_decline(
            actor=secretariat_user, application_id=application.pk, comment="The criteria are not met yet."
        )
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    [message] = mailoutbox
    assert "The criteria are not met yet." in message.body


def test_the_applicant_withdraws_with_the_private_key_only(
    settings, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    application = make_application(Application.Status.UNDER_REVIEW)
    consultation = applications.consultation_open(
        actor=secretariat_user,
        application_id=application.pk,
        deadline=timezone.now() + datetime.timedelta(days=5),
        time_zone="UTC",
    )
    with pytest.raises(PermissionDenied):
        applications.application_withdraw(application_id=application.pk, key="guess")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_withdraw(application_id=application.pk, key=application.access_key)
    application.refresh_from_db()
    consultation.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert consultation.status == Consultation.Status.CANCELLED
    assert sorted(address for message in mailoutbox for address in message.to) == sorted(
        ["ana@mission.example", settings.SECRETARIAT_EMAIL]
    )


# ---------------------------------------------------------------------------------------------------------
# Approval


def test_approval_waits_for_the_members_consent(secretariat_user):
    application = make_application(Application.Status.UNDER_REVIEW, regional_group="grulac")
    applications.consultation_open(
        actor=secretariat_user,
        application_id=application.pk,
        deadline=timezone.now() + datetime.timedelta(days=5),
        time_zone="UTC",
    )
    with pytest.raises(ValidationError) as error:
        applications.application_approve(actor=secretariat_user, application_id=application.pk)
    assert "has not closed without objection" in str(error.value)


def test_a_state_needs_its_regional_group_before_approval(secretariat_user):
    application = make_application(Application.Status.UNDER_REVIEW)
    consented(application, secretariat_user)
    with pytest.raises(ValidationError) as error:
        applications.application_approve(actor=secretariat_user, application_id=application.pk)
    assert "regional group" in str(error.value)
    assert not Member.objects.filter(country=application.country).exists()


def test_approval_creates_member_endorsement_mission_and_invites_the_focal_point(
    secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    application = make_application(Application.Status.UNDER_REVIEW, language="fr")
    applications.application_details_save(
        actor=secretariat_user, application_id=application.pk, regional_group="african"
    )
    consented(application, secretariat_user)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_approve(actor=secretariat_user, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    member = application.member
    assert (member.country.code, member.status, member.kind, member.regional_group) == (
        application.country.code,
        Member.Status.MEMBER,
        Member.Kind.STATE,
        "african",
    )
    assert member.joined_on == timezone.localdate()
    endorsement = member.endorsements.get()
    assert (endorsement.version, endorsement.means, endorsement.level, endorsement.signatory_name) == (
        application.declaration_version,
        Endorsement.Means.LETTER,
        Endorsement.Level.OTHER,
        "Ana Contact",
    )
    with endorsement.document.open("rb") as handle:
        assert pikepdf.open(io.BytesIO(handle.read())).pages
    mission = member.missions.get()
    assert (mission.kind, mission.name) == (Mission.Kind.GENEVA, application.office)
    focal = User.objects.get(email="felix@mission.example")
    assert (focal.role, focal.mission, focal.language) == (User.Role.COORDINATOR, mission, "fr")
    invitation = Invitation.objects.get(user=focal)
    assert invitation.invited_by == secretariat_user and invitation.sent_at is not None
    assert "/fr/join/application/" in sent_to("ana@mission.example")[0].body
    assert sent_to("felix@mission.example")
    assert application.events.filter(
        action="approve", from_status="in_consultation", to_status="approved"
    ).exists()


def test_a_former_member_becomes_a_member_again(secretariat_user):
    former = factories.MemberFactory(country="MX", status=Member.Status.FORMER, regional_group="grulac")
    application = make_application(
        Application.Status.UNDER_REVIEW,
        country="MX",
        regional_group="grulac",
        office="Secretaría de Relaciones Exteriores",
    )
    consented(application, secretariat_user)
    applications.application_approve(actor=secretariat_user, application_id=application.pk)
    former.refresh_from_db()
    assert former.status == Member.Status.MEMBER
    assert former.missions.get().kind == Mission.Kind.CAPITAL


def test_the_mission_kind_is_read_from_the_office():
    assert applications.mission_kind_for("Mission permanente à Genève") == Mission.Kind.GENEVA
    assert applications.mission_kind_for("Permanent Mission in New York") == Mission.Kind.NEW_YORK
    assert applications.mission_kind_for("Ministry of Foreign Affairs") == Mission.Kind.CAPITAL


# ---------------------------------------------------------------------------------------------------------
# Mail delivery


def test_each_event_is_mailed_once_and_requeued_only_while_unsent(mailoutbox):
    application = make_application(Application.Status.RECEIVED)
    event = ApplicationEvent.objects.create(
        application=application,
        action="review",
        from_status="received",
        to_status="under_review",
        created_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    assert applications.application_mails_requeue() == 1  # runs eagerly: sends it
    event.refresh_from_db()
    assert event.notified_at is not None and event.notified_languages == ["applicant:fr"]
    assert applications.application_event_notify(event_id=event.pk) is False
    assert applications.application_mails_requeue() == 0
    assert len(mailoutbox) == 1
