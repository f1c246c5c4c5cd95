"""Encryption of identities with the keys in REGISTRY_KEYS (comma-separated Fernet keys from the environment).

The first key encrypts, every key decrypts (`MultiFernet`), so a new key is put first, `manage.py
registry_rotate` re-encrypts every identity with it, and the old key can then be removed. The keys are never
in the database or the repository: a dump or a backup without them yields no identity. Errors never carry
the ciphertext or the clear text.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class RegistryKeyError(Exception):
    """The keys are missing, malformed, or do not open a stored identity. The message is for the
    secretariat and never contains key material, ciphertext or an identity."""


@dataclasses.dataclass(frozen=True)
class Identity:
    name: str = ""
    contact: str = ""
    place: str = ""

    def is_empty(self) -> bool:
        return not (self.name.strip() or self.contact.strip() or self.place.strip())


def configured_keys() -> list[str]:
    keys = getattr(settings, "REGISTRY_KEYS", None) or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key and key.strip()]


def keys_configured() -> bool:
    return bool(configured_keys())


def _cipher() -> MultiFernet:
    keys = configured_keys()
    if not keys:
        raise RegistryKeyError(
            _(
                "No encryption key is configured (REGISTRY_KEYS), so the registry cannot store or open "
                "identities. Ask the system administrators to set it; nothing was stored."
            )
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError):
        # The message of Fernet's error is generic; never repeat the key itself.
        raise RegistryKeyError(
            _(
                "The encryption keys configured in REGISTRY_KEYS are not valid Fernet keys. Ask the system "
                "administrators to correct them; nothing was stored."
            )
        ) from None


def check_keys() -> str | None:
    """Why identities cannot be stored now, or None when the keys are usable."""
    try:
        _cipher()
    except RegistryKeyError as error:
        return str(error)
    return None


def encrypt_identity(identity: Identity) -> str:
    payload = json.dumps(dataclasses.asdict(identity), ensure_ascii=False).encode()
    return _cipher().encrypt(payload).decode("ascii")


def decrypt_identity(token: str, *, case_code: str = "") -> Identity:
    cipher = _cipher()
    try:
        data = json.loads(cipher.decrypt(token.encode("ascii")).decode())
    except (InvalidToken, UnicodeError, ValueError):
        # Logged without the ciphertext: only which case could not be opened.
        logger.error(
            "registry: the identity of case %s could not be decrypted with the configured keys", case_code
        )
        raise RegistryKeyError(
            _(
                "This identity cannot be opened with the keys configured now (REGISTRY_KEYS): it was "
                "encrypted with a key that has been removed or replaced. Ask the system administrators."
            )
        ) from None
    return Identity(name=data.get("name", ""), contact=data.get("contact", ""), place=data.get("place", ""))


def rotate_token(token: str, *, case_code: str = "") -> str:
    """The same identity, encrypted with the first key."""
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError):
        logger.error(
            "registry: the identity of case %s could not be re-encrypted with the configured keys", case_code
        )
        raise RegistryKeyError(
            _("This identity cannot be opened with the keys configured now (REGISTRY_KEYS).")
        ) from None
