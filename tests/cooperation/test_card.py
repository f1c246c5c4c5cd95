"""Publishing a member's cooperation card (the coordinator's choice, after a confirmation), the public card
and the list of cards. Helpers here are shared by the other card tests (API, admin, unpublished-nowhere)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cooperation import publishing
from cooperation.models import Communication, CooperationEvent, CooperationRecord, Mandate, VisitRequest
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISH = reverse("my_cooperation:card_publish")
CARD_LIST = reverse("cooperation:card_list")
LAST_YEAR = timezone.localdate().year - 1


def mandate(holder_title="Special Rapporteur on the right to food") -> Mandate:
    return Mandate.objects.get_or_create(
        name=holder_title.removeprefix("Special Rapporteur on "), defaults={"holder_title": holder_title}
    )[0]


def visit(member, *, confirmed=True, requested_on=None, **fields) -> VisitRequest:
    requested_on = requested_on or datetime.date(LAST_YEAR, 3, 1)
    values = {
        "mandate": mandate(),
        "requested_on": requested_on,
        "reply_due_on": requested_on + datetime.timedelta(days=61),
        "confirmed_at": timezone.now() if confirmed else None,
    } | fields
    return VisitRequest.objects.create(member=member, **values)


def communication(member, *, confirmed=True, **fields) -> Communication:
    values = {
        "kind": Communication.Kind.URGENT_APPEAL,
        "reference": f"UA {member.iso} 1/{LAST_YEAR}",
        "received_on": datetime.date(LAST_YEAR, 4, 1),
        "reply_due_on": datetime.date(LAST_YEAR, 5, 1),
        "replied_on": datetime.date(LAST_YEAR, 4, 20),
        "note": "Secret note about Ms Jane Doe",
        "confirmed_at": timezone.now() if confirmed else None,
    } | fields
    return Communication.objects.create(member=member, **values)


def coordinator_of(member):
    mission = member.missions.first() or factories.MissionFactory(member=member)
    existing = mission.users.filter(role="coordinator", is_active=True).first()
    return existing or factories.CoordinatorFactory(mission=mission)


def publish(member, year=LAST_YEAR) -> CooperationRecord:
    with django_capture_on_commit():
        return publishing.card_publish(actor=coordinator_of(member), member_id=member.pk, year=year)


def withdraw(member) -> CooperationRecord:
    with django_capture_on_commit():
        return publishing.card_withdraw(actor=coordinator_of(member), member_id=member.pk)


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def card_url(member) -> str:
    return reverse("cooperation_card:card_detail", kwargs={"iso": member.iso.lower()})


# ---------------------------------------------------------------------------------------------------------
# The services


def test_the_coordinator_publishes_the_card_with_the_year_chosen(coordinator, member):
    record = publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR)

    record.refresh_from_db()
    assert record.is_published and record.card_year == LAST_YEAR and record.card_published_by == coordinator
    event = CooperationEvent.objects.get(member=member)
    assert (event.action, event.actor, event.comment) == ("card_published", coordinator, str(LAST_YEAR))


def test_publishing_again_changes_the_year(coordinator, member):
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR)
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR - 1)

    assert CooperationRecord.objects.get(member=member).card_year == LAST_YEAR - 1
    assert list(CooperationEvent.objects.values_list("action", flat=True)) == [
        "card_republished",
        "card_published",
    ]


def test_publishing_makes_the_public_cache_stale(coordinator, member, monkeypatch):
    bumps = []
    monkeypatch.setattr(publishing, "bump_generation", lambda: bumps.append(1))
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR)
    publishing.card_withdraw(actor=coordinator, member_id=member.pk)
    assert len(bumps) == 2


def test_only_the_members_coordinator_publishes(staff_user, member, secretariat_user):
    other_coordinator = factories.CoordinatorFactory()
    for actor in (staff_user, secretariat_user, other_coordinator):
        with pytest.raises(PermissionDenied):
            publishing.card_publish(actor=actor, member_id=member.pk, year=LAST_YEAR)
        with pytest.raises(PermissionDenied):
            publishing.card_withdraw(actor=actor, member_id=member.pk)
    assert not CooperationRecord.objects.filter(member=member, card_published_at__isnull=False).exists()


@pytest.mark.parametrize("year", [timezone.localdate().year + 1, 1999])
def test_a_future_or_too_old_year_is_refused(coordinator, member, year):
    with pytest.raises(ValidationError) as refused:
        publishing.card_publish(actor=coordinator, member_id=member.pk, year=year)
    assert refused.value.code == "year"
    assert not CooperationEvent.objects.exists()


def test_the_current_year_may_be_published(coordinator, member):
    this_year = timezone.localdate().year
    assert (
        publishing.card_publish(actor=coordinator, member_id=member.pk, year=this_year).card_year == this_year
    )


def test_withdrawing_unpublishes_and_keeps_the_record(coordinator, member):
    CooperationRecord.objects.create(member=member, standing_invitation_on=datetime.date(2015, 1, 1))
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR)
    publishing.card_withdraw(actor=coordinator, member_id=member.pk)

    record = CooperationRecord.objects.get(member=member)
    assert not record.is_published and record.card_year is None
    assert record.standing_invitation_on == datetime.date(2015, 1, 1)
    assert CooperationEvent.objects.filter(action="card_withdrawn", actor=coordinator).exists()


def test_withdrawing_an_unpublished_card_is_refused(coordinator, member):
    with pytest.raises(ValidationError) as refused:
        publishing.card_withdraw(actor=coordinator, member_id=member.pk)
    assert refused.value.code == "not_published"


def test_a_new_york_only_member_gets_its_time_zone(member):
    mission = factories.MissionFactory(member=member, kind="new_york")
    coordinator = factories.CoordinatorFactory(mission=mission)
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR)
    assert CooperationRecord.objects.get(member=member).time_zone == "America/New_York"


# ---------------------------------------------------------------------------------------------------------
# The publishing page


def test_staff_see_the_state_and_that_only_the_coordinator_publishes(staff_client):
    page = staff_client.get(PUBLISH)

    html = page.content.decode()
    assert page.status_code == 200
    assert "is not published: nothing of your record" in html
    assert "contact-group coordinator publishes or withdraws the card" in html
    assert 'name="year"' not in html


def test_staff_cannot_publish_by_posting(staff_client, member):
    response = staff_client.post(PUBLISH, {"action": "publish", "year": LAST_YEAR, "step": "confirm"})
    assert response.status_code == 403
    assert not CooperationRecord.objects.filter(card_published_at__isnull=False).exists()


def test_the_secretariat_is_told_the_coordinator_publishes(secretariat_client):
    response = secretariat_client.get(PUBLISH)
    assert response.status_code == 403


def test_the_coordinator_publishes_after_confirming(client, coordinator, member):
    client.force_login(coordinator)
    form = client.get(PUBLISH).content.decode()
    assert 'name="year"' in form and f'value="{LAST_YEAR}"' in form

    confirmation = client.post(PUBLISH, {"action": "publish", "year": LAST_YEAR})
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Publish the cooperation card?" in html
    assert "Never the content of communications" in html
    assert f'name="year" value="{LAST_YEAR}"' in html
    assert not CooperationRecord.objects.filter(card_published_at__isnull=False).exists()

    done = client.post(PUBLISH, {"action": "publish", "year": LAST_YEAR, "step": "confirm"}, follow=True)
    html = done.content.decode()
    assert done.redirect_chain == [(PUBLISH, 302)]
    assert f"Your cooperation card is public, with the figures of {LAST_YEAR}." in html
    assert card_url(member) in html
    assert CooperationRecord.objects.get(member=member).card_year == LAST_YEAR


def test_a_bad_year_is_answered_next_to_the_field(client, coordinator):
    client.force_login(coordinator)
    future = timezone.localdate().year + 1
    response = client.post(PUBLISH, {"action": "publish", "year": future, "step": "confirm"})

    assert response.status_code == 400
    assert 'class="field-errors" id="id_year_error"' in response.content.decode()
    assert not CooperationRecord.objects.filter(card_published_at__isnull=False).exists()


def test_the_coordinator_withdraws_after_confirming(client, coordinator, member):
    publish(member)
    client.force_login(coordinator)
    assert "Withdraw the card" in client.get(PUBLISH).content.decode()

    confirmation = client.post(PUBLISH, {"action": "withdraw"})
    assert "Withdraw the cooperation card?" in confirmation.content.decode()
    assert CooperationRecord.objects.get(member=member).is_published

    done = client.post(PUBLISH, {"action": "withdraw", "step": "confirm"}, follow=True)
    assert "Your cooperation card is withdrawn" in done.content.decode()
    assert not CooperationRecord.objects.get(member=member).is_published


def test_the_publishing_page_in_french(client, coordinator):
    client.force_login(coordinator)
    with translation.override("fr"):
        url = reverse("my_cooperation:card_publish")
    response = client.get(url)
    assert response.status_code == 200
    assert '<html lang="fr"' in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# The public card


def test_an_unpublished_card_is_a_404_with_a_sentence(client, member):
    visit(member)
    response = client.get(card_url(member))
    assert response.status_code == 404
    assert "This member has not published its cooperation card." in response.content.decode()


def test_an_unknown_member_answers_the_same(client, db):
    response = client.get(reverse("cooperation_card:card_detail", kwargs={"iso": "zz"}))
    assert response.status_code == 404
    assert "This member has not published its cooperation card." in response.content.decode()


def test_an_applicants_card_is_never_public(client, member):
    publish(member)
    member.status = "applicant"
    member.save()
    assert client.get(card_url(member)).status_code == 404


def test_the_card_shows_the_figures_visits_and_only_counts_of_communications(client, member):
    CooperationRecord.objects.create(member=member, standing_invitation_on=datetime.date(2012, 5, 4))
    visit(
        member,
        status="completed",
        replied_on=datetime.date(LAST_YEAR, 3, 20),
        visit_starts_on=datetime.date(LAST_YEAR, 9, 1),
        visit_ends_on=datetime.date(LAST_YEAR, 9, 10),
        report_symbol="A/HRC/99/1/Add.1",
        note="Internal remark about the ministry",
    )
    visit(member, confirmed=False, mandate=mandate("Special Rapporteur on the right to education"))
    communication(member)
    communication(member, reference="AL 2/SECRET", replied_on=None)
    publish(member)

    response = client.get(card_url(member))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Extended on May 4, 2012" in html
    assert f"Annual review of {LAST_YEAR}" in html
    assert "Special Rapporteur on the right to food" in html
    assert "A/HRC/99/1/Add.1" in html
    assert "Visit completed" in html
    # An entry the coordinator has not confirmed is not part of the record yet.
    assert "right to education" not in html
    # Communications: counts, never their reference or note; nor the visits' internal notes.
    assert '<th scope="row">Communications received</th><td>2</td>' in html
    for secret in ("UA ", "SECRET", "Jane Doe", "Internal remark"):
        assert secret not in html


def test_the_card_address_is_lower_case(client, member):
    publish(member)
    response = client.get(reverse("cooperation_card:card_detail", kwargs={"iso": member.iso.upper()}))
    assert response.status_code == 302 and response["Location"] == card_url(member)


def test_the_card_is_public_and_cached(client, member):
    publish(member)
    response = client.get(card_url(member))
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_card_queries_do_not_grow_with_visits(client, member, count, django_assert_max_num_queries):
    publish(member)
    for n in range(count):
        visit(member, requested_on=datetime.date(LAST_YEAR, 1, 1) + datetime.timedelta(days=n))
    with django_assert_max_num_queries(12):
        assert client.get(card_url(member)).status_code == 200


def test_the_card_in_arabic(client, member):
    visit(member)
    publish(member)
    with translation.override("ar"):
        url = card_url(member)
    html = client.get(url).content.decode()
    assert 'dir="rtl"' in html and 'lang="en" dir="auto"' in html


# ---------------------------------------------------------------------------------------------------------
# The list of cards


def test_the_list_has_an_empty_state(client, db):
    html = client.get(CARD_LIST).content.decode()
    assert "No member has published its cooperation card yet." in html


def test_the_list_shows_the_members_that_publish_with_their_year(client, member):
    silent = factories.MemberFactory()
    publish(member)
    html = client.get(CARD_LIST).content.decode()
    assert card_url(member) in html and member.name in html
    assert f"<td>{LAST_YEAR}</td>" in html
    assert card_url(silent) not in html


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_queries_do_not_grow(client, db, count, django_assert_max_num_queries):
    for _n in range(count):
        publish(factories.MemberFactory())
    with django_assert_max_num_queries(6):
        assert client.get(CARD_LIST).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# The member page


def test_the_member_page_links_to_a_published_card_only(client, member):
    assert card_url(member) not in client.get(member.get_absolute_url()).content.decode()
    CooperationRecord.objects.create(member=member)
    assert card_url(member) not in client.get(member.get_absolute_url()).content.decode()
    publish(member)
    assert card_url(member) in client.get(member.get_absolute_url()).content.decode()
