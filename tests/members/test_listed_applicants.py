"""An applicant is announced on /members/ only when the secretariat chooses to; its page stays closed."""

import pytest
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_an_applicant_is_listed_only_when_the_secretariat_says_so(client):
    quiet = MemberFactory(country="MX", status=Member.Status.APPLICANT)
    announced = MemberFactory(country="KE", status=Member.Status.APPLICANT, listed_as_applicant=True)

    html = client.get(reverse("members:member_list")).content.decode()

    assert "Applying to join" in html
    assert str(announced.name) in html
    assert str(quiet.name) not in html
    # Nothing more than its name: no page of its own until it joins.
    assert client.get(announced.get_absolute_url()).status_code == 404


def test_without_listed_applicants_the_section_is_not_shown(client):
    MemberFactory(country="MX", status=Member.Status.APPLICANT)
    assert "Applying to join" not in client.get(reverse("members:member_list")).content.decode()
