"""`manage.py import_recommendations FILE [--state UY --state CL ...] [--demo] [--as EMAIL]`: read OHCHR's
Universal Human Rights Index export (.xlsx or CSV). The work is done by recommendations.importer."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django_countries import countries

from members.models import User, normalize_email
from recommendations.importer import ImportFileError, format_summary, import_recommendations

BAR_WIDTH = 30


class ProgressBar:
    """A one-line text bar with the rows read and the speed, redrawn in place (for a terminal)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        rate = done / max(time.monotonic() - self.started, 1e-6)
        if total:
            filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,} rows"
        else:
            bar = f"{done:,} rows"
        self.stream.write(f"\r{bar}  {rate:,.0f} rows/s", ending="")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("")


class Command(BaseCommand):
    help = (
        "Import UN human-rights recommendations from an export of OHCHR's Universal Human Rights Index "
        "(uhri.ohchr.org, 'Export to Excel', or a CSV with its columns). Safe to run again: unchanged rows "
        "are left alone, changed ones updated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the UHRI export: .xlsx, or CSV (UTF-8, comma or semicolon)")
        parser.add_argument(
            "--state",
            action="append",
            dest="states",
            metavar="ISO",
            help="import only the recommendations to this state (repeatable); default: every current member",
        )
        parser.add_argument("--demo", action="store_true", help="mark what is imported as demo data")
        parser.add_argument("--as", dest="actor_email", metavar="EMAIL", help="the person importing")

    def handle(self, *args, file: str, states=None, demo: bool = False, actor_email=None, **options) -> None:
        codes = []
        for state in states or []:
            code = countries.alpha2(state.strip().upper())
            if not code:
                raise CommandError(f"Unknown state {state!r}: give its ISO code, for example UY.")
            codes.append(code)
        actor = None
        if actor_email:
            actor = User.objects.filter(email=normalize_email(actor_email)).first()
            if actor is None:
                raise CommandError(f"Nobody has the e-mail address {actor_email!r}.")
        bar = ProgressBar(self.stderr) if self.stderr.isatty() else None
        try:
            run = import_recommendations(
                path=file, states=codes or None, actor=actor, is_demo=demo, progress=bar
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar is not None:
                bar.finish()
        self.stdout.write(format_summary(run))
