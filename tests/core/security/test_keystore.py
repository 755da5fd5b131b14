# SPDX-License-Identifier: GPL-3.0-or-later
import base64

import keyring.backend
import pytest

from core.security import keystore
from core.security.vault import MAGIC, VaultError, open_vault


def test_secret_is_created_once_and_persistent(mem_keyring):
    a = keystore.get_secret("ledger")
    b = keystore.get_secret("ledger")
    assert a.persistent and a.message == ""
    assert a.key == b.key and len(a.key) == 32
    assert base64.b64decode(mem_keyring.store[("photo-consent", "ledger")]) == a.key
    assert keystore.get_secret("cache").key != a.key


def test_failing_backend_degrades_to_session_key(failing_keyring):
    s = keystore.get_secret("ledger")
    assert not s.persistent
    assert "No working OS keyring" in s.message and "not signed" in s.message
    assert keystore.get_secret("ledger").key == s.key  # same for the whole session
    assert keystore.keyring_notice() == s.message


class PlaintextLike(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        raise AssertionError("must never be asked to store a secret")

    def delete_password(self, service, username):
        pass


def test_plaintext_backend_is_refused(monkeypatch):
    PlaintextLike.__module__ = "keyrings.alt.file"
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextLike())
    try:
        s = keystore.get_secret("cache")
    finally:
        keyring.set_keyring(previous)
    assert not s.persistent and "plain file" in s.message


class Broken(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise RuntimeError("D-Bus is down")

    def set_password(self, service, username, password):
        raise RuntimeError("D-Bus is down")

    def delete_password(self, service, username):
        pass


def test_backend_exception_degrades():
    previous = keyring.get_keyring()
    keyring.set_keyring(Broken())
    try:
        s = keystore.get_secret("faces")
    finally:
        keyring.set_keyring(previous)
    assert not s.persistent and "D-Bus is down" in s.message


def test_vault_roundtrip_and_binding(mem_keyring, tmp_path):
    v = open_vault(tmp_path, "faces")
    assert v.persistent
    blob = v.encrypt(b"secret face data", "photo-1")
    assert blob.startswith(MAGIC) and b"secret face data" not in blob
    assert v.decrypt(blob, "photo-1") == b"secret face data"
    assert v.encrypt(b"x", "a") != v.encrypt(b"x", "a")  # fresh nonce each time
    with pytest.raises(VaultError):
        v.decrypt(blob, "photo-2")  # bound to its id
    with pytest.raises(VaultError):
        open_vault(tmp_path, "cache").decrypt(blob, "photo-1")  # bound to its purpose/key
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(VaultError, match="another key"):
        v.decrypt(bytes(tampered), "photo-1")


def test_vault_wrong_key_after_keyring_change(mem_keyring, tmp_path):
    blob = open_vault(tmp_path, "cache").encrypt(b"thumb", "k")
    mem_keyring.store.clear()
    with pytest.raises(VaultError, match="another key"):
        open_vault(tmp_path, "cache").decrypt(blob, "k")


def test_vault_without_keyring_is_not_persistent(failing_keyring, tmp_path):
    v = open_vault(tmp_path, "faces")
    assert not v.persistent and v.message
    assert v.decrypt(v.encrypt(b"abc", "1"), "1") == b"abc"
