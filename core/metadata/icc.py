# SPDX-License-Identifier: GPL-3.0-or-later
"""ICC colour profiles, for every format that embeds one: whether a blob is exactly one profile with
nothing hidden beside its tags, its tags, and the text they hold (core.metadata.icc_clean decides what
of a profile may leave).

A profile starts with a 128-byte header whose first field is the profile's size, then a tag table
(count, then 12-byte entries: signature, offset, size). Every byte after the table must belong to a tag's
data or be zero padding; anything else could carry data no colour-management code reads. Bytes after the
declared size are not part of the profile and are trimmed by the callers (``profile_size``).
"""

from __future__ import annotations

import struct

# A real profile has a few dozen tags; thousands means it was built to be slow to check.
MAX_TAGS = 1024



def profile_size(blob: bytes) -> int:
    """The size the profile's header declares (0 when the blob is too short to have a header)."""
    if len(blob) < 128:
        return 0
    return int(struct.unpack_from(">I", blob, 0)[0])


def icc_problem(profile: bytes) -> str:
    """'' when ``profile`` is exactly one well-formed profile; else why not, as one plain sentence."""
    size = len(profile)
    if size < 132:
        return "the colour profile is too short to be a profile"
    declared = profile_size(profile)
    if declared != size:
        return f"the colour profile declares {declared:,} bytes but holds {size:,}"
    if profile[36:40] != b"acsp":
        return "the colour profile lacks the ICC signature"
    count = int(struct.unpack_from(">I", profile, 128)[0])
    if count > MAX_TAGS:
        return f"the colour profile is too complex to check: {count:,} tags"
    table_end = 132 + 12 * count
    if table_end > size:
        return "the colour profile's tag table runs past its end"
    ranges: list[tuple[int, int]] = [(0, table_end)]
    for i in range(count):
        _sig, off, length = struct.unpack_from(">4sII", profile, 132 + 12 * i)
        if off < table_end or off + length > size:
            return "a colour profile tag lies outside the profile"
        ranges.append((off, off + length))
    ranges.sort()
    covered = 0
    for start, end in ranges:
        if start > covered and any(profile[covered:start]):
            return "the colour profile holds bytes that none of its tags describe"
        covered = max(covered, end)
    if covered < size and any(profile[covered:]):
        return "the colour profile holds bytes that none of its tags describe"
    return ""


def icc_description(profile: bytes) -> str:
    """The profile's own name ('sRGB IEC61966-2.1', 'Display P3') from its 'desc' tag (ICC v2 text
    description or v4 'mluc'), whitespace collapsed and long text cut; '' when absent or unreadable."""
    text = tag_text(tags(profile).get(b"desc", b""))
    return text if len(text) <= 200 else f"{text[:100]}… ({len(text):,} characters)"


# --- reading tags ----------------------------------------------------------------------------------------


def tags(profile: bytes) -> dict[bytes, bytes]:
    """Tag signature -> the tag's bytes (first entry wins); entries past the end are skipped."""
    found: dict[bytes, bytes] = {}
    if len(profile) < 132:
        return found
    (count,) = struct.unpack_from(">I", profile, 128)
    for i in range(min(count, MAX_TAGS, (len(profile) - 132) // 12)):
        sig, off, size = struct.unpack_from(">4sII", profile, 132 + 12 * i)
        if off + size <= len(profile):
            found.setdefault(sig, profile[off : off + size])
    return found


def tag_text(tag: bytes) -> str:
    """The text of a 'desc' (v2), 'text' or 'mluc' (v4; every record) tag, whitespace collapsed; '' for
    other types. Every record of an 'mluc' is read: a translation can say what the first one does not."""
    try:
        kind = tag[:4]
        if kind == b"desc":
            (n,) = struct.unpack_from(">I", tag, 8)
            texts = [tag[12 : 12 + n].split(b"\0")[0].decode("latin-1")]
            at = 12 + n
            if at + 8 <= len(tag):  # the Unicode copy, which may differ from the ASCII one
                (_lang, count) = struct.unpack_from(">II", tag, at)
                texts.append(tag[at + 8 : at + 8 + 2 * count].decode("utf-16-be", "replace"))
        elif kind == b"text":
            texts = [tag[8:].split(b"\0")[0].decode("latin-1")]
        elif kind == b"mluc":
            count, rec = struct.unpack_from(">II", tag, 8)
            texts = []
            for i in range(min(count, 256)):
                length, offset = struct.unpack_from(">II", tag, 16 + i * rec + 4)
                texts.append(tag[offset : offset + length].decode("utf-16-be", "replace"))
        else:
            return ""
    except (struct.error, UnicodeError):
        return ""
    cleaned = [" ".join(t.replace("\0", " ").split()) for t in texts]
    return " | ".join(dict.fromkeys(t for t in cleaned if t))
