"""API keys: `ait_<key id>_<secret>`, shown once; only a SHA-256 of the secret is stored.

The secret has 256 bits of randomness, so a fast hash is enough (no password stretching
needed) and lookups stay cheap: the key id finds the record, the hash is compared in
constant time.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "ait"


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret_hash: str
    plaintext: str


def new_key() -> NewKey:
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return NewKey(key_id, hash_secret(secret), f"{PREFIX}_{key_id}_{secret}")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(plaintext: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    prefix, _, rest = plaintext.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or not secret:
        return None
    return key_id, secret


def matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def same_token(offered: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(offered.encode(), expected.encode())
