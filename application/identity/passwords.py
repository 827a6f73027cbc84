"""Password hashing with scrypt (memory-hard, in the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

DEFAULT_COST = 14  # n = 2**14, r = 8: 16 MiB of memory per hash


def hash_password(password: str, cost: int = DEFAULT_COST) -> str:
    salt = secrets.token_bytes(16)
    n, r, p = 2**cost, 8, 1
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), maxmem=256 * 1024 * 1024, dklen=len(expected)
    )
    return hmac.compare_digest(digest, expected)


def hash_token(token: str) -> str:
    """API tokens are long random strings: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


# A hash that verifies nothing, used to spend the same time on unknown usernames.
DUMMY_HASH = hash_password(secrets.token_hex(8), cost=10)
