import pytest
from django.db import connection
from django.urls import reverse

from registry.models import Case, IdentityRead
from tests.registry.helpers import PERSON, make_case

pytestmark = pytest.mark.django_db


def form_data(**extra):
    return {
        "country": "LB",
        "year": "2025",
        "month": "3",
        "kind": "threat",
        "mechanism": "upr",
        "consent_aggregate": "on",
        "consent_given_on": "2025-03-01",
        "consent_obtained_how": "in person",
        "name": PERSON.name,
        "contact": PERSON.contact,
        "place": PERSON.place,
        **extra,
    }


def test_a_case_is_recorded_with_an_encrypted_identity(keeper_client):
    response = keeper_client.post(reverse("registry:case_create"), form_data())
    case = Case.objects.get()
    assert response["Location"] == reverse("registry:case_detail", args=[case.code])
    page = keeper_client.get(response["Location"]).content.decode()
    assert f"Case {case.code} recorded." in page
    assert PERSON.name not in page and PERSON.contact not in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_case")
        assert PERSON.name not in repr(cursor.fetchall())


def test_without_keys_the_form_says_why_and_keeps_what_was_typed(keeper_client, settings):
    settings.REGISTRY_KEYS = []
    assert (
        "No encryption key is configured"
        in keeper_client.get(reverse("registry:case_create")).content.decode()
    )
    response = keeper_client.post(reverse("registry:case_create"), form_data())
    html = response.content.decode()
    assert response.status_code == 200
    assert "No encryption key is configured" in html
    assert 'value="in person"' in html
    assert not Case.objects.exists()


def test_opening_an_identity_asks_a_reason_and_logs_the_read(keeper_client, keeper):
    case = make_case(keeper)
    url = reverse("registry:identity_open", args=[case.code])
    page = keeper_client.get(url)
    assert "Why do you need to see this identity?" in page.content.decode()
    assert PERSON.name not in page.content.decode()

    refused = keeper_client.post(url, {"reason": "x"})
    assert PERSON.name not in refused.content.decode()
    assert not IdentityRead.objects.exists()

    shown = keeper_client.post(url, {"reason": "Preparing the referral to OHCHR"})
    assert PERSON.name in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert IdentityRead.objects.get().reason == "Preparing the referral to OHCHR"
    log = keeper_client.get(reverse("registry:read_log")).content.decode()
    assert "Preparing the referral to OHCHR" in log and case.code in log
    assert PERSON.name not in log


def test_the_list_never_shows_identities_and_its_queries_do_not_grow(
    keeper_client, keeper, django_assert_max_num_queries
):
    make_case(keeper)
    with django_assert_max_num_queries(12):
        first = keeper_client.get(reverse("registry:case_list"))
    for _ in range(5):
        make_case(keeper)
    with django_assert_max_num_queries(12):
        html = keeper_client.get(reverse("registry:case_list")).content.decode()
    assert first.status_code == 200
    assert PERSON.name not in html and PERSON.place not in html
    assert html.count("yes (encrypted)") == 6


def test_editing_status_and_referral_from_the_case_page(keeper_client, keeper):
    case = make_case(keeper)
    url = reverse("registry:case_detail", args=[case.code])
    data = {**form_data(), "follow_up": "Called OHCHR", "version": case.version}
    assert keeper_client.post(url, data).status_code == 302
    stale = keeper_client.post(url, {**data, "follow_up": "Other"})
    assert "Someone else saved this case meanwhile" in stale.content.decode()
    assert "Other</textarea>" in stale.content.decode()

    refused = keeper_client.post(
        reverse("registry:case_refer", args=[case.code]), {"recipient": "ohchr", "referred_on": "2025-04-01"}
    )
    assert "consent does not cover a referral" in refused.content.decode()
    assert (
        keeper_client.post(
            reverse("registry:case_status", args=[case.code]), {"status": "verified"}
        ).status_code
        == 302
    )
    assert Case.objects.get().status == "verified"
