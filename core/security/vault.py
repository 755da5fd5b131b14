# SPDX-License-Identifier: GPL-3.0-or-later
"""Encryption at rest for what the app stores about photos (thumbnails, face data).

AES-256-GCM with a fresh random 12-byte nonce per blob. The associated data binds a blob to its purpose
and id, so a blob copied onto another id (or another purpose) does not decrypt. The key comes from
``core.security.keystore``; when that key is a session key (``persistent=False``), callers must
not write blobs to disk, because nobody could read them after the session ends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.security.keystore import get_secret

MAGIC = b"PCV1"  # format marker; also guarantees no image signature at offset 0
NONCE_BYTES = 12


class VaultError(Exception):
    """A blob cannot be decrypted: the wrong key, or the data was changed."""


@dataclass(frozen=True)
class Vault:
    purpose: str
    key: bytes
    persistent: bool
    message: str = ""

    def _aad(self, aad: bytes | str) -> bytes:
        extra = aad.encode("utf-8", "surrogateescape") if isinstance(aad, str) else bytes(aad)
        return self.purpose.encode("utf-8") + b"\x00" + extra

    def encrypt(self, data: bytes, aad: bytes | str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + AESGCM(self.key).encrypt(nonce, bytes(data), self._aad(aad))

    def decrypt(self, blob: bytes, aad: bytes | str) -> bytes:
        if len(blob) < len(MAGIC) + NONCE_BYTES + 16 or not blob.startswith(MAGIC):
            raise VaultError("not an encrypted Photo Consent blob")
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            return AESGCM(self.key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], self._aad(aad))
        except InvalidTag:
            raise VaultError(
                "cannot decrypt: it was encrypted with another key (keyring changed?) or the data was altered"
            ) from None


def open_vault(home: Path, purpose: str) -> Vault:
    """The vault for one purpose. ``home`` is accepted so keys can later be scoped per library."""
    del home  # keys are per user account today; the signature leaves room for per-library keys
    secret = get_secret(purpose)
    return Vault(purpose, secret.key, secret.persistent, secret.message)
