"""Demo data for the members app: missions, their people and a secretariat account. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.hashers import make_password
from django.db import transaction

from members.models import Member, Mission, User, normalize_email
from members.services import user_sync_groups

DEMO_PASSWORD = "good-stories-demo"  # noqa: S105 - printed on purpose: demo accounts only
DEMO_DOMAIN = "demo.goodstories.example"
DEMO_MEMBERS_WITH_MISSIONS = ["AR", "CL", "CO", "EU", "GE", "ID", "KR", "NO", "NZ", "PE", "TN", "UY"]

MISSION_ADDRESSES = {
    Mission.Kind.GENEVA: "Geneva, Switzerland",
    Mission.Kind.NEW_YORK: "New York, NY, United States",
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    where: str


def mission_name(member: Member, kind: str) -> str:
    if member.kind == Member.Kind.ORGANISATION:
        city = "Geneva" if kind == Mission.Kind.GENEVA else "New York"
        return f"Delegation of the {member.name} to the United Nations in {city}"
    if kind == Mission.Kind.GENEVA:
        return f"Permanent Mission of {member.name} to the United Nations Office at Geneva"
    return f"Permanent Mission of {member.name} to the United Nations in New York"


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Hashing is slow on purpose; the demo accounts share one password, so hash it once.
    return make_password(DEMO_PASSWORD)


def _demo_user(*, email: str, full_name: str, role: str, mission: Mission | None) -> User:
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email,
            password=_demo_password_hash(),
            full_name=full_name,
            role=role,
            mission=mission,
            is_staff=role == User.Role.SECRETARIAT,
        )
        user_sync_groups(user=user)
    return user


def demo_secretariat() -> User:
    return User.objects.get(email=f"secretariat@{DEMO_DOMAIN}")


@transaction.atomic
def load_member_demo() -> list[DemoLogin]:
    logins = [
        DemoLogin(
            email=_demo_user(
                email=f"secretariat@{DEMO_DOMAIN}",
                full_name="Sam Secretariat (demo)",
                role=User.Role.SECRETARIAT,
                mission=None,
            ).email,
            role="secretariat",
            where="admin",
        )
    ]
    for member in Member.objects.filter(country__in=DEMO_MEMBERS_WITH_MISSIONS):
        for kind, city in ((Mission.Kind.GENEVA, "geneva"), (Mission.Kind.NEW_YORK, "newyork")):
            mission, _created = Mission.objects.get_or_create(
                member=member,
                kind=kind,
                defaults={"name": mission_name(member, kind), "address": MISSION_ADDRESSES[kind]},
            )
            iso = member.iso.lower()
            coordinator = _demo_user(
                email=f"coordinator.{iso}.{city}@{DEMO_DOMAIN}",
                full_name=f"{member.name} {mission.get_kind_display()} coordinator (demo)",
                role=User.Role.COORDINATOR,
                mission=mission,
            )
            staff = _demo_user(
                email=f"staff.{iso}.{city}@{DEMO_DOMAIN}",
                full_name=f"{member.name} {mission.get_kind_display()} staff (demo)",
                role=User.Role.STAFF,
                mission=mission,
            )
            logins += [
                DemoLogin(email=coordinator.email, role="coordinator", where=mission.name),
                DemoLogin(email=staff.email, role="mission staff", where=mission.name),
            ]
    return logins
