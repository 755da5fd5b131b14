# SPDX-License-Identifier: GPL-3.0-or-later
"""All use of the OS keyring lives here.

Each purpose ("ledger", "cache", "faces" ...) has its own random 32-byte secret stored under the service
``photo-consent``. When no keyring backend works (a headless machine, the ``fail`` backend, a plaintext
backend we refuse), the caller gets a *session* key that lives only in this process's memory, with
``persistent=False`` and a message a person understands. Nothing secret is ever written to a file.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from types import ModuleType

SERVICE = "photo-consent"
KEY_BYTES = 32

# Backends that would store our secrets in a file readable by anyone who copies the home folder.
_REFUSED_MODULE_PREFIXES = ("keyrings.alt",)
_REFUSED_BACKENDS = ("keyring.backends.fail.", "keyring.backends.null.")

DEGRADED_MESSAGE = (
    "No working OS keyring ({reason}). Photo Consent keeps its keys in memory for this session only: "
    "new ledger entries are not signed, and thumbnails and face data are not saved to disk."
)

# The same in words for a person who has never heard of a keyring (the window's status bar and History).
NO_KEYRING_WORDS = (
    "No password store (keyring): History cannot be sealed against changes, and thumbnails and face "
    "marks are made again at each start."
)
NO_KEYRING_SHORT = "No password store (keyring): History not sealed"
NO_KEYRING_FIX = (
    "Photo Consent keeps its keys in your system's password store, the keyring, and none works now. "
    "To fix it, install or unlock the system's keyring (GNOME Keyring on GNOME, KWallet on KDE; on a "
    "headless machine, a keyring daemon such as gnome-keyring-daemon), then start Photo Consent again. "
    "Until then, new History entries are not sealed (signed), and thumbnails and face marks are kept "
    "only until the app is closed. Nothing is ever written unencrypted."
)
NO_KEYRING_HISTORY = "There is still no password store (keyring), so new entries are not signed either."

_session_keys: dict[str, bytes] = {}
_session_lock = threading.Lock()


@dataclass(frozen=True)
class Secret:
    purpose: str
    key: bytes
    persistent: bool
    message: str = ""  # empty when the key lives in the OS keyring


class KeyringUnavailable(Exception):
    """No usable keyring backend; the message says why."""


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _check_backend(backend: object) -> None:
    """Refuse backends that do not keep secrets safe; a chainer is judged by what it chains."""
    name = _backend_name(backend)
    if name.startswith("keyring.backends.chainer."):
        inner = list(getattr(backend, "backends", []))
        if not inner:
            raise KeyringUnavailable("no keyring backend is available")
        for b in inner:
            _check_backend(b)
        return
    if name.startswith(_REFUSED_MODULE_PREFIXES):
        raise KeyringUnavailable(f"the keyring backend {name} stores secrets in a plain file; refused")
    if name.startswith(_REFUSED_BACKENDS):
        raise KeyringUnavailable("no keyring backend is available")


def _keyring_secret(purpose: str) -> bytes:
    import keyring  # imported here: importing core must not touch the keyring
    import keyring.errors

    try:
        backend = keyring.get_keyring()
        _check_backend(backend)
        stored = keyring.get_password(SERVICE, purpose)
        if stored is None:
            new = secrets.token_bytes(KEY_BYTES)
            keyring.set_password(SERVICE, purpose, base64.b64encode(new).decode("ascii"))
            # Read it back: some backends accept a write and silently drop it.
            stored = keyring.get_password(SERVICE, purpose)
            if stored is None:
                raise KeyringUnavailable("the keyring did not keep the key it was given")
        key = base64.b64decode(stored.encode("ascii"), validate=True)
    except KeyringUnavailable:
        raise
    except keyring.errors.NoKeyringError as exc:
        raise KeyringUnavailable("no keyring backend is available") from exc
    except Exception as exc:  # any backend failure (D-Bus down, locked collection ...) degrades
        raise KeyringUnavailable(f"the keyring failed: {exc.__class__.__name__}: {exc}") from exc
    if len(key) != KEY_BYTES:
        raise KeyringUnavailable(f"the key stored for {purpose!r} has the wrong length")
    return key


def _checked_keyring() -> ModuleType:
    """The keyring module, once its backend is one we accept."""
    import keyring

    try:
        _check_backend(keyring.get_keyring())
    except KeyringUnavailable:
        raise
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring failed: {exc.__class__.__name__}: {exc}") from exc
    return keyring


def read_record(name: str) -> str | None:
    """A small non-secret record kept next to the keys (the ledger checkpoint); None when absent.

    Raises ``KeyringUnavailable`` when there is no usable keyring."""
    keyring = _checked_keyring()
    try:
        value = keyring.get_password(SERVICE, name)
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring failed: {exc.__class__.__name__}: {exc}") from exc
    return None if value is None else str(value)


def write_record(name: str, value: str) -> None:
    keyring = _checked_keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except Exception as exc:
        raise KeyringUnavailable(f"the keyring failed: {exc.__class__.__name__}: {exc}") from exc


def session_key(purpose: str) -> bytes:
    """A random key for this process only, the same for one purpose until the process ends."""
    with _session_lock:
        if purpose not in _session_keys:
            _session_keys[purpose] = secrets.token_bytes(KEY_BYTES)
        return _session_keys[purpose]


def get_secret(purpose: str) -> Secret:
    """The persistent key for a purpose, or a session key with an explanation when there is no keyring."""
    try:
        return Secret(purpose, _keyring_secret(purpose), persistent=True)
    except KeyringUnavailable as exc:
        message = DEGRADED_MESSAGE.format(reason=exc)
        return Secret(purpose, session_key(purpose), persistent=False, message=message)


def keyring_notice() -> str:
    """Empty when the keyring works; otherwise the plain-English degraded-mode message."""
    return get_secret("ledger").message
