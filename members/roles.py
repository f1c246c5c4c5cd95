"""The permission group that goes with each role. The groups themselves are created by a migration."""

from members.models import User

SECRETARIAT_GROUP = "Secretariat"
MISSION_STAFF_GROUP = "Mission staff"
COORDINATOR_GROUP = "Coordinator"

GROUP_FOR_ROLE: dict[str, str] = {
    User.Role.SECRETARIAT: SECRETARIAT_GROUP,
    User.Role.STAFF: MISSION_STAFF_GROUP,
    User.Role.COORDINATOR: COORDINATOR_GROUP,
}
