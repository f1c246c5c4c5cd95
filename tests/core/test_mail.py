import pytest

from core.mail import site_link, templated_mail


def test_a_templated_mail_has_both_parts_and_a_one_line_subject(settings):
    settings.SITE_URL = "https://portal.example.org"
    message = templated_mail(
        template="members/email/invitation",
        subject="Your invitation\nto the portal",
        to=["a@example.org"],
        context={
            "user": type("U", (), {"full_name": "Ana Pérez", "email": "a@example.org"})(),
            "invitation": None,
            "accept_url": site_link("/en/accounts/invitation/abc/"),
            "valid_days": 7,
        },
        attachments=[("x.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )
    assert message.subject == "Your invitation to the portal"
    assert "https://portal.example.org/en/accounts/invitation/abc/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "https://portal.example.org/en/accounts/invitation/abc/" in html
    assert message.attachments[0][0] == "x.ics"


@pytest.mark.django_db
def test_without_a_subject_it_is_rendered_from_the_subject_template():
    from tests import factories

    story = factories.StoryFactory(title="Legal aid\nfor all")
    event = story.events.create(actor=story.author, from_status="draft", to_status="submitted")
    message = templated_mail(
        template="stories/email/status_changed",
        to=["a@example.org"],
        context={"event": event, "story": story, "link": site_link("/x/")},
    )
    assert "\n" not in message.subject and message.subject
