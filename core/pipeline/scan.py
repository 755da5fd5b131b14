# SPDX-License-Identifier: GPL-3.0-or-later
"""Walk an imported folder: every sub-folder, every file, and every problem, as a generator.

Symbolic links are followed (a link to a folder of photos is a folder of photos), but each directory is
entered once: a link back to a folder already visited (a loop) is reported and skipped. Unreadable
folders and broken links are reported, never fatal. Hidden entries (names starting with ".") are skipped,
as photo managers do: they hold caches and system files, not photos.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Container, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Folder:
    path: str
    rel: str  # path inside the imported folder, "" for the folder itself, "/"-separated
    parent_rel: str | None


@dataclass(frozen=True, slots=True)
class Found:
    path: str
    rel_dir: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    rel_dir: str
    reason: str
    is_dir: bool = False


Entry = Folder | Found | Problem


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def walk(
    root: str | os.PathLike[str], skip: Container[str] = (), only: Container[str] | None = None
) -> Iterator[Entry]:
    """Yield the root Folder, then, depth first and sorted by name, Folders, Founds and Problems.

    ``skip`` holds absolute paths not to enter (e.g. the library's own home folder). ``only``, when given,
    names the only files of the root folder itself to yield (photos imported by themselves): no other file
    and no sub-folder is read.
    """
    root = os.path.abspath(os.fspath(root))
    try:
        st = os.stat(root)
    except OSError as exc:
        yield Problem(root, "", f"cannot open the folder: {exc.strerror}", is_dir=True)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield Problem(root, "", "not a folder", is_dir=True)
        return
    visited: dict[tuple[int, int], str] = {(st.st_dev, st.st_ino): ""}
    yield Folder(root, "", None)
    stack: list[tuple[str, str]] = [(root, "")]
    while stack:
        path, rel = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Problem(path, rel, f"cannot read the folder: {exc.strerror or exc}", is_dir=True)
            continue
        subdirs: list[tuple[str, str]] = []
        for e in entries:
            if only is not None and e.name not in only:
                continue
            if e.name.startswith(".") and only is None:
                continue
            if e.path in skip:
                continue
            try:
                est = e.stat(follow_symlinks=True)
            except OSError as exc:
                if e.is_symlink():
                    reason = "symbolic link loop" if exc.errno == 40 else "broken symbolic link"
                    yield Problem(e.path, rel, reason)
                else:
                    yield Problem(e.path, rel, f"cannot read: {exc.strerror or exc}")
                continue
            if stat.S_ISDIR(est.st_mode):
                if only is not None:
                    continue
                ident = (est.st_dev, est.st_ino)
                if ident in visited:
                    first = visited[ident] or "the imported folder"
                    reason = f"skipped: the same folder as {first} (a symbolic link loop or a second link)"
                    yield Problem(e.path, rel, reason, True)
                    continue
                child_rel = _join(rel, e.name)
                visited[ident] = child_rel
                subdirs.append((e.path, child_rel))
            elif stat.S_ISREG(est.st_mode):
                yield Found(e.path, rel, est.st_size, est.st_mtime_ns)
            # sockets, fifos, devices: not photos, and reading a fifo would block; skip silently
        for sub_path, sub_rel in subdirs:
            yield Folder(sub_path, sub_rel, rel)
        # Depth first; push in reverse so sub-folders are visited in name order.
        stack.extend(reversed(subdirs))
