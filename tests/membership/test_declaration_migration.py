"""The data migration: `Member.declaration_endorsed_on` became endorsements of version 1, and going back
puts the dates back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("members", "0006_user_language"), ("membership", "0001_initial")]
AFTER = [("members", "0007_remove_member_declaration_endorsed_on")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dates_become_endorsements_and_come_back():
    old = migrate(BEFORE)
    Member = old.get_model("members", "Member")
    endorsed = Member.objects.create(
        country="MX",
        kind="state",
        regional_group="grulac",
        status="member",
        declaration_endorsed_on=datetime.date(2019, 3, 1),
    )
    silent = Member.objects.create(country="MA", kind="state", regional_group="african", status="member")

    new = migrate(AFTER)
    Endorsement = new.get_model("membership", "Endorsement")
    version = new.get_model("membership", "DeclarationVersion").objects.get(number=1)
    assert version.is_current and version.adopted_on == datetime.date(2018, 9, 27)
    endorsement = Endorsement.objects.get(member_id=endorsed.pk)
    assert endorsement.version_id == version.pk
    assert endorsement.endorsed_on == datetime.date(2019, 3, 1)
    assert (endorsement.means, endorsement.level) == ("recorded", "other")
    assert not Endorsement.objects.filter(member_id=silent.pk).exists()
    group = new.get_model("auth", "Group").objects.get(name="Secretariat")
    assert group.permissions.filter(codename="add_endorsement").exists()

    back = migrate(BEFORE)
    Member = back.get_model("members", "Member")
    assert Member.objects.get(pk=endorsed.pk).declaration_endorsed_on == datetime.date(2019, 3, 1)
    assert Member.objects.get(pk=silent.pk).declaration_endorsed_on is None
    assert not back.get_model("membership", "Endorsement").objects.exists()

    migrate(AFTER + [(label, name) for label, name in _leaf_nodes()])


def _leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
