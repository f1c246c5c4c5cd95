from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members import services
from members.models import Invitation, Member, Mission, User
from tests import factories
from tests.stories.test_gallery import card_titles, make_story

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"
MISMATCH = str(SetPasswordForm.error_messages["password_mismatch"])  # "The two password fields didn't match."

# What the public sees for each seeded member: name, UN regional group, founding member.
SEEDED_MEMBERS = [
    ("Argentina", "Latin American and Caribbean States (GRULAC)", "Yes"),
    ("Burkina Faso", "African States", "Yes"),
    ("Cabo Verde", "African States", "Yes"),
    ("Chile", "Latin American and Caribbean States (GRULAC)", "Yes"),
    ("Colombia", "Latin American and Caribbean States (GRULAC)", "No"),
    ("European Union", "none (organisation)", "Yes"),
    ("Georgia", "Eastern European States", "Yes"),
    ("Indonesia", "Asia-Pacific States", "Yes"),
    ("New Zealand", "Western European and other States (WEOG)", "Yes"),
    ("Norway", "Western European and other States (WEOG)", "Yes"),
    ("Peru", "Latin American and Caribbean States (GRULAC)", "Yes"),
    ("Republic of Korea", "Asia-Pacific States", "Yes"),
    ("The Gambia", "African States", "Yes"),
    ("Tunisia", "African States", "Yes"),
    ("Uruguay", "Latin American and Caribbean States (GRULAC)", "Yes"),
]


def table_row(html: str, name: str) -> str:
    """The <tr> of the members table whose link text is `name`."""
    rows = [row for row in html.split("<tr>") if f"> {name}</a>" in row]
    assert len(rows) == 1, f"expected one row for {name}, found {len(rows)}"
    return rows[0].split("</tr>")[0]


def invitation_for(mission: Mission, email: str = "ines.invited@example.org") -> Invitation:
    user = services.user_invite(
        email=email, full_name="Inès Invited", role=User.Role.STAFF, mission=mission, invited_by=None
    )
    return user.invitations.get()


# Members, public


def test_member_list_shows_every_member_with_region_and_founding(client):
    response = client.get(reverse("members:member_list"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "The initiative has 15 members." in html
    for name, regional_group, founding in SEEDED_MEMBERS:
        row = table_row(html, name)
        assert f"<td>{regional_group}</td>" in row
        assert f"<td>{founding}</td>" in row
    assert 'datetime="2018-09-27"' in table_row(html, "Argentina")
    assert 'datetime="2019-09-27"' in table_row(html, "Colombia")


def test_member_list_hides_applicants_and_lists_former_members_apart(client):
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    former = factories.MemberFactory(status=Member.Status.FORMER)

    html = client.get(reverse("members:member_list")).content.decode()

    assert applicant.name not in html
    former_section = html.split("Former members")[1]
    assert former.name in former_section
    assert "The initiative has 15 members." in html


def test_member_page_shows_the_member_and_its_missions(client):
    argentina = Member.objects.get(country="AR")
    factories.MissionFactory(member=argentina, name="Permanent Mission of Argentina in Geneva")
    factories.MissionFactory(
        member=argentina, kind=Mission.Kind.NEW_YORK, name="Permanent Mission of Argentina in New York"
    )

    response = client.get(reverse("coalition:member_detail", kwargs={"iso": "ar"}))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1>" in html and "Argentina</h1>" in html
    assert "Latin American and Caribbean States (GRULAC)" in html
    assert "Permanent Mission of Argentina in Geneva" in html
    assert "Permanent Mission of Argentina in New York" in html
    assert "Permanent Mission in New York" in html  # the kind of mission


def test_member_page_shows_the_newest_12_stories_and_links_to_all_of_them(client):
    for number in range(13):
        make_story("ar", title=f"Argentine story {number:02d}", days_ago=number)
    make_story("cl", title="A Chilean story", days_ago=0)

    html = client.get(reverse("coalition:member_detail", kwargs={"iso": "ar"})).content.decode()

    assert card_titles(html) == [f"Argentine story {number:02d}" for number in range(12)]
    assert '<a href="/en/stories/?member=ar">All the stories of Argentina</a>' in html


def test_member_page_with_few_stories_lists_them_all_without_a_link(client):
    make_story("ar", title="Parity law for party lists", days_ago=1)
    make_story("ar", title="Free legal aid for tenants", days_ago=2)

    html = client.get(reverse("coalition:member_detail", kwargs={"iso": "ar"})).content.decode()

    assert card_titles(html) == ["Parity law for party lists", "Free legal aid for tenants"]
    assert "All the stories of" not in html


def test_member_page_of_the_eu_says_it_has_no_regional_group(client):
    html = client.get(reverse("coalition:member_detail", kwargs={"iso": "eu"})).content.decode()

    assert "European Union" in html
    assert "none (organisation)" in html


def test_member_page_in_capitals_redirects_to_lower_case(client):
    response = client.get("/en/members/AR/")

    assert response.status_code == 302
    assert response["Location"] == "/en/members/ar/"


def test_unknown_member_page_is_not_found(client):
    response = client.get(reverse("coalition:member_detail", kwargs={"iso": "zz"}))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_applicant_member_page_is_not_found(client):
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)

    response = client.get(applicant.get_absolute_url())

    assert response.status_code == 404
    assert applicant.name not in response.content.decode()


# My page


def test_my_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("coalition:my"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/en/my/"


def test_my_page_shows_staff_their_mission_and_coordinator(staff_client, staff_user, coordinator, mission):
    html = staff_client.get(reverse("coalition:my")).content.decode()

    assert "Welcome, Stella Staff" in html
    assert mission.member.name in html
    assert escape(mission.name) in html  # a name may hold an apostrophe (Côte d'Ivoire)
    assert "Mission staff" in html  # their role
    assert f'Cora Coordinator · <a href="mailto:{coordinator.email}">{coordinator.email}</a>' in html


def test_my_page_says_when_the_mission_has_no_coordinator(staff_client):
    html = staff_client.get(reverse("coalition:my")).content.decode()

    assert "Your mission has no coordinator at the moment." in html
    assert "No coordinators have been named yet." in html


def test_my_page_lists_the_active_coordinators_of_all_missions(staff_client, coordinator):
    korea_geneva = factories.MissionFactory(
        member=Member.objects.get(country="KR"), name="Permanent Mission of the Republic of Korea in Geneva"
    )
    kim = factories.CoordinatorFactory(mission=korea_geneva, full_name="Kim Ji-woo")
    factories.CoordinatorFactory(mission=korea_geneva, full_name="Former Coordinator", is_active=False)
    factories.UserFactory(mission=korea_geneva, full_name="Plain Staffer")

    html = staff_client.get(reverse("coalition:my")).content.decode()
    contact_group = html.split("The contact group")[1]

    assert "Cora Coordinator" in contact_group and coordinator.email in contact_group
    assert "Kim Ji-woo" in contact_group and kim.email in contact_group
    assert "Permanent Mission of the Republic of Korea in Geneva" in contact_group
    assert "Republic of Korea" in contact_group
    assert "Former Coordinator" not in html
    assert "Plain Staffer" not in html


def test_my_page_shows_the_secretariat_the_administration(secretariat_client):
    html = secretariat_client.get(reverse("coalition:my")).content.decode()

    assert "Welcome, Sami Secretariat" in html
    assert "You work for the secretariat." in html
    assert f'href="{reverse("admin:index")}">Open the administration</a>' in html


def test_mission_staff_see_no_administration_link(staff_client):
    html = staff_client.get(reverse("coalition:my")).content.decode()

    assert reverse("admin:index") not in html


def test_the_contact_group_never_shows_on_public_pages(client, coordinator, mission):
    for url in [
        reverse("home"),
        reverse("members:member_list"),
        mission.member.get_absolute_url(),
    ]:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "Cora Coordinator" not in html, url
        assert coordinator.email not in html, url
        assert "The contact group" not in html, url


def add_missions_with_coordinators(*isos: str) -> None:
    for iso in isos:
        mission = factories.MissionFactory(member=Member.objects.get(country=iso))
        factories.CoordinatorFactory(mission=mission)
        factories.UserFactory(mission=mission)


@pytest.mark.parametrize("url", ["/en/members/", "/en/my/"])
def test_list_pages_do_not_query_per_row(staff_client, django_assert_max_num_queries, url):
    add_missions_with_coordinators("AR")
    staff_client.get(url)  # warm up: session and caches, so the baseline is a steady-state request
    with CaptureQueriesContext(connection) as baseline:
        staff_client.get(url)

    add_missions_with_coordinators("CL", "CO", "NO", "KR", "TN", "UY", "PE")

    with django_assert_max_num_queries(len(baseline)):
        response = staff_client.get(url)
    assert response.status_code == 200


# Accepting an invitation


def test_invitation_page_shows_the_form_with_the_persons_email(client, mission):
    invitation = invitation_for(mission)

    response = client.get(invitation.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert "Choose your password" in html
    assert "Welcome, Inès Invited" in html
    assert "ines.invited@example.org" in html
    assert 'name="new_password1"' in html and 'name="new_password2"' in html


def test_mismatched_passwords_show_a_field_error(client, mission):
    invitation = invitation_for(mission)

    response = client.post(
        invitation.get_absolute_url(),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "!"},
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert MISMATCH in html
    assert list(response.context["form"].errors) == ["new_password2"]
    field_errors = html.split('class="field-errors"')[1].split("</ul>")[0]
    assert MISMATCH in field_errors
    assert "Please correct the errors below" in html
    invitation.user.refresh_from_db()
    assert not invitation.user.has_usable_password()


def test_a_weak_password_is_refused_with_the_reason(client, mission):
    invitation = invitation_for(mission)

    response = client.post(
        invitation.get_absolute_url(), {"new_password1": "short", "new_password2": "short"}
    )

    assert response.status_code == 200
    assert "too short" in response.content.decode()


def test_accepting_logs_the_person_in_and_opens_their_page(client, mission):
    invitation = invitation_for(mission)

    response = client.post(
        invitation.get_absolute_url(), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("coalition:my")
    html = client.get(reverse("coalition:my")).content.decode()
    assert "Welcome, Inès Invited" in html
    assert "Your password is set." in html
    assert escape(mission.name) in html  # a name may hold an apostrophe (Côte d'Ivoire)
    user = User.objects.get(email="ines.invited@example.org")
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_invitation_link_answers_gone(client, mission):
    invitation = invitation_for(mission)
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()

    response = client.get(invitation.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 410
    assert "This invitation has expired" in html
    assert f'href="mailto:{settings.SECRETARIAT_EMAIL}"' in html
    assert 'name="new_password1"' not in html


def test_a_used_invitation_link_answers_gone_with_a_login_link(client, mission):
    invitation = invitation_for(mission)
    services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)

    response = client.get(invitation.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 410
    assert "This invitation has already been used" in html
    assert f'href="{reverse("account_login")}"' in html


def test_posting_to_a_used_invitation_changes_nothing(client, mission):
    invitation = invitation_for(mission)
    services.invitation_accept(invitation=invitation, password=NEW_PASSWORD)

    response = client.post(
        invitation.get_absolute_url(),
        {"new_password1": "someone else's passphrase 7", "new_password2": "someone else's passphrase 7"},
    )

    assert response.status_code == 410
    invitation.user.refresh_from_db()
    assert invitation.user.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session


def test_a_tampered_invitation_link_is_not_found(client, mission):
    invitation = invitation_for(mission)

    response = client.get(reverse("invitations:accept", kwargs={"token": invitation.token + "x"}))

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_a_link_to_a_deleted_invitation_is_not_found(client, mission):
    invitation = invitation_for(mission)
    url = invitation.get_absolute_url()
    invitation.delete()

    response = client.get(url)

    assert response.status_code == 404


def test_an_invitation_superseded_by_a_newer_one_is_expired(client, mission):
    old = invitation_for(mission)
    new = services.invitation_create(user=old.user, invited_by=None)

    old_response = client.get(old.get_absolute_url())
    new_response = client.get(new.get_absolute_url())

    assert old_response.status_code == 410
    assert "This invitation has expired" in old_response.content.decode()
    assert new_response.status_code == 200


def test_an_invitation_to_a_deactivated_account_is_unusable(client, mission):
    invitation = invitation_for(mission)
    User.objects.filter(pk=invitation.user_id).update(is_active=False)

    response = client.get(invitation.get_absolute_url())

    assert response.status_code == 410
    assert 'name="new_password1"' not in response.content.decode()
