# SPDX-License-Identifier: GPL-3.0-or-later
"""Decoding photos with Pillow: the one place that teaches Pillow to open HEIC/HEIF files.

pillow-heif registers an opener with Pillow once per process; every decoder (thumbnails, face
detection, library rendering) calls ``register_heif()`` before ``Image.open`` so that a HEIC opens like
any other photo. Without pillow-heif, HEIC files then fail per file with Pillow's own clear error.
GIF (its first frame) and AVIF need nothing here: Pillow decodes both itself (AVIF with the libavif its
wheels ship), so no plugin is registered for them.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_ready = False


def register_heif() -> None:
    """Let Pillow open HEIC/HEIF files (idempotent, thread-safe, cheap after the first call)."""
    global _ready
    if _ready:
        return
    with _lock:
        if not _ready:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
            except ImportError:  # HEIC support is optional: those files fail one by one, clearly
                pass
            _ready = True
