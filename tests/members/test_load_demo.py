from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from members.demo import DEMO_DOMAIN, DEMO_MEMBERS_WITH_MISSIONS, DEMO_PASSWORD
from members.models import Mission, User

pytestmark = pytest.mark.django_db

SECRETARIAT_EMAIL = f"secretariat@{DEMO_DOMAIN}"


def load_demo() -> str:
    out = StringIO()
    # Tests run with DEBUG off, where the command refuses without --force (see test_deploy_recipe.py).
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    users = sorted(User.objects.values_list("email", "password", "mission_id", "role", "is_staff"))
    missions = sorted(Mission.objects.values_list("id", "member__country", "kind", "name", "address"))
    groups = sorted(User.groups.through.objects.values_list("user_id", "group_id"))
    return users, missions, groups


def test_load_demo_creates_missions_and_their_people():
    load_demo()

    missions = Mission.objects.select_related("member")
    assert missions.count() == 2 * len(DEMO_MEMBERS_WITH_MISSIONS)
    assert {m.member.iso for m in missions} == set(DEMO_MEMBERS_WITH_MISSIONS)
    for mission in missions:
        assert mission.coordinator is not None, mission
        assert mission.coordinator.email.endswith(f"@{DEMO_DOMAIN}")
        assert mission.users.filter(role=User.Role.STAFF).count() == 1, mission
    secretariat = User.objects.get(role=User.Role.SECRETARIAT)
    assert secretariat.email == SECRETARIAT_EMAIL
    assert secretariat.is_staff
    assert secretariat.mission is None
    assert set(secretariat.groups.values_list("name", flat=True)) == {"Secretariat"}
    assert User.objects.count() == 1 + 2 * missions.count()


def test_demo_mission_names_read_naturally():
    load_demo()

    names = set(Mission.objects.values_list("name", flat=True))
    assert "Permanent Mission of Argentina to the United Nations Office at Geneva" in names
    assert "Delegation of the European Union to the United Nations in New York" in names


def test_load_demo_twice_changes_nothing():
    load_demo()
    before = snapshot()

    load_demo()

    assert snapshot() == before


def test_load_demo_prints_the_password_and_a_login_per_role():
    output = load_demo()

    assert DEMO_PASSWORD in output
    assert SECRETARIAT_EMAIL in output
    assert f"coordinator.ar.geneva@{DEMO_DOMAIN}" in output
    assert f"staff.ar.geneva@{DEMO_DOMAIN}" in output
    assert "Two-factor authentication is NOT required" in output  # the tests run with ADMIN_REQUIRE_MFA off


def test_load_demo_does_not_warn_when_mfa_is_required(settings):
    settings.ADMIN_REQUIRE_MFA = True

    output = load_demo()

    assert "NOT required" not in output


def test_demo_users_can_log_in_with_the_printed_password(client):
    output = load_demo()
    emails = [word for word in output.split() if word.endswith(f"@{DEMO_DOMAIN}")]

    assert SECRETARIAT_EMAIL in emails
    assert len(emails) == 3  # secretariat, one coordinator, one mission staff
    for email in emails:
        assert client.login(email=email, password=DEMO_PASSWORD), email
        client.logout()


def test_the_demo_secretariat_opens_the_admin(client):
    load_demo()

    client.login(email=SECRETARIAT_EMAIL, password=DEMO_PASSWORD)
    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Good Stories: secretariat" in response.content.decode()


def test_load_demo_keeps_a_password_someone_changed():
    load_demo()
    user = User.objects.get(email=SECRETARIAT_EMAIL)
    user.set_password("my own secret passphrase")
    user.save()

    load_demo()

    user.refresh_from_db()
    assert user.check_password("my own secret passphrase")
