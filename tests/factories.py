"""factory_boy factories for the whole suite; conftest.py exposes them as fixtures."""

import factory
from django_countries import countries

from members.models import Member, Mission, User
from members.services import user_sync_groups

TEST_PASSWORD = "correct horse battery staple"

# Codes the data migration does not use, so factories never collide with the real members.
_SEEDED = {"AR", "BF", "CV", "CL", "GE", "ID", "NZ", "NO", "PE", "KR", "GM", "TN", "UY", "EU", "CO"}
# Also not names that HTML changes (Côte d'Ivoire, Trinidad & Tobago), so `name in page` holds in any test;
# tests about such names make them on purpose.
_FREE_CODES = [code for code, name in countries if code not in _SEEDED and not set(str(name)) & set("'&<>\"")]


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("country",)

    country = factory.Sequence(lambda n: _FREE_CODES[n % len(_FREE_CODES)])
    kind = Member.Kind.STATE
    regional_group = Member.RegionalGroup.WEOG
    status = Member.Status.MEMBER
    joined_on = factory.Faker("date_between", start_date="-5y", end_date="today")


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    member = factory.SubFactory(MemberFactory)
    kind = Mission.Kind.GENEVA
    name = factory.LazyAttribute(lambda o: f"Permanent Mission of {o.member.name} in Geneva")
    address = "Geneva"


class UserFactory(factory.django.DjangoModelFactory):
    """Mission staff by default; see the role-specific factories below."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = User.Role.STAFF
    mission = factory.SubFactory(MissionFactory)
    is_staff = False
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def groups(self, create: bool, extracted, **kwargs) -> None:
        if create:
            user_sync_groups(user=self)


class CoordinatorFactory(UserFactory):
    role = User.Role.COORDINATOR


class SecretariatFactory(UserFactory):
    role = User.Role.SECRETARIAT
    mission = None
    is_staff = True


class StoryFactory(factory.django.DjangoModelFactory):
    """A draft by default; use the workflow services (or `status=`) for the other states."""

    class Meta:
        model = "stories.Story"
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    author = None
    title = factory.Sequence(lambda n: f"Mobile courts reach remote villages {n}")
    slug = factory.Sequence(lambda n: f"mobile-courts-reach-remote-villages-{n}")
    summary = (
        "Judges travel to where people live, so that nobody has to give up a case for lack of a bus fare."
    )
    body = "Since 2019, **mobile courts** have held hearings in village halls.\n\n- Free\n- Close by"
    policy_year = 2019
    language = "en"

    @factory.post_generation
    def themes(self, create: bool, extracted, **kwargs) -> None:
        from stories.models import Theme

        if create:
            self.themes.set(extracted if extracted is not None else Theme.objects.filter(slug__in=["sdg-16"]))


class PublishedStoryFactory(StoryFactory):
    status = "published"
    published_at = factory.Faker("date_time_this_decade", tzinfo=__import__("datetime").timezone.utc)


class RecommendationFactory(factory.django.DjangoModelFactory):
    """A supported UPR recommendation to the member's state; pass `country=member.country`."""

    class Meta:
        model = "recommendations.Recommendation"
        skip_postgeneration_save = True

    country = "UY"
    mechanism = "upr"
    body = "UPR"
    symbol = "A/HRC/38/4"
    paragraph = factory.Sequence(lambda n: f"116.{n + 1}")
    upr_cycle = 3
    session = "29"
    recommending_states = ["Chile"]
    response = "supported"
    published_on = __import__("datetime").date(2018, 4, 20)
    text = factory.Sequence(lambda n: f"Strengthen access to justice in rural areas, step {n}")
    language = "en"
