"""Consent as records: who may record and withdraw, the takedown (renditions deleted, cache made stale, the
photo gone from every public place), expiry by the beat, the warning sent once, and the pages."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from PIL import Image

from stories import consent as consent_services
from stories import tasks
from stories.models import (
    ConsentUse,
    FaceDecision,
    FaceDetection,
    ImageConsent,
    Story,
    StoryEvent,
    StoryImage,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def _consent_routes() -> None:
    """Until stories/my_urls.py adds stories/consent_urls.py's list, add it here (a no-op once it does)."""
    from stories import consent_urls, my_urls

    names = {getattr(pattern, "name", None) for pattern in my_urls.urlpatterns}
    if "image_consents" not in names:
        my_urls.urlpatterns += consent_urls.urlpatterns
        clear_url_caches()


_consent_routes()


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.PUBLIC_CACHE = True


# ---------------------------------------------------------------------------------------------------------
# Helpers


def photo(
    story: Story, *, alt_text: str = "Ana at the hearing", decision: str = FaceDecision.CONSENT
) -> StoryImage:
    """A published photo with real rendition files in the public storage."""
    media = storages["default"]
    renditions = {}
    for width in (480, 960):
        entry: dict = {"height": width * 3 // 4}
        for fmt, extension in (("webp", "webp"), ("jpeg", "jpg")):
            entry[fmt] = media.save(f"stories/renditions/test/{width}.{extension}", ContentFile(b"pixels"))
        renditions[str(width)] = entry
    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), "teal").save(buffer, "JPEG")
    original = storages["private"].save("stories/originals/test.jpg", ContentFile(buffer.getvalue()))
    return StoryImage.objects.create(
        story=story,
        original=original,
        width=96,
        height=72,
        alt_text=alt_text,
        caption="Ana speaks to the committee",
        credit="Ministry press office",
        consent_confirmed=True,
        face_detection=FaceDetection.FOUND,
        face_decision=decision,
        renditions=renditions,
    )


def give_consent(
    image: StoryImage, *, who: str = "Ana Example", uses=(ConsentUse.PORTAL,), **fields
) -> ImageConsent:
    return ImageConsent.objects.create(
        image=image,
        who=who,
        uses=list(uses),
        given_on=fields.pop("given_on", timezone.localdate() - datetime.timedelta(days=10)),
        obtained_how="Signed form kept by the mission",
        **fields,
    )


def rendition_names(image: StoryImage) -> list[str]:
    return [name for entry in image.renditions.values() for key, name in entry.items() if key != "height"]


@pytest.fixture
def published(staff_user) -> Story:
    return factories.PublishedStoryFactory(
        member=staff_user.mission.member, author=staff_user, title="Hearings open to everyone"
    )


@pytest.fixture
def consented_photo(published) -> tuple[StoryImage, ImageConsent]:
    image = photo(published)
    return image, give_consent(image)


def whole_csv(client: Client) -> str:
    """The unfiltered CSV: the latest open-data release's file when there is one (a photo taken down makes a
    new release at once), else built live."""
    response = client.get(reverse("api:stories_csv"))
    if response.status_code == 302:
        path = urlsplit(response["Location"]).path.removeprefix(settings.MEDIA_URL)
        with storages["default"].open(path) as file:
            return file.read().decode("utf-8-sig")
    return b"".join(response.streaming_content).decode()


def public_places(client: Client, story: Story) -> dict[str, str]:
    """What the public is served about the story, everywhere it is served."""
    index = client.get("/sitemap.xml").content.decode()
    sitemap = index + "".join(
        client.get(urlsplit(location).path).content.decode()
        for location in re.findall(r"<loc>([^<]+)</loc>", index)
    )
    return {
        "story page": client.get(story.get_absolute_url()).content.decode(),
        "gallery": client.get(reverse("stories:story_list")).content.decode(),
        "home": client.get(reverse("home")).content.decode(),
        "member page": client.get(story.member.get_absolute_url()).content.decode(),
        "stories.json": client.get(reverse("api:stories_json")).content.decode(),
        "stories.csv": whole_csv(client),
        "feed": client.get(reverse("feeds:stories")).content.decode(),
        "sitemap": sitemap,
    }


# ---------------------------------------------------------------------------------------------------------
# Who may record and withdraw


def test_the_storys_people_record_a_consent(consented_photo, staff_user, coordinator):
    image, _ = consented_photo
    consent = consent_services.consent_record(
        actor=coordinator,
        image_id=image.pk,
        who="The man in the blue shirt",
        uses=[ConsentUse.OPEN_DATA, ConsentUse.PORTAL],
        given_on=timezone.localdate(),
        valid_until=None,
        obtained_how="Recorded phone call",
    )
    consent.refresh_from_db()
    assert consent.recorded_by == coordinator
    assert consent.uses == ["portal", "open_data"]  # in the choices' order
    assert consent.covers(ConsentUse.PORTAL, timezone.localdate())
    event = StoryEvent.objects.filter(story=image.story, action="consent_recorded").get()
    assert "The man in the blue shirt" not in event.comment  # who consented stays out of the history
    assert event.notified_at is not None  # never sent as a change of status


def test_other_members_people_cannot_record_or_withdraw(consented_photo):
    image, consent = consented_photo
    stranger = factories.UserFactory(mission=factories.MissionFactory())
    with pytest.raises(PermissionDenied):
        consent_services.consent_record(
            actor=stranger,
            image_id=image.pk,
            who="X",
            uses=[ConsentUse.PORTAL],
            given_on=timezone.localdate(),
            valid_until=None,
            obtained_how="Form",
        )
    with pytest.raises(PermissionDenied):
        consent_services.consent_withdraw(actor=stranger, consent_id=consent.pk, note="")
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_the_secretariat_may_withdraw(consented_photo, secretariat_user):
    _image, consent = consented_photo
    consent_services.consent_withdraw(actor=secretariat_user, consent_id=consent.pk, note="Asked by phone")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_note == "Asked by phone"


def test_bad_terms_are_refused_field_by_field(consented_photo, staff_user):
    image, _ = consented_photo
    with pytest.raises(ValidationError) as refused:
        consent_services.consent_record(
            actor=staff_user,
            image_id=image.pk,
            who=" ",
            uses=[],
            given_on=timezone.localdate() + datetime.timedelta(days=3),
            valid_until=timezone.localdate(),
            obtained_how="",
        )
    assert set(refused.value.error_dict) == {"who", "uses", "given_on", "valid_until", "obtained_how"}


def test_a_consent_is_withdrawn_once(consented_photo, staff_user):
    _image, consent = consented_photo
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    with pytest.raises(ValidationError):
        consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")


# ---------------------------------------------------------------------------------------------------------
# The takedown


def test_withdrawing_takes_the_photo_down_and_deletes_its_renditions(
    consented_photo, staff_user, django_capture_on_commit_callbacks
):
    image, consent = consented_photo
    names = rendition_names(image)
    media = storages["default"]
    assert names and all(media.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="She asked us to")

    image.refresh_from_db()
    assert image.taken_down_at is not None
    assert image.renditions == {}
    assert "withdrawn" in image.taken_down_reason.lower()
    assert not any(media.exists(name) for name in names)
    assert StoryEvent.objects.filter(story=image.story, action="photo_taken_down").exists()


def test_the_uploader_and_the_secretariat_are_told(
    consented_photo, staff_user, django_capture_on_commit_callbacks
):
    image, consent = consented_photo
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    told = [message for message in mail.outbox if "taken down" in message.subject.lower()]
    recipients = {address for message in told for address in message.to}
    assert recipients == {staff_user.email, settings.SECRETARIAT_EMAIL}
    assert all("Ana Example" not in message.body for message in told)  # who consented is not mailed
    event = StoryEvent.objects.get(story=image.story, action="photo_taken_down")
    assert event.notified_at is not None
    assert consent_services.photo_takedown_notify(event_id=event.pk) is False  # once


def test_another_consent_covering_the_portal_keeps_the_photo_up(consented_photo, staff_user):
    image, consent = consented_photo
    give_consent(image, who="Her brother")
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    image.refresh_from_db()
    assert image.taken_down_at is None
    assert image.renditions


def test_a_photo_with_blurred_faces_does_not_rely_on_consent(published, staff_user):
    image = photo(published, decision=FaceDecision.BLUR)
    consent = give_consent(image, uses=[ConsentUse.OPEN_DATA])
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    image.refresh_from_db()
    assert image.taken_down_at is None and image.renditions


def test_the_old_checkbox_backed_by_one_withdrawn_record_comes_down(published, staff_user):
    image = photo(published, decision="")
    image.face_detection = FaceDetection.NONE
    image.save()
    consent = give_consent(image)
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    image.refresh_from_db()
    assert image.taken_down_at is not None


def test_a_photo_taken_down_stays_down(consented_photo, staff_user):
    image, consent = consented_photo
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    assert consent_services.photo_take_down(image_id=image.pk, reason="again") is False
    with pytest.raises(ValidationError):
        consent_services.consent_record(
            actor=staff_user,
            image_id=image.pk,
            who="Ana",
            uses=[ConsentUse.PORTAL],
            given_on=timezone.localdate(),
            valid_until=None,
            obtained_how="Form",
        )


def test_the_photo_vanishes_from_every_public_place_at_once(
    consented_photo, staff_user, django_capture_on_commit_callbacks
):
    image, consent = consented_photo
    story = image.story
    visitor = Client()
    largest = storages["default"].url(image.renditions["960"]["jpeg"])
    before = public_places(visitor, story)  # and cached now
    # Where the photo is shown at all: the story page (picture and og:image), gallery and home cards, the open
    # data. The Atom feed and the sitemap carry no image (no enclosure, no image:image entry).
    for place in ("story page", "gallery", "home", "member page", "stories.json", "stories.csv"):
        assert "stories/renditions/test/" in before[place], place
    for place in ("feed", "sitemap"):
        assert "stories/renditions/" not in before[place], place
    assert story.get_absolute_url() in before["sitemap"]
    assert f'property="og:image" content="http://testserver{largest}"' in before["story page"]

    with django_capture_on_commit_callbacks(execute=True):
        consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")

    after = public_places(visitor, story)
    for place, content in after.items():
        for name in rendition_names(image) or [largest]:
            assert name.split("/")[-1] not in content, place
        assert "stories/renditions/test/" not in content, place
    assert "og:image" not in after["story page"]
    assert "Hearings open to everyone" in after["story page"]  # the story stays; only the photo goes
    record = json.loads(after["stories.json"])["results"][0] if "results" in after["stories.json"] else None
    if record is not None:
        assert all(image_record["renditions"] == [] for image_record in record["images"])
    rows = list(csv.DictReader(io.StringIO(after["stories.csv"].lstrip("\ufeff"))))
    assert rows and rows[0]["image_urls"] == ""


# ---------------------------------------------------------------------------------------------------------
# Expiry and warnings (the beat)


def at(day: datetime.date, hour: int = 0, minute: int = 1) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def test_an_expired_consent_takes_the_photo_down_on_the_next_beat(
    published, django_capture_on_commit_callbacks
):
    image = photo(published)
    give_consent(image, given_on=TODAY - datetime.timedelta(days=100), valid_until=TODAY)
    names = rendition_names(image)

    assert consent_services.consents_expire_due(now=at(TODAY, 23, 59)) == []  # still valid all day
    with django_capture_on_commit_callbacks(execute=True):
        assert consent_services.consents_expire_due(now=at(TODAY + datetime.timedelta(days=1))) == [image.pk]

    image.refresh_from_db()
    assert image.taken_down_at is not None and image.renditions == {}
    assert "expired" in image.taken_down_reason.lower()
    assert not any(storages["default"].exists(name) for name in names)
    assert any("taken down" in message.subject.lower() for message in mail.outbox)
    assert consent_services.consents_expire_due(now=at(TODAY + datetime.timedelta(days=2))) == []


def test_the_beat_task_runs_the_expiry(published, django_capture_on_commit_callbacks):
    image = photo(published)
    give_consent(
        image,
        given_on=timezone.localdate() - datetime.timedelta(days=100),
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_consents.delay().get() == [image.pk]


def test_the_expiry_warning_is_sent_once_30_days_before(
    published, staff_user, django_capture_on_commit_callbacks
):
    image = photo(published)
    consent = give_consent(image, given_on=TODAY - datetime.timedelta(days=300), valid_until=TODAY)
    far = give_consent(
        image,
        who="Far",
        given_on=TODAY - datetime.timedelta(days=300),
        valid_until=TODAY + datetime.timedelta(days=90),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert consent_services.consents_warn_expiring(now=at(TODAY - datetime.timedelta(days=31))) == 0
        assert consent_services.consents_warn_expiring(now=at(TODAY - datetime.timedelta(days=30))) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert consent_services.consents_warn_expiring(now=at(TODAY - datetime.timedelta(days=29))) == 0

    warnings = [message for message in mail.outbox if "ends soon" in message.subject]
    assert {address for message in warnings for address in message.to} == {
        staff_user.email,
        settings.SECRETARIAT_EMAIL,
    }
    assert len(warnings) == 1  # one mail per language; both read English here
    assert all("Ana Example" not in message.body for message in warnings)
    consent.refresh_from_db()
    far.refresh_from_db()
    assert consent.expiry_warned_at is not None and far.expiry_warned_at is None
    assert consent_services.consent_expiry_warn(consent_id=consent.pk) is False


def test_the_daily_task_queues_the_warnings(published, django_capture_on_commit_callbacks):
    image = photo(published)
    give_consent(image, valid_until=timezone.localdate() + datetime.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.warn_expiring_consents.delay().get() == 1
    assert any("ends soon" in message.subject for message in mail.outbox)


def test_no_warning_for_a_withdrawn_consent_or_a_photo_taken_down(published):
    image = photo(published)
    give_consent(image, valid_until=TODAY, withdrawn_at=timezone.now())
    assert consent_services.consents_warn_expiring(now=at(TODAY - datetime.timedelta(days=5))) == 0


# ---------------------------------------------------------------------------------------------------------
# The pages


def consents_url(image: StoryImage) -> str:
    return reverse("my_stories:image_consents", args=[image.story_id, image.pk])


def test_the_page_lists_the_consents_to_the_storys_people(consented_photo, staff_client):
    image, consent = consented_photo
    response = staff_client.get(consents_url(image))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<bdi>Ana Example</bdi>" in html
    assert "Publication on the portal" in html
    assert 'scope="col"' in html and "<caption" in html
    assert reverse("my_stories:consent_withdraw", args=[image.story_id, image.pk, consent.pk]) in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_nobody_else_sees_who_consented(consented_photo, client):
    image, _ = consented_photo
    other = factories.UserFactory(mission=factories.MissionFactory())
    client.force_login(other)
    response = client.get(consents_url(image))
    assert response.status_code == 403
    assert "Ana Example" not in response.content.decode()
    client.logout()
    assert client.get(consents_url(image)).status_code == 302  # to the login page


def test_the_secretariat_sees_the_consents(consented_photo, secretariat_client):
    image, _ = consented_photo
    assert "Ana Example" in secretariat_client.get(consents_url(image)).content.decode()


def test_the_form_records_a_consent(consented_photo, staff_client, staff_user):
    image, _ = consented_photo
    response = staff_client.post(
        consents_url(image),
        {
            "who": "Young man on the left",
            "uses": ["portal", "meeting"],
            "given_on": "2026-01-05",
            "valid_until": "2027-01-05",
            "obtained_how": "Signed form",
        },
    )
    assert response.status_code == 302 and response["Location"] == consents_url(image)
    consent = image.consents.get(who="Young man on the left")
    assert consent.uses == ["portal", "meeting"]
    assert consent.valid_until == datetime.date(2027, 1, 5)
    assert consent.recorded_by == staff_user
    assert "The consent is recorded." in staff_client.get(consents_url(image)).content.decode()


def test_the_form_shows_errors_next_to_the_fields_and_keeps_what_was_typed(consented_photo, staff_client):
    image, _ = consented_photo
    response = staff_client.post(
        consents_url(image),
        {
            "who": "Young man on the left",
            "given_on": "2026-02-05",
            "valid_until": "2026-01-01",
            "obtained_how": "",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_uses_error"' in html
    assert 'id="id_valid_until_error"' in html and "cannot end before" in html
    assert 'id="id_obtained_how_error"' in html
    assert 'value="Young man on the left"' in html
    assert 'value="2026-02-05"' in html
    assert image.consents.count() == 1


def test_withdrawing_asks_for_confirmation_first(consented_photo, staff_client):
    image, consent = consented_photo
    url = reverse("my_stories:consent_withdraw", args=[image.story_id, image.pk, consent.pk])
    response = staff_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "takes the photo down" in html
    assert 'name="note"' in html
    consent.refresh_from_db()
    assert consent.withdrawn_at is None  # nothing happens on GET

    response = staff_client.post(url, {"note": "She called us"})
    assert response.status_code == 302
    consent.refresh_from_db()
    image.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawal_note == "She called us"
    assert image.taken_down_at is not None
    html = staff_client.get(consents_url(image)).content.decode()
    assert "taken down everywhere on the portal" in html
    assert 'id="taken-down"' in html


def test_the_consent_list_does_not_grow_in_queries(
    consented_photo, staff_client, django_assert_max_num_queries
):
    image, _ = consented_photo
    staff_client.get(consents_url(image))
    for number in range(10):
        give_consent(image, who=f"Person {number}")
    with django_assert_max_num_queries(16):
        assert staff_client.get(consents_url(image)).status_code == 200


def test_a_photo_of_another_story_is_not_found(consented_photo, staff_client, staff_user):
    image, _ = consented_photo
    other = factories.StoryFactory(member=staff_user.mission.member, author=staff_user)
    assert (
        staff_client.get(reverse("my_stories:image_consents", args=[other.pk, image.pk])).status_code == 404
    )


def test_no_trace_of_a_taken_down_photo_is_left_on_public_pages(consented_photo, staff_user):
    image, consent = consented_photo
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")
    after = public_places(Client(), image.story)
    for place, content in after.items():
        assert image.alt_text not in content, place
        assert image.caption not in content, place
        assert "Photo being prepared" not in content, place


# ---------------------------------------------------------------------------------------------------------
# The secretariat's list of consent records


def test_the_admin_withdraw_action_calls_the_service(consented_photo, secretariat_user, rf):
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from stories.consent_admin import ImageConsentAdmin

    image, consent = consented_photo
    model_admin = ImageConsentAdmin(ImageConsent, admin.site)
    request = rf.post("/admin/stories/imageconsent/", {"apply": "1", "comment": "Asked by letter"})
    request.user = secretariat_user
    request.session = {}
    request._messages = FallbackStorage(request)
    assert model_admin.has_withdraw_permission(request)

    assert model_admin.withdraw(request, ImageConsent.objects.filter(pk=consent.pk)) is None

    consent.refresh_from_db()
    image.refresh_from_db()
    assert consent.withdrawal_note == "Asked by letter"
    assert image.taken_down_at is not None
    staff_request = rf.get("/")
    staff_request.user = image.story.author
    assert not model_admin.has_withdraw_permission(staff_request)
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)


def test_a_takedown_notice_held_back_by_the_broker_is_queued_again(
    consented_photo, staff_user, django_capture_on_commit_callbacks
):
    image, consent = consented_photo
    consent_services.consent_withdraw(actor=staff_user, consent_id=consent.pk, note="")  # no commit: no mail
    event = StoryEvent.objects.get(story=image.story, action="photo_taken_down")
    StoryEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert consent_services.takedown_notices_requeue() == 1
    assert any("taken down" in message.subject.lower() for message in mail.outbox)
    event.refresh_from_db()
    assert event.notified_at is not None
    assert consent_services.takedown_notices_requeue() == 0
