"""Stories the fault tests work on, made through the services as staff would make them."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stories import services
from stories.models import Story, Theme


def complete_draft(staff_user) -> Story:
    return services.story_save(
        story=Story(
            member_id=staff_user.mission.member_id,
            title="Free legal aid at every police station",
            summary="Anyone held by the police can talk to a lawyer at once, free of charge.",
            body="Lawyers are on call day and night.",
            policy_year=2018,
            language="en",
        ),
        actor=staff_user,
        expected_version=None,
        themes=Theme.objects.filter(slug="sdg-16"),
        images=[],
    )


def big_jpeg(width: int = 7000, height: int = 5000) -> SimpleUploadedFile:
    """Noise, so that it compresses badly and takes a worker a while to make renditions of."""
    image = Image.effect_noise((width // 10, height // 10), 60).convert("RGB").resize((width, height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")


def draft_with_photo(staff_user, upload: SimpleUploadedFile) -> Story:
    """A complete draft with one photo; its renditions are queued when the transaction commits."""
    pending = services.pending_upload_create(owner=staff_user, upload=upload)
    story = complete_draft(staff_user)
    return services.story_save(
        story=story,
        actor=staff_user,
        expected_version=story.version,
        themes=story.themes.all(),
        images=[services.ImageData(pending_id=pending.pk, alt_text="Noise", consent_confirmed=True)],
    )
