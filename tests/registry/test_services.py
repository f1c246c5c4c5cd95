import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from registry import services
from registry.models import Case, CaseEvent, IdentityRead, Referral
from tests.registry.helpers import PERSON, make_case

pytestmark = pytest.mark.django_db


def test_every_read_is_logged_with_who_when_which_and_why(keeper, registry_keys):
    case = make_case(keeper)
    assert (
        services.identity_read(actor=keeper, case_id=case.pk, reason="Preparing the referral to OHCHR")
        == PERSON
    )
    read = IdentityRead.objects.get()
    assert (read.case, read.reader, read.reason) == (case, keeper, "Preparing the referral to OHCHR")
    assert read.reader_email == keeper.email and read.read_at


def test_a_read_needs_a_reason(keeper, registry_keys):
    case = make_case(keeper)
    with pytest.raises(ValidationError):
        services.identity_read(actor=keeper, case_id=case.pk, reason="  why ")
    assert not IdentityRead.objects.exists()


def test_the_read_log_is_append_only_through_the_orm(keeper, registry_keys):
    case = make_case(keeper)
    services.identity_read(actor=keeper, case_id=case.pk, reason="Preparing the referral to OHCHR")
    read = IdentityRead.objects.get()
    read.reason = "nothing to see"
    with pytest.raises(PermissionDenied):
        read.save()
    with pytest.raises(PermissionDenied):
        read.delete()
    with pytest.raises(PermissionDenied):
        IdentityRead.objects.all().update(reason="x")
    with pytest.raises(PermissionDenied):
        IdentityRead.objects.all().delete()
    assert IdentityRead.objects.get().reason == "Preparing the referral to OHCHR"


def test_on_postgresql_the_database_itself_refuses_to_change_the_log(keeper, registry_keys, uses_postgresql):
    case = make_case(keeper)
    services.identity_read(actor=keeper, case_id=case.pk, reason="Preparing the referral to OHCHR")
    for statement in ("UPDATE registry_identityread SET reason = 'x'", "DELETE FROM registry_identityread"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert IdentityRead.objects.get().reason == "Preparing the referral to OHCHR"


def test_history_rows_never_hold_an_identity(keeper, registry_keys):
    case = make_case(keeper)
    services.case_set_identity(actor=keeper, case_id=case.pk, identity=PERSON)
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        CaseEvent.Action.RECORDED,
        CaseEvent.Action.IDENTITY_SET,
        CaseEvent.Action.IDENTITY_SET,
    ]
    for event in case.events.all():
        assert PERSON.name not in event.note


def test_a_referral_needs_consent_and_makes_the_case_referred(keeper, registry_keys):
    case = make_case(keeper, consent_referral=False)
    with pytest.raises(ValidationError, match="consent does not cover a referral"):
        services.case_refer(
            actor=keeper,
            case_id=case.pk,
            recipient=Referral.Recipient.OHCHR,
            referred_on=datetime.date(2025, 4, 1),
        )
    services.case_update(
        actor=keeper, case_id=case.pk, values={"consent_referral": True}, version=Case.objects.get().version
    )
    services.case_refer(
        actor=keeper,
        case_id=case.pk,
        recipient=Referral.Recipient.OHCHR,
        referred_on=datetime.date(2025, 4, 1),
    )
    case.refresh_from_db()
    assert case.status == Case.Status.REFERRED
    assert case.events.filter(action=CaseEvent.Action.REFERRED, actor=keeper).exists()


def test_a_referral_to_a_mandate_holder_names_the_mandate(keeper, registry_keys):
    case = make_case(keeper)
    with pytest.raises(ValidationError):
        services.case_refer(
            actor=keeper,
            case_id=case.pk,
            recipient=Referral.Recipient.MANDATE_HOLDER,
            referred_on=datetime.date(2025, 4, 1),
        )


def test_status_transitions(keeper, registry_keys):
    case = make_case(keeper)
    with pytest.raises(ValidationError):
        services.case_set_status(actor=keeper, case_id=case.pk, status=Case.Status.REFERRED)
    services.case_set_status(actor=keeper, case_id=case.pk, status=Case.Status.VERIFIED)
    services.case_set_status(actor=keeper, case_id=case.pk, status=Case.Status.CLOSED)
    with pytest.raises(ValidationError):
        services.case_set_status(actor=keeper, case_id=case.pk, status=Case.Status.VERIFIED)
    assert list(case.events.filter(action="status").values_list("from_status", "to_status")) == [
        ("reported", "verified"),
        ("verified", "closed"),
    ]


def test_a_stale_edit_is_refused(keeper, registry_keys):
    case = make_case(keeper)
    services.case_update(
        actor=keeper, case_id=case.pk, values={"follow_up": "Called OHCHR"}, version=case.version
    )
    with pytest.raises(ValidationError, match="Someone else saved"):
        services.case_update(
            actor=keeper, case_id=case.pk, values={"follow_up": "Other"}, version=case.version
        )


def test_consent_for_a_use_needs_a_date(keeper, registry_keys):
    from tests.registry.helpers import CASE_VALUES

    with pytest.raises(ValidationError, match="Say when consent was given"):
        services.case_create(actor=keeper, values={**CASE_VALUES, "consent_given_on": None})


def test_withdrawing_consent_takes_the_case_out_of_the_public_figures(keeper, registry_keys):
    case = make_case(keeper)
    assert Case.objects.publishable().filter(pk=case.pk).exists()
    services.case_withdraw_consent(actor=keeper, case_id=case.pk)
    assert not Case.objects.publishable().filter(pk=case.pk).exists()
