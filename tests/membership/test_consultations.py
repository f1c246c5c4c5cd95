"""The members' consultation on an application (a silence procedure): opening it, answers and their
replacement, late answers, objections, the beat that closes it, the coordinators' pages and the admin."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from members.models import Member
from membership import applications
from membership.models import Application, Consultation, ConsultationAnswer, Criterion
from tests import factories
from tests.membership.test_applications import (  # noqa: F401 (fixture)
    _letters_in_test_storage,
    make_application,
    sent_to,
)

pytestmark = pytest.mark.django_db
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


def open_consultation(secretariat, *, days: int = 10, **overrides) -> Consultation:
    application = make_application(Application.Status.UNDER_REVIEW, **overrides)
    return applications.consultation_open(
        actor=secretariat,
        application_id=application.pk,
        deadline=timezone.now() + datetime.timedelta(days=days),
        time_zone="Europe/Zurich",
    )


def coordinator_of_new_member(language: str = "en"):
    member = factories.MemberFactory()
    return factories.CoordinatorFactory(mission=factories.MissionFactory(member=member), language=language)


# ---------------------------------------------------------------------------------------------------------
# Opening


def test_opening_tells_every_current_members_coordinator_in_their_language(
    secretariat_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    french = coordinator_of_new_member("fr")
    applicant_member = factories.MemberFactory(status=Member.Status.APPLICANT)
    not_yet = factories.CoordinatorFactory(mission=factories.MissionFactory(member=applicant_member))
    application = make_application(Application.Status.UNDER_REVIEW, language="es")
    with django_capture_on_commit_callbacks(execute=True):
        consultation = applications.consultation_open(
            actor=secretariat_user,
            application_id=application.pk,
            deadline=timezone.localdate() + datetime.timedelta(days=14),
            time_zone="Europe/Zurich",
        )
    application.refresh_from_db()
    assert application.status == Application.Status.IN_CONSULTATION
    local = consultation.deadline.astimezone(ZURICH)
    assert (local.date(), local.hour, local.minute) == (
        timezone.localdate() + datetime.timedelta(days=14),
        23,
        59,
    )
    [to_french] = sent_to(french.email)
    assert f"/fr/my/applications/{application.pk}/" in to_french.body
    [to_english] = sent_to(coordinator.email)
    assert (
        f"/en/my/applications/{application.pk}/" in to_english.body and "(Europe/Zurich)" in to_english.body
    )
    assert not sent_to(not_yet.email)
    assert "/es/join/application/" in sent_to("ana@mission.example")[0].body
    event = application.events.get(action="consult")
    assert (event.from_status, event.to_status) == ("under_review", "in_consultation")


def test_only_the_secretariat_opens_a_consultation_and_only_with_a_future_deadline(
    secretariat_user, coordinator
):
    application = make_application(Application.Status.UNDER_REVIEW)
    with pytest.raises(PermissionDenied):
        applications.consultation_open(
            actor=coordinator, application_id=application.pk, deadline=timezone.localdate(), time_zone="UTC"
        )
    with pytest.raises(ValidationError) as error:
        applications.consultation_open(
            actor=secretariat_user,
            application_id=application.pk,
            deadline=timezone.now() - datetime.timedelta(hours=1),
            time_zone="UTC",
        )
    assert "future" in str(error.value)
    with pytest.raises(ValidationError):
        applications.consultation_open(
            actor=secretariat_user,
            application_id=application.pk,
            deadline=timezone.localdate(),
            time_zone="Mars/Base",
        )


# ---------------------------------------------------------------------------------------------------------
# Answers


def test_only_coordinators_of_current_members_answer(secretariat_user, staff_user):
    consultation = open_consultation(secretariat_user)
    former = factories.MemberFactory(status=Member.Status.FORMER)
    former_coordinator = factories.CoordinatorFactory(mission=factories.MissionFactory(member=former))
    for person in (staff_user, secretariat_user, former_coordinator):
        with pytest.raises(PermissionDenied):
            applications.consultation_answer(actor=person, consultation_id=consultation.pk, answer="support")


def test_a_second_answer_replaces_the_first_and_both_are_in_history(secretariat_user, coordinator):
    consultation = open_consultation(secretariat_user)
    applications.consultation_answer(actor=coordinator, consultation_id=consultation.pk, answer="support")
    applications.consultation_answer(actor=coordinator, consultation_id=consultation.pk, answer="support")
    answer = ConsultationAnswer.objects.get()
    assert (answer.member, answer.answer, answer.answered_by) == (
        coordinator.mission.member,
        "support",
        coordinator,
    )
    actions = list(consultation.application.events.values_list("action", flat=True))
    assert actions == ["consult", "answer", "answer_replaced"]


def test_an_answer_after_the_deadline_is_refused_with_the_deadline_in_its_time_zone(
    secretariat_user, coordinator
):
    consultation = open_consultation(secretariat_user, days=2)
    with pytest.raises(ValidationError) as error:
        applications.consultation_answer(
            actor=coordinator,
            consultation_id=consultation.pk,
            answer="support",
            now=consultation.deadline + datetime.timedelta(minutes=1),
        )
    shown = consultation.deadline.astimezone(ZURICH).strftime("%Y-%m-%d %H:%M")
    assert f"The deadline was {shown} (Europe/Zurich)" in " ".join(error.value.messages)
    assert not ConsultationAnswer.objects.exists()


def test_an_objection_needs_a_reason_and_stops_the_silence_at_once(
    settings, secretariat_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    consultation = open_consultation(secretariat_user)
    with pytest.raises(ValidationError):
        applications.consultation_answer(actor=coordinator, consultation_id=consultation.pk, answer="object")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        applications.consultation_answer(
            actor=coordinator, consultation_id=consultation.pk, answer="object", reason="Needs more time"
        )
    consultation.refresh_from_db()
    application = consultation.application
    application.refresh_from_db()
    assert consultation.status == Consultation.Status.OBJECTED and consultation.closed_at is not None
    assert application.status == Application.Status.UNDER_REVIEW
    [to_secretariat] = sent_to(settings.SECRETARIAT_EMAIL)
    assert "Needs more time" in to_secretariat.body
    [to_applicant] = sent_to("ana@mission.example")
    assert (
        "Needs more time" not in to_applicant.body
        and coordinator.mission.member.name not in to_applicant.body
    )
    with pytest.raises(ValidationError) as closed:
        applications.consultation_answer(actor=coordinator, consultation_id=consultation.pk, answer="support")
    assert "closed" in str(closed.value)
    assert applications.consultations_close_due(now=consultation.deadline + datetime.timedelta(days=1)) == []


# ---------------------------------------------------------------------------------------------------------
# The beat


def test_silence_until_the_deadline_in_its_time_zone_is_consent(
    settings, secretariat_user, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    application = make_application(Application.Status.UNDER_REVIEW)
    day = timezone.localdate() + datetime.timedelta(days=30)
    consultation = applications.consultation_open(
        actor=secretariat_user, application_id=application.pk, deadline=day, time_zone="Pacific/Auckland"
    )
    applications.consultation_answer(actor=coordinator, consultation_id=consultation.pk, answer="support")
    deadline = datetime.datetime.combine(
        day, datetime.time(23, 59), tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland")
    )
    assert consultation.deadline == deadline
    assert applications.consultations_close_due(now=deadline - datetime.timedelta(seconds=1)) == []
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert applications.consultations_close_due(now=deadline) == [consultation.pk]
    assert applications.consultations_close_due(now=deadline + datetime.timedelta(hours=1)) == []
    consultation.refresh_from_db()
    application.refresh_from_db()
    assert consultation.status == Consultation.Status.CONSENTED
    assert application.status == Application.Status.IN_CONSULTATION  # waits for the secretariat
    event = application.events.get(action="consented")
    assert event.actor is None and "1 support(s)" in event.comment
    assert [m.to for m in mailoutbox] == [[settings.SECRETARIAT_EMAIL]]


def test_the_task_closes_due_consultations(secretariat_user):
    from membership.tasks import close_due_consultations

    consultation = open_consultation(secretariat_user)
    Consultation.objects.filter(pk=consultation.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert close_due_consultations.delay().get() == [consultation.pk]


# ---------------------------------------------------------------------------------------------------------
# /my/applications/


def my_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"my_applications:{name}", args=args)


def test_the_list_shows_open_consultations_with_both_times_and_our_answer(
    client, secretariat_user, coordinator
):
    consultation = open_consultation(secretariat_user)
    applications.consultation_answer(actor=coordinator, consultation_id=consultation.pk, answer="support")
    client.force_login(coordinator)
    page = client.get(my_url("consultation_list")).content.decode()
    assert consultation.application.applicant_name in page
    assert consultation.deadline.astimezone(ZURICH).strftime("%Y-%m-%d %H:%M") + " (Europe/Zurich)" in page
    assert "Support" in page
    assert "No consultation has been held yet." in page


def test_the_list_costs_the_same_queries_with_more_consultations(
    client, secretariat_user, coordinator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_consultation(secretariat_user)
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as few:
        client.get(my_url("consultation_list"))
    for _ in range(5):
        open_consultation(secretariat_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(my_url("consultation_list")).status_code == 200


def test_people_of_non_members_are_refused(client, secretariat_user):
    consultation = open_consultation(secretariat_user)
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    client.force_login(factories.UserFactory(mission=factories.MissionFactory(member=applicant)))
    assert client.get(my_url("consultation_list")).status_code == 403
    assert client.get(my_url("consultation_detail", consultation.application_id)).status_code == 403


def test_the_detail_shows_the_application_without_its_e_mail_and_phone(client, secretariat_user, coordinator):
    consultation = open_consultation(secretariat_user)
    application = consultation.application
    criterion = Criterion.objects.create(text="Supports the UN system")
    applications.criterion_assess(
        actor=secretariat_user, application_id=application.pk, criterion_id=criterion.pk, result="met"
    )
    client.force_login(coordinator)
    page = client.get(my_url("consultation_detail", application.pk)).content.decode()
    assert application.office in page and "Ana Contact" in page and "Supports the UN system" in page
    assert application.email not in page and application.phone not in page
    assert application.focal_point_email not in page
    assert 'name="answer"' in page
    never_consulted = make_application(Application.Status.RECEIVED)
    assert client.get(my_url("consultation_detail", never_consulted.pk)).status_code == 404


def test_a_coordinator_answers_and_can_replace_the_answer(client, secretariat_user, coordinator):
    consultation = open_consultation(secretariat_user)
    client.force_login(coordinator)
    detail = my_url("consultation_detail", consultation.application_id)
    response = client.post(detail, {"answer": "object", "reason": ""})
    assert response.status_code == 400 and "Give the reason for your objection." in response.content.decode()
    response = client.post(detail, {"answer": "support"})
    assert response.status_code == 302
    assert ConsultationAnswer.objects.get().answer == "support"
    page = client.get(detail).content.decode()
    assert "Your member&#x27;s answer is recorded." in page or "Your member's answer is recorded." in page
    assert "Answering again replaces" in page


def test_a_late_answer_on_the_page_shows_the_deadline(client, secretariat_user, coordinator):
    consultation = open_consultation(secretariat_user)
    Consultation.objects.filter(pk=consultation.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    consultation.refresh_from_db()
    client.force_login(coordinator)
    response = client.post(my_url("consultation_detail", consultation.application_id), {"answer": "support"})
    shown = consultation.deadline.astimezone(ZURICH).strftime("%Y-%m-%d %H:%M")
    assert response.status_code == 400
    assert f"The deadline was {shown} (Europe/Zurich)" in response.content.decode()


def test_mission_staff_read_without_a_form(client, secretariat_user, staff_user):
    consultation = open_consultation(secretariat_user)
    client.force_login(staff_user)
    assert client.get(my_url("consultation_list")).status_code == 200
    detail = my_url("consultation_detail", consultation.application_id)
    page = client.get(detail).content.decode()
    assert 'name="answer"' not in page
    assert client.post(detail, {"answer": "support"}).status_code == 403


# ---------------------------------------------------------------------------------------------------------
# The admin


def test_the_admin_action_opens_a_consultation_after_asking_for_the_deadline(secretariat_client):
    application = make_application(Application.Status.UNDER_REVIEW)
    changelist = reverse("admin:membership_application_changelist")
    data = {"action": "open_consultation", "_selected_action": [application.pk]}
    response = secretariat_client.post(changelist, data)
    assert response.status_code == 200 and "Time zone of the deadline" in response.content.decode()
    when = (timezone.localdate() + datetime.timedelta(days=7)).isoformat() + " 18:00"
    response = secretariat_client.post(
        changelist, {**data, "apply": "1", "deadline": when, "time_zone": "America/New_York"}, follow=True
    )
    consultation = Consultation.objects.get(application=application)
    local = consultation.deadline.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert (local.hour, local.minute, consultation.time_zone) == (18, 0, "America/New_York")


def test_the_admin_shows_refusals_as_messages(secretariat_client):
    application = make_application(Application.Status.RECEIVED)
    changelist = reverse("admin:membership_application_changelist")
    data = {"action": "approve", "_selected_action": [application.pk], "apply": "1", "comment": ""}
    page = secretariat_client.post(changelist, data, follow=True).content.decode()
    assert "only an application the members consented to can be approved" in page
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED


def test_the_admin_saves_assessments_through_the_service(secretariat_client, secretariat_user):
    application = make_application(Application.Status.UNDER_REVIEW)
    criterion = Criterion.objects.create(text="Supports the UN system")
    change = reverse("admin:membership_application_change", args=[application.pk])
    page = secretariat_client.get(change)
    assert page.status_code == 200
    letter = secretariat_client.get(reverse("admin:membership_application_letter", args=[application.pk]))
    assert letter.status_code == 200 and letter["Content-Disposition"].startswith("attachment")
    data = {
        "regional_group": "weog",
        "country": application.country.code,
        "assessments-TOTAL_FORMS": "1",
        "assessments-INITIAL_FORMS": "0",
        "assessments-0-criterion": criterion.pk,
        "assessments-0-result": "met",
        "assessments-0-note": "Fine",
        "consultations-TOTAL_FORMS": "0",
        "consultations-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = secretariat_client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert application.regional_group == "weog"
    assessment = application.assessments.get()
    assert (assessment.result, assessment.assessed_by) == ("met", secretariat_user)
    assert set(application.events.values_list("action", flat=True)) == {"details", "assess"}
