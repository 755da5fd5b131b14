# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the project's neutral colour profiles (one per well-known space) into this folder.

Run from the project root: ``python resources/icc/build_profiles.py`` (``--check`` only compares).
The profiles are ICC v4.3 matrix/TRC display profiles computed from each space's published primaries,
white point and tone curve (core.metadata.icc_clean.SPACES), with no date, maker, device or profile ID
and the text "No copyright, use freely". The output depends on nothing but that code, so running the
script again gives the same bytes; each profile is checked by littleCMS (through Pillow) before it is
written.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.metadata.icc_clean import SPACES, build_standard, opens, standard_space

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for space in SPACES:
        data = build_standard(space)
        if not opens(data) or standard_space(data) != space:
            print(f"{space.file}: the built profile does not open or is not recognised as {space.name}")
            return 1
        target = HERE / space.file
        if target.exists() and target.read_bytes() == data:
            continue
        stale.append(space.file)
        if not check:
            target.write_bytes(data)
            print(f"wrote {space.file} ({len(data)} bytes)")
    if check and stale:
        print("out of date: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
