"""Stories' models: what the database refuses, the themes it ships with, querysets, and Markdown."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from stories.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from stories.models import Story, StoryImage, Theme
from stories.theme_names import THEME_NAMES
from tests import factories

pytestmark = pytest.mark.django_db

S = Story.Status


# ---------------------------------------------------------------------------------------------------------
# Constraints


def test_a_published_story_without_a_publication_time_is_refused(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.StoryFactory(member=member, status=S.PUBLISHED, published_at=None)

    assert not Story.objects.exists()


def test_a_scheduled_story_without_a_time_is_refused(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.StoryFactory(member=member, status=S.SCHEDULED, scheduled_for=None)

    assert not Story.objects.exists()


def test_a_published_or_scheduled_story_with_its_time_is_accepted(member):
    now = timezone.now()
    factories.StoryFactory(member=member, status=S.PUBLISHED, published_at=now)
    factories.StoryFactory(member=member, status=S.SCHEDULED, scheduled_for=now + datetime.timedelta(days=1))

    assert Story.objects.count() == 2


def test_changing_a_published_story_to_lose_its_time_is_refused(member):
    story = factories.PublishedStoryFactory(member=member)

    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=story.pk).update(published_at=None)

    story.refresh_from_db()
    assert story.published_at is not None


def make_image(story, **fields) -> StoryImage:
    values = {
        "story": story,
        "original": "stories/originals/never-read.jpg",
        "width": 800,
        "height": 600,
        "alt_text": "Judges hear a case in a village hall",
        "consent_confirmed": True,
    }
    values.update(fields)
    return StoryImage.objects.create(**values)


def test_an_image_with_consent_and_alt_text_is_accepted(story):
    make_image(story)

    assert story.images.count() == 1


@pytest.mark.parametrize("fields", [{"consent_confirmed": False}, {"alt_text": ""}])
def test_an_image_without_consent_or_alt_text_is_refused(story, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_image(story, **fields)

    assert not StoryImage.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# Themes shipped by the data migration


def test_the_nine_priority_themes_exist():
    names = list(Theme.objects.priorities().values_list("name", flat=True))

    assert len(names) == 9
    assert "Gender equality" in names
    assert "Rule of law and good governance" in names
    assert "Civil society and human rights defenders" in names
    assert not Theme.objects.priorities().filter(sdg_number__isnull=False).exists()


def test_the_17_sdgs_exist_numbered_1_to_17():
    sdgs = Theme.objects.sdgs()

    assert sorted(sdgs.values_list("sdg_number", flat=True)) == list(range(1, 18))
    assert sdgs.get(sdg_number=1).name == "No Poverty"
    assert sdgs.get(sdg_number=5).name == "Gender Equality"
    assert sdgs.get(sdg_number=16).name == "Peace, Justice and Strong Institutions"
    assert sdgs.get(sdg_number=17).name == "Partnerships for the Goals"
    assert sdgs.get(sdg_number=16).slug == "sdg-16"
    assert str(sdgs.get(sdg_number=16)) == "SDG 16: Peace, Justice and Strong Institutions"


def test_there_are_no_other_themes():
    assert Theme.objects.count() == 9 + 17


def test_an_sdg_numbered_18_is_refused():
    with pytest.raises(IntegrityError, match="stories_theme_sdg_number_matches_kind"), transaction.atomic():
        Theme.objects.create(
            kind=Theme.Kind.SDG, sdg_number=18, slug="sdg-18", code="sdg-18", name="Imaginary"
        )


def test_every_shipped_theme_has_the_code_its_translations_are_filed_under():
    codes = dict(Theme.objects.values_list("slug", "code"))

    assert codes == {slug: slug for slug in THEME_NAMES}  # the nine priorities and 17 SDGs, by their slugs
    assert Theme.objects.get(code="sdg-5").name == "Gender Equality"
    assert Theme.objects.get(code="gender-equality").name == "Gender equality"


def test_a_theme_without_a_code_is_refused():
    with pytest.raises(IntegrityError, match="stories_theme_has_code"), transaction.atomic():
        Theme.objects.create(kind=Theme.Kind.PRIORITY, slug="water", code="", name="Water")


def test_two_themes_cannot_share_a_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(kind=Theme.Kind.PRIORITY, slug="resilience-2", code="resilience", name="Again")


def test_a_theme_renamed_in_english_keeps_its_translations():
    theme = Theme.objects.get(code="gender-equality")
    theme.name = "Gender equality and the empowerment of women"
    theme.save()
    theme = Theme.objects.get(pk=theme.pk)

    assert theme.label == "Gender equality and the empowerment of women"  # English: as typed
    with translation.override("fr"):
        assert theme.label == "Égalité des sexes"
    with translation.override("ar"):
        assert theme.label not in ("", theme.name)


def test_a_renamed_sdg_keeps_its_translations_in_its_full_name():
    theme = Theme.objects.get(code="sdg-5")
    theme.name = "Achieve gender equality"
    theme.save()

    assert str(theme) == "SDG 5: Achieve gender equality"
    with translation.override("fr"):
        assert str(theme).startswith("ODD 5") and str(theme).endswith(": Égalité entre les sexes")


def test_a_theme_the_catalogues_do_not_know_shows_its_name_as_typed():
    theme = Theme.objects.create(
        kind=Theme.Kind.PRIORITY, slug="right-to-water", code="right-to-water", name="Right to water"
    )

    assert theme.label == "Right to water"
    with translation.override("fr"):
        assert theme.label == "Right to water"
    # Even when its name happens to be a string the catalogues translate: the code decides.
    theme.name = "Resilience"
    with translation.override("fr"):
        assert theme.label == "Resilience"


def test_the_code_of_a_theme_cannot_be_changed_once_set():
    theme = Theme.objects.get(code="resilience")
    theme.code = "resilience-and-recovery"

    with pytest.raises(ValidationError) as error:
        theme.full_clean()

    assert error.value.error_dict["code"][0].code == "code_locked"


# ---------------------------------------------------------------------------------------------------------
# Querysets


@pytest.fixture
def stories_of_two_members(staff_user):
    own_member = staff_user.mission.member
    other_member = factories.MemberFactory()
    now = timezone.now()
    return {
        "own_draft": factories.StoryFactory(member=own_member, author=staff_user),
        "own_submitted": factories.StoryFactory(member=own_member, status=S.SUBMITTED, submitted_at=now),
        "own_published": factories.PublishedStoryFactory(member=own_member),
        "other_draft": factories.StoryFactory(member=other_member),
        "other_scheduled": factories.StoryFactory(
            member=other_member, status=S.SCHEDULED, scheduled_for=now + datetime.timedelta(days=1)
        ),
        "other_published": factories.PublishedStoryFactory(member=other_member),
        "other_withdrawn": factories.StoryFactory(member=other_member, status=S.WITHDRAWN, published_at=now),
    }


def keys(queryset, stories) -> set[str]:
    by_pk = {story.pk: key for key, story in stories.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


def test_published(stories_of_two_members):
    assert keys(Story.objects.published(), stories_of_two_members) == {"own_published", "other_published"}


def test_for_member(stories_of_two_members, member):
    assert keys(Story.objects.for_member(member), stories_of_two_members) == {
        "own_draft",
        "own_submitted",
        "own_published",
    }


@pytest.mark.parametrize("who", ["staff", "coordinator", "staff_at_another_mission"])
def test_of_member_of_gives_the_users_members_stories(stories_of_two_members, staff_user, coordinator, who):
    user = {
        "staff": staff_user,
        "coordinator": coordinator,
        # The same member's mission in New York works on the same stories.
        "staff_at_another_mission": factories.UserFactory(
            mission=factories.MissionFactory(member=staff_user.mission.member, kind="new_york")
        ),
    }[who]

    assert keys(Story.objects.of_member_of(user), stories_of_two_members) == {
        "own_draft",
        "own_submitted",
        "own_published",
    }


def test_of_member_of_gives_nothing_to_secretariat_or_public(secretariat_user, stories_of_two_members):
    assert not Story.objects.of_member_of(secretariat_user).exists()
    assert not Story.objects.of_member_of(AnonymousUser()).exists()


def test_visible_to_the_public_is_only_published(stories_of_two_members):
    assert keys(Story.objects.visible_to(AnonymousUser()), stories_of_two_members) == {
        "own_published",
        "other_published",
    }


def test_visible_to_the_secretariat_is_everything(stories_of_two_members, secretariat_user):
    assert keys(Story.objects.visible_to(secretariat_user), stories_of_two_members) == set(
        stories_of_two_members
    )


def test_visible_to_mission_staff_is_their_own_and_published_ones(stories_of_two_members, staff_user):
    assert keys(Story.objects.visible_to(staff_user), stories_of_two_members) == {
        "own_draft",
        "own_submitted",
        "own_published",
        "other_published",
    }


def test_an_inactive_secretariat_account_sees_only_published(stories_of_two_members):
    former = factories.SecretariatFactory(is_active=False)

    assert keys(Story.objects.visible_to(former), stories_of_two_members) == {
        "own_published",
        "other_published",
    }


# ---------------------------------------------------------------------------------------------------------
# Markdown


def test_markdown_keeps_bold_links_and_lists():
    html = render_markdown(
        "Some **bold** and *italic* text, a [source](https://example.org/law?id=1).\n\n"
        "- first\n- second\n\n1. one\n2. two\n\n## A heading\n\n> A quote"
    )

    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert 'href="https://example.org/law?id=1"' in html
    assert ">source</a>" in html
    assert 'rel="nofollow noopener noreferrer"' in html
    assert "<ul>" in html and "<li>first</li>" in html and "<li>second</li>" in html
    assert "<ol>" in html and "<li>one</li>" in html
    assert "<h2>A heading</h2>" in html
    assert "<blockquote>" in html


def test_markdown_keeps_mailto_links():
    assert 'href="mailto:info@example.org"' in render_markdown("[write](mailto:info@example.org)")


def test_markdown_of_nothing_is_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "Text <script>document.cookie</script> more text",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java\tscript:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="javascript&#58;alert(1)">click</a>',
    '<a href="java&#x0A;script:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    '[click](javascript:alert(1) "title")',
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="https://example.org" onclick="alert(1)">ok</a>',
    '<p onmouseover="alert(1)">hover</p>',
    "<body onload=alert(1)>",
    '<svg onload="alert(1)"><circle r="10"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<IFRAME SRC="javascript:alert(1)"></IFRAME>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<span style="position:fixed;top:0">overlay</span>',
    "<style>body{display:none}</style>",
    '<div style="color:red">**bold**</div>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<input onfocus="alert(1)" autofocus>',
    '<details open ontoggle="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<!--<script>alert(1)</script>-->",
    "`<script>` in code is text",
    "    <script>alert(1)</script>",
]
FORBIDDEN_IN_OUTPUT = ["<script", "onerror", "onload", "javascript:", "<iframe", "style="]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_removes_anything_active(payload):
    html = render_markdown(payload).lower()

    for forbidden in FORBIDDEN_IN_OUTPUT:
        assert forbidden not in html, f"{forbidden!r} survived in {html!r}"
    for other in ["onclick", "onmouseover", "onfocus", "ontoggle", "<object", "<embed", "<form", "<svg"]:
        assert other not in html
    assert "data:text/html" not in html


def link_scheme(href: str) -> str:
    """The scheme a browser would read in an href (it drops tabs and newlines, and blanks at either end)."""
    cleaned = re.sub(r"[\t\n\r]", "", href).strip("".join(map(chr, range(0x21))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


# Some payloads survive as harmless text (an unclosed tag is printed, escaped), which a search for words
# cannot tell from markup: parse the output and look at the tags and attributes themselves.
@pytest.mark.parametrize("payload", [*XSS_PAYLOADS, "![photo](x.jpg)<img src=x onerror=alert(1)//"])
def test_markdown_output_has_only_allowed_tags_and_attributes(payload):
    parser = TagCollector()
    parser.feed(render_markdown(payload))
    parser.close()

    for tag, attributes in parser.tags:
        assert tag in ALLOWED_TAGS
        for name, value in attributes:
            assert name in {*ALLOWED_ATTRIBUTES.get(tag, set()), "rel"}
            if name == "href":
                assert link_scheme(value) in {"", "http", "https", "mailto"}, value


def test_markdown_strips_the_tag_and_keeps_the_text():
    html = render_markdown('<div style="color:red">Hello <b onclick="x()">world</b></div>')

    assert "Hello" in html and "world" in html
    assert "<div" not in html and "onclick" not in html


def test_a_storys_body_html_is_sanitised(member):
    story = factories.StoryFactory(member=member, body="**Yes** <script>alert(1)</script>")

    assert "<strong>Yes</strong>" in story.body_html
    assert "<script" not in story.body_html
