# SPDX-License-Identifier: GPL-3.0-or-later
# The compiled JPEG scan search (_scan.c), built by setup.py where a C compiler is installed.
from core.formats.base import Buffer

def find_marker(data: Buffer, pos: int, /) -> int: ...
