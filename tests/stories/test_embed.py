"""Citing and embedding a story: the citation files, the card other sites may frame (and only it), the oEmbed
endpoint handing out its <iframe>, and the story page's "cite this story" box and oEmbed discovery link."""

import datetime
import html
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from stories.models import StoryImage, StoryTranslation
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED_AT = datetime.datetime(2024, 3, 5, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.PUBLIC_CACHE = True


@pytest.fixture
def story():
    story = factories.PublishedStoryFactory(
        member=Member.objects.get(country="UY"),
        title="Mobile courts in rural departments",
        slug="mobile-courts",
        summary="Judges travel to the villages.",
        published_at=PUBLISHED_AT,
    )
    StoryTranslation.objects.create(
        story=story, language="fr", title="Des tribunaux mobiles", summary="Les juges vont aux villages."
    )
    return story


def add_photo(story, **fields) -> StoryImage:
    return StoryImage.objects.create(
        story=story,
        original="stories/originals/x.jpg",
        width=800,
        height=600,
        alt_text="A hearing in a village hall",
        consent_confirmed=True,
        renditions={
            "480": {"webp": "r/480.webp", "jpeg": "r/480.jpg", "height": 360},
            "800": {"webp": "r/800.webp", "jpeg": "r/800.jpg", "height": 600},
        },
        **fields,
    )


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if " " in part.strip())


def frameable_by_anyone(response) -> bool:
    return directives(response)["frame-ancestors"] == "*" and not response.has_header("X-Frame-Options")


def framed_by_nobody(response) -> bool:
    return directives(response)["frame-ancestors"] == "'none'" and response["X-Frame-Options"] == "DENY"


def embed_url(story, language: str = "en") -> str:
    return f"/{language}/stories/{story.slug}/embed/"


# ---------------------------------------------------------------------------------------------------------
# The card


def test_the_card_shows_the_story_and_opens_it_in_a_new_tab(client, story):
    add_photo(story)

    response = client.get(embed_url(story))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Mobile courts in rural departments" in page
    assert "Judges travel to the villages." in page
    assert "Uruguay" in page
    links = re.findall(r'<a href="([^"]*)" target="_blank" rel="noopener">', page)
    assert links == ["http://testserver/en/stories/mobile-courts/"] * 2
    assert page.count("<a ") == 2
    assert 'alt="A hearing in a village hall"' in page
    assert 'srcset="/media/r/480.jpg 480w, /media/r/800.jpg 800w"' in page
    assert '<link rel="stylesheet" href="/static/css/embed.css">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert '<link rel="canonical" href="http://testserver/en/stories/mobile-courts/">' in page
    assert "<script" not in page and "style=" not in page


def test_the_card_leaves_out_a_photo_the_public_may_not_see(client, story):
    add_photo(story, taken_down_at=timezone.now(), taken_down_reason="Consent withdrawn")
    add_photo(story, face_detection="found")  # faces nobody decided about yet

    page = client.get(embed_url(story)).content.decode()

    assert '<img class="embed-photo"' not in page
    assert "A hearing in a village hall" not in page


def test_the_card_speaks_the_language_of_its_prefix(client, story):
    page = client.get(embed_url(story, "fr")).content.decode()

    assert '<html lang="fr" dir="ltr">' in page
    assert '<h1 class="embed-title" lang="fr" dir="ltr">' in page
    assert "Des tribunaux mobiles" in page
    assert 'href="http://testserver/fr/stories/mobile-courts/"' in page


def test_an_untranslated_story_keeps_its_own_language_on_an_arabic_card(client, story):
    page = client.get(embed_url(story, "ar")).content.decode()

    assert '<html lang="ar" dir="rtl">' in page
    assert '<h1 class="embed-title" lang="en" dir="ltr">' in page


def test_a_withdrawn_story_s_card_answers_410_with_a_notice(client, story):
    story.status = "withdrawn"
    story.save()

    response = client.get(embed_url(story))

    assert response.status_code == 410
    page = response.content.decode()
    assert "This story has been withdrawn" in page
    assert "is no longer published on this portal" in page
    assert "Judges travel" not in page
    assert frameable_by_anyone(response)


def test_a_draft_or_unknown_story_has_no_card(client):
    draft = factories.StoryFactory(title="Not yet public")

    for url in (embed_url(draft), "/en/stories/no-such-story/embed/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "There is no published story at this address." in response.content.decode()
        assert "Not yet public" not in response.content.decode()
        assert frameable_by_anyone(response)


# ---------------------------------------------------------------------------------------------------------
# Framing: the card and nothing else, from the cache as well


def test_only_the_card_may_be_framed_on_a_miss_and_on_a_hit(story, django_assert_num_queries):
    for url, frameable in [(embed_url(story), True), (story.get_absolute_url(), False)]:
        miss = Client().get(url)
        with django_assert_num_queries(0):
            hit = Client().get(url)  # PublicCacheMiddleware: answered before any view runs
        for response in (miss, hit):
            assert response.status_code == 200
            assert frameable_by_anyone(response) if frameable else framed_by_nobody(response), url
        assert hit.content == miss.content


def test_a_card_served_from_the_cache_to_a_visitor_with_a_session_cookie_stays_frameable(story):
    Client().get(embed_url(story))  # stored
    with_cookie = Client()
    with_cookie.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"

    # Past the middleware (a session cookie), answered by cache_public_page from the same store.
    card = with_cookie.get(embed_url(story))
    page = with_cookie.get(story.get_absolute_url())

    assert card.status_code == 200 and "Mobile courts" in card.content.decode()
    assert frameable_by_anyone(card)
    assert framed_by_nobody(page)


@pytest.mark.parametrize(
    "url",
    [
        "/en/stories/",
        "/en/stories/mobile-courts/",
        "/en/stories/mobile-courts/cite.bib",
        "/en/stories/mobile-courts/cite.json",
        "/en/api/oembed.json?url=http://testserver/en/stories/mobile-courts/",
        "/en/",
    ],
)
def test_every_other_route_stays_unframeable(client, story, url):
    response = client.get(url)

    assert response.status_code == 200
    assert framed_by_nobody(response)


def test_the_card_page_keeps_the_rest_of_the_policy(client, story):
    policy = directives(client.get(embed_url(story)))

    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["default-src"] == "'self'"


# ---------------------------------------------------------------------------------------------------------
# oEmbed


def oembed(client, url: str, **params):
    return client.get(reverse("api:oembed"), {"url": url, **params})


def test_oembed_answers_a_rich_card_for_a_story_page(client, story):
    response = oembed(client, "http://testserver/en/stories/mobile-courts/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data == {
        "version": "1.0",
        "type": "rich",
        "title": "Mobile courts in rural departments",
        "author_name": "Uruguay",
        "author_url": "http://testserver/en/members/uy/",
        "provider_name": "Good Human Rights Stories Initiative",
        "provider_url": "http://testserver/en/",
        "cache_age": 3600,
        "html": (
            '<iframe src="http://testserver/en/stories/mobile-courts/embed/" width="480" height="240" '
            'title="Mobile courts in rural departments" loading="lazy" '
            'sandbox="allow-popups allow-popups-to-escape-sandbox" '
            'style="border: 0; max-width: 100%;"></iframe>'
        ),
        "width": 480,
        "height": 240,
    }


def test_oembed_keeps_within_the_size_asked_and_gives_a_thumbnail(client, story):
    add_photo(story)

    data = oembed(
        client, "http://testserver/en/stories/mobile-courts/", maxwidth="320", maxheight="400"
    ).json()
    default = oembed(client, "http://testserver/en/stories/mobile-courts/", maxwidth="abc").json()
    larger = oembed(client, "http://testserver/en/stories/mobile-courts/", maxwidth="2000").json()

    assert (data["width"], data["height"]) == (320, 400)
    assert 'width="320" height="400"' in data["html"]
    assert (default["width"], default["height"]) == (480, 500)
    assert larger["width"] == 480
    assert data["thumbnail_url"] == "http://testserver/media/r/480.jpg"
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (480, 360)


def test_oembed_follows_the_language_of_the_address_given(client, story):
    # Asked under /en/, about the French page (and the card's address works as well as the page's).
    for url in (
        "http://testserver/fr/stories/mobile-courts/",
        "http://testserver/fr/stories/mobile-courts/embed/",
    ):
        data = oembed(client, url).json()
        assert data["title"] == "Des tribunaux mobiles"
        assert 'src="http://testserver/fr/stories/mobile-courts/embed/"' in data["html"]
        assert data["provider_url"] == "http://testserver/fr/"


def test_oembed_accepts_the_site_url_host(client, story, settings):
    settings.SITE_URL = "https://goodstories.example"

    response = oembed(client, "https://goodstories.example/en/stories/mobile-courts/?utm_source=x")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/en/stories/no-such-story/",
        "http://testserver/en/stories/a-draft/",
        "http://testserver/en/stories/a-withdrawn-one/",
        "http://elsewhere.example/en/stories/mobile-courts/",
        "http://testserver/en/members/uy/",
        "http://testserver/stories/mobile-courts/",
        "http://testserver/xx/stories/mobile-courts/",
        "javascript:alert(1)",
        "http://[::1/en/stories/mobile-courts/",
        "http://testserver/en/stories/mobile-courts/\x00/",
        "mobile-courts",
    ],
)
def test_oembed_answers_404_with_a_sentence_for_anything_but_a_published_story(client, story, url):
    factories.StoryFactory(slug="a-draft")
    factories.StoryFactory(slug="a-withdrawn-one", status="withdrawn", published_at=PUBLISHED_AT)

    response = oembed(client, url)

    assert response.status_code == 404
    assert response.json()["error"].startswith("There is no published story at this address")


def test_oembed_refuses_xml_with_501_and_needs_a_url(client, story):
    xml = oembed(client, "http://testserver/en/stories/mobile-courts/", format="xml")
    missing = client.get(reverse("api:oembed"))

    assert xml.status_code == 501
    assert "format=json" in xml.json()["error"]
    assert missing.status_code == 400
    assert "url" in missing.json()["error"]


def test_the_story_page_announces_its_oembed(client, story):
    page = client.get(story.get_absolute_url()).content.decode()

    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]*)"[^>]*>', page)
    assert link, "the page links to its oEmbed"
    answer = client.get(html.unescape(link.group(1)).removeprefix("http://testserver"))
    assert answer.status_code == 200
    assert answer.json()["title"] == "Mobile courts in rural departments"


# ---------------------------------------------------------------------------------------------------------
# Citation files


def test_bibtex_cites_the_member_the_title_the_date_and_the_address(client, story):
    response = client.get("/en/stories/mobile-courts/cite.bib")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mobile-courts.bib"'
    entry = response.content.decode()
    assert entry.startswith(f"@misc{{goodstories-{story.pk},\n")
    assert "  author = {{Uruguay}},\n" in entry
    assert "  title = {{Mobile courts in rural departments}},\n" in entry
    assert "  howpublished = {Good Human Rights Stories Initiative},\n" in entry
    assert "  year = {2024},\n  date = {2024-03-05},\n" in entry
    assert "  url = {http://testserver/en/stories/mobile-courts/},\n" in entry
    assert f"  urldate = {{{timezone.now().astimezone(datetime.UTC).date().isoformat()}}},\n" in entry
    assert "  langid = {english},\n" in entry
    assert entry.endswith("}\n")


def test_bibtex_escapes_what_latex_would_read_as_commands(client):
    factories.PublishedStoryFactory(
        slug="special",
        title="50% & more: {braces}, $money$, #1, a_b, x^2, ~tilde \\back",
        summary="Line one\nline two",
        member=Member.objects.get(country="UY"),
    )

    entry = client.get("/en/stories/special/cite.bib").content.decode()

    assert (
        r"title = {{50\% \& more: \{braces\}, \$money\$, \#1, a\_b, x\textasciicircum{}2, "
        r"\textasciitilde{}tilde \textbackslash{}back}}," in entry
    )
    assert "abstract = {Line one line two}," in entry
    # Every brace that is not ours is escaped: the entry's braces balance.
    unescaped = re.sub(r"\\[{}]", "", entry)
    assert unescaped.count("{") == unescaped.count("}")


def test_csl_json_is_one_webpage_item(client, story):
    response = client.get("/fr/stories/mobile-courts/cite.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json"
    assert response["Content-Disposition"] == 'attachment; filename="mobile-courts.json"'
    [item] = json.loads(response.content)
    assert item["id"] == f"goodstories-{story.pk}"
    assert item["type"] == "webpage"
    assert item["title"] == "Des tribunaux mobiles"  # the words a reader of /fr/ cites
    assert item["language"] == "fr"
    assert item["URL"] == "http://testserver/fr/stories/mobile-courts/"
    assert item["author"] == [{"literal": "Uruguay"}]
    assert item["issued"] == {"date-parts": [[2024, 3, 5]]}
    assert item["container-title"] == "Initiative des bonnes histoires en matière de droits de l'homme"


def test_an_untranslated_story_is_cited_in_its_own_language_and_address(client, story):
    [item] = json.loads(client.get("/ar/stories/mobile-courts/cite.json").content)

    assert item["title"] == "Mobile courts in rural departments"
    assert item["language"] == "en"
    assert item["URL"] == "http://testserver/en/stories/mobile-courts/"


def test_citation_files_answer_410_for_a_withdrawn_story_and_404_for_a_draft(client, story):
    factories.StoryFactory(slug="a-draft")
    story.status = "withdrawn"
    story.save()

    for suffix in ("cite.bib", "cite.json"):
        assert client.get(f"/en/stories/mobile-courts/{suffix}").status_code == 410
        assert client.get(f"/en/stories/a-draft/{suffix}").status_code == 404


# ---------------------------------------------------------------------------------------------------------
# The cite box on the story page


def cite_box(page: str) -> str:
    match = re.search(r'<details class="cite" id="cite">.*?</details>', page, re.DOTALL)
    assert match, "the page has its cite box"
    return match.group(0)


def test_the_story_page_has_a_cite_box(client, story):
    box = cite_box(client.get(story.get_absolute_url()).content.decode())

    assert "<summary>Cite this story</summary>" in box
    assert (
        '<p class="citation"><bdi>Uruguay</bdi> (2024). <cite lang="en" dir="ltr">Mobile courts in rural '
        "departments</cite>. Good Human Rights Stories Initiative. "
        '<span dir="ltr" class="citation-url">http://testserver/en/stories/mobile-courts/</span></p>'
    ) in box
    assert 'href="/en/stories/mobile-courts/cite.bib" type="text/x-bibtex" download' in box
    assert 'href="/en/stories/mobile-courts/cite.json" type="application/vnd.citationstyles.csl+json"' in box


def test_the_cite_box_gives_the_same_iframe_as_oembed(client, story):
    add_photo(story)
    box = cite_box(client.get(story.get_absolute_url()).content.decode())
    code = re.search(r'<p class="embed-code" dir="ltr"><code>(.*?)</code></p>', box).group(1)

    assert (
        html.unescape(code) == oembed(client, f"http://testserver{story.get_absolute_url()}").json()["html"]
    )


def test_a_translation_is_cited_with_its_words_and_address(client, story):
    box = cite_box(client.get("/fr/stories/mobile-courts/").content.decode())

    assert '<cite lang="fr" dir="ltr">Des tribunaux mobiles</cite>' in box
    assert "http://testserver/fr/stories/mobile-courts/" in box


def test_a_preview_has_no_cite_box(client, story):
    author = factories.UserFactory(mission__member=story.member)
    draft = factories.StoryFactory(member=story.member, author=author)
    client.force_login(author)

    page = client.get(reverse("my_stories:story_preview", args=[draft.pk])).content.decode()

    assert 'class="cite"' not in page
