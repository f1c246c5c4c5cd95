"""The joint declaration: its versions (services, the lock once endorsed, the admin) and the public page
/declaration/ in the visitor's language."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from membership import declaration as services
from membership.models import Criterion, DeclarationText, DeclarationVersion, Endorsement
from tests import factories

pytestmark = pytest.mark.django_db

LAUNCH = datetime.date(2018, 9, 27)


def first_version() -> DeclarationVersion:
    """Version 1, made by the data migration: current, in English, endorsed by nobody yet."""
    return DeclarationVersion.objects.get(number=1)


def endorse(member, version, on=datetime.date(2019, 1, 10), **fields) -> Endorsement:
    fields = {"means": Endorsement.Means.NOTE_VERBALE, "level": Endorsement.Level.AMBASSADOR, **fields}
    return Endorsement.objects.create(member=member, version=version, endorsed_on=on, **fields)


def add_version(number: int, *, texts: dict[str, tuple[str, str]], original="en", current=False):
    version = DeclarationVersion.objects.create(
        number=number, adopted_on=datetime.date(2020 + number, 3, 1), original_language=original
    )
    for language, (title, text) in texts.items():
        DeclarationText.objects.create(version=version, language=language, title=title, text=text)
    if current:
        DeclarationVersion.objects.exclude(pk=version.pk).update(is_current=False)
        version.is_current = True
        version.save()
    return version


def page(client, language="en", query=""):
    with translation.override(language):
        url = reverse("declaration:index")
    return client.get(url + query)


# ---------------------------------------------------------------------------------------------------------
# Services


def test_the_first_version_is_there_and_current():
    version = first_version()
    assert version.is_current and version.adopted_on == LAUNCH and version.original_language == "en"
    text = version.texts.get()
    assert text.language == "en"
    assert text.text.startswith("This is the secretariat's summary")
    assert "signed original is kept by the secretariat" in text.text.split("\n\n")[0]


def test_the_secretariat_creates_a_version_and_makes_it_current(secretariat_user):
    version = services.declaration_version_create(
        actor=secretariat_user,
        number=2,
        adopted_on=datetime.date(2024, 9, 25),
        original_language="fr",
        texts=[("fr", "Déclaration commune", "Texte."), ("en", "Joint declaration", "Text.")],
        is_current=True,
    )
    assert version.is_current
    assert not DeclarationVersion.objects.get(number=1).is_current
    assert sorted(version.texts.values_list("language", flat=True)) == ["en", "fr"]

    services.declaration_version_make_current(actor=secretariat_user, version_id=first_version().pk)
    assert list(DeclarationVersion.objects.filter(is_current=True).values_list("number", flat=True)) == [1]


def test_a_version_needs_its_original_text(secretariat_user):
    with pytest.raises(ValidationError) as error:
        services.declaration_version_create(
            actor=secretariat_user,
            number=2,
            adopted_on=datetime.date(2024, 9, 25),
            original_language="fr",
            texts=[("en", "Joint declaration", "Text.")],
        )
    assert "Add the text in the original language (French)." in error.value.messages
    assert not DeclarationVersion.objects.filter(number=2).exists()


@pytest.mark.parametrize("who", ["staff_user", "coordinator"])
def test_only_the_secretariat_keeps_the_declaration(request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.declaration_version_create(
            actor=actor, number=2, adopted_on=LAUNCH, original_language="en", texts=[("en", "T", "Text.")]
        )
    with pytest.raises(PermissionDenied):
        services.declaration_version_start_next(actor=actor, version_id=first_version().pk)


def test_an_endorsed_version_is_locked(secretariat_user, member):
    version = first_version()
    services.declaration_version_update(
        actor=secretariat_user,
        version_id=version.pk,
        adopted_on=LAUNCH,
        original_language="en",
        is_current=True,
        texts=[("en", "Before anyone endorsed", "Changed while nobody had endorsed it.")],
    )
    endorse(member, version)
    with pytest.raises(ValidationError) as error:
        services.declaration_version_update(
            actor=secretariat_user,
            version_id=version.pk,
            adopted_on=LAUNCH,
            original_language="en",
            is_current=True,
            texts=[("en", "Rewritten", "A quiet rewrite.")],
        )
    assert "its texts can no longer change" in error.value.messages[0]
    with pytest.raises(ValidationError):
        services.declaration_version_update(
            actor=secretariat_user,
            version_id=version.pk,
            adopted_on=datetime.date(2019, 1, 1),
            original_language="en",
            is_current=True,
        )
    with pytest.raises(ValidationError):
        services.declaration_version_delete(actor=secretariat_user, version_id=version.pk)
    version.refresh_from_db()
    assert version.adopted_on == LAUNCH
    assert version.texts.get().title == "Before anyone endorsed"


def test_starting_a_new_version_copies_the_texts(secretariat_user, member):
    version = first_version()
    DeclarationText.objects.create(version=version, language="fr", title="Déclaration", text="Résumé.")
    endorse(member, version)
    new = services.declaration_version_start_next(actor=secretariat_user, version_id=version.pk)
    assert new.number == 2 and not new.is_current
    assert new.original_language == "en"
    assert {t.language: t.title for t in new.texts.all()} == {
        t.language: t.title for t in version.texts.all()
    }
    # Not endorsed: the new version can be edited.
    services.declaration_version_update(
        actor=secretariat_user,
        version_id=new.pk,
        adopted_on=datetime.date(2025, 9, 24),
        original_language="en",
        is_current=True,
        texts=[("en", "Version two", "New undertakings.")],
    )
    new.refresh_from_db()
    assert new.is_current and new.texts.get().title == "Version two"
    assert not first_version().is_current


# ---------------------------------------------------------------------------------------------------------
# Admin


def version_post(version: DeclarationVersion, *, texts, make_current=True, **fields) -> dict:
    data = {
        "number": version.number,
        "adopted_on": version.adopted_on.isoformat(),
        "original_language": version.original_language,
        "texts-TOTAL_FORMS": len(texts),
        "texts-INITIAL_FORMS": sum(1 for t in texts if t.get("id")),
        "texts-MIN_NUM_FORMS": 0,
        "texts-MAX_NUM_FORMS": 1000,
        **fields,
    }
    if make_current:
        data["make_current"] = "on"
    for index, text in enumerate(texts):
        for key, value in text.items():
            data[f"texts-{index}-{key}"] = value
        data[f"texts-{index}-version"] = version.pk
    return data


def test_admin_edits_a_version_nobody_endorsed(secretariat_client):
    version = first_version()
    text = version.texts.get()
    response = secretariat_client.post(
        reverse("admin:membership_declarationversion_change", args=[version.pk]),
        version_post(
            version,
            texts=[
                {"id": text.pk, "language": "en", "title": "New title", "text": "New text."},
                {"id": "", "language": "ar", "title": "الإعلان المشترك", "text": "نص."},
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert {t.language: t.title for t in version.texts.all()} == {"en": "New title", "ar": "الإعلان المشترك"}


def test_admin_refuses_to_change_an_endorsed_version(secretariat_client, member):
    version = first_version()
    text = version.texts.get()
    endorse(member, version)
    url = reverse("admin:membership_declarationversion_change", args=[version.pk])

    response = secretariat_client.get(url)
    html = response.content.decode()
    assert "has been endorsed: its texts can no longer change" in html
    assert 'name="texts-0-title"' not in html  # read-only
    assert "Start a new version from this one" in html
    assert 'name="adopted_on"' not in html

    response = secretariat_client.post(
        url,
        version_post(
            version,
            adopted_on="2000-01-01",
            texts=[{"id": text.pk, "language": "en", "title": "Rewritten", "text": "A quiet rewrite."}],
        ),
    )
    assert response.status_code == 302  # saved what may change (whether it is current), nothing else
    text.refresh_from_db()
    version.refresh_from_db()
    assert text.title != "Rewritten" and text.text != "A quiet rewrite."
    assert version.adopted_on == LAUNCH

    # Nor is it deleted, in the admin or otherwise.
    response = secretariat_client.post(
        reverse("admin:membership_declarationversion_delete", args=[version.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert DeclarationVersion.objects.filter(pk=version.pk).exists()


def test_admin_action_starts_a_new_version_and_opens_it(secretariat_client, member):
    version = first_version()
    endorse(member, version)
    response = secretariat_client.post(
        reverse("admin:membership_declarationversion_changelist"),
        {"action": "start_new_version", "_selected_action": [version.pk]},
    )
    new = DeclarationVersion.objects.get(number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:membership_declarationversion_change", args=[new.pk])
    assert not new.is_current
    assert new.texts.get().text == version.texts.get().text
    # The new one is editable.
    html = secretariat_client.get(response["Location"]).content.decode()
    assert 'name="texts-0-title"' in html


def test_admin_adds_a_version_with_its_texts(secretariat_client):
    data = {
        "number": 5,
        "adopted_on": "2026-09-22",
        "original_language": "es",
        "texts-TOTAL_FORMS": 1,
        "texts-INITIAL_FORMS": 0,
        "texts-MIN_NUM_FORMS": 0,
        "texts-MAX_NUM_FORMS": 1000,
        "texts-0-language": "en",
        "texts-0-title": "Joint declaration",
        "texts-0-text": "Text.",
    }
    url = reverse("admin:membership_declarationversion_add")
    response = secretariat_client.post(url, data)
    assert response.status_code == 200
    assert "Add the text in the original language (Spanish)." in response.content.decode()
    data["texts-0-language"] = "es"
    response = secretariat_client.post(url, data)
    assert response.status_code == 302
    version = DeclarationVersion.objects.get(number=5)
    assert version.texts.get().language == "es" and not version.is_current


def test_admin_criterion_has_a_box_per_language(secretariat_client):
    url = reverse("admin:membership_criterion_add")
    html = secretariat_client.get(url).content.decode()
    assert 'name="text_fr"' in html and 'name="text_ar"' in html and 'lang="ar"' in html
    response = secretariat_client.post(
        url,
        {
            "order": 1,
            "text": "Supports the UN human-rights system.",
            "is_active": "on",
            "text_fr": "Soutient le système des droits de l'homme de l'ONU.",
            "text_ar": "",
        },
    )
    assert response.status_code == 302
    criterion = Criterion.objects.get()
    assert criterion.translations == {"fr": "Soutient le système des droits de l'homme de l'ONU."}


def test_staff_of_a_mission_has_no_declaration_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("admin:membership_declarationversion_changelist"))
    assert response.status_code in (302, 403)


# ---------------------------------------------------------------------------------------------------------
# /declaration/


def test_the_page_in_english(client):
    old, new = factories.MemberFactory(), factories.MemberFactory()
    version = first_version()
    endorse(new, version, on=datetime.date(2020, 5, 4), means=Endorsement.Means.LETTER)
    endorse(old, version, on=datetime.date(2018, 9, 27), level=Endorsement.Level.MINISTER)
    response = page(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>The joint declaration</h1>" in html
    assert "Version 1 (current)" in html
    assert "This is the secretariat&#x27;s summary" in html
    assert "not available in" not in html
    assert html.index(old.name) < html.index(new.name)  # in date order
    assert f'href="{old.get_absolute_url()}"' in html
    assert "Minister" in html and "By letter" in html
    assert "2018-09-27" in html


@pytest.mark.parametrize(
    ("language", "direction", "note"),
    [
        ("fr", "ltr", "This text is not available in"),
        ("ar", "rtl", "This text is not available in"),
    ],
)
def test_falls_back_to_the_original_with_its_language(client, language, direction, note):
    # Checked in the page's own language below: the note is translated (or English while the catalogue
    # has no entry); what must hold is the lang attribute on the English text.
    response = page(client, language)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert re.search(r'<article class="declaration-text" lang="en" dir="ltr">', html)
    assert "This is the secretariat&#x27;s summary" in html


def test_shows_the_visitors_language_when_there_is_a_text(client):
    DeclarationText.objects.create(
        version=first_version(), language="ar", title="الإعلان المشترك", text="ملخص الأمانة."
    )
    html = page(client, "ar").content.decode()
    assert "الإعلان المشترك" in html and "ملخص الأمانة." in html
    assert '<article class="declaration-text">' in html  # in the page's own language: no lang needed
    assert "This is the secretariat" not in html


def test_the_fallback_note_in_english_names_both_languages(client):
    version = add_version(2, texts={"fr": ("Déclaration", "Le texte.")}, original="fr", current=True)
    html = page(client).content.decode()
    assert "This text is not available in English; shown in French." in html
    assert '<article class="declaration-text" lang="fr" dir="ltr">' in html
    assert "Le texte." in html
    assert version.number == 2


def test_earlier_versions_and_who_endorsed_which(client):
    early, late = factories.MemberFactory(), factories.MemberFactory()
    v1 = first_version()
    v2 = add_version(
        2, texts={"en": ("Second", "The second text."), "es": ("Segunda", "El texto.")}, current=True
    )
    endorse(early, v1)
    endorse(late, v2, on=datetime.date(2023, 2, 2))
    # A draft after the current version is not public.
    add_version(3, texts={"en": ("Draft", "Not adopted yet.")})

    html = page(client).content.decode()
    assert "Version 2 (current)" in html and "The second text." in html
    assert "Earlier versions" in html and 'href="?version=1"' in html
    endorsers_of_v2 = html[html.index('id="endorsers-heading"') : html.index('id="versions-heading"')]
    assert late.name in endorsers_of_v2 and early.name not in endorsers_of_v2
    earlier = html[html.index('id="versions-heading"') :]
    assert early.name in earlier and "English" in earlier
    assert "Not adopted yet." not in html and "Version 3" not in html

    html = page(client, query="?version=1").content.decode()
    assert "This is the secretariat&#x27;s summary" in html and "The second text." not in html
    assert "Other versions" in html and "Version 2 (current)" in html
    assert f'href="{reverse("declaration:index")}"' in html


@pytest.mark.parametrize("bad", ["7", "abc", "0", "-1", "3"])
def test_an_unknown_version_is_a_404_with_a_sentence(client, bad):
    add_version(3, texts={"en": ("Draft", "Not adopted yet.")})  # exists, but is not public
    response = page(client, query=f"?version={bad}")
    assert response.status_code == 404
    html = response.content.decode()
    assert "joint declaration" in html and ("no version" in html or "is not a version number" in html)


def test_the_page_before_any_version(client):
    DeclarationText.objects.all().delete()
    DeclarationVersion.objects.all().delete()
    response = page(client)
    assert response.status_code == 200
    assert "The joint declaration has not been published here yet." in response.content.decode()


def test_an_applicants_endorsement_is_not_shown(client):
    applicant = factories.MemberFactory(status="applicant")
    endorse(applicant, first_version())
    html = page(client).content.decode()
    assert applicant.name not in html
    assert "No member has endorsed this version yet." in html


def _count_queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert page(client).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_endorsements(client):
    v1 = first_version()
    v2 = add_version(2, texts={"en": ("Second", "Text.")}, current=True)
    meeting_member = factories.MemberFactory()
    from tests.meetings.factories import MeetingFactory

    endorse(meeting_member, v2, means=Endorsement.Means.EVENT, meeting=MeetingFactory())
    for _ in range(3):
        member = factories.MemberFactory()
        endorse(member, v1)
        endorse(member, v2)
    few = _count_queries(client)
    for _ in range(17):
        member = factories.MemberFactory()
        endorse(member, v1)
        endorse(member, v2, means=Endorsement.Means.EVENT, meeting=MeetingFactory())
    many = _count_queries(client)
    assert many == few
    assert few <= 6
