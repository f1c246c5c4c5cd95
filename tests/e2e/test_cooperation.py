"""Issue 15 end to end, in Chromium: mission staff record a visit request and a communication, the coordinator
confirms them, the reminder of the communication's due reply goes out once, the visit's reply is recorded late
and counts as late in the review, and the member publishes its card, which then appears on its page; a member
that has not published shows nothing. (A real Celery worker running the beat task: tests/workers.)"""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cooperation import deadlines, review
from cooperation.models import Communication, Mandate, VisitRequest
from tests import factories
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_record_kept_confirmed_reminded_reviewed_and_published(live_server, new_page, staff_user):
    base = live_server.url
    member = staff_user.mission.member
    coordinator = factories.CoordinatorFactory(mission=staff_user.mission, email="coord@example.org")
    quiet = factories.MemberFactory(regional_group="african")
    mandate = Mandate.objects.filter(is_active=True).order_by("holder_title").first()
    today = timezone.localdate()
    requested = today - datetime.timedelta(days=70)  # its reply was due two months later: now late
    received = today - datetime.timedelta(days=55)  # its reply is due in five days

    staff = new_page()
    log_in(staff, base, staff_user.email, TEST_PASSWORD)
    staff.goto(f"{base}/en/my/cooperation/visits/new/")
    staff.get_by_label("Mandate").select_option(str(mandate.pk))
    staff.get_by_label("Requested on").fill(requested.isoformat())
    staff.get_by_role("button", name="Save").click()
    visit = VisitRequest.objects.get(member=member)
    assert visit.reply_due_on < today and not visit.is_confirmed

    staff.goto(f"{base}/en/my/cooperation/communications/new/")
    staff.get_by_label("Type").select_option("allegation")
    staff.get_by_label("Reference").fill("AL XX 3/2026")
    staff.get_by_label("Received on").fill(received.isoformat())
    staff.get_by_role("button", name="Save").click()
    communication = Communication.objects.get(member=member)
    assert communication.reply_due_on == received + datetime.timedelta(days=60)

    # The coordinator confirms both.
    chief = new_page()
    log_in(chief, base, coordinator.email, TEST_PASSWORD)
    chief.goto(f"{base}/en/my/cooperation/confirm/")
    for box in chief.locator("input[type=checkbox]").all():
        box.check()
    chief.get_by_role("button", name="Confirm the selected entries").click()
    visit.refresh_from_db()
    communication.refresh_from_db()
    assert visit.is_confirmed and communication.is_confirmed

    # The beat reminds the coordinator of the communication's reply, once however often it runs.
    mail.outbox.clear()
    deadlines.reminders_queue_due()
    deadlines.reminders_queue_due()
    reminders = [m for m in mail.outbox if coordinator.email in m.to and "AL XX 3/2026" in m.subject + m.body]
    assert len(reminders) == 1

    # The visit's reply is recorded today: late, and the review says so.
    staff.goto(f"{base}/en/my/cooperation/visits/{visit.pk}/")
    staff.get_by_label("Replied on").fill(today.isoformat())
    staff.get_by_role("button", name="Save").click()
    chief.goto(f"{base}/en/my/cooperation/confirm/")
    for box in chief.locator("input[type=checkbox]").all():
        box.check()
    chief.get_by_role("button", name="Confirm the selected entries").click()
    visits = review.member_review(member=member, year=requested.year).figures.visits
    assert (visits.received, visits.answered_in_time, visits.answered_late) == (1, 0, 1)

    # Nothing is public until the coordinator publishes the card.
    visitor = new_page()
    card = f"{base}/en/members/{member.iso.lower()}/cooperation/"
    assert visitor.goto(card).status == 404
    chief.goto(f"{base}/en/my/cooperation/publish/")
    chief.get_by_label("Year").select_option(str(requested.year))
    chief.get_by_role("button", name="Publish the card").click()
    chief.get_by_role("button", name=f"Yes, publish the card with the figures of {requested.year}").click()
    visitor = new_page()
    assert visitor.goto(card).status == 200
    expect(visitor.get_by_role("heading", level=1)).to_contain_text(member.name)
    expect(visitor.locator("main")).to_contain_text(mandate.holder_title)
    expect(visitor.locator("main")).not_to_contain_text("AL XX 3/2026")
    visitor.goto(f"{base}/en/members/{member.iso.lower()}/")
    expect(visitor.get_by_role("link", name="cooperation", exact=False).first).to_be_visible()
    # A member that has not published: nothing.
    assert visitor.goto(f"{base}/en/members/{quiet.iso.lower()}/cooperation/").status == 404
    visitor.goto(f"{base}/en/cooperation/")
    expect(visitor.locator("main")).to_contain_text(member.name)
    expect(visitor.locator("main")).not_to_contain_text(quiet.name)
