# SPDX-License-Identifier: GPL-3.0-or-later
"""ICC colour profiles: the one reader of a profile's name, for every format that embeds one."""

from __future__ import annotations

import struct

MAX_TAGS = 100  # a real profile has a few dozen tags


def icc_description(profile: bytes) -> str:
    """The profile's own name ('sRGB IEC61966-2.1', 'Display P3') from its 'desc' tag (ICC v2 ASCII
    text or v4 'mluc' first record), whitespace collapsed; '' when absent or unreadable."""
    try:
        if len(profile) < 132:
            return ""
        (count,) = struct.unpack_from(">I", profile, 128)
        for i in range(min(count, MAX_TAGS)):
            sig, off, size = struct.unpack_from(">4sII", profile, 132 + 12 * i)
            if sig != b"desc" or off + size > len(profile):
                continue
            tag = profile[off : off + size]
            if tag[:4] == b"desc":
                (n,) = struct.unpack_from(">I", tag, 8)
                text = tag[12 : 12 + n].split(b"\0")[0].decode("latin-1")
            elif tag[:4] == b"mluc" and struct.unpack_from(">I", tag, 8)[0] >= 1:
                rec_len, rec_off = struct.unpack_from(">II", tag, 20)
                text = tag[rec_off : rec_off + rec_len].decode("utf-16-be", "replace")
            else:
                continue
            text = " ".join(text.replace("\0", " ").split())
            return text if len(text) <= 200 else f"{text[:100]}… ({len(text):,} characters)"
    except (struct.error, UnicodeError):
        return ""
    return ""
