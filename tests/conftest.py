# SPDX-License-Identifier: GPL-3.0-or-later
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Keyring backends for every test that needs one: an in-memory store, or one that always fails.
from tests.core.memkeyring import failing_keyring, mem_keyring  # noqa: E402, F401
