"""The cooperation demo: real mandates, a record per demo member with entries in every state, idempotent."""

import datetime
from importlib import import_module

import pytest
from django.utils import timezone

from cooperation.demo import DEMO_RECORDS, THEMATIC_MANDATES, load_cooperation_demo, two_months_after
from cooperation.models import Communication, CooperationRecord, Mandate, VisitRequest
from members.demo import load_member_demo

MIGRATION_TITLES = {
    title for _name, title in import_module("cooperation.migrations.0002_mandates_and_permissions").MANDATES
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_members():
    load_member_demo()


def test_the_demo_loads_mandates_records_visits_and_communications(demo_members):
    created = load_cooperation_demo()
    today = timezone.localdate()

    assert Mandate.objects.filter(kind=Mandate.Kind.THEMATIC).count() >= 15
    assert Mandate.objects.filter(holder_title="Working Group on Arbitrary Detention").exists()
    records = CooperationRecord.objects.select_related("member")
    assert sorted(record.member.iso for record in records) == sorted(iso for iso, _zone, _pub in DEMO_RECORDS)
    assert created == VisitRequest.objects.count() + Communication.objects.count()
    for record in records:
        member = record.member
        assert record.standing_invitation_on is not None
        visits = VisitRequest.objects.filter(member=member)
        communications = Communication.objects.filter(member=member)
        assert 3 <= visits.count() <= 6
        assert 4 <= communications.count() <= 8
        assert len({visit.status for visit in visits}) >= 3
        # Replied in time, replied late, and one waiting for a reply due soon.
        assert any(v.replied_on and v.replied_on <= v.reply_due_on for v in visits)
        assert any(v.replied_on and v.replied_on > v.reply_due_on for v in visits)
        assert any(
            v.replied_on is None and today <= v.reply_due_on <= today + datetime.timedelta(days=14)
            for v in visits
        )
        assert any(c.replied_on is None for c in communications)
        assert visits.filter(confirmed_at__isnull=False).exists()
        assert visits.filter(confirmed_at__isnull=True).exists()
        assert all(c.mandates.exists() for c in communications)
    published = [record for record in records if record.is_published]
    assert len(published) == 1
    assert published[0].card_year == today.year - 1


def test_the_demo_is_idempotent(demo_members):
    assert load_cooperation_demo() > 0
    counts = (Mandate.objects.count(), VisitRequest.objects.count(), Communication.objects.count())
    assert load_cooperation_demo() == 0
    assert (Mandate.objects.count(), VisitRequest.objects.count(), Communication.objects.count()) == counts


def test_mandates_made_elsewhere_are_used_not_duplicated(demo_members):
    Mandate.objects.all().delete()  # those of the data migration
    name, title = THEMATIC_MANDATES[4]
    existing = Mandate.objects.create(name="torture", holder_title=title)  # named otherwise
    Mandate.objects.create(name=THEMATIC_MANDATES[6][0], holder_title="Special Rapporteur on education")
    load_cooperation_demo()
    assert Mandate.objects.filter(holder_title=title).get() == existing
    assert not Mandate.objects.filter(name=name).exists()
    assert Mandate.objects.filter(name=THEMATIC_MANDATES[6][0]).count() == 1
    assert Mandate.objects.count() == len(THEMATIC_MANDATES)


def test_the_demo_adds_no_mandate_the_data_migration_made(db):
    before = Mandate.objects.count()
    load_cooperation_demo()
    titles = [title for _name, title in THEMATIC_MANDATES]
    assert all(Mandate.objects.filter(holder_title=title).count() == 1 for title in titles)
    assert Mandate.objects.count() == before + sum(
        1 for name, title in THEMATIC_MANDATES if title not in MIGRATION_TITLES
    )


def test_notes_hold_no_names(demo_members):
    load_cooperation_demo()
    notes = " ".join(Communication.objects.values_list("note", flat=True))
    for word in ("Mr", "Ms", "Mrs", "named"):
        assert f" {word} " not in f" {notes} "


def test_the_demo_works_without_the_demo_people(db):
    assert load_cooperation_demo() > 0  # members exist from the migrations; only the people are missing
    assert not VisitRequest.objects.filter(confirmed_at__isnull=False).exists()  # nobody to confirm


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (datetime.date(2027, 1, 10), datetime.date(2027, 3, 10)),
        (datetime.date(2026, 12, 31), datetime.date(2027, 2, 28)),
        (datetime.date(2027, 11, 30), datetime.date(2028, 1, 30)),
    ],
)
def test_two_months_after(day, due):
    assert two_months_after(day) == due
