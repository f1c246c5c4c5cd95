"""The secretariat's meetings admin: local-time entry with inlines, refusals that save nothing, the overlap
warning, and the actions (invitations, participant export, mark held, cancel)."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.forms import MAX_DOCUMENT_BYTES, DocumentAdminForm
from meetings.models import AgendaItem, Document, Meeting, MeetingEvent, Participant
from tests import factories
from tests.admin_forms import admin_errors, submit_change_form
from tests.meetings.factories import PDF_BYTES, MeetingFactory, ParticipantFactory, in_days, local, uid, utc

pytestmark = pytest.mark.django_db

ADD = "admin:meetings_meeting_add"
CHANGELIST = "admin:meetings_meeting_changelist"
P = Participant.Invitation


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def meeting_data(*, agenda=(), participants=(), documents=(), **fields) -> dict:
    """The add form as the secretariat fills it in: times typed in the city's local time."""
    data = {
        "title": "Ministerial meeting on access to justice",
        "slug": "",
        "language": "en",
        "kind": Meeting.Kind.MINISTERIAL,
        "status": Meeting.Status.PLANNED,
        "city": Meeting.City.GENEVA,
        "place": "",
        "time_zone": "",
        "venue": "Palais des Nations, Room XX",
        "local_starts_at": "2027-01-14 10:00",
        "local_ends_at": "2027-01-14 12:00",
        "topic": "",
        "topic_text": "Access to justice",
        "description": "Ministers share what worked.",
        "outcome_summary": "",
        "_save": "Save",
        **fields,
    }
    data.update(inline("translations", []))
    data.update(inline("agenda", list(agenda)))
    data.update(inline("participants", list(participants)))
    data.update(inline("documents", list(documents)))
    data.update(inline("events", []))  # the read-only history's management form, as the page sends it
    return data


def pdf_upload(name: str = "concept-note.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def participant_row(**fields) -> dict:
    return {
        "name": "Ana Minister",
        "organisation": "Ministry of Justice",
        "category": Participant.Category.MINISTER,
        "member": "",
        "email": "ana@example.org",
        "language": "en",
        "invitation_status": P.INVITED,
        **fields,
    }


def form_errors(response) -> dict:
    """Errors of the meeting form and its inlines, by field name."""
    errors = dict(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            for name, messages in form.errors.items():
                errors[f"{formset.formset.prefix}-{name}"] = messages
    return errors


def nothing_saved() -> bool:
    return not (
        Meeting.objects.exists()
        or AgendaItem.objects.exists()
        or Participant.objects.exists()
        or Document.objects.exists()
    )


def run_action(client, action: str, meetings, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(meeting.pk) for meeting in meetings], **data},
        follow=True,
    )


# ---------------------------------------------------------------------------------------------------------
# Adding and changing


def test_the_secretariat_adds_a_meeting_in_local_time_with_agenda_participants_and_documents(
    secretariat_client,
):
    story = factories.PublishedStoryFactory(title="Mobile courts in every province")
    chair = factories.MemberFactory()
    data = meeting_data(
        co_chairs=[str(chair.pk)],
        agenda=[
            {"order": "1", "time": "10:00", "title": "Opening", "speaker": "The co-chairs", "story": ""},
            {"order": "2", "time": "10:30", "title": "A good story", "speaker": "", "story": str(story.pk)},
        ],
        participants=[participant_row(member=str(chair.pk)), participant_row(name="Ben Expert", email="")],
        documents=[{"kind": Document.Kind.CONCEPT_NOTE, "title": "Concept note", "file": pdf_upload()}],
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 302, form_errors(response)
    meeting = Meeting.objects.get()
    assert meeting.starts_at == utc("2027-01-14 09:00")
    assert meeting.ends_at == utc("2027-01-14 11:00")
    assert meeting.time_zone == "Europe/Zurich"
    assert meeting.slug == "ministerial-meeting-on-access-to-justice-2027"
    assert list(meeting.co_chairs.all()) == [chair]
    assert [(item.title, item.story) for item in meeting.agenda.all()] == [
        ("Opening", None),
        ("A good story", story),
    ]
    assert sorted(meeting.participants.values_list("name", "email")) == [
        ("Ana Minister", "ana@example.org"),
        ("Ben Expert", ""),
    ]
    document = meeting.documents.get()
    with document.file.open("rb") as stored:
        content = stored.read()
    # Stored as a PDF without its author's metadata.
    assert content.startswith(b"%PDF-") and b"Jane Diplomat" not in content
    assert document.size == len(content)
    assert document.file.name.endswith(".pdf")


def test_the_change_page_shows_local_times_and_the_offset(secretariat_client):
    meeting = MeetingFactory(starts_at=local("Europe/Zurich", "2027-07-14 10:00"))

    html = secretariat_client.get(
        reverse("admin:meetings_meeting_change", args=[meeting.pk])
    ).content.decode()

    assert 'value="2027-07-14 10:00"' in html
    assert 'value="2027-07-14 12:00"' in html
    assert "UTC+02:00" in html
    assert "Europe/Zurich" in html
    assert "2027-07-14 08:00 to 2027-07-14 10:00 UTC" in html


def test_a_new_york_meeting_is_entered_in_new_york_time(secretariat_client):
    data = meeting_data(
        city=Meeting.City.NEW_YORK, local_starts_at="2027-07-14 10:00", local_ends_at="2027-07-14 11:00"
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 302, form_errors(response)
    meeting = Meeting.objects.get()
    assert (meeting.starts_at, meeting.time_zone) == (utc("2027-07-14 14:00"), "America/New_York")
    html = secretariat_client.get(
        reverse("admin:meetings_meeting_change", args=[meeting.pk])
    ).content.decode()
    assert "UTC-04:00" in html


def test_a_new_participant_whose_address_has_an_account_gets_its_language_unless_one_is_chosen(
    secretariat_client,
):
    factories.UserFactory(email="ana@example.org", language="fr")
    factories.UserFactory(email="ben@example.org", language="fr")
    data = meeting_data(
        participants=[
            participant_row(email="Ana@Example.org"),  # left at the default: the account's language
            participant_row(name="Ben Expert", email="ben@example.org", language="ar"),  # chosen: kept
            participant_row(name="Cy Guest", email="cy@example.org"),  # no account: the default
        ]
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 302, form_errors(response)
    assert dict(Participant.objects.values_list("name", "language")) == {
        "Ana Minister": "fr",
        "Ben Expert": "ar",
        "Cy Guest": "en",
    }


def test_saving_a_meeting_again_keeps_the_language_of_an_existing_participant(secretariat_client):
    factories.UserFactory(email="ana@example.org", language="fr")
    participant = ParticipantFactory(email="ana@example.org", language="en")  # chosen in an earlier save

    response = submit_change_form(
        secretariat_client, reverse("admin:meetings_meeting_change", args=[participant.meeting.pk])
    )

    assert response.status_code == 302, admin_errors(response)
    participant.refresh_from_db()
    assert participant.language == "en"


def test_changing_a_meeting_in_the_admin_raises_its_calendar_sequence(secretariat_client):
    meeting = MeetingFactory(
        title="Contact group meeting", starts_at=local("Europe/Zurich", "2027-01-14 10:00")
    )
    data = meeting_data(
        title="Contact group meeting",
        slug=meeting.slug,
        local_starts_at="2027-01-14 15:00",
        local_ends_at="2027-01-14 16:00",
    )

    response = secretariat_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), data)

    assert response.status_code == 302, form_errors(response)
    meeting.refresh_from_db()
    assert meeting.starts_at == utc("2027-01-14 14:00")
    assert meeting.sequence == 1


def test_a_document_that_is_not_a_pdf_is_refused_and_nothing_is_saved(secretariat_client):
    fake = SimpleUploadedFile(
        "programme.pdf", b"Programme: opening at ten.\n", content_type="application/pdf"
    )
    data = meeting_data(
        agenda=[{"order": "1", "time": "10:00", "title": "Opening", "speaker": "", "story": ""}],
        participants=[participant_row()],
        documents=[{"kind": Document.Kind.PROGRAMME, "title": "Programme", "file": fake}],
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert "This file is not a PDF." in form_errors(response)["documents-file"]
    assert "This file is not a PDF." in response.content.decode()
    assert nothing_saved()


def test_reversed_times_are_refused_and_nothing_is_saved(secretariat_client):
    data = meeting_data(
        local_starts_at="2027-01-14 12:00", local_ends_at="2027-01-14 10:00", participants=[participant_row()]
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert "The meeting must end after it starts." in " ".join(form_errors(response)["local_ends_at"])
    assert nothing_saved()


def test_an_unknown_time_zone_for_another_place_is_refused(secretariat_client):
    data = meeting_data(
        city=Meeting.City.OTHER,
        place="Atlantis",
        time_zone="Atlantis/Lost_City",
        participants=[participant_row()],
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert "time_zone" in form_errors(response)
    assert nothing_saved()


def test_another_place_with_its_time_zone_is_saved(secretariat_client):
    data = meeting_data(
        city=Meeting.City.OTHER,
        place="Jakarta",
        time_zone="Asia/Jakarta",
        local_starts_at="2027-03-02 10:00",
        local_ends_at="2027-03-02 12:00",
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 302, form_errors(response)
    assert Meeting.objects.get().starts_at == utc("2027-03-02 03:00")


def test_the_status_is_read_only_in_the_form_and_a_posted_status_is_ignored(secretariat_client):
    # Confirm, mark held and cancel are actions: they write the history and tell people; the form cannot.
    meeting = MeetingFactory(title="Contact group meeting", status=Meeting.Status.PLANNED)
    change = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    html = secretariat_client.get(change).content.decode()
    response = secretariat_client.post(
        change, meeting_data(title="Contact group meeting", slug=meeting.slug, status=Meeting.Status.HELD)
    )
    added = secretariat_client.post(reverse(ADD), meeting_data(status=Meeting.Status.CONFIRMED))

    assert 'name="status"' not in html
    assert "Planned" in html
    assert response.status_code == 302, form_errors(response)
    assert added.status_code == 302, form_errors(added)
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED
    assert Meeting.objects.exclude(pk=meeting.pk).get().status == Meeting.Status.PLANNED
    assert not MeetingEvent.objects.exists()


def test_the_change_page_shows_the_history_read_only(secretariat_client, secretariat_user):
    meeting = MeetingFactory(status=Meeting.Status.PLANNED)
    services.meeting_confirm(meeting_id=meeting.pk, actor=secretariat_user, comment="Both co-chairs agreed.")

    response = secretariat_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    html = response.content.decode()
    (history,) = [f for f in response.context["inline_admin_formsets"] if f.opts.model is MeetingEvent]
    assert not history.has_add_permission and not history.has_change_permission
    assert not history.has_delete_permission
    assert "History" in html
    assert "Both co-chairs agreed." in html
    assert secretariat_user.full_name in html
    assert 'name="events-0-comment"' not in html


def test_documents_are_recognised_by_content_whatever_their_name():
    renamed = SimpleUploadedFile("programme.txt", PDF_BYTES, content_type="text/plain")
    disguised = SimpleUploadedFile(
        "programme.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )
    data = {"kind": Document.Kind.PROGRAMME, "title": "Programme"}

    accepted = DocumentAdminForm(data=data, files={"file": renamed})
    refused = DocumentAdminForm(data=data, files={"file": disguised})

    assert accepted.is_valid(), accepted.errors
    assert not refused.is_valid()
    assert refused.has_error("file", code="not_pdf")


def test_documents_over_the_size_limit_are_refused():
    big = SimpleUploadedFile(
        "outcome.pdf", PDF_BYTES + b"0" * MAX_DOCUMENT_BYTES, content_type="application/pdf"
    )

    form = DocumentAdminForm(data={"kind": Document.Kind.OUTCOME, "title": "Outcome"}, files={"file": big})

    assert not form.is_valid()
    assert form.has_error("file", code="pdf_too_large")


def test_a_draft_story_cannot_be_presented(secretariat_client):
    draft = factories.StoryFactory(title="A draft nobody should see")
    data = meeting_data(
        agenda=[{"order": "1", "time": "", "title": "A story", "speaker": "", "story": str(draft.pk)}]
    )

    response = secretariat_client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert "agenda-story" in form_errors(response)
    assert nothing_saved()


def test_the_story_autocomplete_offers_published_stories_only(secretariat_client):
    factories.PublishedStoryFactory(title="Mobile courts, published")
    factories.StoryFactory(title="Mobile courts, draft")

    response = secretariat_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "meetings", "model_name": "agendaitem", "field_name": "story", "term": "Mobile courts"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Mobile courts, published"]


def test_an_overlapping_meeting_in_the_same_city_is_saved_with_a_warning(secretariat_client):
    MeetingFactory(
        title="Ambassadors breakfast",
        starts_at=local("Europe/Zurich", "2027-01-14 09:00"),
        ends_at=local("Europe/Zurich", "2027-01-14 10:30"),
    )
    MeetingFactory(
        title="New York side event",
        new_york=True,
        starts_at=local("Europe/Zurich", "2027-01-14 10:00"),
        ends_at=local("Europe/Zurich", "2027-01-14 12:00"),
    )

    response = secretariat_client.post(reverse(ADD), meeting_data(), follow=True)

    assert response.status_code == 200
    assert Meeting.objects.filter(title="Ministerial meeting on access to justice").exists()
    warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert [str(m) for m in warnings] == [
        "“Ministerial meeting on access to justice” overlaps another meeting in Geneva: "
        "“Ambassadors breakfast” (2027-01-14 09:00 to 10:30)."
    ]


def test_a_meeting_right_after_another_gets_no_warning(secretariat_client):
    MeetingFactory(
        title="Ambassadors breakfast",
        starts_at=local("Europe/Zurich", "2027-01-14 08:00"),
        ends_at=local("Europe/Zurich", "2027-01-14 10:00"),
    )

    response = secretariat_client.post(reverse(ADD), meeting_data(), follow=True)

    assert Meeting.objects.count() == 2
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


# ---------------------------------------------------------------------------------------------------------
# Actions


def test_send_invitations_mails_each_participant_with_the_calendar_and_names_those_without_address(
    secretariat_client, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(starts_at=local("Europe/Zurich", "2027-01-14 10:00"))
    ParticipantFactory(meeting=meeting, email="ana@example.org")
    ParticipantFactory(meeting=meeting, email="ben@example.org", invitation_status=P.CONFIRMED)
    ParticipantFactory(meeting=meeting, email="dee@example.org", invitation_status=P.DECLINED)
    ParticipantFactory(meeting=meeting, name="Nadia Noaddress", email="")

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(secretariat_client, "send_invitations", [meeting])

    html = response.content.decode()
    assert "2 invitations are on their way" in html
    assert "Nadia Noaddress" in html and "no email address" in html
    assert sorted(address for message in mailoutbox for address in message.to) == [
        "ana@example.org",
        "ben@example.org",
    ]
    for message in mailoutbox:
        ((_filename, content, mimetype),) = message.attachments
        assert mimetype.startswith("text/calendar")
        (event,) = Calendar.from_ical(content).walk("VEVENT")
        assert str(event["UID"]) == uid(meeting)
        assert event.decoded("DTSTART") == utc("2027-01-14 09:00")


def test_send_invitations_for_a_cancelled_meeting_says_it_is_cancelled(
    secretariat_client, mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory(title="Called-off ministerial")
    ParticipantFactory(meeting=meeting)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(secretariat_client, "send_invitations", [meeting])

    assert "is cancelled: no invitations are sent for it" in response.content.decode()
    assert mailoutbox == []


def test_export_participants_gives_a_csv_of_the_selected_meetings(secretariat_client):
    meeting = MeetingFactory(title="Ministerial meeting on education")
    member = factories.MemberFactory()
    ParticipantFactory(
        meeting=meeting,
        name="Ana Minister",
        organisation="Ministry of Education",
        member=member,
        email="ana@example.org",
        invitation_status=P.CONFIRMED,
        consents_to_portal=True,
    )
    ParticipantFactory(meeting=meeting, name='=HYPERLINK("http://evil.example")', email="")
    ParticipantFactory(meeting=MeetingFactory(title="Another meeting"), name="Not Selected")

    response = secretariat_client.post(
        reverse(CHANGELIST), {"action": "export_participants", "_selected_action": [str(meeting.pk)]}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "meeting",
        "name",
        "organisation",
        "category",
        "member",
        "email",
        "invitation",
        "listed",
    ]
    assert [
        "Ministerial meeting on education",
        "Ana Minister",
        "Ministry of Education",
        "Minister",
        member.name,
        "ana@example.org",
        "Confirmed",
        "yes",
    ] in rows
    assert any(row[1] == '\'=HYPERLINK("http://evil.example")' and row[7] == "no" for row in rows)
    assert "Not Selected" not in response.content.decode("utf-8-sig")
    assert len(rows) == 3


def test_mark_held_asks_for_the_outcome_first(secretariat_client):
    meeting = MeetingFactory(title="Past ministerial", starts_at=in_days(-2))

    form_page = run_action(secretariat_client, "mark_held", [meeting])
    without_outcome = run_action(secretariat_client, "mark_held", [meeting], apply="1", outcome_summary="  ")

    assert "Outcome summary" in form_page.content.decode()
    assert "Past ministerial" in form_page.content.decode()
    assert without_outcome.status_code == 200
    assert "This field is required." in without_outcome.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CONFIRMED


def test_mark_held_with_the_outcome_marks_it_held(secretariat_client):
    meeting = MeetingFactory(title="Past ministerial", starts_at=in_days(-2))

    response = run_action(
        secretariat_client,
        "mark_held",
        [meeting],
        apply="1",
        outcome_summary="Twelve stories were presented.",
    )

    assert "done" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.outcome_summary == "Twelve stories were presented."


def test_mark_held_refuses_a_cancelled_meeting_with_a_message(secretariat_client, secretariat_user):
    meeting = MeetingFactory(title="Called-off ministerial")
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)

    response = run_action(
        secretariat_client, "mark_held", [meeting], apply="1", outcome_summary="Happened after all."
    )

    assert "cannot be marked as held" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED


def test_cancel_through_the_form_cancels_and_tells_the_participants(
    secretariat_client, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(title="Ministerial meeting on health")
    ParticipantFactory(meeting=meeting, email="ana@example.org")
    ParticipantFactory(meeting=meeting, email="dee@example.org", invitation_status=P.DECLINED)

    form_page = run_action(secretariat_client, "cancel", [meeting])
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            secretariat_client, "cancel", [meeting], apply="1", message="We will meet in spring instead."
        )

    assert "Message to participants" in form_page.content.decode()
    assert (
        Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED
    )  # not before the form is sent
    assert "done" in response.content.decode()
    (message,) = mailoutbox
    assert message.to == ["ana@example.org"]
    assert "We will meet in spring instead." in message.body
    ((_filename, content, _mimetype),) = message.attachments
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


def test_opening_the_cancel_form_changes_nothing(secretariat_client, mailoutbox):
    meeting = MeetingFactory()

    run_action(secretariat_client, "cancel", [meeting])

    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CONFIRMED


def test_a_held_meeting_cannot_be_cancelled_through_the_admin(
    secretariat_client, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(held=True, starts_at=in_days(-2))
    ParticipantFactory(meeting=meeting)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(secretariat_client, "cancel", [meeting], apply="1", message="")

    assert "cannot be cancelled" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.HELD
    assert mailoutbox == []


def test_confirm_asks_for_an_optional_note_then_confirms_and_keeps_who_did_it(
    secretariat_client, secretariat_user
):
    meeting = MeetingFactory(title="Planned ministerial", status=Meeting.Status.PLANNED)

    form_page = run_action(secretariat_client, "confirm", [meeting])
    response = run_action(secretariat_client, "confirm", [meeting], apply="1", comment="Room booked.")

    assert "Planned ministerial" in form_page.content.decode()
    assert "done" in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (Meeting.Status.CONFIRMED, 1)
    event = meeting.events.get()
    assert (event.actor, event.action, event.comment) == (secretariat_user, "confirm", "Room booked.")


def test_confirm_refuses_a_cancelled_meeting_with_a_message(secretariat_client, secretariat_user):
    meeting = MeetingFactory(title="Called-off ministerial", status=Meeting.Status.PLANNED)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)

    response = run_action(secretariat_client, "confirm", [meeting], apply="1", comment="")

    assert "This meeting is cancelled; it cannot be confirmed." in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED


def test_the_admin_actions_record_the_secretariat_member_who_acted(
    secretariat_client, secretariat_user, django_capture_on_commit_callbacks
):
    held = MeetingFactory(starts_at=in_days(-2))
    cancelled = MeetingFactory()

    run_action(secretariat_client, "mark_held", [held], apply="1", outcome_summary="Twelve stories.")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(secretariat_client, "cancel", [cancelled], apply="1", message="Moved to spring.")

    assert list(MeetingEvent.objects.order_by("pk").values_list("meeting", "actor", "action", "comment")) == [
        (held.pk, secretariat_user.pk, "mark_held", "Twelve stories."),
        (cancelled.pk, secretariat_user.pk, "cancel", "Moved to spring."),
    ]


# ---------------------------------------------------------------------------------------------------------
# Who may use it


def test_the_changelist_shows_local_times_with_the_offset(secretariat_client):
    MeetingFactory(
        title="New York ministerial", new_york=True, starts_at=local("America/New_York", "2027-01-14 10:00")
    )

    html = secretariat_client.get(reverse(CHANGELIST)).content.decode()

    assert "2027-01-14 10:00 (UTC-05:00)" in html


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_mission_people_cannot_open_the_meetings_admin(client, mission, role):
    user = (factories.UserFactory if role == "staff" else factories.CoordinatorFactory)(mission=mission)
    meeting = MeetingFactory()
    client.force_login(user)

    for url in [
        reverse(CHANGELIST),
        reverse(ADD),
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(
        reverse(CHANGELIST), {"action": "cancel", "_selected_action": [meeting.pk], "apply": "1"}
    )
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CONFIRMED


def offered_actions(client) -> set[str]:
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered at all
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def user_with(*codenames: str):
    """A staff account holding exactly these meetings permissions (no role group)."""
    user = factories.SecretariatFactory()
    user.groups.clear()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames)
    )
    return user


def test_the_secretariat_is_offered_every_action(secretariat_client):
    MeetingFactory()

    assert offered_actions(secretariat_client) >= {
        "confirm",
        "send_invitations",
        "export_participants",
        "mark_held",
        "cancel",
    }


def test_someone_who_may_edit_meetings_but_not_manage_them_is_offered_only_the_export(client):
    client.force_login(user_with("view_meeting", "change_meeting", "view_participant"))
    MeetingFactory()

    assert offered_actions(client) == {"export_participants"}


def test_someone_who_may_not_see_participants_is_not_offered_their_export(client):
    client.force_login(user_with("view_meeting"))
    MeetingFactory()

    assert "export_participants" not in offered_actions(client)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("confirm", {"comment": ""}),
        ("mark_held", {"outcome_summary": "Twelve stories."}),
        ("cancel", {"message": ""}),
        ("send_invitations", {}),
    ],
)
def test_posting_an_action_without_the_right_to_manage_meetings_changes_and_sends_nothing(
    client, action, data, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(user_with("view_meeting", "change_meeting", "view_participant"))
    status = Meeting.Status.CONFIRMED if action == "mark_held" else Meeting.Status.PLANNED
    meeting = MeetingFactory(status=status, starts_at=in_days(-2) if action == "mark_held" else in_days(30))
    ParticipantFactory(meeting=meeting)

    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, action, [meeting], apply="1", **data)

    assert Meeting.objects.get(pk=meeting.pk).status == status
    assert not MeetingEvent.objects.exists()
    assert mailoutbox == []
