# SPDX-License-Identifier: GPL-3.0-or-later
import os
from collections.abc import Callable

import keyring
import keyring.backends.fail
import pytest

from tests.core.memkeyring import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")



@pytest.fixture(scope="session")
def format_sample() -> Callable[[str], bytes]:
    """The richest canary-filled sample of a format, by handler name (built once per session)."""
    from tests.core.format_fixtures import rich

    cache: dict[str, bytes] = {}

    def sample(name: str) -> bytes:
        if name not in cache:
            cache[name] = rich(name)
        return cache[name]

    return sample


# Keyring backends for every test that needs one: an in-memory store, or one that always fails.
@pytest.fixture
def mem_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def failing_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)
