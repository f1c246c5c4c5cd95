"""Security as a visitor, an attacker and each role meet it: headers, who may open what, CSRF, redirects,
payloads that must stay inert, uploads that must be refused."""

import datetime
import importlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone

import coalition.urls
from meetings import services as meeting_services
from meetings.models import Meeting, Participant, ParticipantConsent
from stories import services
from stories.models import Story
from tests.factories import (
    TEST_PASSWORD,
    CoordinatorFactory,
    MissionFactory,
    PublishedStoryFactory,
    SecretariatFactory,
    StoryFactory,
    UserFactory,
)
from tests.stories import imagefiles

pytestmark = pytest.mark.django_db


# --- headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/en/", "/en/stories/", "/en/accounts/login/", "/en/members/", "/healthz"])
def test_every_page_carries_the_security_headers(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if " " in part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


@pytest.fixture
def media_served_by_the_portal(settings):
    """The embedded and single-host mode: SERVE_MEDIA adds the media route when the URLs are loaded."""
    settings.SERVE_MEDIA = True
    importlib.reload(coalition.urls)
    clear_url_caches()
    yield
    settings.SERVE_MEDIA = False
    importlib.reload(coalition.urls)
    clear_url_caches()


def test_public_media_are_served_with_nosniff_and_private_originals_have_no_url(
    client, settings, media_served_by_the_portal
):
    storages["default"].save("stories/renditions/abc/480.jpg", ContentFile(b"\xff\xd8\xff\xe0 a rendition"))
    storages["private"].save("stories/originals/abc.jpg", ContentFile(b"\xff\xd8\xff\xe0 an original"))

    rendition = client.get(f"{settings.MEDIA_URL}stories/renditions/abc/480.jpg")
    assert rendition.status_code == 200
    assert rendition["Content-Type"] == "image/jpeg"
    assert rendition["X-Content-Type-Options"] == "nosniff"
    assert b"".join(rendition.streaming_content).endswith(b"a rendition")
    assert client.get(f"{settings.MEDIA_URL}stories/originals/abc.jpg").status_code == 404
    # Climbing out of the media folder is refused outright.
    assert client.get(f"{settings.MEDIA_URL}../private/stories/originals/abc.jpg").status_code == 400


def test_pages_have_no_inline_script():
    client = Client()
    story = PublishedStoryFactory(published_at=timezone.now())
    for path in ["/en/", "/en/stories/", story.get_absolute_url(), "/en/meetings/"]:
        html = client.get(path).content.decode()
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/ld+json"' in opening, f"inline script on {path}"


# --- who may open what -------------------------------------------------------------------------------------


@pytest.fixture
def people(mission):
    other_mission = MissionFactory()
    return {
        "anonymous": None,
        "other member's staff": UserFactory(mission=other_mission),
        "member's staff": UserFactory(mission=mission),
        "coordinator": CoordinatorFactory(mission=mission),
        "secretariat": SecretariatFactory(),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# role -> expected status for (list, detail, edit, preview)
STORY_PAGES = [
    "my_stories:story_list",
    "my_stories:story_detail",
    "my_stories:story_edit",
    "my_stories:story_preview",
]
EXPECTED = {
    "anonymous": [302, 302, 302, 302],
    "other member's staff": [200, 404, 404, 404],
    "member's staff": [200, 200, 200, 200],
    "coordinator": [200, 200, 200, 200],
    "secretariat": [200, 200, 403, 200],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_access_matrix_of_the_staff_pages(people, mission, role):
    story = StoryFactory(
        member=mission.member, author=people["member's staff"], title="A draft of the member"
    )
    client = client_for(people[role])
    statuses = []
    for name in STORY_PAGES:
        url = reverse(name) if name.endswith("list") else reverse(name, args=[story.pk])
        response = client.get(url)
        statuses.append(response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
    assert statuses == EXPECTED[role]
    listing = client.get(reverse("my_stories:story_list")).content.decode()
    if role in ("member's staff", "coordinator"):
        assert "A draft of the member" in listing
    else:
        assert "A draft of the member" not in listing


@pytest.mark.parametrize("role", list(EXPECTED))
def test_only_the_members_people_submit_and_only_the_secretariat_moderates(people, mission, role):
    story = StoryFactory(member=mission.member, author=people["member's staff"])
    client = client_for(people[role])

    client.post(reverse("my_stories:story_submit", args=[story.pk]))
    story.refresh_from_db()
    assert (story.status == Story.Status.SUBMITTED) == (role in ("member's staff", "coordinator"))

    if story.status != Story.Status.SUBMITTED:
        services.story_submit(story_id=story.pk, actor=people["member's staff"])
    response = client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "approve", "_selected_action": [story.pk], "apply": "1", "comment": ""},
    )
    story.refresh_from_db()
    assert (story.status == Story.Status.PUBLISHED) == (role == "secretariat")
    if role != "secretariat":
        assert response.status_code in (302, 403)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_only_the_secretariat_opens_the_admin(people, role):
    client = client_for(people[role])
    for url in ["/admin/", "/admin/members/user/", "/admin/stories/story/", "/admin/meetings/meeting/add/"]:
        response = client.get(url, follow=True)
        html = response.content.decode()
        if role == "secretariat":
            assert response.status_code == 200, url
            assert "Log out" in html or "Log Out" in html or "logout" in html
        elif role == "anonymous":
            assert response.redirect_chain[-1][0].startswith("/en/accounts/login/"), url
            assert "<h1>Log in</h1>" in html
        else:
            assert response.status_code == 403, url
            assert "Not allowed" in html


# --- CSRF and redirects ----------------------------------------------------------------------------


def test_every_form_refuses_a_post_without_its_csrf_token(staff_user, mission):
    story = StoryFactory(member=mission.member, author=staff_user)
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(
            reverse("account_login"), {"login": staff_user.email, "password": TEST_PASSWORD}
        ).status_code
        == 403
    )
    client.force_login(staff_user)
    for url in [
        reverse("my_stories:story_create"),
        reverse("my_stories:story_edit", args=[story.pk]),
        reverse("my_stories:story_submit", args=[story.pk]),
        reverse("account_change_password"),
        reverse("account_logout"),
    ]:
        assert client.post(url, {}).status_code == 403, url
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "http:///evil.example"]
)
def test_the_login_next_parameter_cannot_send_people_off_site(client, staff_user, target):
    response = client.post(
        reverse("account_login") + f"?next={target}", {"login": staff_user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil.example" not in location


# --- payloads stay inert --------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "</title><script>alert(1)</script>",
    "{{ 7*7 }} {% debug %}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_public_texts_are_inert_on_pages_feeds_calendars_and_data(client, payload):
    story = PublishedStoryFactory(
        title=f"Story {payload}",
        summary=f"Summary {payload}",
        body=f"Body {payload}",
        published_at=timezone.now(),
    )
    start = timezone.now() + datetime.timedelta(days=3)
    meeting = meeting_services.meeting_save(
        meeting=Meeting(
            title=f"Meeting {payload}",
            kind=Meeting.Kind.SIDE_EVENT,
            city=Meeting.City.GENEVA,
            venue=f"Venue {payload}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            description=f"Description {payload}",
        )
    )
    participant = Participant.objects.create(
        meeting=meeting, name=f"Name {payload}", category=Participant.Category.EXPERT
    )
    ParticipantConsent.objects.create(
        participant=participant,
        who=participant.name,
        uses=["portal"],
        given_on=timezone.localdate(),
        obtained_how="Signed form",
    )

    pages = [
        "/en/",
        "/en/stories/",
        f"/en/stories/?q={payload}",
        story.get_absolute_url(),
        "/en/meetings/",
        meeting.get_absolute_url(),
        reverse("meetings:meeting_present", args=[meeting.slug]),
    ]
    for path in pages:
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html, path
        assert "<img src=x onerror" not in html and "<svg onload" not in html, path
        assert 'href="javascript:' not in html, path
    if "{{" in payload:
        # Texts are data, never templates: shown as typed.
        assert "Story {{ 7*7 }} {% debug %}" in client.get(story.get_absolute_url()).content.decode()
    feed = client.get(reverse("feeds:stories")).content.decode()
    assert "<script>" not in feed and "<img src=x" not in feed
    json_response = client.get(reverse("api:stories_json"))
    assert json_response["Content-Type"] == "application/json"
    assert json_response["X-Content-Type-Options"] == "nosniff"
    ics = client.get(reverse("meetings:meeting_ics", args=[meeting.slug]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert "Name " not in ics.content.decode()  # participants are never in calendar files


def test_a_polyglot_file_is_re_encoded_to_pixels_only(staff_client):
    """A JPEG with HTML and script appended after its image data: only the pixels survive."""
    from stories.images import clean_upload

    upload = imagefiles.jpeg_with_gps()
    upload.file.seek(0, 2)
    upload.file.write(b"<html><script>alert(document.cookie)</script></html>")
    upload.file.seek(0)
    cleaned = clean_upload(upload).content.read()
    assert b"<script>" not in cleaned and b"<html>" not in cleaned
    imagefiles.assert_no_metadata(cleaned)


def test_a_gif_or_an_html_file_named_like_a_photo_is_refused():
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from stories.images import clean_upload

    gif = SimpleUploadedFile("photo.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;<script>alert(1)</script>")
    html = SimpleUploadedFile("photo.png", b"<!DOCTYPE html><script>alert(1)</script>")
    for upload in (gif, html):
        with pytest.raises(ValidationError) as error:
            clean_upload(upload)
        assert error.value.code == "unsupported_type"
