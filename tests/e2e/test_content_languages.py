"""Every public page read in Chromium, in English and in Arabic, with content written in English, Arabic and
French: from the DOM, each text node's effective language (its closest `lang`) is the page's for the
interface and the content's own for the content; content runs in the content's direction; no Latin text sits
in a right-to-left run without isolation (`<bdi>` or an element with `dir`) unless it is marked Arabic; dates
in `<time>` follow the page language's conventions; axe finds nothing serious.

Pages that cannot be reached on purpose (403, 429, 503) are rendered as a request would get them and given to
the browser as they are, as tests/e2e/test_accessibility.py does for the 503 page.
"""

from __future__ import annotations

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import reverse
from django.utils import dates, timezone, translation
from django.views import defaults
from playwright.sync_api import expect

from cooperation import publishing
from cooperation.models import Communication, Mandate, VisitRequest
from core.db_outage import database_unavailable
from meetings.models import MeetingTranslation
from membership.models import Application, Criterion, DeclarationText, DeclarationVersion
from recommendations.models import Citation, Inspiration
from stories.models import FaceDetection, StoryImage, StoryTranslation
from tests import factories
from tests.meetings.factories import AgendaItemFactory, MeetingFactory, ParticipantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}
LAST_YEAR = timezone.localdate().year - 1

# The content of the fixture, by language: every text node made of these words must carry their language.
EN_STORY = {
    "title": "Mobile courts reach remote villages",
    "summary": "Judges travel to where people live, so that nobody gives up a case for lack of a bus fare.",
    "body": "Since 2019, **mobile courts** have held hearings in village halls.\n\n"
    "- Hearings free of charge\n- Judges close to home",
}
AR_STORY = {
    "title": "تسجيل المواليد في كل قرية",
    "summary": "يسجل الموظفون كل مولود في القرية نفسها، دون سفر إلى المدينة.",
    "body": "منذ عام 2016، **يزور الموظفون** القرى كل شهر.\n\n- التسجيل مجاني\n- شهادة في اليوم نفسه",
}
AR_STORY_IN_ENGLISH = {
    "title": "Birth registration in every village",
    "summary": "Clerks register every newborn in the village itself, with no journey to town.",
    "body": "Since 2016, **clerks visit** the villages every month.",
}
FR_STORY = {
    "title": "Des bibliothèques ouvertes la nuit",
    "summary": "Les bibliothèques municipales restent ouvertes jusqu'à minuit pour les étudiants.",
    "body": "Depuis 2017, **trente bibliothèques** ouvrent le soir.\n\n- Entrée gratuite\n- Wifi pour tous",
}
FR_STORY_ARABIC_TITLE = "مكتبات مفتوحة ليلًا"
PHOTO = {"alt_text": "Judges hear a case in a village hall", "caption": "A hearing held in a village hall"}
MEETING = {
    "title": "Ministerial meeting on access to justice",
    "venue": "Palais des Nations, Room XXI",
    "description": "Members present the policies that worked for them.",
}
MEETING_IN_ARABIC = {"title": "اجتماع وزاري بشأن الوصول إلى العدالة", "description": "يعرض الأعضاء السياسات."}
RECOMMENDATION = "Strengthen legal aid for people living in rural districts"
CRITERION = "Support for the United Nations human rights system"
MANDATE = "Special Rapporteur on the right to adequate food"

CONTENT: dict[str, str] = {
    **{_text: "en" for _text in (*EN_STORY.values(), PHOTO["caption"], RECOMMENDATION, CRITERION, MANDATE)},
    **{_text: "en" for _text in (*AR_STORY_IN_ENGLISH.values(), *MEETING.values(), "Chile", "Opening")},
    **{_text: "ar" for _text in (*AR_STORY.values(), FR_STORY_ARABIC_TITLE, *MEETING_IN_ARABIC.values())},
    **{_text: "fr" for _text in FR_STORY.values()},
}
# Words typed by people, in no recorded language: isolated, whatever language they are in.
UNKNOWN = [
    "Permanent Mission of the Initiative in Geneva",
    "Chemin du Petit-Saconnex 28",
    "1209 Geneva",
    "Ministry press office",
    "Anna Expert",
    "Ministry of Justice of Exampleland",
    "Permanent Mission to the United Nations in Geneva",
    "Ana Contact",
    "First Secretary",
    "Felix Focal",
]


def words(markdown: str) -> list[str]:
    """The runs of text a Markdown body becomes (its list items and its emphasis are runs of their own)."""
    return [run.strip() for run in re.split(r"\*\*|\n+- |\n\n", markdown) if run.strip()]


def runs_of(content: dict[str, str]) -> dict[str, str]:
    """Each run of text the content becomes on a page -> its language."""
    runs = {}
    for text, language in content.items():
        for run in [text, *words(text)]:
            runs[re.sub(r"\s+", " ", run)] = language
    return runs


def declaration_content() -> dict[str, str]:
    """The joint declaration's texts (seeded by a data migration), by language."""
    content = {}
    for text in DeclarationText.objects.filter(version__is_current=True):
        content[text.title] = text.language
        for paragraph in re.split(r"\n\s*\n", text.text):
            content[paragraph.strip()] = text.language
    return content


def next_september(hour: int = 8) -> datetime.datetime:
    """15 September at `hour` UTC, the next one from today: a meeting to come, in a month whose Arabic name
    has two styles ("سبتمبر" and "أيلول")."""
    today = timezone.now()
    year = today.year if (today.month, today.day) < (9, 14) else today.year + 1
    return datetime.datetime(year, 9, 15, hour, 0, tzinfo=datetime.UTC)


def photo(story, **texts) -> StoryImage:
    """A public photo; its renditions need not exist for what this test reads."""
    renditions = {str(width): {"jpeg": f"r/{width}.jpg", "webp": f"r/{width}.webp"} for width in (480, 960)}
    return StoryImage.objects.create(
        story=story,
        original="stories/originals/test.jpg",
        width=960,
        height=720,
        consent_confirmed=True,
        face_detection=FaceDetection.NONE,
        renditions=renditions,
        **texts,
    )


@pytest.fixture
def content(db) -> dict:
    mission = factories.MissionFactory(
        name="Permanent Mission of the Initiative in Geneva",
        address="Chemin du Petit-Saconnex 28\n1209 Geneva",
    )
    member = mission.member
    coordinator = factories.CoordinatorFactory(mission=mission)
    second, third = factories.MemberFactory(), factories.MemberFactory()

    english = factories.PublishedStoryFactory(
        member=member,
        language="en",
        slug="mobile-courts",
        policy_year=2015,
        published_at=datetime.datetime(LAST_YEAR, 9, 3, 9, 30, tzinfo=datetime.UTC),
        **EN_STORY,
    )
    photo(english, credit="Ministry press office", **PHOTO)
    arabic = factories.PublishedStoryFactory(
        member=second,
        language="ar",
        slug="birth-registration",
        policy_year=2016,
        published_at=datetime.datetime(LAST_YEAR, 9, 10, 9, 30, tzinfo=datetime.UTC),
        **AR_STORY,
    )
    # An English translation, made before the original changed: it may be out of date.
    StoryTranslation.objects.create(story=arabic, language="en", source_digest="stale", **AR_STORY_IN_ENGLISH)
    french = factories.PublishedStoryFactory(
        member=third,
        language="fr",
        slug="night-libraries",
        policy_year=2017,
        published_at=datetime.datetime(LAST_YEAR, 9, 20, 9, 30, tzinfo=datetime.UTC),
        **FR_STORY,
    )
    # Only the title in Arabic: the summary and the body shown to Arabic readers are the French ones.
    title_only = StoryTranslation(story=french, language="ar", title=FR_STORY_ARABIC_TITLE)
    title_only.mark_current()
    title_only.save()

    meeting = MeetingFactory(
        starts_at=next_september(),
        ends_at=next_september(10),
        language="en",
        co_chairs=[member],
        **MEETING,
    )
    translated = MeetingTranslation(meeting=meeting, language="ar", **MEETING_IN_ARABIC)
    translated.mark_current()
    translated.save()
    AgendaItemFactory(meeting=meeting, title="Opening", story=english)
    ParticipantFactory(
        meeting=meeting,
        name="Anna Expert",
        organisation="Ministry of Justice of Exampleland",
        consents_to_portal=True,
    )

    recommendation = factories.RecommendationFactory(
        country=member.country, text=RECOMMENDATION, recommending_states=["Chile"]
    )
    Citation.objects.create(
        story=english,
        recommendation=recommendation,
        mechanism=recommendation.mechanism,
        symbol=recommendation.symbol,
        paragraph=recommendation.paragraph,
    )
    Inspiration.objects.create(
        story=arabic,
        source=english,
        meeting=meeting,
        status=Inspiration.Status.CONFIRMED,
        decided_at=datetime.datetime(LAST_YEAR, 9, 25, 12, 0, tzinfo=datetime.UTC),
    )

    mandate = Mandate.objects.get_or_create(
        name="right to adequate food", defaults={"holder_title": MANDATE}
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

    Criterion.objects.create(order=99, text=CRITERION)
    applicant = factories.MemberFactory.build().country  # a state that is not a member
    application = Application(
        kind=Application.Kind.STATE,
        country=applicant,
        office="Permanent Mission to the United Nations in Geneva",
        contact_name="Ana Contact",
        contact_title="First Secretary",
        email="ana@mission.example",
        phone="+41 22 000 00 00",
        declaration_version=DeclarationVersion.objects.get(is_current=True),
        focal_point_name="Felix Focal",
        focal_point_email="felix@mission.example",
        language="en",
        status=Application.Status.RECEIVED,
    )
    application.save()
    return {
        "member": member,
        "stories": {"en": english, "ar": arabic, "fr": french},
        "meeting": meeting,
        "recommendation": recommendation,
        "application": application,
    }


def live_paths(content: dict) -> dict[str, str]:
    """Name -> path of each public page, in the active language."""
    member = content["member"]
    iso = member.iso.lower()
    stories = content["stories"]
    return {
        "home": reverse("home"),
        "gallery": reverse("stories:story_list"),
        "gallery-filtered": f"{reverse('stories:story_list')}?member={iso}&q=courts",
        "story-en": stories["en"].get_absolute_url(),
        "story-ar": stories["ar"].get_absolute_url(),
        "story-fr": stories["fr"].get_absolute_url(),
        "members": reverse("members:member_list"),
        "member": reverse("coalition:member_detail", kwargs={"iso": iso}),
        "recommendations": reverse("recommendations:recommendation_list"),
        "recommendation": content["recommendation"].get_absolute_url(),
        "replication": reverse("replication:index"),
        "cooperation": reverse("cooperation:card_list"),
        "cooperation-card": reverse("cooperation_card:card_detail", kwargs={"iso": iso}),
        "reprisals": reverse("reprisals:figures"),
        "join": reverse("membership:join"),
        "application": reverse(
            "membership:application_status", kwargs={"key": content["application"].access_key}
        ),
        "not-found": f"{reverse('home')}no-such-page/",
        # The lead's templates, checked the same way.
        "meetings": reverse("meetings:meeting_list"),
        "meeting": content["meeting"].get_absolute_url(),
        "declaration": reverse("declaration:index"),
    }


def rendered(name: str, language: str) -> str:
    """The HTML of a page that cannot be reached on purpose, as a request in `language` would get it."""
    factory = RequestFactory()
    with translation.override(language):
        request = factory.get(reverse("stories:story_list"))
        if name == "forbidden":
            response = defaults.permission_denied(request, PermissionDenied())
        elif name == "too-many":
            response = render(request, "429.html", status=429)
        else:
            response = database_unavailable(request, OperationalError("connection refused"))
        return response.content.decode()


PAGES = [
    "home",
    "gallery",
    "gallery-filtered",
    "story-en",
    "story-ar",
    "story-fr",
    "members",
    "member",
    "recommendations",
    "recommendation",
    "replication",
    "cooperation",
    "cooperation-card",
    "reprisals",
    "join",
    "application",
    "not-found",
    "forbidden",
    "too-many",
    "unavailable",
    "meetings",
    "meeting",
    "declaration",
]
OFFLINE = {"forbidden", "too-many", "unavailable"}

# Every non-blank text node of the body: its words, the `lang` of its closest element that has one, the
# direction it is laid out in, whether an element between it and <html> isolates it, and where it is.
TEXT_NODES = """() => {
  const nodes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (!text || !parent || parent.closest("script, style, template, noscript")) continue;
    const langElement = parent.closest("[lang]");
    const link = parent.closest("a[hreflang]");
    nodes.push({
      text: text,
      lang: (langElement ? langElement.getAttribute("lang") : "").toLowerCase(),
      langTag: langElement ? langElement.tagName.toLowerCase() : "",
      hreflang: link ? link.getAttribute("hreflang").toLowerCase() : "",
      direction: getComputedStyle(parent).direction,
      isolated: !!parent.closest("bdi, body [dir]"),
      where: parent.tagName.toLowerCase()
        + (parent.className ? "." + String(parent.className).split(" ")[0] : ""),
    });
  }
  return nodes;
}"""
TIMES = """() => Array.from(
  document.querySelectorAll("time"), (time) => time.textContent.replace(/\\s+/g, " ").trim()
)"""

LETTER = re.compile(r"[^\W\d_]")
LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
ARABIC = re.compile(r"[\u0600-\u06FF]")
RTL_LANGUAGES = {"ar"}


def content_language(text: str, runs: dict[str, str]) -> str | None:
    """The language of the content this text node belongs to, if it is content of the fixture (a part of a
    run long enough not to be an interface word that happens to occur in it)."""
    if text in runs:
        return runs[text]
    if len(text) >= 10:
        for run, language in runs.items():
            if text in run:
                return language
    return None


def is_unknown_language_content(text: str) -> bool:
    return any(text == typed or (len(text) >= 10 and text in typed) for typed in UNKNOWN)


def language_problems(nodes: list[dict], page_language: str, runs: dict[str, str]) -> list[str]:
    problems = []
    for node in nodes:
        text, lang = node["text"], node["lang"]
        if not LETTER.search(text):
            continue  # figures and punctuation have no language
        expected = content_language(text, runs)
        where = f"{node['where']}: {text[:70]!r}"
        if expected is not None:
            if lang != expected:
                problems.append(f"content in {expected} marked {lang!r} ({where})")
            wanted = "rtl" if expected in RTL_LANGUAGES else "ltr"
            if node["direction"] != wanted:
                problems.append(f"content in {expected} laid out {node['direction']} ({where})")
        elif is_unknown_language_content(text):
            if not node["isolated"]:
                problems.append(f"typed text not isolated ({where})")
        elif node["hreflang"] and lang == node["hreflang"]:
            pass  # a language's own name, in that language ("Français" in the language links)
        elif node["langTag"] in {"option", "optgroup"} and lang != page_language:
            pass  # an official title with its own language (SDG targets, mandates), marked on its option
        elif lang != page_language:
            problems.append(f"interface words marked {lang!r} on a {page_language} page ({where})")
        if (
            LATIN.search(text)
            and node["direction"] == "rtl"
            and not lang.startswith("ar")
            and not node["isolated"]
        ):
            problems.append(f"Latin text in a right-to-left run without isolation ({where})")
    return problems


def arabic_months() -> set[str]:
    with translation.override("ar"):
        return {str(name) for name in dates.MONTHS.values()}


def date_problems(times: list[str], page_language: str) -> list[str]:
    problems = []
    months = arabic_months()
    for text in times:
        if page_language == "ar":
            if LATIN.search(text):
                problems.append(f"Latin letters in an Arabic date: {text!r}")
            if (
                ARABIC.search(text)
                and not any(month in text for month in months)
                and not re.search(r"\d{1,2}:\d{2}", text)
            ):
                problems.append(f"an Arabic date without Django's month names: {text!r}")
            if "," in text and ARABIC.search(text):
                problems.append(f"a Latin comma in an Arabic date: {text!r}")
            if "/" in text and ARABIC.search(text):
                problems.append(f"two styles of month name in one date: {text!r}")
            if re.search(r"\d{1,2}:\d{2}", text) and re.search(r"\d{4}", text) and "،" not in text:
                problems.append(f"an Arabic date and time without the Arabic comma: {text!r}")
        elif ARABIC.search(text):
            problems.append(f"Arabic letters in a {page_language} date: {text!r}")
    return problems


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("name", PAGES)
def test_each_text_is_in_its_language_and_direction(live_server, page, content, name, language):
    if name in OFFLINE:
        page.set_content(rendered(name, language))
    else:
        with translation.override(language):
            path = live_paths(content)[name]
        page.goto(f"{live_server.url}{path}")
    assert page.locator("html").get_attribute("lang") == language

    runs = runs_of({**CONTENT, **declaration_content()})
    problems = language_problems(page.evaluate(TEXT_NODES), language, runs)
    problems += date_problems(page.evaluate(TIMES), language)
    problems += [f"axe: {violation}" for violation in serious_violations(page)]
    assert not problems, "\n".join(problems)


def test_the_fixture_shows_what_the_checks_are_about(live_server, page, content):
    """The checks above read real content: the Arabic gallery holds English, Arabic and French runs, and the
    French story's summary stays French under its Arabic title."""
    with translation.override("ar"):
        path = live_paths(content)["gallery"]
    page.goto(f"{live_server.url}{path}")
    runs = runs_of(CONTENT)
    languages = {content_language(node["text"], runs) for node in page.evaluate(TEXT_NODES)} - {None}
    assert languages == {"en", "ar", "fr"}
    card = page.locator(".story-card", has_text=FR_STORY_ARABIC_TITLE)
    assert card.locator("h3").get_attribute("lang") == "ar"
    assert card.locator("p[lang]").get_attribute("lang") == "fr"
    assert card.get_attribute("lang") is None


def test_the_checks_catch_what_the_issue_found(page):
    """The checks themselves, on the markup the issue describes: interface words inside the content's
    `lang`, an English summary in an Arabic run, a typed address not isolated, an English-order date."""
    page.set_content(
        """<!DOCTYPE html><html lang="ar" dir="rtl"><body>
        <ul><li class="story-card" lang="en"><h3>Mobile courts reach remote villages</h3>
        <p>أورجواي · 2015</p></li></ul>
        <p>Judges travel to where people live, so that nobody gives up a case for lack of a bus fare.</p>
        <p>Chemin du Petit-Saconnex 28</p>
        <p><time>ديسمبر 1, 2026</time> <time>1 أيلول/سبتمبر 2026 10:00</time></p>
        </body></html>"""
    )
    problems = language_problems(page.evaluate(TEXT_NODES), "ar", runs_of(CONTENT))
    problems += date_problems(page.evaluate(TIMES), "ar")
    summary = "p: 'Judges travel to where people live, so that nobody gives up a case for'"
    assert problems == [
        "content in en laid out rtl (h3: 'Mobile courts reach remote villages')",
        "Latin text in a right-to-left run without isolation (h3: 'Mobile courts reach remote villages')",
        "interface words marked 'en' on a ar page (p: 'أورجواي · 2015')",
        f"content in en marked 'ar' ({summary})",
        f"content in en laid out rtl ({summary})",
        "typed text not isolated (p: 'Chemin du Petit-Saconnex 28')",
        "a Latin comma in an Arabic date: 'ديسمبر 1, 2026'",
        "two styles of month name in one date: '1 أيلول/سبتمبر 2026 10:00'",
        "an Arabic date and time without the Arabic comma: '1 أيلول/سبتمبر 2026 10:00'",
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_on_a_phone_the_stories_come_first_and_the_filters_open_from_the_keyboard(
    live_server, new_page, content, language
):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    with translation.override(language):
        gallery = reverse("stories:story_list")
        summary_text = translation.gettext("Filter stories")
        theme_label = translation.gettext("Theme")
    page.goto(f"{live_server.url}{gallery}")
    # The filters are folded: the first story starts on the first screen, and nothing scrolls sideways.
    assert page.locator(".story-card").first.bounding_box()["y"] < 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    theme = page.get_by_label(theme_label, exact=True)
    expect(theme).to_be_hidden()

    summary = page.locator(".filter-panel > summary")
    expect(summary).to_have_text(summary_text)
    for _ in range(60):
        if page.evaluate("document.activeElement.matches('.filter-panel > summary')"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("the filter button cannot be reached with Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(theme).to_be_visible()

    # A filter in use: the panel is open from the start.
    page.goto(f"{live_server.url}{gallery}?sdg=16")
    expect(page.locator(".filter-panel")).to_have_attribute("open", "")
