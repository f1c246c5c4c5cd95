"""cooperation/services.py: who keeps a record, due dates, versions, validation, confirmation, PDFs."""

from __future__ import annotations

import datetime
import io

import pikepdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cooperation import services
from cooperation.models import Communication, CooperationEvent, FollowUp, Mandate, VisitRequest
from members.models import Mission
from tests import factories
from tests.core import pdf_files

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
EARLIER = TODAY - datetime.timedelta(days=40)


def make_mandate(name: str = "independence of judges", *, is_active: bool = True) -> Mandate:
    return Mandate.objects.create(
        name=name, holder_title=f"Special Rapporteur on the {name}", is_active=is_active
    )


def visit_data(mandate: Mandate, **overrides) -> dict:
    data = {
        "mandate": mandate,
        "requested_on": EARLIER,
        "status": VisitRequest.Status.REQUESTED,
        "reply_due_on": None,
        "replied_on": None,
        "proposed_dates": "",
        "visit_starts_on": None,
        "visit_ends_on": None,
        "report_symbol": "",
        "note": "",
    }
    data.update(overrides)
    return data


def communication_data(**overrides) -> dict:
    data = {
        "kind": Communication.Kind.ALLEGATION,
        "reference": "AL XYZ 1/2026",
        "mandates": [],
        "received_on": EARLIER,
        "reply_due_on": None,
        "replied_on": None,
        "note": "",
    }
    data.update(overrides)
    return data


def pdf_upload(content: bytes, name: str = "reply.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# ---------------------------------------------------------------------------------------------------------
# Defaults


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        (datetime.date(2026, 1, 15), datetime.date(2026, 3, 15)),
        (datetime.date(2026, 12, 31), datetime.date(2027, 2, 28)),
        (datetime.date(2027, 12, 31), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 1, 31), datetime.date(2026, 3, 31)),
        (datetime.date(2026, 7, 31), datetime.date(2026, 9, 30)),
        (datetime.date(2026, 11, 30), datetime.date(2027, 1, 30)),
    ],
)
def test_visit_reply_is_due_two_calendar_months_later(requested, due):
    assert services.default_visit_reply_due(requested) == due


def test_communication_reply_defaults():
    received = datetime.date(2026, 3, 1)
    assert services.default_communication_reply_due(received, Communication.Kind.ALLEGATION) == datetime.date(
        2026, 4, 30
    )
    assert services.default_communication_reply_due(
        received, Communication.Kind.URGENT_APPEAL
    ) == datetime.date(2026, 3, 31)


def test_record_time_zone_follows_the_missions(member):
    new_york_only = factories.MemberFactory()
    factories.MissionFactory(member=new_york_only, kind=Mission.Kind.NEW_YORK)
    factories.MissionFactory(member=new_york_only, kind=Mission.Kind.CAPITAL)
    both = factories.MemberFactory()
    factories.MissionFactory(member=both, kind=Mission.Kind.NEW_YORK)
    factories.MissionFactory(member=both, kind=Mission.Kind.GENEVA)
    assert services.record_for(new_york_only).time_zone == "America/New_York"
    assert services.record_for(both).time_zone == "Europe/Zurich"
    assert services.record_for(member).time_zone == "Europe/Zurich"
    assert services.record_for(member).pk == services.record_for(member).pk


# ---------------------------------------------------------------------------------------------------------
# Visits


def test_staff_record_a_visit_with_the_default_due_date(staff_user):
    mandate = make_mandate()
    member_id = staff_user.mission.member_id
    visit = services.visit_save(actor=staff_user, member_id=member_id, data=visit_data(mandate))
    visit.refresh_from_db()
    assert visit.reply_due_on == services.default_visit_reply_due(EARLIER)
    assert visit.created_by == staff_user and visit.version == 1 and not visit.is_confirmed
    event = CooperationEvent.objects.get(visit=visit)
    assert (event.action, event.actor, event.member_id) == ("visit_recorded", staff_user, member_id)


@pytest.mark.parametrize("who", ["secretariat", "other_member", "anonymous"])
def test_only_the_members_people_write(who, member, secretariat_user):
    mandate = make_mandate()
    actor = {
        "secretariat": secretariat_user,
        "other_member": factories.UserFactory(),
        "anonymous": None,
    }[who]
    with pytest.raises(PermissionDenied):
        services.visit_save(actor=actor, member_id=member.pk, data=visit_data(mandate))
    with pytest.raises(PermissionDenied):
        services.standing_invitation_save(actor=actor, member_id=member.pk, extended_on=EARLIER)
    assert not VisitRequest.objects.exists()


def test_an_entry_of_another_member_cannot_be_edited(staff_user):
    mandate = make_mandate()
    other = factories.UserFactory()
    visit = services.visit_save(actor=other, member_id=other.mission.member_id, data=visit_data(mandate))
    with pytest.raises(PermissionDenied):
        services.visit_save(
            actor=staff_user,
            member_id=staff_user.mission.member_id,
            data=visit_data(mandate),
            visit_id=visit.pk,
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"replied_on": EARLIER - datetime.timedelta(days=1)}, "replied_on"),
        ({"reply_due_on": EARLIER - datetime.timedelta(days=1)}, "reply_due_on"),
        (
            {"visit_starts_on": datetime.date(2027, 5, 10), "visit_ends_on": datetime.date(2027, 5, 9)},
            "visit_ends_on",
        ),
        ({"requested_on": TODAY + datetime.timedelta(days=5)}, "requested_on"),
    ],
)
def test_visit_dates_are_checked(staff_user, overrides, field):
    with pytest.raises(ValidationError) as error:
        services.visit_save(
            actor=staff_user,
            member_id=staff_user.mission.member_id,
            data=visit_data(make_mandate(), **overrides),
        )
    assert field in error.value.message_dict
    assert not VisitRequest.objects.exists()


def test_an_inactive_mandate_is_refused_for_a_new_visit(staff_user):
    with pytest.raises(ValidationError) as error:
        services.visit_save(
            actor=staff_user,
            member_id=staff_user.mission.member_id,
            data=visit_data(make_mandate(is_active=False)),
        )
    assert "mandate" in error.value.message_dict


def test_a_change_made_meanwhile_is_not_overwritten(staff_user, coordinator):
    mandate = make_mandate()
    member_id = staff_user.mission.member_id
    visit = services.visit_save(actor=staff_user, member_id=member_id, data=visit_data(mandate))
    services.visit_save(
        actor=coordinator,
        member_id=member_id,
        data=visit_data(mandate, note="Coordinator's note"),
        visit_id=visit.pk,
        expected_version=1,
    )
    with pytest.raises(services.EntryConflict) as conflict:
        services.visit_save(
            actor=staff_user,
            member_id=member_id,
            data=visit_data(mandate, note="Staff note"),
            visit_id=visit.pk,
            expected_version=1,
        )
    assert "Cora Coordinator changed this entry" in conflict.value.messages[0]
    visit.refresh_from_db()
    assert visit.note == "Coordinator's note" and visit.version == 2


def test_confirm_and_unconfirm_on_edit_by_staff(staff_user, coordinator):
    mandate = make_mandate()
    member_id = staff_user.mission.member_id
    visit = services.visit_save(actor=staff_user, member_id=member_id, data=visit_data(mandate))
    communication = services.communication_save(
        actor=staff_user, member_id=member_id, data=communication_data()
    )
    with pytest.raises(PermissionDenied):
        services.entries_confirm(actor=staff_user, visit_ids=[visit.pk], communication_ids=[])
    visits, communications = services.entries_confirm(
        actor=coordinator, visit_ids=[visit.pk], communication_ids=[communication.pk]
    )
    assert [v.pk for v in visits] == [visit.pk] and [c.pk for c in communications] == [communication.pk]
    visit.refresh_from_db()
    assert visit.confirmed_by == coordinator and visit.confirmed_at is not None
    assert CooperationEvent.objects.filter(action="confirmed").count() == 2

    # Saving the same values changes nothing and keeps the confirmation.
    services.visit_save(
        actor=staff_user, member_id=member_id, data=visit_data(mandate), visit_id=visit.pk, expected_version=1
    )
    visit.refresh_from_db()
    assert visit.is_confirmed and visit.version == 1

    services.visit_save(
        actor=staff_user,
        member_id=member_id,
        data=visit_data(mandate, status=VisitRequest.Status.ACCEPTED, replied_on=TODAY),
        visit_id=visit.pk,
        expected_version=1,
    )
    visit.refresh_from_db()
    assert not visit.is_confirmed and visit.version == 2
    assert CooperationEvent.objects.filter(visit=visit, action="unconfirmed").exists()

    # The coordinator's own change stays confirmed.
    services.communication_save(
        actor=coordinator,
        member_id=member_id,
        data=communication_data(replied_on=TODAY),
        communication_id=communication.pk,
        expected_version=1,
    )
    communication.refresh_from_db()
    assert communication.is_confirmed and communication.replied_on == TODAY


def test_a_coordinator_cannot_confirm_another_members_entries(coordinator):
    other = factories.UserFactory()
    visit = services.visit_save(
        actor=other, member_id=other.mission.member_id, data=visit_data(make_mandate())
    )
    with pytest.raises(PermissionDenied):
        services.entries_confirm(actor=coordinator, visit_ids=[visit.pk], communication_ids=[])
    visit.refresh_from_db()
    assert not visit.is_confirmed


# ---------------------------------------------------------------------------------------------------------
# Communications


def test_communication_defaults_and_checks(staff_user):
    member_id = staff_user.mission.member_id
    mandate = make_mandate()
    urgent = services.communication_save(
        actor=staff_user,
        member_id=member_id,
        data=communication_data(kind=Communication.Kind.URGENT_APPEAL, reference="UA 1", mandates=[mandate]),
    )
    assert urgent.reply_due_on == EARLIER + datetime.timedelta(days=30)
    assert list(urgent.mandates.all()) == [mandate]
    chosen = EARLIER + datetime.timedelta(days=10)
    letter = services.communication_save(
        actor=staff_user, member_id=member_id, data=communication_data(reference="AL 2", reply_due_on=chosen)
    )
    assert letter.reply_due_on == chosen
    with pytest.raises(ValidationError) as error:
        services.communication_save(
            actor=staff_user, member_id=member_id, data=communication_data(reference="ua 1")
        )
    assert "already has a communication" in error.value.message_dict["reference"][0]
    with pytest.raises(ValidationError) as error:
        services.communication_save(
            actor=staff_user,
            member_id=member_id,
            data=communication_data(
                reference="AL 3",
                reply_due_on=EARLIER - datetime.timedelta(days=1),
                replied_on=EARLIER - datetime.timedelta(days=2),
            ),
        )
    assert set(error.value.message_dict) == {"reply_due_on", "replied_on"}
    assert CooperationEvent.objects.filter(action="communication_recorded").count() == 2


# ---------------------------------------------------------------------------------------------------------
# PDFs


def test_reply_pdf_is_stored_without_metadata(staff_user):
    visit = services.visit_save(
        actor=staff_user,
        member_id=staff_user.mission.member_id,
        data=visit_data(
            make_mandate(), reply_document=pdf_upload(pdf_files.plain_pdf(author="Jane Diplomat"))
        ),
    )
    visit.refresh_from_db()
    assert visit.reply_document.name.startswith("cooperation/documents/")
    with visit.reply_document.open("rb") as handle:
        stored = handle.read()
    assert b"Jane Diplomat" not in stored and b"Secret Ministry" not in stored
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1


def test_hostile_pdf_is_refused_with_a_sentence(staff_user):
    with pytest.raises(ValidationError) as error:
        services.communication_save(
            actor=staff_user,
            member_id=staff_user.mission.member_id,
            data=communication_data(reply_document=pdf_upload(pdf_files.pdf_with_javascript())),
        )
    assert "JavaScript" in error.value.message_dict["reply_document"][0]
    assert not Communication.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# Follow-up and standing invitation


def test_follow_up_only_of_the_members_recommendations_and_stories(staff_user):
    member = staff_user.mission.member
    visit = services.visit_save(
        actor=staff_user,
        member_id=member.pk,
        data=visit_data(make_mandate(), report_symbol="A/HRC/53/37/Add.1"),
    )
    own = factories.RecommendationFactory(country=member.country, symbol="A/HRC/53/37/Add.1")
    foreign = factories.RecommendationFactory(country="UY")
    own_story = factories.StoryFactory(member=member, author=staff_user)
    other_story = factories.StoryFactory()
    args = {"actor": staff_user, "visit_id": visit.pk, "note": "Law drafted", "noted_on": TODAY}
    with pytest.raises(ValidationError) as error:
        services.follow_up_save(**args, recommendation_id=foreign.pk, status="in_progress")
    assert "recommendation" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.follow_up_save(
            **args, recommendation_id=own.pk, status="in_progress", story_id=other_story.pk
        )
    assert "story" in error.value.message_dict
    services.follow_up_save(**args, recommendation_id=own.pk, status="in_progress", story_id=own_story.pk)
    services.follow_up_save(**args, recommendation_id=own.pk, status="implemented")
    follow_up = FollowUp.objects.get()
    assert (follow_up.status, follow_up.story_id, follow_up.updated_by) == ("implemented", None, staff_user)
    assert CooperationEvent.objects.filter(action="follow_up").count() == 2
    with pytest.raises(PermissionDenied):
        services.follow_up_save(
            **{**args, "actor": factories.UserFactory()}, recommendation_id=own.pk, status="implemented"
        )


def test_standing_invitation(staff_user, django_capture_on_commit_callbacks, monkeypatch):
    member_id = staff_user.mission.member_id
    bumps = []
    monkeypatch.setattr(services, "bump_generation", lambda: bumps.append(1))
    record = services.standing_invitation_save(actor=staff_user, member_id=member_id, extended_on=EARLIER)
    assert record.standing_invitation_on == EARLIER
    assert bumps == []  # the card is not published: nothing public changed
    record.card_published_at = timezone.now()
    record.save()
    services.standing_invitation_save(actor=staff_user, member_id=member_id, extended_on=None)
    record.refresh_from_db()
    assert record.standing_invitation_on is None and bumps == [1]
    assert CooperationEvent.objects.filter(action="standing_invitation").count() == 2
    with pytest.raises(ValidationError):
        services.standing_invitation_save(
            actor=staff_user, member_id=member_id, extended_on=TODAY + datetime.timedelta(days=3)
        )
