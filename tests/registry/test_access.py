import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.urls import reverse

from tests import factories
from tests.registry.helpers import confirm_second_factor, make_case, registry_user

pytestmark = pytest.mark.django_db

PAGES = ["registry:case_list", "registry:case_create", "registry:read_log"]


@pytest.mark.parametrize("name", PAGES)
def test_mission_accounts_never_see_the_registry(client, staff_user, coordinator, name):
    for person in (staff_user, coordinator):
        client.force_login(person)
        response = client.get(reverse(name))
        assert response.status_code == 404


def test_a_case_page_answers_404_to_a_mission_account(client, staff_user, keeper, registry_keys):
    case = make_case(keeper)
    client.force_login(staff_user)
    assert client.get(reverse("registry:case_detail", args=[case.code])).status_code == 404
    assert client.get(reverse("registry:identity_open", args=[case.code])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("registry:case_list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_secretariat_without_the_permission_is_refused(client, secretariat_user):
    client.force_login(secretariat_user)
    response = client.get(reverse("registry:case_list"))
    assert response.status_code == 403


def test_without_two_factor_authentication_the_secretariat_is_asked_to_set_it_up(client, secretariat_user):
    from django.contrib.auth.models import Permission

    secretariat_user.user_permissions.add(Permission.objects.get(codename="access_registry"))
    client.force_login(secretariat_user)
    response = client.get(reverse("registry:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_session_without_a_recent_second_factor_is_sent_to_confirm_it_and_comes_back(client, keeper):
    client.force_login(keeper)  # a password login: no second factor in this session
    response = client.get(reverse("registry:case_list"), follow=True)
    assert response.redirect_chain[0][0] == f"{reverse('mfa_reauthenticate')}?next=%2Fen%2Fmy%2Fregistry%2F"
    assert "asks for your second factor every 15 minutes" in response.content.decode()

    from tests.registry.helpers import current_code

    back = client.post(
        f"{reverse('mfa_reauthenticate')}?next=/en/my/registry/", {"code": current_code(keeper.totp_secret)}
    )
    assert back["Location"] == "/en/my/registry/"
    assert client.get("/en/my/registry/").status_code == 200


def test_a_second_factor_older_than_15_minutes_no_longer_opens_the_registry(client, keeper):
    client.force_login(keeper)
    confirm_second_factor(client, keeper)
    assert client.get(reverse("registry:case_list")).status_code == 200

    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] = time.time() - 15 * 60 - 1
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()

    response = client.get(reverse("registry:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_password_reauthentication_is_not_a_second_factor(client, keeper):
    client.force_login(keeper)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(keeper.pk)
    session.save()
    assert client.get(reverse("registry:case_list")).status_code == 302


def test_another_persons_second_factor_does_not_count(client, keeper):
    other = registry_user()
    client.force_login(other)
    confirm_second_factor(client, other)
    client.force_login(keeper)  # same client, another account
    assert client.get(reverse("registry:case_list")).status_code == 302


def test_the_registry_is_not_in_the_admin(admin_client):
    assert "registry" not in admin_client.get("/admin/").content.decode().lower()
    assert admin_client.get("/admin/registry/case/").status_code == 404


def test_services_refuse_anyone_without_the_permission(staff_user, secretariat_user, registry_keys):
    from django.core.exceptions import PermissionDenied

    for person in (staff_user, secretariat_user, factories.CoordinatorFactory()):
        with pytest.raises(PermissionDenied):
            make_case(person)
