"""Issue 14 end to end, in Chromium: a state applies with its letter, confirms its e-mail, the secretariat
checks the criteria and consults the members; two members support, the others stay silent until the deadline
(the beat task closes it), the secretariat approves, and the new member is on /members/ and /declaration/ with
its endorsement, its coordinator invited. And the other path: one objection stops the silence."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Invitation, Member
from membership import applications
from membership.models import Application, Consultation, Criterion
from tests import factories
from tests.core.pdf_files import plain_pdf
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def apply(page, base: str, *, email: str) -> Application:
    page.goto(f"{base}/en/join/")
    page.get_by_label("A state (its mission or foreign ministry)").check()
    page.get_by_label("Country").select_option("MX")
    page.get_by_label("Mission or ministry").fill("Permanent Mission of Mexico in Geneva")
    page.locator("#id_contact_name").fill("Ana Ruiz")
    page.get_by_label("Official e-mail").fill(email)
    page.get_by_label("Phone").fill("+41 22 000 00 00")
    page.set_input_files(
        "input[name='letter']",
        files=[{"name": "note-verbale.pdf", "mimeType": "application/pdf", "buffer": plain_pdf("Ana Ruiz")}],
    )
    page.get_by_label("Proposed focal point").fill("Luis Ortega")
    page.get_by_label("Focal point's e-mail").fill("luis.ortega@example.org")
    mail.outbox.clear()
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    application = Application.objects.get(email=email)
    assert application.status == Application.Status.DRAFT

    # The confirmation link from the mail, then the button on its page.
    link = re.search(r"https?://\S+/join/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(base + link[link.index("/", link.index("//") + 2) :])
    page.get_by_role("button", name="Confirm my application").click()
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED
    return application


def consult(secretariat, base: str, application: Application, secretariat_user) -> Consultation:
    applications.application_review(actor=secretariat_user, application_id=application.pk)
    for criterion in Criterion.objects.filter(is_active=True):
        applications.criterion_assess(
            actor=secretariat_user, application_id=application.pk, criterion_id=criterion.pk, result="met"
        )
    applications.application_details_save(
        actor=secretariat_user, application_id=application.pk, regional_group="grulac"
    )
    # The consultation is opened in the admin, with its deadline in Geneva's time.
    secretariat.goto(f"{base}/admin/membership/application/")
    secretariat.check(f"input[name='_selected_action'][value='{application.pk}']")
    secretariat.select_option("select[name='action']", "open_consultation")
    secretariat.get_by_role("button", name="Go").click()
    deadline = (timezone.now() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    secretariat.locator("input[name='deadline']").fill(deadline)
    secretariat.get_by_role("button", name="Open the consultation and tell the members").click()
    expect(secretariat.locator(".messagelist")).to_contain_text("done")
    return Consultation.objects.get(application=application, status=Consultation.Status.OPEN)


def answer(page, base: str, coordinator, application: Application, choice: str, reason: str = "") -> None:
    log_in(page, base, coordinator.email, TEST_PASSWORD)
    page.goto(f"{base}/en/my/applications/{application.pk}/")
    page.get_by_label(choice, exact=True).check()
    if reason:
        page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".messages, .messagelist, [role='status']").first).to_be_visible()


def coordinators(count: int) -> list:
    return [
        factories.CoordinatorFactory(mission=factories.MissionFactory(member=member))
        for member in Member.objects.current().order_by("country")[:count]
    ]


def test_a_state_applies_the_members_stay_silent_and_it_joins(live_server, new_page, secretariat_user):
    base = live_server.url
    first, second = coordinators(2)
    application = apply(new_page(), base, email="ana.ruiz@example.org")

    secretariat = new_page()
    log_in(secretariat, base, secretariat_user.email, TEST_PASSWORD)
    consultation = consult(secretariat, base, application, secretariat_user)

    answer(new_page(), base, first, application, "Support")
    answer(new_page(), base, second, application, "Support")
    assert consultation.answers.count() == 2

    # The deadline passes; the beat task closes the consultation: silence is consent.
    closed = applications.consultations_close_due(now=consultation.deadline + datetime.timedelta(minutes=1))
    assert closed == [consultation.pk]

    secretariat.goto(f"{base}/admin/membership/application/")
    secretariat.check(f"input[name='_selected_action'][value='{application.pk}']")
    secretariat.select_option("select[name='action']", "approve")
    secretariat.get_by_role("button", name="Go").click()
    secretariat.get_by_role("button", name="Approve").click()
    expect(secretariat.locator(".messagelist")).to_contain_text("done")

    mexico = Member.objects.get(country="MX")
    assert mexico.status == Member.Status.MEMBER
    assert Invitation.objects.filter(
        user__email="luis.ortega@example.org", user__mission__member=mexico
    ).exists()

    visitor = new_page()
    visitor.goto(f"{base}/en/members/")
    expect(visitor.get_by_role("link", name="Mexico")).to_be_visible()
    visitor.goto(f"{base}/en/declaration/")
    expect(visitor.locator("main")).to_contain_text("Mexico")


def test_one_objection_stops_the_silence(live_server, new_page, secretariat_user):
    base = live_server.url
    (objector,) = coordinators(1)
    application = apply(new_page(), base, email="ana.ruiz@example.org")
    secretariat = new_page()
    log_in(secretariat, base, secretariat_user.email, TEST_PASSWORD)
    consultation = consult(secretariat, base, application, secretariat_user)

    answer(new_page(), base, objector, application, "Object", reason="The criteria are not met yet.")

    consultation.refresh_from_db()
    application.refresh_from_db()
    assert consultation.status == Consultation.Status.OBJECTED
    assert application.status == Application.Status.UNDER_REVIEW
    assert not Member.objects.filter(country="MX", status=Member.Status.MEMBER).exists()
