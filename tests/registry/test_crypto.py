import logging

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from registry import services
from registry.crypto import Identity
from registry.models import Case, CaseEvent
from tests.registry.helpers import PERSON, make_case, new_key

pytestmark = pytest.mark.django_db

CLEAR = [PERSON.name, "Amina", "Khoury", PERSON.contact, "555 01 23", PERSON.place, "Oliviers", "Byblos"]


def raw_rows() -> str:
    """Every column of every registry table, as the database (a dump, a backup) holds them."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("registry_") or table.startswith("auditlog_"):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
                dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_an_identity_is_never_in_the_database_in_clear(keeper, registry_keys):
    case = make_case(keeper)
    services.identity_read(actor=keeper, case_id=case.pk, reason="Referral to OHCHR needs the contact")

    dump = raw_rows()
    assert case.code in dump
    for fragment in CLEAR:
        assert fragment not in dump
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity_token FROM registry_case WHERE id = %s", [case.pk])
        (token,) = cursor.fetchone()
    assert token.startswith("gAAAA")  # a Fernet token


def test_without_keys_the_registry_refuses_to_store_an_identity_and_says_why(keeper, settings):
    settings.REGISTRY_KEYS = []
    with pytest.raises(ValidationError, match="No encryption key is configured"):
        make_case(keeper)
    assert not Case.objects.exists()
    # A case without an identity can still be recorded.
    assert make_case(keeper, identity=None).identity_token == ""


def test_a_malformed_key_is_a_clear_error_and_nothing_is_stored(keeper, settings):
    settings.REGISTRY_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ValidationError, match="not valid Fernet keys") as error:
        make_case(keeper)
    assert "not-a-fernet-key" not in str(error.value)
    assert not Case.objects.exists()


def test_a_wrong_key_cannot_open_an_identity_says_so_and_logs_no_ciphertext(keeper, settings, caplog):
    settings.REGISTRY_KEYS = [new_key()]
    case = make_case(keeper)
    settings.REGISTRY_KEYS = [new_key()]
    with (
        caplog.at_level(logging.ERROR, logger="registry"),
        pytest.raises(ValidationError, match="cannot be opened"),
    ):
        services.identity_read(actor=keeper, case_id=case.pk, reason="Checking the contact for a referral")
    assert case.code in caplog.text
    assert case.identity_token[:20] not in caplog.text
    assert case.reads.count() == 1  # the attempt is logged too


def test_rotation_re_encrypts_with_the_first_key_and_old_keys_can_then_go(keeper, settings):
    old = new_key()
    settings.REGISTRY_KEYS = [old]
    case = make_case(keeper)
    before = case.identity_token

    new = new_key()
    settings.REGISTRY_KEYS = [new, old]
    call_command("registry_rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    case.refresh_from_db()
    assert case.identity_token != before
    assert CaseEvent.objects.filter(case=case, action=CaseEvent.Action.IDENTITY_ROTATED).exists()

    settings.REGISTRY_KEYS = [new]
    assert (
        services.identity_read(actor=keeper, case_id=case.pk, reason="After rotation, still readable")
        == PERSON
    )


def test_rotation_without_keys_fails_clearly(settings):
    settings.REGISTRY_KEYS = []
    with pytest.raises(CommandError, match="No encryption key"):
        call_command("registry_rotate")


def test_rotation_leaves_what_it_cannot_open_and_says_so(keeper, settings):
    settings.REGISTRY_KEYS = [new_key()]
    case = make_case(keeper)
    settings.REGISTRY_KEYS = [new_key()]
    with pytest.raises(CommandError, match="1 identities could not be opened"):
        call_command("registry_rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Case.objects.get(pk=case.pk).identity_token == case.identity_token


def test_keys_as_one_comma_separated_string_work(keeper, settings):
    settings.REGISTRY_KEYS = f"{new_key()},{new_key()}"
    case = make_case(keeper, identity=Identity(name="Ümit Çelik"))
    assert (
        services.identity_read(actor=keeper, case_id=case.pk, reason="Unicode names survive").name
        == "Ümit Çelik"
    )
