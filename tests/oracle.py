# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent checks for tests: ExifTool (when installed) and the shared real-world corpus."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="ExifTool is not installed")
needs_corpus = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(), reason="shared corpus not present")


def exiftool_tags(path: Path) -> dict[str, object]:
    """All tags ExifTool finds, as {"Group1:Tag": value}, with duplicates (-a) and unknown tags (-u)."""
    out = subprocess.run(
        ["exiftool", "-a", "-u", "-G1", "-j", "-b", "-charset", "filename=utf8", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)[0]


# Groups ExifTool always reports about the file itself or the image structure, never metadata that
# a clean file carries.
STRUCTURAL_GROUPS = {"ExifTool", "System", "File", "Composite", "SourceFile"}


def corpus_files(folder: str | None = None) -> list[Path]:
    if not CORPUS.exists():
        return []
    root = CORPUS / folder if folder else CORPUS
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in {"MANIFEST.tsv", "README.md"})
