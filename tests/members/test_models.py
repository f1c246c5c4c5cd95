import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from members.models import Member, Mission, User
from tests import factories

pytestmark = pytest.mark.django_db


def unsaved_coordinator(mission: Mission, **extra) -> User:
    user = User(
        email="new.coordinator@example.org",
        full_name="Nina New",
        role=User.Role.COORDINATOR,
        mission=mission,
        **extra,
    )
    user.set_password(factories.TEST_PASSWORD)
    return user


# One active coordinator per mission


def test_a_second_active_coordinator_is_refused_by_the_database(coordinator, mission):
    with pytest.raises(IntegrityError), transaction.atomic():
        unsaved_coordinator(mission).save()

    assert list(mission.users.coordinators()) == [coordinator]


def test_full_clean_names_the_current_coordinator(coordinator, mission):
    with pytest.raises(ValidationError) as caught:
        unsaved_coordinator(mission).full_clean()

    errors = caught.value.error_dict["role"]
    assert errors[0].code == "coordinator_exists"
    message = caught.value.message_dict["role"][0]
    assert "Cora Coordinator" in message
    assert coordinator.email in message
    assert mission.name in message


def test_an_inactive_coordinator_does_not_count(mission):
    factories.CoordinatorFactory(mission=mission, is_active=False, full_name="Olga Old")
    newcomer = unsaved_coordinator(mission)

    newcomer.full_clean()
    newcomer.save()

    assert list(mission.users.coordinators()) == [newcomer]


def test_a_coordinator_of_another_mission_is_fine(coordinator, member):
    new_york = factories.MissionFactory(member=member, kind=Mission.Kind.NEW_YORK)
    newcomer = unsaved_coordinator(new_york)

    newcomer.full_clean()
    newcomer.save()

    assert User.objects.coordinators().count() == 2


def test_a_coordinator_may_be_saved_again_without_clashing_with_itself(coordinator):
    coordinator.full_name = "Cora C. Coordinator"
    coordinator.full_clean()
    coordinator.save()

    coordinator.refresh_from_db()
    assert coordinator.full_name == "Cora C. Coordinator"


# Admin access and role/mission


def test_admin_access_is_refused_for_mission_staff(mission):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            email="staff@example.org", full_name="S", role=User.Role.STAFF, mission=mission, is_staff=True
        )

    assert not User.objects.filter(email="staff@example.org").exists()


def test_admin_access_is_refused_for_a_coordinator(mission):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            email="coord@example.org",
            full_name="C",
            role=User.Role.COORDINATOR,
            mission=mission,
            is_staff=True,
        )


def test_the_secretariat_may_have_admin_access():
    user = User.objects.create_user(
        email="sec@example.org", full_name="S", role=User.Role.SECRETARIAT, mission=None, is_staff=True
    )

    assert User.objects.get(pk=user.pk).is_staff


def test_the_secretariat_has_no_mission(mission):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            email="sec@example.org", full_name="S", role=User.Role.SECRETARIAT, mission=mission, is_staff=True
        )


@pytest.mark.parametrize("role", [User.Role.STAFF, User.Role.COORDINATOR])
def test_mission_staff_and_coordinators_need_a_mission(role):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="x@example.org", full_name="X", role=role, mission=None)

    assert not User.objects.filter(email="x@example.org").exists()


def test_full_clean_explains_the_role_and_mission_rule():
    user = User(email="x@example.org", full_name="X", role=User.Role.STAFF, mission=None)
    user.set_password(factories.TEST_PASSWORD)

    with pytest.raises(ValidationError) as caught:
        user.full_clean()

    assert "Mission staff and coordinators belong to a mission" in " ".join(caught.value.messages)


# Email addresses


def test_the_manager_stores_email_in_lower_case(mission):
    user = User.objects.create_user(
        email="  Ana.Perez@Example.ORG ", full_name="Ana Pérez", mission=mission, password="x"
    )

    assert User.objects.get(pk=user.pk).email == "ana.perez@example.org"


def test_full_clean_lowers_the_email(staff_user):
    staff_user.email = "Stella.Staff@Example.ORG"
    staff_user.full_clean()

    assert staff_user.email == "stella.staff@example.org"


def test_natural_key_lookup_ignores_case(staff_user):
    assert User.objects.get_by_natural_key(staff_user.email.upper()) == staff_user


def test_create_superuser_makes_a_secretariat_account():
    user = User.objects.create_superuser(email="Boss@Example.org", password="x", full_name="Boss")

    assert (user.email, user.role, user.mission, user.is_staff) == (
        "boss@example.org",
        User.Role.SECRETARIAT,
        None,
        True,
    )


# Members


def test_a_state_needs_a_regional_group():
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(country="FR", kind=Member.Kind.STATE, regional_group="")

    assert not Member.objects.filter(country="FR").exists()


def test_an_organisation_belongs_to_no_regional_group():
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            country="AU", kind=Member.Kind.ORGANISATION, regional_group=Member.RegionalGroup.WEOG
        )

    assert not Member.objects.filter(country="AU").exists()


def test_full_clean_explains_the_regional_group_rule():
    member = Member(country="FR", kind=Member.Kind.STATE, regional_group="")

    with pytest.raises(ValidationError) as caught:
        member.full_clean()

    assert "A member state belongs to a UN regional group" in " ".join(caught.value.messages)


def test_public_members_exclude_applicants():
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    former = factories.MemberFactory(status=Member.Status.FORMER)

    public = Member.objects.public()

    assert applicant not in public
    assert former in public
    assert Member.objects.get(country="AR") in public
    assert former not in Member.objects.current()


def test_member_knows_its_name_code_and_page():
    korea = Member.objects.get(country="KR")

    assert (str(korea), korea.iso, korea.get_absolute_url()) == ("Republic of Korea", "KR", "/en/members/kr/")


# Mission.coordinator


def test_a_mission_without_coordinator_has_none(mission, staff_user):
    assert mission.coordinator is None


def test_the_mission_coordinator_is_the_active_one(mission, staff_user):
    factories.CoordinatorFactory(mission=mission, is_active=False)
    current = factories.CoordinatorFactory(mission=mission)

    assert mission.coordinator == current


def test_the_mission_coordinator_uses_prefetched_coordinators(
    coordinator, mission, django_assert_num_queries
):
    prefetched = Mission.objects.prefetch_related(
        Prefetch("users", queryset=User.objects.coordinators(), to_attr="active_coordinators")
    ).get(pk=mission.pk)

    with django_assert_num_queries(0):
        assert prefetched.coordinator == coordinator
