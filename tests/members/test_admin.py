from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import services
from members.models import Invitation, LoginEvent, Member, Mission, User, UserEvent
from tests import factories

pytestmark = pytest.mark.django_db


def add_user(client, **data):
    """POST the "add user" form as the page sends it: its language select starts on English."""
    return client.post(reverse("admin:members_user_add"), {"_save": "Save", "language": "en", **data})


def change_user(client, user: User, **changes):
    """POST the user's change form as the page shows it (with both read-only inlines), some fields changed."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "role": user.role,
        "mission": user.mission_id or "",
        "is_active": "on" if user.is_active else "",
        "access_events-TOTAL_FORMS": "0",
        "access_events-INITIAL_FORMS": "0",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
        "_save": "Save",
        **changes,
    }
    return client.post(
        reverse("admin:members_user_change", args=[user.pk]), {k: v for k, v in data.items() if v != ""}
    )


def form_errors(response) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in response.context["adminform"].form.errors.items()}


# Changelists


def test_member_changelist_lists_all_members(secretariat_client):
    response = secretariat_client.get(reverse("admin:members_member_changelist"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "15 members" in html
    for member in Member.objects.all():
        assert f"> {member.name}</a>" in html, member.name
    assert "Republic of Korea" in html and "European Union" in html


def test_member_search_matches_country_names(secretariat_client):
    response = secretariat_client.get(reverse("admin:members_member_changelist"), {"q": "korea"})
    html = response.content.decode()

    assert [member.iso for member in response.context["cl"].result_list] == ["KR"]
    assert "Republic of Korea" in html
    assert "Argentina" not in html


def test_member_search_by_code_still_works(secretariat_client):
    # "kr" is in no member's name, only in Korea's code.
    response = secretariat_client.get(reverse("admin:members_member_changelist"), {"q": "kr"})

    assert [member.iso for member in response.context["cl"].result_list] == ["KR"]
    assert "Republic of Korea" in response.content.decode()


def test_mission_changelist_shows_the_coordinator(secretariat_client, coordinator, mission):
    empty = factories.MissionFactory(
        member=Member.objects.get(country="NO"), name="Permanent Mission of Norway in Geneva"
    )
    factories.CoordinatorFactory(mission=empty, full_name="Old Coordinator", is_active=False)

    response = secretariat_client.get(reverse("admin:members_mission_changelist"))
    html = response.content.decode()

    assert response.status_code == 200
    rows = {m.pk: m for m in response.context["cl"].result_list}
    assert set(rows) == {mission.pk, empty.pk}
    assert f'<td class="field-coordinator_display">Cora Coordinator &lt;{coordinator.email}&gt;</td>' in html
    assert '<td class="field-coordinator_display">none</td>' in html
    assert "Old Coordinator" not in html


def test_user_changelist_lists_people_and_account_state(secretariat_client, staff_user, mission):
    invited = services.user_invite(
        email="ines@example.org", full_name="Inès Invited", role="staff", mission=mission, invited_by=None
    )

    response = secretariat_client.get(reverse("admin:members_user_changelist"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Stella Staff" in html and staff_user.email in html
    assert "Inès Invited" in html and invited.email in html
    assert "Sami Secretariat" in html
    assert '<td class="field-account_state">invited</td>' in html
    assert '<td class="field-account_state">password set</td>' in html


def test_user_change_page_shows_the_invitations(secretariat_client, mission):
    invited = services.user_invite(
        email="ines@example.org", full_name="Inès Invited", role="staff", mission=mission, invited_by=None
    )

    response = secretariat_client.get(reverse("admin:members_user_change", args=[invited.pk]))

    assert response.status_code == 200
    assert "Invitations" in response.content.decode()


# Inviting a person


def test_adding_a_user_creates_the_account_and_sends_an_invitation(
    secretariat_client, secretariat_user, mission, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add_user(
            secretariat_client,
            email="Nadia.New@Example.org",
            full_name="Nadia New",
            role=User.Role.COORDINATOR,
            mission=mission.pk,
        )

    assert response.status_code == 302
    user = User.objects.get(email="nadia.new@example.org")
    assert (user.full_name, user.role, user.mission, user.is_staff) == (
        "Nadia New",
        User.Role.COORDINATOR,
        mission,
        False,
    )
    assert not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {"Coordinator"}
    invitation = user.invitations.get()
    assert invitation.invited_by == secretariat_user
    assert invitation.sent_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nadia.new@example.org"]
    assert invitation.get_absolute_url() in mailoutbox[0].body
    page = secretariat_client.get(response["Location"]).content.decode()
    assert "An invitation has been sent to nadia.new@example.org." in page


def test_adding_a_secretariat_user_gives_admin_access(secretariat_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_user(secretariat_client, email="sec2@example.org", full_name="Second Sec", role="secretariat")

    user = User.objects.get(email="sec2@example.org")
    assert user.is_staff
    assert user.mission is None


def test_adding_an_existing_email_is_refused(
    secretariat_client, staff_user, mission, mailoutbox, django_capture_on_commit_callbacks
):
    users_before = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = add_user(
            secretariat_client,
            email=staff_user.email.upper(),
            full_name="Someone Else",
            role="staff",
            mission=mission.pk,
        )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert "Stella Staff" in form_errors(response)["email"][0]
    assert User.objects.count() == users_before
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_a_second_coordinator_is_refused_naming_the_current_one(
    secretariat_client, coordinator, mission, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add_user(
            secretariat_client,
            email="second@example.org",
            full_name="Second",
            role="coordinator",
            mission=mission.pk,
        )
    html = response.content.decode()

    assert response.status_code == 200
    assert "already has an active coordinator" in html
    assert f"Cora Coordinator ({coordinator.email})" in html
    assert "Cora Coordinator" in form_errors(response)["role"][0]
    assert not User.objects.filter(email="second@example.org").exists()
    assert mailoutbox == []


def test_the_secretariat_with_a_mission_is_refused(secretariat_client, mission, mailoutbox):
    response = add_user(
        secretariat_client, email="sec2@example.org", full_name="Sec", role="secretariat", mission=mission.pk
    )

    assert response.status_code == 200
    assert "The secretariat belongs to no mission; leave this empty." in response.content.decode()
    assert "mission" in form_errors(response)
    assert not User.objects.filter(email="sec2@example.org").exists()


def test_mission_staff_without_mission_is_refused(secretariat_client):
    response = add_user(secretariat_client, email="s@example.org", full_name="S", role="staff")

    assert response.status_code == 200
    assert "Choose the mission this person works for." in response.content.decode()
    assert not User.objects.filter(email="s@example.org").exists()


def test_changing_the_role_moves_the_user_between_groups(secretariat_client, staff_user, mission):
    response = change_user(secretariat_client, staff_user, role="coordinator", mission=mission.pk)

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.role == User.Role.COORDINATOR
    assert set(staff_user.groups.values_list("name", flat=True)) == {"Coordinator"}


def test_changing_the_role_in_the_admin_goes_through_the_service(
    secretariat_client, secretariat_user, staff_user, mission
):
    response = change_user(secretariat_client, staff_user, role="coordinator", full_name="Stella Renamed")

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert (staff_user.full_name, staff_user.role) == ("Stella Renamed", User.Role.COORDINATOR)
    event = staff_user.access_events.get()
    assert (event.actor, event.action, event.from_role, event.to_role) == (
        secretariat_user,
        UserEvent.Action.CHANGE,
        User.Role.STAFF,
        User.Role.COORDINATOR,
    )


def test_the_user_page_shows_the_access_history(secretariat_client, secretariat_user, staff_user):
    services.user_deactivate(user=staff_user, actor=secretariat_user)

    response = secretariat_client.get(reverse("admin:members_user_change", args=[staff_user.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Access history" in html
    assert "Deactivated" in html
    assert "active: yes → no" in html
    assert "Sami Secretariat" in html
    # Read only: no way to add or edit history rows.
    assert 'name="access_events-0-action"' not in html
    assert 'name="access_events-0-DELETE"' not in html


def test_deactivating_in_the_admin_is_recorded(secretariat_client, secretariat_user, staff_user):
    response = change_user(secretariat_client, staff_user, is_active="")

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert not staff_user.is_active
    event = staff_user.access_events.get()
    assert (event.action, event.actor) == (UserEvent.Action.DEACTIVATE, secretariat_user)


def test_making_someone_secretariat_in_the_admin_gives_admin_access(secretariat_client, staff_user):
    response = change_user(secretariat_client, staff_user, role="secretariat", mission="")

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert (staff_user.role, staff_user.mission, staff_user.is_staff) == ("secretariat", None, True)
    assert set(staff_user.groups.values_list("name", flat=True)) == {"Secretariat"}


def test_a_second_coordinator_is_refused_in_the_change_form(secretariat_client, coordinator, staff_user):
    response = change_user(secretariat_client, staff_user, role="coordinator")

    assert response.status_code == 200
    assert f"Cora Coordinator ({coordinator.email})" in form_errors(response)["role"][0]
    staff_user.refresh_from_db()
    assert staff_user.role == User.Role.STAFF
    assert not UserEvent.objects.exists()


def test_the_secretariat_cannot_deactivate_itself_in_the_admin(secretariat_client, secretariat_user):
    response = change_user(secretariat_client, secretariat_user, is_active="")

    assert response.status_code == 200
    assert form_errors(response)["is_active"] == ["You cannot deactivate your own account."]
    secretariat_user.refresh_from_db()
    assert secretariat_user.is_active


def test_deactivate_action_goes_through_the_service(
    secretariat_client, secretariat_user, staff_user, coordinator
):
    response = secretariat_client.post(
        reverse("admin:members_user_changelist"),
        {
            "action": "deactivate_accounts",
            "_selected_action": [staff_user.pk, coordinator.pk, secretariat_user.pk],
        },
        follow=True,
    )
    html = response.content.decode()

    assert "Deactivated 2 accounts." in html
    messages = [str(message) for message in response.context["messages"]]
    assert (
        f"{secretariat_user.email} was not deactivated: You cannot deactivate your own account." in messages
    )
    assert set(User.objects.filter(is_active=False)) == {staff_user, coordinator}
    assert set(
        UserEvent.objects.filter(action="deactivate", actor=secretariat_user).values_list("user", flat=True)
    ) == {
        staff_user.pk,
        coordinator.pk,
    }
    secretariat_user.refresh_from_db()
    assert secretariat_user.is_active


# Login records


def test_login_records_are_listed_read_only_with_filters(secretariat_client, staff_user):
    LoginEvent.objects.create(kind=LoginEvent.Kind.LOGIN_FAILED, email="nobody@example.org")
    LoginEvent.objects.create(kind=LoginEvent.Kind.LOGGED_IN, user=staff_user, email=staff_user.email)
    url = reverse("admin:members_loginevent_changelist")

    everything = secretariat_client.get(url)
    failed = secretariat_client.get(url, {"kind__exact": "login_failed"})
    by_person = secretariat_client.get(url, {"user__id__exact": staff_user.pk})

    assert everything.status_code == 200
    html = everything.content.decode()
    assert "nobody@example.org" in html and "Login failed" in html
    for title in ("By kind", "By user", "By when"):
        assert title in html
    assert [e.email for e in failed.context["cl"].result_list] == ["nobody@example.org"]
    assert [e.user for e in by_person.context["cl"].result_list] == [staff_user]
    assert secretariat_client.get(reverse("admin:members_loginevent_add")).status_code == 403


# The "Send a new invitation" action


def test_send_new_invitation_action(
    secretariat_client, staff_user, mission, mailoutbox, django_capture_on_commit_callbacks
):
    invited = services.user_invite(
        email="ines@example.org", full_name="Inès Invited", role="staff", mission=mission, invited_by=None
    )
    old = invited.invitations.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat_client.post(
            reverse("admin:members_user_changelist"),
            {"action": "send_new_invitation", "_selected_action": [invited.pk, staff_user.pk]},
            follow=True,
        )
    html = response.content.decode()

    old.refresh_from_db()
    assert old.is_expired
    new = invited.invitations.exclude(pk=old.pk).get()
    assert not new.is_expired
    assert not staff_user.invitations.exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ines@example.org"]
    assert new.get_absolute_url() in mailoutbox[0].body
    assert "Sent 1 invitation." in html
    assert f"Not sent to {staff_user.email}: they have already set a password" in html


def test_send_new_invitation_reports_deactivated_accounts(
    secretariat_client, mission, mailoutbox, django_capture_on_commit_callbacks
):
    invited = services.user_invite(
        email="gone@example.org", full_name="Gone Person", role="staff", mission=mission, invited_by=None
    )
    User.objects.filter(pk=invited.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat_client.post(
            reverse("admin:members_user_changelist"),
            {"action": "send_new_invitation", "_selected_action": [invited.pk]},
            follow=True,
        )

    assert "is deactivated; activate the account first" in response.content.decode()
    assert invited.invitations.count() == 1
    assert mailoutbox == []


def test_changelists_do_not_query_per_row(secretariat_client, django_assert_max_num_queries):
    urls = [reverse("admin:members_mission_changelist"), reverse("admin:members_user_changelist")]
    for iso in ["AR", "CL"]:
        factories.CoordinatorFactory(mission=factories.MissionFactory(member=Member.objects.get(country=iso)))
    baselines = []
    for url in urls:
        secretariat_client.get(url)  # warm up: session and caches
        with CaptureQueriesContext(connection) as baseline:
            secretariat_client.get(url)
        baselines.append(len(baseline))

    for iso in ["CO", "NO", "KR", "TN", "UY", "PE"]:
        factories.CoordinatorFactory(mission=factories.MissionFactory(member=Member.objects.get(country=iso)))

    for url, count in zip(urls, baselines, strict=True):
        with django_assert_max_num_queries(count):
            secretariat_client.get(url)


# Access


def test_anonymous_visitors_log_in_through_allauth_and_come_back(client, secretariat_user):
    response = client.get(reverse("admin:index"), follow=True)

    login_url = urlsplit(response.redirect_chain[-1][0])
    next_url = parse_qs(login_url.query)["next"][0]
    assert login_url.path == reverse("account_login")
    assert next_url.startswith("/admin/")
    assert "For mission staff and the secretariat." in response.content.decode()

    response = client.post(
        login_url.path,
        {"login": secretariat_user.email, "password": factories.TEST_PASSWORD, "next": next_url},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "Good Stories: secretariat" in response.content.decode()


@pytest.mark.parametrize("url_name", ["admin:index", "admin:login"])
def test_mission_staff_are_refused_the_admin(staff_client, url_name):
    response = staff_client.get(reverse(url_name), follow=True)

    assert response.status_code == 403
    assert "Your account does not give access to this page." in response.content.decode()


def test_mission_staff_cannot_open_the_user_list(staff_client):
    response = staff_client.get(reverse("admin:members_user_changelist"), follow=True)

    assert response.status_code == 403
    assert "Sami Secretariat" not in response.content.decode()


def test_without_mfa_the_secretariat_is_sent_to_set_it_up(secretariat_client, settings):
    settings.ADMIN_REQUIRE_MFA = True

    response = secretariat_client.get(reverse("admin:members_user_changelist"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?next=%2Fadmin%2Fmembers%2Fuser%2F"


def test_with_totp_the_secretariat_opens_the_admin(secretariat_client, secretariat_user, settings):
    settings.ADMIN_REQUIRE_MFA = True
    Authenticator.objects.create(
        user=secretariat_user,
        type=Authenticator.Type.TOTP,
        data={"secret": encrypt(generate_totp_secret())},
    )

    response = secretariat_client.get(reverse("admin:index"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Members" in html
    assert "Missions" in html


def test_without_required_mfa_the_secretariat_opens_the_admin(secretariat_client):
    response = secretariat_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Good Stories: secretariat" in response.content.decode()


def test_missions_of_a_member_show_inline(secretariat_client, mission):
    response = secretariat_client.get(reverse("admin:members_member_change", args=[mission.member.pk]))

    assert response.status_code == 200
    assert mission.name in response.content.decode()
    assert Mission.objects.filter(member=mission.member).count() == 1
