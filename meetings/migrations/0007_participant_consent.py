"""Consent records for meeting participants, replacing the single "listed publicly" flag: every participant
who was listed publicly gets a record of consent to be named on the portal, given on the day the meeting
was created. The flag itself goes in 0008, once every record is written."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OBTAINED_HOW = "recorded before consent records existed"


def flags_to_records(apps, schema_editor):
    Participant = apps.get_model("meetings", "Participant")
    ParticipantConsent = apps.get_model("meetings", "ParticipantConsent")
    now = django.utils.timezone.now()
    listed = Participant.objects.filter(listed_publicly=True).select_related("meeting").order_by("pk")
    ParticipantConsent.objects.bulk_create(
        [
            ParticipantConsent(
                participant_id=participant.pk,
                who=participant.name[:300],
                uses=["portal"],
                given_on=django.utils.timezone.localdate(participant.meeting.created_at),
                valid_until=None,
                obtained_how=OBTAINED_HOW,
                recorded_at=now,
            )
            for participant in listed.iterator(chunk_size=1000)
        ],
        batch_size=1000,
    )


def records_to_flags(apps, schema_editor):
    """Back: listed publicly are those whose consent covers the portal today."""
    Participant = apps.get_model("meetings", "Participant")
    ParticipantConsent = apps.get_model("meetings", "ParticipantConsent")
    today = django.utils.timezone.localdate()
    listed = [
        consent.participant_id
        for consent in ParticipantConsent.objects.filter(withdrawn_at__isnull=True, given_on__lte=today)
        if "portal" in (consent.uses or []) and (consent.valid_until is None or today <= consent.valid_until)
    ]
    Participant.objects.filter(pk__in=listed).update(listed_publicly=True)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0006_participant_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ParticipantConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "who",
                    models.CharField(
                        help_text=(
                            'A name or a description ("the woman in the blue scarf"). Never shown publicly.'
                        ),
                        max_length=300,
                        verbose_name="who consented",
                    ),
                ),
                ("uses", models.JSONField(default=list, verbose_name="for which uses")),
                ("given_on", models.DateField(verbose_name="given on")),
                ("valid_until", models.DateField(blank=True, null=True, verbose_name="valid until")),
                (
                    "obtained_how",
                    models.CharField(
                        help_text="For example: signed form kept by the mission.",
                        max_length=300,
                        verbose_name="how it was obtained",
                    ),
                ),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True, verbose_name="withdrawn at")),
                (
                    "withdrawal_note",
                    models.CharField(blank=True, max_length=300, verbose_name="withdrawal note"),
                ),
                (
                    "expiry_warned_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="expiry warning sent at"),
                ),
                (
                    "recorded_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="recorded at"),
                ),
                (
                    "participant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="consents",
                        to="meetings.participant",
                        verbose_name="participant",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "consent of a participant",
                "verbose_name_plural": "consents of participants",
                "ordering": ["-recorded_at", "-pk"],
                "indexes": [
                    models.Index(fields=["withdrawn_at", "valid_until"], name="meetings_consent_validity")
                ],
            },
        ),
        migrations.RunPython(flags_to_records, records_to_flags),
    ]
