"""/join/: the page, the form (letters, honeypot, rate limits, duplicates), the confirmation link and the
applicant's private status page."""

from __future__ import annotations

import datetime
import io
import time

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from membership import applications
from membership.models import Application, Criterion, DeclarationVersion
from tests.core.pdf_files import pdf_with_javascript, plain_pdf
from tests.membership.test_applications import (  # noqa: F401 (fixture)
    _letters_in_test_storage,
    current_version,
    free_country,
    make_application,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def form_data(**overrides) -> dict:
    data = {
        "kind": "state",
        "country": overrides.pop("country", None) or free_country(),
        "organisation_name": "",
        "office": "Ministry of Foreign Affairs",
        "contact_name": "Ana Contact",
        "contact_title": "Director",
        "email": "ana@ministry.example",
        "phone": "+1 555 0100",
        "declaration_version": current_version().pk,
        "focal_point_name": "Felix Focal",
        "focal_point_email": "felix@ministry.example",
        "story_idea": "Mobile courts",
        "website": "",
    }
    data.update(overrides)
    return data


def letter(content: bytes | None = None, name: str = "note-verbale.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else plain_pdf(), "application/pdf")


# ---------------------------------------------------------------------------------------------------------
# The page


def test_the_page_shows_the_criteria_in_the_visitors_language_or_marks_the_english(client):
    current_version()
    Criterion.objects.create(
        order=1, text="Respect for human rights", translations={"fr": "Respect des droits"}
    )
    Criterion.objects.create(order=2, text="Support for the UN system")
    Criterion.objects.create(order=3, text="Retired criterion", is_active=False)
    page = client.get(url("membership:join", language="fr")).content.decode()
    assert "<li>Respect des droits</li>" in page
    assert '<li lang="en" dir="ltr">Support for the UN system</li>' in page
    assert "Retired criterion" not in page
    with translation.override("fr"):
        honeypot_label = gettext("Leave this empty")
    assert 'aria-hidden="true"' in page and 'tabindex="-1"' in page and honeypot_label in page


def test_the_page_costs_the_same_queries_with_more_criteria_and_versions(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    current_version()
    Criterion.objects.create(text="One")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url("membership:join")).status_code == 200
    for number in range(2, 12):
        Criterion.objects.create(text=f"Criterion {number}")
        DeclarationVersion.objects.create(number=100 + number, adopted_on="2020-01-01")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("membership:join")).status_code == 200


def test_the_form_page_is_never_stored_in_a_shared_cache(client):
    current_version()
    response = client.get(url("membership:join"))
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]


# ---------------------------------------------------------------------------------------------------------
# Sending the form


def test_a_good_application_is_saved_as_a_draft_in_the_page_language_and_mailed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("membership:join", language="es"), {**form_data(), "letter": letter()})
    assert response.status_code == 302 and response["Location"] == url("membership:join_sent", language="es")
    application = Application.objects.get()
    assert (application.status, application.language) == ("draft", "es")
    with application.letter.open("rb") as handle:
        pdf = pikepdf.open(io.BytesIO(handle.read()))
    assert "/Author" not in pdf.docinfo  # stripped of its author's metadata
    [message] = mailoutbox
    assert "/es/join/confirm/" in message.body
    assert client.get(response["Location"]).status_code == 200


def test_a_hostile_pdf_is_refused_next_to_the_field_and_everything_else_is_kept(client):
    data = form_data(contact_name="Zoë Hostile", story_idea="Our idea, kept")
    response = client.post(url("membership:join"), {**data, "letter": letter(pdf_with_javascript())})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This PDF contains JavaScript. Please send it without scripts." in page
    assert 'id="id_letter_error"' in page
    assert 'value="Zoë Hostile"' in page and "Our idea, kept" in page
    assert f'value="{data["country"]}" selected' in page
    assert not Application.objects.exists()


def test_a_letter_that_passed_is_kept_while_another_field_is_corrected(
    client, django_capture_on_commit_callbacks
):
    data = form_data(email="not-an-address")
    response = client.post(url("membership:join"), {**data, "letter": letter(name="our-note.pdf")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "our-note.pdf" in page and "you do not need to attach it again" in page
    token = response.context["form"].data["letter_token"]
    assert f'value="{token}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("membership:join"), {**data, "email": "ana@ministry.example", "letter_token": token}
        )
    assert response.status_code == 302
    assert Application.objects.get().letter
    assert applications.pending_letter_from_token(token) is None  # the kept copy is gone


def test_a_forged_letter_token_does_not_count_as_a_letter(client):
    data = form_data(letter_token="membership/pending/someone-elses.pdf")
    page = client.post(url("membership:join"), data).content.decode()
    assert "Attach the letter or note verbale (PDF)." in page
    assert not Application.objects.exists()


def test_a_filled_honeypot_pretends_success_and_stores_nothing(client, mailoutbox):
    response = client.post(
        url("membership:join"), {**form_data(website="http://spam.example"), "letter": letter()}
    )
    assert response.status_code == 302 and response["Location"] == url("membership:join_sent")
    assert not Application.objects.exists() and not mailoutbox


def test_a_state_already_member_is_told_so_on_the_form(client, member):
    response = client.post(
        url("membership:join"), {**form_data(country=member.country.code), "letter": letter()}
    )
    assert f"{member.name} is already a member of the initiative" in response.content.decode()
    assert not Application.objects.exists()


def test_an_open_application_is_named_instead_of_applying_twice(client):
    existing = make_application(Application.Status.IN_CONSULTATION)
    data = form_data(country=existing.country.code, email="someone.else@ministry.example")
    page = client.post(url("membership:join"), {**data, "letter": letter()}).content.decode()
    assert (
        f"An application from {existing.applicant_name} is already being considered; the contact person "
        "received a link to follow it." in page
    )
    assert Application.objects.count() == 1


def test_attempts_are_limited_per_address(client, settings):
    for number in range(5):
        data = form_data(email=f"person{number}@ministry.example")
        assert client.post(url("membership:join"), {**data, "letter": letter()}).status_code == 302
    response = client.post(
        url("membership:join"), {**form_data(email="late@ministry.example"), "letter": letter()}
    )
    assert response.status_code == 429
    assert "Too many applications were sent" in response.content.decode()
    assert Application.objects.count() == 5


def test_attempts_are_limited_per_e_mail(client):
    for number in range(3):
        headers = {"REMOTE_ADDR": f"10.0.0.{number}"}
        assert (
            client.post(url("membership:join"), {**form_data(), "letter": letter()}, **headers).status_code
            == 302
        )
    response = client.post(
        url("membership:join"), {**form_data(), "letter": letter()}, REMOTE_ADDR="10.0.1.1"
    )
    assert response.status_code == 429
    assert Application.objects.count() == 1  # each replaced the draft before it


def test_invalid_forms_do_not_count_against_the_limit(client):
    for _ in range(6):
        assert client.post(url("membership:join"), form_data(email="nope")).status_code == 200
    assert client.post(url("membership:join"), {**form_data(), "letter": letter()}).status_code == 302


# ---------------------------------------------------------------------------------------------------------
# Confirming the e-mail


def test_the_link_shows_a_button_and_only_the_post_confirms(client, mailoutbox):
    application = make_application(Application.Status.DRAFT)
    link = url("membership:join_confirm", applications.confirm_token(application))
    response = client.get(link)
    assert response.status_code == 200 and "Confirm my application" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "draft"
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == application.get_status_url()
    application.refresh_from_db()
    assert application.status == "received"
    again = client.get(link)
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert client.post(link).status_code == 410


def test_a_changed_link_is_refused(client):
    application = make_application(Application.Status.DRAFT)
    token = applications.confirm_token(application)
    response = client.get(url("membership:join_confirm", token[:-3] + "abc"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This confirmation link is not valid" in page and url("membership:join") in page


def test_an_expired_link_says_how_to_start_again(client, monkeypatch):
    application = make_application(Application.Status.DRAFT)
    token = applications.confirm_token(application)
    later = time.time() + 4 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(url("membership:join_confirm", token))
    assert response.status_code == 410
    page = response.content.decode()
    assert "has expired" in page and "Apply again" in page
    application.refresh_from_db()
    assert application.status == "draft"


# ---------------------------------------------------------------------------------------------------------
# The private status page


def test_the_status_page_is_private_and_shows_the_history(client, secretariat_user):
    application = make_application(Application.Status.RECEIVED)
    applications.application_review(actor=secretariat_user, application_id=application.pk)
    response = client.get(application.get_status_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and response["Referrer-Policy"] == "same-origin"
    assert 'name="robots" content="noindex, nofollow"' in page
    assert "Under review" in page and "Withdraw my application" in page
    assert secretariat_user.full_name not in page
    assert client.get(url("membership:application_status", "not-the-key")).status_code == 404


def test_withdrawing_asks_first_then_withdraws(client):
    application = make_application(Application.Status.UNDER_REVIEW)
    status_url = application.get_status_url()
    response = client.post(status_url, {"step": "ask"})
    assert response.status_code == 200 and "Yes, withdraw my application" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "under_review"
    response = client.post(status_url, {"step": "confirm"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    page = client.get(status_url).content.decode()
    assert "Your application is withdrawn." in page and "Withdraw my application" not in page


def test_the_applicant_downloads_their_own_letter_only(client):
    application = make_application()
    response = client.get(url("membership:application_letter", application.access_key))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client.get(url("membership:application_letter", "wrong-key")).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Accessibility (Chromium and axe; skipped without Chromium)


@pytest.fixture
def axe_page(chromium_path, monkeypatch):
    """A Chromium page, as tests/e2e/conftest.py makes them (its fixtures are for tests/e2e/ only)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        connections.close_all()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_joining_pages_have_no_serious_axe_violation(
    live_server, axe_page, coordinator, secretariat_user, lang
):
    page = axe_page
    from axe_playwright_python.sync_playwright import Axe

    from tests.e2e.conftest import log_in
    from tests.factories import TEST_PASSWORD

    axe = Axe()

    def serious() -> list[str]:
        results = axe.run(page)
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]

    Criterion.objects.create(text="Respect for human rights", translations={"fr": "Respect des droits"})
    draft = make_application(Application.Status.DRAFT)
    consulted = make_application(Application.Status.UNDER_REVIEW, email="b@ministry.example")
    applications.consultation_open(
        actor=secretariat_user,
        application_id=consulted.pk,
        deadline=timezone.localdate() + datetime.timedelta(days=9),
        time_zone="America/New_York",
    )
    paths = [
        f"/{lang}/join/",
        f"/{lang}/join/sent/",
        f"/{lang}/join/confirm/{applications.confirm_token(draft)}/",
        f"/{lang}/join/confirm/nonsense/",
        consulted.get_status_url().replace("/en/", f"/{lang}/"),
    ]
    found = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        found[path] = serious()
    # The form shown again with errors, then the withdrawal's confirmation step.
    page.goto(f"{live_server.url}/{lang}/join/")
    page.locator("form.story-form button[type=submit]").click()
    found["join with errors"] = serious()
    page.goto(f"{live_server.url}{consulted.get_status_url().replace('/en/', f'/{lang}/')}")
    page.locator("input[name=step][value=ask] + button").click()
    found["withdraw step"] = serious()
    log_in(page, live_server.url, coordinator.email, TEST_PASSWORD)
    for path in (f"/{lang}/my/applications/", f"/{lang}/my/applications/{consulted.pk}/"):
        page.goto(f"{live_server.url}{path}")
        found[path] = serious()
    assert {path: problems for path, problems in found.items() if problems} == {}
