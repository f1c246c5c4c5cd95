from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cooperation.demo import load_cooperation_demo
from meetings.demo import load_meeting_demo
from members.demo import DEMO_PASSWORD, demo_secretariat, load_member_demo
from recommendations.demo import load_recommendation_demo
from stories.demo import load_story_demo


@contextmanager
def quiet_console_mail():
    """The demo's workflow notifications would fill the terminal in the embedded mode: drop them there.
    Elsewhere (SMTP, a mail catcher) they are sent like any other."""
    console = settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    if console:
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    try:
        yield
    finally:
        if console:
            settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


class Command(BaseCommand):
    help = (
        "Load demo missions, people and content. Safe to run again: what exists is left as it is. "
        "Refuses when DEBUG is off unless --force is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even though DEBUG is off (a trial installation that will be thrown away)",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        # The demo accounts all share a password printed in the README: on a real site, anyone could log in.
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load the demo: DEBUG is off, so this looks like a real site, and the demo "
                "creates a secretariat account and accounts for every demo mission that all share the "
                f"published password {DEMO_PASSWORD!r}. On a trial installation you will throw away, "
                "run `manage.py load_demo --force`."
            )
        logins = load_member_demo()
        with quiet_console_mail():
            stories = load_story_demo(secretariat=demo_secretariat())
            recommendations = load_recommendation_demo()
            meetings = load_meeting_demo()
            cooperation = load_cooperation_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is loaded ({len(stories)} new stories, {len(recommendations)} new "
                f"recommendations, {len(meetings)} new meetings, {cooperation} new cooperation entries)."
            )
        )
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        shown_roles: set[str] = set()
        for login in logins:
            # The secretariat, then one coordinator and one staff account: enough to try every role.
            if login.role in shown_roles:
                continue
            shown_roles.add(login.role)
            self.stdout.write(f"  {login.role:<14} {login.email:<48} {login.where}")
        self.stdout.write(
            f"  ... and {len(logins) - len(shown_roles)} more mission accounts, listed in the admin."
        )
        if not settings.ADMIN_REQUIRE_MFA:
            self.stdout.write(
                self.style.WARNING(
                    "\nTwo-factor authentication is NOT required for the admin in this mode "
                    "(ADMIN_REQUIRE_MFA is off). Production requires it."
                )
            )
