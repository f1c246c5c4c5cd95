import datetime

import pytest
from django.contrib.auth.models import Group

from members.models import Member

pytestmark = pytest.mark.django_db

LAUNCH = datetime.date(2018, 9, 27)
FOUNDING_STATES = ["AR", "BF", "CV", "CL", "GE", "ID", "NZ", "NO", "PE", "KR", "GM", "TN", "UY"]


def permissions_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_fifteen_members_are_seeded():
    codes = set(Member.objects.values_list("country", flat=True))

    assert codes == {*FOUNDING_STATES, "EU", "CO"}
    assert Member.objects.current().count() == 15


def test_thirteen_founding_states_and_the_eu_joined_at_the_launch():
    founders = Member.objects.filter(is_founding=True)

    assert set(founders.values_list("country", flat=True)) == {*FOUNDING_STATES, "EU"}
    assert set(founders.values_list("joined_on", flat=True)) == {LAUNCH}
    assert founders.filter(kind=Member.Kind.STATE).count() == 13


def test_colombia_joined_a_year_later_and_is_not_founding():
    colombia = Member.objects.get(country="CO")

    assert colombia.joined_on == datetime.date(2019, 9, 27)
    assert not colombia.is_founding
    assert colombia.regional_group == Member.RegionalGroup.GRULAC
    assert colombia.status == Member.Status.MEMBER


@pytest.mark.parametrize(
    ("iso", "regional_group"),
    [
        ("AR", "grulac"),
        ("BF", "african"),
        ("CV", "african"),
        ("CL", "grulac"),
        ("GE", "eastern_european"),
        ("ID", "asia_pacific"),
        ("NZ", "weog"),
        ("NO", "weog"),
        ("PE", "grulac"),
        ("KR", "asia_pacific"),
        ("GM", "african"),
        ("TN", "african"),
        ("UY", "grulac"),
        ("CO", "grulac"),
    ],
)
def test_each_state_is_in_its_un_regional_group(iso, regional_group):
    member = Member.objects.get(country=iso)

    assert member.regional_group == regional_group
    assert member.kind == Member.Kind.STATE


def test_the_eu_is_an_organisation_without_regional_group():
    eu = Member.objects.get(country="EU")

    assert eu.kind == Member.Kind.ORGANISATION
    assert eu.regional_group == ""
    assert eu.is_founding
    assert eu.name == "European Union"


def test_the_three_role_groups_exist():
    names = set(Group.objects.values_list("name", flat=True))

    assert {"Secretariat", "Mission staff", "Coordinator"} <= names


def test_the_secretariat_group_keeps_members_missions_and_users():
    expected = {
        "members.add_member",
        "members.change_member",
        "members.delete_member",
        "members.view_member",
        "members.add_mission",
        "members.change_mission",
        "members.delete_mission",
        "members.view_mission",
        "members.add_user",
        "members.change_user",
        "members.view_user",
        "members.view_invitation",
    }

    permissions = permissions_of("Secretariat")

    assert expected <= permissions
    # Accounts are deactivated, never deleted.
    assert "members.delete_user" not in permissions


@pytest.mark.parametrize("group_name", ["Mission staff", "Coordinator"])
def test_mission_groups_only_view_members_and_missions(group_name):
    permissions = permissions_of(group_name)
    members_permissions = {p for p in permissions if p.startswith("members.")}

    assert members_permissions == {"members.view_member", "members.view_mission"}
    assert "members.change_member" not in permissions
