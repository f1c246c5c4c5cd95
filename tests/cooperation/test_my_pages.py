"""/my/cooperation/: the member's record as its mission sees it, the forms, confirmation and the replies."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cooperation import services
from cooperation.models import Communication, CooperationEvent, FollowUp, Mandate, VisitRequest
from tests import factories
from tests.core import pdf_files
from tests.e2e.conftest import browser, new_page  # noqa: F401 (the browser tests' fixtures)

pytestmark = pytest.mark.django_db


def make_mandate(name: str = "independence of judges") -> Mandate:
    return Mandate.objects.create(name=name, holder_title=f"Special Rapporteur on the {name}")


def today_of(member) -> datetime.date:
    return services.today_for(services.record_for(member))


def add_visit(user, mandate, **fields) -> VisitRequest:
    today = today_of(user.mission.member)
    data = {"mandate": mandate, "requested_on": today - datetime.timedelta(days=10), **fields}
    return services.visit_save(actor=user, member_id=user.mission.member_id, data=data)


def add_communication(user, reference, **fields) -> Communication:
    today = today_of(user.mission.member)
    data = {
        "kind": Communication.Kind.ALLEGATION,
        "reference": reference,
        "received_on": today - datetime.timedelta(days=5),
        **fields,
    }
    return services.communication_save(actor=user, member_id=user.mission.member_id, data=data)


def url(name: str, *args) -> str:
    return reverse(f"my_cooperation:{name}", args=args)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


# ---------------------------------------------------------------------------------------------------------
# Overview


def test_overview_empty(staff_client, staff_user):
    response = staff_client.get(url("overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No visit request is recorded yet." in html
    assert "No communication is recorded yet." in html
    assert "No standing invitation is recorded." in html
    year = today_of(staff_user.mission.member).year
    assert url("member_review", year) in html and url("card_publish") in html
    assert url("confirm") not in html  # staff do not confirm
    assert html.count("<h1") == 1


def test_overview_lists_entries_with_their_due_state(staff_client, staff_user, coordinator_client):
    mandate = make_mandate()
    today = today_of(staff_user.mission.member)
    add_visit(staff_user, mandate, reply_due_on=today - datetime.timedelta(days=3))
    add_visit(staff_user, make_mandate("right to food"), reply_due_on=today + datetime.timedelta(days=12))
    add_communication(staff_user, "UA ABC 7/2026", replied_on=today)
    html = staff_client.get(url("overview")).content.decode()
    assert "Special Rapporteur on the independence of judges" in html
    assert "overdue by 3 days" in html
    assert "due in 12 days" in html
    assert "UA ABC 7/2026" in html
    assert "Not yet" in html
    html = coordinator_client.get(url("overview")).content.decode()
    assert "3 entries await your confirmation." in html and url("confirm") in html


def test_overview_due_state_uses_the_records_time_zone(client, monkeypatch):
    """At 02:30 UTC on 31 March it is still 30 March in New York and already 31 March in Geneva: a reply due
    on 30 March is due today for the one and overdue for the other."""
    from django.utils import timezone

    moment = datetime.datetime(2026, 3, 31, 2, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    due = datetime.date(2026, 3, 30)
    pages = {}
    for kind in ("new_york", "geneva"):
        user = factories.UserFactory(mission=factories.MissionFactory(kind=kind))
        add_visit(user, Mandate.objects.first() or make_mandate(), reply_due_on=due)
        client.force_login(user)
        pages[kind] = client.get(url("overview")).content.decode()
    assert services.record_for(user.mission.member).time_zone == "Europe/Zurich"
    assert "due today" in pages["new_york"] and "overdue" not in pages["new_york"]
    assert "overdue by 1 day" in pages["geneva"] and "due today" not in pages["geneva"]


def test_overview_query_count_does_not_grow(staff_client, staff_user, django_assert_max_num_queries):
    mandates = [make_mandate(f"mandate {n}") for n in range(3)]

    def fill(count: int, start: int) -> None:
        for n in range(start, start + count):
            add_visit(staff_user, mandates[n % 3])
            add_communication(staff_user, f"AL {n}")

    fill(3, 0)
    staff_client.get(url("overview"))
    with django_assert_max_num_queries(12) as few:
        assert staff_client.get(url("overview")).status_code == 200
    fill(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(url("overview"))
    assert response.content.decode().count("AL 2") >= 1


def test_secretariat_reads_but_does_not_write(secretariat_client, staff_user):
    add_visit(staff_user, make_mandate())
    response = secretariat_client.get(url("overview"))
    assert response.status_code == 403
    assert "changes them in the administration" in response.content.decode()
    iso = staff_user.mission.member.iso
    response = secretariat_client.get(url("overview") + f"?member={iso}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Special Rapporteur on the independence of judges" in html
    assert url("visit_create") not in html
    assert secretariat_client.get(url("visit_create")).status_code == 403


# ---------------------------------------------------------------------------------------------------------
# Visit form


def test_visit_form_keeps_values_and_shows_errors_next_to_fields(staff_client, staff_user):
    mandate = make_mandate()
    today = today_of(staff_user.mission.member)
    response = staff_client.post(
        url("visit_create"),
        {
            "mandate": mandate.pk,
            "requested_on": (today - datetime.timedelta(days=20)).isoformat(),
            "status": "dates_proposed",
            "replied_on": (today - datetime.timedelta(days=30)).isoformat(),
            "proposed_dates": "First half of May",
            "note": "Keep this note",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The reply cannot come before the request." in html
    assert 'id="id_replied_on_error"' in html
    assert "Keep this note" in html and 'value="First half of May"' in html
    assert not VisitRequest.objects.exists()


def test_visit_form_refuses_a_hostile_pdf_and_says_to_choose_again(staff_client, staff_user):
    mandate = make_mandate()
    today = today_of(staff_user.mission.member)
    response = staff_client.post(
        url("visit_create"),
        {
            "mandate": mandate.pk,
            "requested_on": today.isoformat(),
            "status": "requested",
            "note": "Typed",
            "reply_document": SimpleUploadedFile("reply.pdf", pdf_files.pdf_with_launch_action()),
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This PDF runs actions when it is opened or clicked." in html
    assert "choose it again" in html and "Typed" in html


def test_visit_create_and_edit(staff_client, staff_user, coordinator):
    mandate = make_mandate()
    today = today_of(staff_user.mission.member)
    response = staff_client.post(
        url("visit_create"),
        {
            "mandate": mandate.pk,
            "requested_on": today.isoformat(),
            "status": "requested",
            "reply_document": SimpleUploadedFile("reply.pdf", pdf_files.plain_pdf()),
        },
    )
    assert response.status_code == 302 and response["Location"] == url("overview")
    visit = VisitRequest.objects.get()
    assert visit.reply_due_on == services.default_visit_reply_due(today) and visit.reply_document
    response = staff_client.get(url("visit_edit", visit.pk))
    assert 'name="version" value="1"' in response.content.decode()
    # Someone else saves in between: the person's values come back with the saved ones, nothing lost.
    services.visit_save(
        actor=coordinator,
        member_id=visit.member_id,
        data={"note": "From the coordinator"},
        visit_id=visit.pk,
    )
    response = staff_client.post(
        url("visit_edit", visit.pk),
        {
            "mandate": mandate.pk,
            "requested_on": today.isoformat(),
            "status": "accepted",
            "reply_due_on": visit.reply_due_on.isoformat(),
            "note": "Mine",
            "version": 1,
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Cora Coordinator changed this entry" in html
    assert "From the coordinator" in html and "Mine" in html
    assert 'name="version" value="2"' in html
    visit.refresh_from_db()
    assert visit.note == "From the coordinator"


def test_other_members_entries_are_not_found(staff_client):
    other = factories.UserFactory()
    visit = add_visit(other, make_mandate())
    communication = add_communication(other, "AL 9")
    assert staff_client.get(url("visit_edit", visit.pk)).status_code == 404
    assert staff_client.get(url("follow_up", visit.pk)).status_code == 404
    assert staff_client.get(url("communication_edit", communication.pk)).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Communication form, in French


def test_communication_form_in_french(client, staff_user):
    client.force_login(staff_user)
    make_mandate()
    with translation.override("fr"):
        create = url("communication_create")
    assert create.startswith("/fr/")
    response = client.get(create)
    html = response.content.decode()
    assert response.status_code == 200 and 'lang="fr"' in html
    assert "Special Rapporteur on the independence of judges" in html
    response = client.post(create, {"kind": "urgent_appeal", "note": "Gardée"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in html and "Gardée" in html


def test_communication_create_with_default_due_date(staff_client, staff_user):
    mandate = make_mandate()
    received = today_of(staff_user.mission.member) - datetime.timedelta(days=2)
    response = staff_client.post(
        url("communication_create"),
        {
            "kind": "urgent_appeal",
            "reference": "UA XYZ 2/2026",
            "mandates": [mandate.pk],
            "received_on": received.isoformat(),
        },
    )
    assert response.status_code == 302
    communication = Communication.objects.get()
    assert communication.reply_due_on == received + datetime.timedelta(days=30)
    assert list(communication.mandates.all()) == [mandate]
    response = staff_client.post(
        url("communication_create"),
        {"kind": "allegation", "reference": "UA XYZ 2/2026", "received_on": received.isoformat()},
    )
    assert "already has a communication with this reference" in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# Follow-up, confirmation, standing invitation


def test_follow_up_page(staff_client, staff_user):
    member = staff_user.mission.member
    visit = add_visit(staff_user, make_mandate(), report_symbol="A/HRC/53/37/Add.1")
    own = factories.RecommendationFactory(
        country=member.country, symbol="A/HRC/53/37/Add.1", text="Adopt a law on judges"
    )
    factories.RecommendationFactory(country=member.country, symbol="A/HRC/1/1", text="Unrelated")
    response = staff_client.get(url("follow_up", visit.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Adopt a law on judges" in html and "Unrelated" not in html
    assert "Unrelated" in staff_client.get(url("follow_up", visit.pk) + "?q=unrel").content.decode()
    today = today_of(member)
    response = staff_client.post(
        url("follow_up", visit.pk),
        {
            "recommendation": own.pk,
            f"r{own.pk}-status": "in_progress",
            f"r{own.pk}-noted_on": today.isoformat(),
            f"r{own.pk}-note": "Bill before parliament",
        },
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.status, follow_up.note) == ("in_progress", "Bill before parliament")
    response = staff_client.post(
        url("follow_up", visit.pk),
        {"recommendation": own.pk, f"r{own.pk}-status": "implemented", f"r{own.pk}-note": "Kept"},
    )
    assert response.status_code == 400 and "Kept" in response.content.decode()


def test_confirm_page(staff_client, staff_user, coordinator, client):
    visit = add_visit(staff_user, make_mandate())
    communication = add_communication(staff_user, "AL 5")
    response = staff_client.get(url("confirm"))
    assert response.status_code == 403
    assert "Only your member&#x27;s coordinator confirms" in response.content.decode()
    client.force_login(coordinator)
    html = client.get(url("confirm")).content.decode()
    assert "AL 5" in html and "Special Rapporteur on the independence of judges" in html
    assert client.post(url("confirm"), {}).status_code == 400
    response = client.post(url("confirm"), {"visits": [visit.pk], "communications": [communication.pk]})
    assert response.status_code == 302
    assert VisitRequest.objects.filter(confirmed_by=coordinator).count() == 1
    assert Communication.objects.filter(confirmed_by=coordinator).count() == 1
    assert "Every entry is confirmed" in client.get(url("confirm")).content.decode()


def test_standing_invitation_page(staff_client, staff_user):
    day = today_of(staff_user.mission.member) - datetime.timedelta(days=100)
    response = staff_client.post(url("standing_invitation"), {"extended_on": day.isoformat()})
    assert response.status_code == 302
    assert services.record_for(staff_user.mission.member).standing_invitation_on == day
    assert CooperationEvent.objects.filter(action="standing_invitation").exists()
    response = staff_client.post(url("standing_invitation"), {"extended_on": "not a date"})
    assert response.status_code == 400 and 'value="not a date"' in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# Replies


def test_reply_document_download(client, staff_user, secretariat_user):
    visit = add_visit(
        staff_user,
        make_mandate(),
        reply_document=SimpleUploadedFile("r.pdf", pdf_files.plain_pdf()),
    )
    path = url("reply_document", "visit", visit.pk)
    client.force_login(staff_user)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(secretariat_user)
    assert client.get(path).status_code == 200
    client.force_login(factories.UserFactory())
    assert client.get(path).status_code == 404
    assert client.get(url("reply_document", "other", visit.pk)).status_code == 404
    communication = add_communication(staff_user, "AL 1")
    client.force_login(staff_user)
    assert client.get(url("reply_document", "communication", communication.pk)).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Accessibility (axe in Chromium), in English and Arabic


@pytest.fixture
def orm_beside_playwright(monkeypatch):
    """As in tests/e2e: Playwright runs an event loop in this thread; the ORM around it stays synchronous."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pages_have_no_serious_axe_violation(
    orm_beside_playwright,
    live_server,
    new_page,  # noqa: F811 (the browser tests' fixture, imported above)
    staff_user,
    lang,
):
    from tests.e2e.conftest import log_in
    from tests.e2e.test_accessibility import serious_violations
    from tests.factories import TEST_PASSWORD

    member = staff_user.mission.member
    coordinator = factories.CoordinatorFactory(mission=staff_user.mission)
    today = today_of(member)
    visit = add_visit(
        staff_user,
        make_mandate(),
        report_symbol="A/HRC/53/37/Add.1",
        reply_due_on=today - datetime.timedelta(days=1),
    )
    communication = add_communication(staff_user, "UA ABC 1/2026")
    factories.RecommendationFactory(country=member.country, symbol="A/HRC/53/37/Add.1")
    page = new_page()
    base = live_server.url
    log_in(page, base, coordinator.email, TEST_PASSWORD)
    found = {}
    for path in (
        url("overview"),
        url("visit_create"),
        url("visit_edit", visit.pk),
        url("follow_up", visit.pk),
        url("communication_create"),
        url("communication_edit", communication.pk),
        url("standing_invitation"),
        url("confirm"),
    ):
        page.goto(f"{base}{path.replace('/en/', f'/{lang}/', 1)}")
        found[path] = serious_violations(page)
    page.goto(f"{base}{url('visit_create').replace('/en/', f'/{lang}/', 1)}")
    page.locator("form.story-form button[type=submit]").click()
    found["visit form with errors"] = serious_violations(page)
    assert {path: problems for path, problems in found.items() if problems} == {}
