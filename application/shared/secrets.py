"""Secrets kept in events (repository passwords) are sealed with AES-GCM, so neither the event
store, nor a backup of it, nor the audit trail holds them in clear text."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "enc:v1:"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a SecretBox needs a 32-byte key")
        self._aead = AESGCM(key)

    @classmethod
    def from_secret(cls, secret: str, purpose: str = "vcs credentials") -> SecretBox:
        """A key derived from the server's secret for one purpose."""
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"codeannals", info=purpose.encode()).derive(
            secret.encode()
        )
        return cls(key)

    def seal(self, plaintext: str | None) -> str | None:
        if plaintext is None or plaintext == "" or plaintext.startswith(PREFIX):
            return plaintext
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), PREFIX.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, value: str | None) -> str | None:
        """The clear text of a sealed value (a value recorded before sealing existed is returned as is)."""
        if value is None or not value.startswith(PREFIX):
            return value
        raw = base64.urlsafe_b64decode(value[len(PREFIX):].encode())
        return self._aead.decrypt(raw[:12], raw[12:], PREFIX.encode()).decode()
