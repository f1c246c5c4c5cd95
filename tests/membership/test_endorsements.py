"""Endorsements of the joint declaration: recording them (the secretariat only; a meeting for one signed at
an event; a signed PDF checked and kept without metadata, privately), their admin and download, and the open
data."""

import csv
import datetime
import io
import json

import pikepdf
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership import declaration as services
from membership.models import DeclarationVersion, Endorsement
from tests import factories
from tests.core import pdf_files
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _documents_in_the_test_storage():
    """The document field resolved its storage when the models loaded, before the test settings moved the
    private storage to a temporary folder (tests/conftest.py does the same for story images)."""
    field = Endorsement._meta.get_field("document")
    before = field.storage
    field.storage = storages["private"]
    yield
    field.storage = before


def stored_files() -> list[str]:
    storage = storages["private"]
    try:
        return storage.listdir("membership/endorsements")[1]
    except FileNotFoundError:
        return []


def version() -> DeclarationVersion:
    return DeclarationVersion.objects.get(number=1)


def record(actor, member, **fields) -> Endorsement:
    values = {
        "actor": actor,
        "member_id": member.pk,
        "version_id": version().pk,
        "endorsed_on": datetime.date(2019, 9, 27),
        "signatory_name": "Ana Ministra",
        "signatory_title": "Minister of Foreign Affairs",
        "level": Endorsement.Level.MINISTER,
        "means": Endorsement.Means.LETTER,
        **fields,
    }
    return services.endorsement_record(**values)


def pdf_upload(data: bytes, name="signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# ---------------------------------------------------------------------------------------------------------
# Services


def test_the_secretariat_records_an_endorsement(secretariat_user, member):
    endorsement = record(secretariat_user, member)
    assert endorsement.member == member and endorsement.version == version()
    assert endorsement.level == "minister" and endorsement.means == "letter"
    assert not endorsement.document
    assert version().is_locked


@pytest.mark.parametrize("who", ["staff_user", "coordinator"])
def test_nobody_else_records_one(request, who, member):
    with pytest.raises(PermissionDenied):
        record(request.getfixturevalue(who), member)
    assert not Endorsement.objects.exists()


def test_signed_at_an_event_needs_the_meeting(secretariat_user, member):
    with pytest.raises(ValidationError) as error:
        record(secretariat_user, member, means=Endorsement.Means.EVENT)
    assert error.value.message_dict == {"meeting": ["Name the meeting where the declaration was signed."]}
    meeting = MeetingFactory()
    endorsement = record(secretariat_user, member, means=Endorsement.Means.EVENT, meeting_id=meeting.pk)
    assert endorsement.meeting == meeting


def test_once_per_member_and_version(secretariat_user, member):
    record(secretariat_user, member)
    with pytest.raises(ValidationError) as error:
        record(secretariat_user, member)
    assert f"{member.name} has already endorsed version 1." in error.value.messages
    assert Endorsement.objects.count() == 1


def test_an_unknown_level_is_refused(secretariat_user, member):
    with pytest.raises(ValidationError) as error:
        record(secretariat_user, member, level="emperor")
    assert "level" in error.value.message_dict


def test_the_document_is_kept_without_its_metadata(secretariat_user, member):
    data = pdf_files.plain_pdf(author="Jane Diplomat")
    assert b"Jane Diplomat" in data
    endorsement = record(secretariat_user, member, document=pdf_upload(data))
    assert endorsement.document.name.startswith("membership/endorsements/")
    with endorsement.document.open("rb") as stored:
        kept = stored.read()
    assert b"Jane Diplomat" not in kept and b"Secret Ministry" not in kept
    with pikepdf.open(io.BytesIO(kept)) as pdf:
        assert "/Author" not in pdf.docinfo and "/Metadata" not in pdf.Root
    # Private: the storage has no public address for it.
    assert endorsement.document.storage is storages["private"]


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (pdf_files.pdf_with_javascript(), "This PDF contains JavaScript."),
        (pdf_files.pdf_with_launch_action(), "This PDF runs actions"),
        (pdf_files.pdf_with_embedded_file(), "This PDF has files or media embedded in it."),
        (pdf_files.encrypted_pdf(), "This PDF is protected by a password."),
        (b"MZ\x90\x00 not a pdf at all", "This file is not a PDF."),
    ],
)
def test_a_hostile_document_is_refused_and_never_stored(secretariat_user, member, data, sentence):
    before = stored_files()
    with pytest.raises(ValidationError) as error:
        record(secretariat_user, member, document=pdf_upload(data))
    assert list(error.value.message_dict) == ["document"]
    assert error.value.message_dict["document"][0].startswith(sentence)
    assert not Endorsement.objects.exists()
    assert stored_files() == before


def test_a_correction_replaces_the_document(secretariat_user, member):
    endorsement = record(secretariat_user, member, document=pdf_upload(pdf_files.plain_pdf()))
    first = endorsement.document.name
    changed = services.endorsement_change(
        actor=secretariat_user,
        endorsement_id=endorsement.pk,
        endorsed_on=datetime.date(2019, 9, 28),
        signatory_name="Ana Ministra",
        signatory_title="Minister",
        level=Endorsement.Level.MINISTER,
        means=Endorsement.Means.NOTE_VERBALE,
        document=pdf_upload(pdf_files.plain_pdf(author="Other")),
    )
    assert changed.document.name != first and changed.endorsed_on == datetime.date(2019, 9, 28)


# ---------------------------------------------------------------------------------------------------------
# Admin


def admin_data(member, **fields) -> dict:
    return {
        "member": member.pk,
        "version": version().pk,
        "endorsed_on": "2019-09-27",
        "signatory_name": "Ana Ministra",
        "signatory_title": "Minister of Foreign Affairs",
        "level": "minister",
        "means": "letter",
        "meeting": "",
        **fields,
    }


def test_admin_records_with_a_checked_pdf(secretariat_client, member):
    url = reverse("admin:membership_endorsement_add")
    response = secretariat_client.post(url, admin_data(member, document=pdf_upload(pdf_files.plain_pdf())))
    assert response.status_code == 302
    endorsement = Endorsement.objects.get()
    with endorsement.document.open("rb") as stored:
        assert b"Jane Diplomat" not in stored.read()

    html = secretariat_client.get(
        reverse("admin:membership_endorsement_change", args=[endorsement.pk])
    ).content.decode()
    download = reverse("admin:membership_endorsement_document", args=[endorsement.pk])
    assert download in html
    assert endorsement.document.name not in html  # never a direct address

    response = secretariat_client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"endorsement-{member.iso.lower()}-v1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_admin_refuses_a_hostile_pdf_next_to_the_field(secretariat_client, member):
    before = stored_files()
    response = secretariat_client.post(
        reverse("admin:membership_endorsement_add"),
        admin_data(member, document=pdf_upload(pdf_files.pdf_with_javascript())),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This PDF contains JavaScript." in html
    assert 'value="Minister of Foreign Affairs"' in html  # what was typed is kept
    assert not Endorsement.objects.exists() and stored_files() == before


def test_admin_wants_the_meeting_for_an_event(secretariat_client, member):
    response = secretariat_client.post(
        reverse("admin:membership_endorsement_add"), admin_data(member, means="event")
    )
    assert response.status_code == 200
    assert "Name the meeting where the declaration was signed." in response.content.decode()


def test_only_the_secretariat_downloads_the_document(client, secretariat_user, staff_user, member):
    endorsement = record(secretariat_user, member, document=pdf_upload(pdf_files.plain_pdf()))
    url = reverse("admin:membership_endorsement_document", args=[endorsement.pk])
    assert client.get(url).status_code == 302  # to the login
    client.force_login(staff_user)  # mission staff never reach the admin
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------------------
# Open data


def test_json_has_one_record_per_endorsement(client, secretariat_user):
    meeting = MeetingFactory()
    a, b = factories.MemberFactory(), factories.MemberFactory(regional_group="african")
    record(secretariat_user, a, document=pdf_upload(pdf_files.plain_pdf()))
    record(
        secretariat_user,
        b,
        means=Endorsement.Means.EVENT,
        meeting_id=meeting.pk,
        endorsed_on=datetime.date(2018, 9, 27),
        level=Endorsement.Level.HEAD,
        signatory_title="President",
    )
    applicant = factories.MemberFactory(status="applicant")
    Endorsement.objects.create(
        member=applicant, version=version(), endorsed_on=datetime.date(2020, 1, 1), means="letter"
    )
    response = client.get(reverse("api:endorsements_json"))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["count"] == 2
    first, second = body["results"]
    assert first["member"] == {"iso": b.iso, "name": b.name, "regional_group": "african"}
    assert first["version"] == 1 and first["version_adopted_on"] == "2018-09-27"
    assert first["endorsed_on"] == "2018-09-27" and first["level"] == "head" and first["means"] == "event"
    assert first["signatory"] == {"name": "Ana Ministra", "title": "President"}
    assert first["meeting_url"] == f"http://testserver{meeting.get_absolute_url()}"
    assert second["member"]["iso"] == a.iso and second["meeting_url"] is None
    # The records only: the licence next to them ("CC BY 4.0") may hold any two capitals.
    text = json.dumps(body["results"])
    assert "document" not in text and "endorsements/" not in text and "@" not in text
    assert applicant.iso not in text


def test_csv_is_neutralised_and_complete(client, secretariat_user, member):
    record(secretariat_user, member, signatory_title='=HYPERLINK("http://evil")')
    response = client.get(reverse("api:endorsements_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="endorsements.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["member_iso"] == member.iso and row["version"] == "1" and row["endorsed_on"] == "2019-09-27"
    assert row["signatory_title"].startswith("'=")
    assert row["level"] == "minister" and row["means"] == "letter" and row["meeting_url"] == ""


@pytest.mark.parametrize("name", ["api:endorsements_json", "api:endorsements_csv"])
def test_open_data_query_count_is_constant(client, secretariat_user, name):
    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    for _ in range(3):
        record(secretariat_user, factories.MemberFactory(), means="event", meeting_id=MeetingFactory().pk)
    few = count()
    for _ in range(17):
        record(secretariat_user, factories.MemberFactory(), means="event", meeting_id=MeetingFactory().pk)
    assert count() == few
