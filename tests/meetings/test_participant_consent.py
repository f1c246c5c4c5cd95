"""Participants' consent records, which replaced the single "listed publicly" flag: the data migration keeps
who was listed, the meeting page names only those whose consent covers the portal today, and the admin
records and withdraws consents (the public page changes at once)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Participant, ParticipantConsent
from stories import consent as consent_services
from tests import factories
from tests.meetings.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.PUBLIC_CACHE = True


def consent(participant: Participant, **fields) -> ParticipantConsent:
    return ParticipantConsent.objects.create(
        participant=participant,
        who=participant.name,
        uses=fields.pop("uses", ["portal"]),
        given_on=fields.pop("given_on", timezone.localdate() - datetime.timedelta(days=3)),
        obtained_how="Signed form",
        **fields,
    )


def participants_section(client: Client, meeting) -> str:
    html = client.get(meeting.get_absolute_url()).content.decode()
    if 'id="participants-heading"' not in html:
        return ""
    start = html.index('id="participants-heading"')
    return html[start : html.index("</section>", start)]


# ---------------------------------------------------------------------------------------------------------
# Who is named


def test_only_participants_with_consent_covering_the_portal_today_are_listed():
    meeting = MeetingFactory()
    today = timezone.localdate()
    listed = ParticipantFactory(meeting=meeting, name="Listed Lara", consents_to_portal=True)
    consent(ParticipantFactory(meeting=meeting, name="Open Data Olga"), uses=["open_data"])
    consent(
        ParticipantFactory(meeting=meeting, name="Expired Eve"),
        valid_until=today - datetime.timedelta(days=1),
    )
    consent(
        ParticipantFactory(meeting=meeting, name="Later Leo"), given_on=today + datetime.timedelta(days=2)
    )
    consent(ParticipantFactory(meeting=meeting, name="Withdrawn Will"), withdrawn_at=timezone.now())
    consent(ParticipantFactory(meeting=meeting, name="Last Day Lucy"), valid_until=today)
    ParticipantFactory(meeting=meeting, name="Private Pavel")

    names = set(Participant.objects.listed_on_portal().values_list("name", flat=True))
    assert names == {listed.name, "Last Day Lucy"}
    assert set(
        Participant.objects.listed_on_portal(on=today + datetime.timedelta(days=3)).values_list(
            "name", flat=True
        )
    ) == {listed.name, "Later Leo"}

    section = participants_section(Client(), meeting)
    assert "Listed Lara" in section and "Last Day Lucy" in section
    for name in ("Open Data Olga", "Expired Eve", "Later Leo", "Withdrawn Will", "Private Pavel"):
        assert name not in section


def test_withdrawing_a_consent_takes_the_participant_off_the_cached_page_at_once(
    secretariat_user, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory()
    participant = ParticipantFactory(meeting=meeting, name="Listed Lara", consents_to_portal=True)
    visitor = Client()
    assert "Listed Lara" in participants_section(visitor, meeting)  # cached now

    with django_capture_on_commit_callbacks(execute=True):
        consent_services.terms_withdraw(
            actor=secretariat_user,
            model=ParticipantConsent,
            consent_id=participant.consents.get().pk,
            note="Asked by email",
        )

    assert "Listed Lara" not in participants_section(visitor, meeting)
    record = participant.consents.get()
    assert record.withdrawn_at is not None and record.withdrawal_note == "Asked by email"


def test_the_meeting_page_queries_do_not_grow_with_participants(client, django_assert_max_num_queries):
    meeting = MeetingFactory()
    ParticipantFactory(meeting=meeting, consents_to_portal=True)
    client.get(meeting.get_absolute_url())
    for _ in range(10):
        ParticipantFactory(meeting=meeting, consents_to_portal=True, member=factories.MemberFactory())
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(20):
        assert client.get(meeting.get_absolute_url()).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# The admin


def inline_data(participant: Participant, rows: list[dict], initial: int = 0) -> dict:
    data = {
        "consents-TOTAL_FORMS": str(len(rows)),
        "consents-INITIAL_FORMS": str(initial),
        "consents-MIN_NUM_FORMS": "0",
        "consents-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"consents-{index}-{key}"] = value
        data[f"consents-{index}-participant"] = str(participant.pk)
    return data


def test_the_secretariat_records_a_consent_inline(secretariat_client, secretariat_user):
    participant = ParticipantFactory(name="Ana Minister")
    url = reverse("admin:meetings_participant_change", args=[participant.pk])
    assert secretariat_client.get(url).status_code == 200

    response = secretariat_client.post(
        url,
        inline_data(
            participant,
            [
                {
                    "who": "Ana Minister",
                    "uses": ["portal", "meeting"],
                    "given_on": "2026-01-10",
                    "valid_until": "",
                    "obtained_how": "Email of 10 January",
                }
            ],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    record = participant.consents.get()
    assert record.uses == ["portal", "meeting"]
    assert record.recorded_by == secretariat_user
    assert Participant.objects.listed_on_portal().filter(pk=participant.pk).exists()


def test_a_bad_consent_is_refused_next_to_its_field(secretariat_client):
    participant = ParticipantFactory()
    response = secretariat_client.post(
        reverse("admin:meetings_participant_change", args=[participant.pk]),
        inline_data(
            participant,
            [
                {
                    "who": "Ana",
                    "uses": ["portal"],
                    "given_on": "2026-02-10",
                    "valid_until": "2026-01-01",
                    "obtained_how": "",
                }
            ],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot end before" in html
    assert not participant.consents.exists()


def test_the_secretariat_withdraws_a_consent_inline(secretariat_client, django_capture_on_commit_callbacks):
    participant = ParticipantFactory(name="Listed Lara", consents_to_portal=True)
    record = participant.consents.get()
    visitor = Client()
    assert "Listed Lara" in participants_section(visitor, participant.meeting)

    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat_client.post(
            reverse("admin:meetings_participant_change", args=[participant.pk]),
            inline_data(
                participant,
                [{"id": str(record.pk), "withdraw": "on", "withdrawal_note": "Changed her mind"}],
                initial=1,
            ),
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert record.withdrawn_at is not None and record.withdrawal_note == "Changed her mind"
    assert record.who == "Listed Lara"  # the terms themselves are not rewritten
    assert "Listed Lara" not in participants_section(visitor, participant.meeting)


def test_the_export_says_who_is_named_on_the_portal(secretariat_client):
    meeting = MeetingFactory()
    ParticipantFactory(meeting=meeting, name="Listed Lara", consents_to_portal=True)
    ParticipantFactory(meeting=meeting, name="Private Pavel")
    response = secretariat_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "export_participants", "_selected_action": [str(meeting.pk)]},
    )
    rows = {
        line.split(",")[1]: line.rstrip().split(",")[-1]
        for line in response.content.decode("utf-8-sig").splitlines()[1:]
    }
    assert rows == {"Listed Lara": "yes", "Private Pavel": "no"}


def test_the_meeting_form_links_each_participant_to_their_consents(secretariat_client):
    participant = ParticipantFactory(consents_to_portal=True)
    html = secretariat_client.get(
        reverse("admin:meetings_meeting_change", args=[participant.meeting.pk])
    ).content.decode()
    assert reverse("admin:meetings_participant_change", args=[participant.pk]) in html
    assert "Yes: consent recorded" in html


# ---------------------------------------------------------------------------------------------------------
# The data migration


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


BEFORE = [("meetings", "0006_participant_language")]
AFTER = [("meetings", "0008_remove_participant_listed_publicly")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_who_was_listed_and_going_back_restores_the_flag():
    try:
        old = migrate(BEFORE)
        Meeting = old.get_model("meetings", "Meeting")
        Participant_ = old.get_model("meetings", "Participant")
        created = datetime.datetime(2025, 3, 4, 9, 0, tzinfo=datetime.UTC)
        meeting = Meeting.objects.create(
            title="Ministerial",
            slug="ministerial-2025",
            kind="ministerial",
            city="geneva",
            time_zone="Europe/Zurich",
            starts_at=created + datetime.timedelta(days=30),
            ends_at=created + datetime.timedelta(days=30, hours=3),
            created_at=created,
        )
        lara = Participant_.objects.create(
            meeting=meeting, name="Listed Lara", category="minister", listed_publicly=True
        )
        pavel = Participant_.objects.create(
            meeting=meeting, name="Private Pavel", category="expert", listed_publicly=False
        )

        new = migrate(AFTER)
        Consent = new.get_model("meetings", "ParticipantConsent")
        records = list(
            Consent.objects.values("participant_id", "who", "uses", "given_on", "valid_until", "obtained_how")
        )
        assert records == [
            {
                "participant_id": lara.pk,
                "who": "Listed Lara",
                "uses": ["portal"],
                "given_on": datetime.date(2025, 3, 4),
                "valid_until": None,
                "obtained_how": "recorded before consent records existed",
            }
        ]
        migrate(leaf_nodes())
        assert list(Participant.objects.listed_on_portal().values_list("pk", flat=True)) == [lara.pk]

        back = migrate(BEFORE)
        Participant_ = back.get_model("meetings", "Participant")
        assert dict(Participant_.objects.values_list("pk", "listed_publicly")) == {
            lara.pk: True,
            pavel.pk: False,
        }
    finally:
        migrate(leaf_nodes())
