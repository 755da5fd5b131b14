# SPDX-License-Identifier: GPL-3.0-or-later
import os
from collections.abc import Callable

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Keyring backends for every test that needs one: an in-memory store, or one that always fails.
from tests.core.memkeyring import failing_keyring, mem_keyring  # noqa: E402, F401


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
