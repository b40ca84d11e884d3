"""Secrets sealed at rest with AES-256-GCM, so that what the database holds signs nothing.

AITRAIN_SECRET_KEYS is `id:key,id:key,…` (each key 32 random bytes, URL-safe base64): the
first seals, every one opens. A sealed value names its key — `sealed:v1:<id>:<nonce>:<data>`
— so a key rotates by putting a new one first; the webhook store re-seals under it at start,
after which the old one may go. The record's id is the associated data: a sealed value copied
onto another record does not open.
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "sealed:v1"
KEY_BYTES = 32


def new_key(key_id: str) -> str:
    """One `id:key` entry of AITRAIN_SECRET_KEYS (`make run` and write_deploy_auth.py)."""
    return f"{key_id}:{_text(os.urandom(KEY_BYTES))}"


class SecretBox:
    def __init__(self, keys: str):
        entries = [entry.strip().split(":", 1) for entry in keys.split(",") if entry.strip()]
        if not entries:
            raise ValueError("AITRAIN_SECRET_KEYS is empty: give it `id:key` (32 random bytes, "
                             "URL-safe base64) to seal webhook secrets with")  # fmt: skip
        self.keys: dict[str, AESGCM] = {}
        for key_id, key in entries:
            raw = base64.urlsafe_b64decode(key)
            if len(raw) != KEY_BYTES:
                raise ValueError(f"AITRAIN_SECRET_KEYS: key {key_id!r} is {len(raw)} bytes, "
                                 f"not {KEY_BYTES} bytes")  # fmt: skip
            self.keys[key_id] = AESGCM(raw)
        self.current = entries[0][0]

    def seal(self, secret: str, record_id: str) -> str:
        nonce = os.urandom(12)
        data = self.keys[self.current].encrypt(nonce, secret.encode(), record_id.encode())
        return f"{PREFIX}:{self.current}:{_text(nonce)}:{_text(data)}"

    def open(self, stored: str, record_id: str) -> str:
        """The secret; a value written before sealing comes back as it is."""
        if not stored.startswith(f"{PREFIX}:"):
            return stored
        key_id, nonce, data = stored.removeprefix(f"{PREFIX}:").split(":")
        if key_id not in self.keys:
            raise ValueError(f"{record_id}: sealed with key {key_id!r}, which "
                             "AITRAIN_SECRET_KEYS no longer holds")  # fmt: skip
        try:
            plain = self.keys[key_id].decrypt(_bytes(nonce), _bytes(data), record_id.encode())
        except InvalidTag as exc:
            raise ValueError(
                f"{record_id}: its sealed secret does not open (not its own?)"
            ) from exc
        return plain.decode()

    def sealed_now(self, stored: str) -> bool:
        """Sealed under the current key (nothing to re-seal)."""
        return stored.startswith(f"{PREFIX}:{self.current}:")


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text)
