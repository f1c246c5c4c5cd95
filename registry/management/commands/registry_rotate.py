"""Re-encrypt every identity of the registry with the first key of REGISTRY_KEYS.

Put the new key first in REGISTRY_KEYS (keeping the old ones after it), run this, then remove the old keys."""

from django.core.management.base import BaseCommand, CommandError

from registry import crypto, services


class Command(BaseCommand):
    help = "Re-encrypts every identity of the reprisals registry with the first key of REGISTRY_KEYS."

    def handle(self, *args, **options) -> None:
        problem = crypto.check_keys()
        if problem:
            raise CommandError(problem)
        rotated, failed = services.identities_rotate()
        self.stdout.write(f"{rotated} identities re-encrypted with the first key.")
        if failed:
            raise CommandError(
                f"{failed} identities could not be opened with the configured keys and were left "
                "as they were."
            )
