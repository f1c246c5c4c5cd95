"""In Chromium: mission staff withdraw the consent a published photo relied on, with the keyboard, after a
confirmation step; the photo is then gone from every public place (story page, og:image, gallery, home,
open data) and its public files are deleted. The consent pages pass axe in English and Arabic."""

from __future__ import annotations

import io
import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from stories.models import ConsentUse, FaceDecision, FaceDetection, ImageConsent, StoryImage
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD, PublishedStoryFactory
from tests.stories.test_consent import _consent_routes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

_consent_routes()
AXE = Axe()


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 110, 170)).save(buffer, "JPEG")
    return buffer.getvalue()


def published_photo(staff_user) -> tuple[StoryImage, ImageConsent]:
    story = PublishedStoryFactory(
        member=staff_user.mission.member,
        author=staff_user,
        title="Hearings open to everyone",
        published_at=timezone.now(),
    )
    media = storages["default"]
    renditions = {}
    for width in (480, 960):
        renditions[str(width)] = {
            "height": width * 3 // 4,
            "jpeg": media.save(
                f"stories/renditions/e2e/{width}.jpg", ContentFile(jpeg(width, width * 3 // 4))
            ),
            "webp": media.save(
                f"stories/renditions/e2e/{width}.webp", ContentFile(jpeg(width, width * 3 // 4))
            ),
        }
    original = storages["private"].save("stories/originals/e2e.jpg", ContentFile(jpeg(960, 720)))
    image = StoryImage.objects.create(
        story=story,
        original=original,
        width=960,
        height=720,
        alt_text="Ana speaks at the hearing",
        caption="The public hearing",
        consent_confirmed=True,
        face_detection=FaceDetection.FOUND,
        face_decision=FaceDecision.CONSENT,
        renditions=renditions,
    )
    consent = ImageConsent.objects.create(
        image=image,
        who="Ana Example",
        uses=[ConsentUse.PORTAL, ConsentUse.OPEN_DATA],
        given_on=timezone.localdate(),
        obtained_how="Signed form kept by the mission",
    )
    return image, consent


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_a_withdrawn_consent_takes_the_photo_off_every_public_place(live_server, new_page, staff_user):
    base = live_server.url
    image, _consent = published_photo(staff_user)
    story = image.story
    names = [entry[fmt] for entry in image.renditions.values() for fmt in ("jpeg", "webp")]
    visitor, staff = new_page(), new_page()

    # The public sees the photo (and the pages are cached now).
    visitor.goto(f"{base}{story.get_absolute_url()}")
    expect(visitor.locator("article.story picture img")).to_have_count(1)
    assert "stories/renditions/e2e/" in visitor.locator("meta[property='og:image']").get_attribute("content")
    visitor.goto(f"{base}/en/stories/")
    assert "stories/renditions/e2e/" in visitor.content()

    # Staff open the photo's consents; the pages pass axe in English and Arabic.
    log_in(staff, base, staff_user.email, TEST_PASSWORD)
    for lang in ("en", "ar"):
        staff.goto(f"{base}/{lang}/my/stories/{story.pk}/photos/{image.pk}/consents/")
        assert serious_violations(staff) == [], lang
    staff.goto(f"{base}/en/my/stories/{story.pk}/photos/{image.pk}/consents/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Consent for a photo")
    expect(staff.locator("table")).to_contain_text("Ana Example")

    # With the keyboard: to the withdraw link, then the confirmation page, then the button.
    link = staff.get_by_role("link", name="Withdraw")
    link.focus()
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Withdraw a consent")
    expect(staff.locator("#consequence")).to_contain_text("takes the photo down")
    assert serious_violations(staff) == []
    staff.get_by_label("Note").focus()
    staff.keyboard.type("Ana asked us by phone")
    staff.get_by_role("button", name="Withdraw the consent").focus()
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    expect(staff.locator(".messages")).to_contain_text("taken down everywhere")
    expect(staff.locator("#taken-down")).to_be_visible()

    # The photo is gone from every public place, at once: the server's page cache is stale (a browser may
    # keep its own copy for PUBLIC_MAX_AGE seconds, whose images are gone anyway), so a visitor now gets
    # pages without it.
    visitor = new_page()
    visitor.goto(f"{base}{story.get_absolute_url()}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Hearings open to everyone")
    assert "stories/renditions/" not in visitor.content()
    expect(visitor.locator("meta[property='og:image']")).to_have_count(0)
    for path in (
        "/en/stories/",
        "/en/",
        "/api/stories.csv",
        "/api/stories.json",
        "/en/feeds/stories/",
        "/sitemap.xml",
    ):
        response = visitor.request.get(f"{base}{path}")
        assert response.ok, path
        assert "stories/renditions/" not in response.text(), path
    data = json.loads(visitor.request.get(f"{base}/api/stories.json").text())
    assert all(not record["renditions"] for item in data["results"] for record in item["images"])
    for name in names:
        assert not storages["default"].exists(name)
        assert visitor.request.get(f"{base}{storages['default'].url(name)}").status == 404
    image.refresh_from_db()
    assert image.taken_down_at is not None
