# SPDX-License-Identifier: GPL-3.0-or-later
"""The library service: import and rescan, albums, photos, recipients, consent, status, export by consent.

The desktop app and the CLI both use this class; it never imports Qt. Long operations (import, export) are
generators of ``Progress`` (see ``core.model.jobs``). Every consent change, recipient change and export
appends an entry to the ledger in the same transaction as the change itself.

Threads: one ``LibraryService`` may be shared; each thread gets its own SQLite connection (see
``core.library.database``). Writes serialise on SQLite's write lock.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.imaging.faces import Face, to_stored, to_upright
from core.imaging.facestore import FaceStore
from core.library import consent
from core.library.consent import Decision, Effective
from core.library.database import (
    AlbumRow,
    AlbumsRepo,
    AlbumState,
    Database,
    DecisionsRepo,
    FileRow,
    FilesRepo,
    GalleryRepo,
    GalleryRow,
    LedgerRepo,
    PhotoRecord,
    PhotosRepo,
    RecipientRow,
    RecipientsRepo,
    RootsRepo,
    fs_bytes,
    readable,
)
from core.library.ledger import Entry, Verification, now_iso, verify
from core.library.paths import db_path, ensure_home, home_dir, policies_dir
from core.model.categories import Category
from core.model.inventory import Inventory
from core.model.jobs import CancelToken, Job, Progress
from core.model.policy import BUILTIN, Policy, PolicyError, load_policy
from core.pipeline.inspection import describe_os_error, inventory_from, open_readonly
from core.pipeline.scan import Folder, Found, Problem, walk
from core.security.keystore import get_secret

if TYPE_CHECKING:
    from core.imaging.facestore import FaceRecord
    from core.imaging.thumbnails import ThumbnailCache
    from core.pipeline.preview import Preview

BATCH = 256  # files per write transaction during import: progress stays live, commits stay cheap


class LibraryError(Exception):
    """A request the library cannot carry out (unknown recipient, album not in the library ...)."""


@dataclass(frozen=True)
class Examined:
    path: Path
    size: int
    mtime_ns: int
    state: str  # photo | unsupported | unreadable
    reason: str = ""
    fingerprint: str | None = None
    record: PhotoRecord | None = None  # None when the content was already known


@dataclass
class ImportResult:
    roots: list[str] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    unsupported: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    problems: list[tuple[str, str]] = field(default_factory=list)  # unreadable files, loops, folders
    cancelled: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "roots": self.roots,
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "gone": self.gone,
            "unsupported": [{"path": p, "reason": r} for p, r in self.unsupported],
            "problems": [{"path": p, "reason": r} for p, r in self.problems],
            "cancelled": self.cancelled,
        }


@dataclass(frozen=True)
class PhotoInfo:
    """What the grid and its filters need for one photo file."""

    file_id: int
    path: Path
    album_id: int
    fingerprint: str
    photo: PhotoRecord


def _display(path: str | os.PathLike[str]) -> str:
    return readable(fs_bytes(path))


def _photo_record(fingerprint: str, inv: Inventory, when: str) -> PhotoRecord:
    taken = ""
    for item in inv.items:
        if item.category is Category.TIME and item.name.endswith("DateTimeOriginal"):
            taken = item.value
            break
    faces = sum(
        1
        for i in inv.items
        if i.category is Category.PEOPLE and ("region" in i.name.lower() or "face" in i.name.lower())
    )
    cats = sorted({str(i.category) for i in inv.items if i.category is not Category.FILE})
    return PhotoRecord(
        fingerprint=fingerprint,
        format=inv.format,
        size=inv.size,
        width=inv.width,
        height=inv.height,
        orientation=inv.orientation,
        taken=taken,
        has_location=any(i.category is Category.LOCATION for i in inv.items),
        has_hidden_data=any(i.category is Category.HIDDEN_MEDIA for i in inv.items),
        metadata_faces=faces,
        categories=",".join(cats),
        status="error" if inv.error else "ok",
        error=inv.error,
        inspected=when,
    )


def examine(found: Found, known: frozenset[str] | set[str], when: str) -> Examined:
    """Fingerprint and inventory one file, read-only. Runs in worker threads: no database access."""
    from core.formats import handler_for

    path = Path(found.path)
    try:
        with open_readonly(path) as (data, st):
            if handler_for(bytes(data[:64])) is None:
                inv, _, _ = inventory_from(path, data, st)
                return Examined(path, st.st_size, st.st_mtime_ns, "unsupported", inv.error or "not a photo")
            fingerprint = hashlib.sha256(data).hexdigest()
            if fingerprint in known:
                return Examined(path, st.st_size, st.st_mtime_ns, "photo", "", fingerprint)
            inv, _, _ = inventory_from(path, data, st)
            return Examined(
                path,
                st.st_size,
                st.st_mtime_ns,
                "photo",
                inv.error,
                fingerprint,
                _photo_record(fingerprint, inv, when),
            )
    except OSError as exc:
        return Examined(path, found.size, found.mtime_ns, "unreadable", describe_os_error(exc))


class LibraryService:
    def __init__(self, home: Path, db: Database) -> None:
        self.home = home
        self.db = db
        self.roots = RootsRepo(db)
        self.albums_repo = AlbumsRepo(db)
        self.files = FilesRepo(db)
        self.photos_repo = PhotosRepo(db)
        self.recipients_repo = RecipientsRepo(db)
        self.decisions = DecisionsRepo(db)
        self.ledger = LedgerRepo(db)
        self.gallery_repo = GalleryRepo(db)
        self._stores_lock = threading.Lock()
        self._thumbnail_cache: ThumbnailCache | None = None
        secret = get_secret("ledger")
        # A session key must never sign: nobody could verify the entry after this process ends.
        self._ledger_key: bytes | None = secret.key if secret.persistent else None
        self.keyring_persistent = secret.persistent
        self.keyring_notice = secret.message
        self._face_store: FaceStore | None = None

    @property
    def face_store(self) -> FaceStore:
        """Per-photo faces and the user's face decisions, encrypted at rest (memory only without keyring)."""
        with self._stores_lock:  # workers ask for it at once; two stores would split the memory cache
            if self._face_store is None:
                from core.security.vault import open_vault

                self._face_store = FaceStore(self.home, open_vault(self.home, "faces"))
            return self._face_store

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None) -> LibraryService:
        path = ensure_home(home_dir(home))
        return cls(path, Database(db_path(path)))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LibraryService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import ------------------------------------------------------------------------------------

    def import_job(
        self, folders: Sequence[str | os.PathLike[str]], cancel: CancelToken | None = None, workers: int = 2
    ) -> Job[ImportResult]:
        """Add folders (or rescan them if already imported). Incremental: unchanged files are not re-read."""
        cancel = cancel or CancelToken()
        result = ImportResult()
        existing = {r.path: r for r in self.roots.all()}
        for folder in folders:
            root = Path(os.path.realpath(folder))
            if not root.is_dir():
                result.problems.append((_display(folder), "not a folder (or it cannot be opened)"))
                continue
            # A folder inside an imported folder is already part of it: rescan that one instead.
            outer = next((p for p in existing if root == p or root.is_relative_to(p)), None)
            if outer is not None:
                root = outer
            inner = [str(p) for p in existing if p != root and p.is_relative_to(root)]
            yield from self._scan_root(root, inner, cancel, result, workers)
            existing = {r.path: r for r in self.roots.all()}
            if result.cancelled:
                break
        return result

    def rescan_job(self, cancel: CancelToken | None = None) -> Job[ImportResult]:
        return self.import_job([r.path for r in self.roots.all()], cancel)

    def _scan_root(
        self, root: Path, skip: list[str], cancel: CancelToken, result: ImportResult, workers: int
    ) -> Job[None]:
        when = now_iso()
        root_id = self.roots.get_or_add(root, when)
        result.roots.append(_display(root))
        yield Progress(0, 0, f"Looking through {root.name}")
        home = os.path.realpath(self.home)
        entries: list[Folder | Found | Problem] = []
        for entry in walk(root, skip=[*skip, home]):
            entries.append(entry)
            if len(entries) % 1000 == 0:
                if cancel.cancelled:
                    result.cancelled = True
                    return
                yield Progress(0, 0, f"Found {len(entries)} files and folders")
        founds = [e for e in entries if isinstance(e, Found)]
        total = len(founds)
        before = self.files.for_root(root_id)
        album_ids: dict[str, int] = {}
        seen_paths: set[bytes] = set()
        known = self._known_fingerprints()

        with self.db.transaction():
            for e in entries:
                if isinstance(e, Folder):
                    rel = fs_bytes(e.rel) if e.rel else b""
                    name = (
                        readable(rel) if rel else (readable(fs_bytes(root.name)) or readable(fs_bytes(root)))
                    )
                    parent = album_ids.get(e.parent_rel) if e.parent_rel is not None else None
                    album_ids[e.rel] = self.albums_repo.ensure(root_id, rel, name, parent)
                elif isinstance(e, Problem):
                    result.problems.append((_display(e.path), e.reason))

        todo: list[Found] = []
        for f in founds:
            raw = fs_bytes(f.path)
            seen_paths.add(raw)
            prev = before.get(raw)
            if (
                prev is not None
                and prev.state in ("photo", "unsupported")
                and prev.size == f.size
                and prev.mtime_ns == f.mtime_ns
            ):
                result.unchanged += 1
                if prev.state == "unsupported":
                    result.unsupported.append((_display(f.path), prev.reason))
                continue
            todo.append(f)

        done = result.unchanged
        yield Progress(done, total, "Reading new and changed photos")
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="import") as pool:
            for start in range(0, len(todo), BATCH):
                if cancel.cancelled:
                    result.cancelled = True
                    return
                batch = todo[start : start + BATCH]
                examined = list(pool.map(lambda f: examine(f, known, when), batch))
                with self.db.transaction():
                    for found, ex in zip(batch, examined, strict=True):
                        self._record(found, ex, album_ids, before, result)
                        if ex.fingerprint:
                            known.add(ex.fingerprint)
                done += len(batch)
                yield Progress(done, total, f"Read {done} of {total} files")

        gone = [r.id for raw, r in before.items() if raw not in seen_paths and r.state != "gone"]
        with self.db.transaction():
            self.files.mark_gone(gone)
            self.albums_repo.mark_absent_except(root_id, album_ids.values())
        result.gone += len(gone)
        self.roots.mark_scanned(root_id, when)
        yield Progress(total, total, f"Imported {root.name}")

    def _known_fingerprints(self) -> set[str]:
        rows = self.db.conn.execute("SELECT fingerprint FROM photos WHERE status = 'ok'").fetchall()
        return {r[0] for r in rows}

    def _record(
        self,
        found: Found,
        ex: Examined,
        album_ids: dict[str, int],
        before: dict[bytes, FileRow],
        result: ImportResult,
    ) -> None:
        album_id = album_ids[found.rel_dir]
        prev = before.get(fs_bytes(found.path))
        if ex.record is not None:
            self.photos_repo.upsert(ex.record)
        if ex.state == "photo" and ex.fingerprint:
            if prev is None or prev.state == "gone":
                result.added += 1
            else:
                result.changed += 1
                if prev.fingerprint and prev.fingerprint != ex.fingerprint:
                    # Edited in place: the same photo for the user. Keep its per-photo decisions, so an
                    # edit (say, a new keyword) never turns a "denied on this photo" back into "allowed".
                    self.db.conn.execute(
                        "INSERT OR IGNORE INTO photo_decisions(fingerprint, recipient_id, allowed, decided) "
                        "SELECT ?, recipient_id, allowed, decided FROM photo_decisions WHERE fingerprint = ?",
                        (ex.fingerprint, prev.fingerprint),
                    )
        elif ex.state == "unsupported":
            result.unsupported.append((_display(found.path), ex.reason))
        else:
            result.problems.append((_display(found.path), ex.reason))
        self.files.upsert(ex.path, album_id, ex.size, ex.mtime_ns, ex.fingerprint, ex.state, ex.reason)

    # -- albums and photos -------------------------------------------------------------------------

    def albums(self) -> list[AlbumRow]:
        return self.albums_repo.all()

    def photos(self, album_id: int | None = None) -> list[PhotoInfo]:
        """Live photo files, in one album or the whole library, ordered by path."""
        sql = (
            "SELECT f.id, f.path, f.album_id, f.fingerprint FROM files f WHERE f.state = 'photo'"
            + (" AND f.album_id = ?" if album_id is not None else "")
            + " ORDER BY f.path"
        )
        rows = self.db.conn.execute(sql, () if album_id is None else (album_id,)).fetchall()
        out = []
        for r in rows:
            rec = self.photos_repo.get(r[3])
            if rec is not None:
                out.append(PhotoInfo(int(r[0]), Path(os.fsdecode(bytes(r[1]))), int(r[2]), str(r[3]), rec))
        return out

    def problems(self) -> list[FileRow]:
        return self.files.with_state(("unsupported", "unreadable"))

    def find_album(self, target: str | os.PathLike[str]) -> AlbumRow:
        """An album by folder path on disk, or by its name ("Holidays/2024" or "Photos/Holidays/2024")."""
        path = Path(os.path.realpath(target))
        if path.is_dir():
            album = self.albums_repo.by_path(path)
            if album is None:
                raise LibraryError(f"{_display(target)} is not in the library; import it first")
            return album
        matches = self.albums_repo.by_name(str(target))
        if not matches:
            raise LibraryError(f"no album or photo named {_display(target)} in the library")
        if len(matches) > 1:
            names = ", ".join(str(m.path) for m in matches)
            raise LibraryError(f"{_display(target)} names several albums ({names}); give the folder path")
        return matches[0]

    def fingerprint_of(self, path: str | os.PathLike[str]) -> str:
        """The fingerprint of a photo file in the library (looked up by path, else by content)."""
        real = Path(os.path.realpath(path))
        row = self.files.by_path(real)
        if row is not None and row.state == "photo" and row.fingerprint:
            return row.fingerprint
        try:
            with open_readonly(real) as (data, _st):
                fp = hashlib.sha256(data).hexdigest()
        except OSError as exc:
            raise LibraryError(f"{_display(path)}: {describe_os_error(exc)}") from exc
        if self.files.copies(fp):
            return fp
        raise LibraryError(f"{_display(path)} is not in the library; import its folder first")

    # -- recipients --------------------------------------------------------------------------------

    def recipients(self) -> list[RecipientRow]:
        return self.recipients_repo.all()

    def recipient(self, name: str) -> RecipientRow:
        row = self.recipients_repo.by_name(name)
        if row is None:
            known = ", ".join(r.name for r in self.recipients()) or "none"
            raise LibraryError(f"unknown recipient {name!r} (recipients: {known})")
        return row

    def policy_of(self, recipient: RecipientRow) -> Policy:
        return load_policy(recipient.policy)

    def _store_policy(self, spec: str | os.PathLike[str], name: str) -> str:
        """Built-in names are stored as-is; a TOML file is validated and copied into the home folder, so
        later edits to the original do not change what this recipient receives."""
        text = os.fspath(spec)
        if text in BUILTIN:
            return text
        try:
            load_policy(text)
        except PolicyError as exc:
            raise LibraryError(str(exc)) from exc
        data = Path(text).read_bytes()
        folder = policies_dir(self.home)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "recipient"
        dest = folder / f"{slug}-{hashlib.sha256(data).hexdigest()[:12]}.toml"
        if not dest.exists():
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
        return str(dest)

    @staticmethod
    def _check_name(name: str) -> str:
        clean = name.strip()
        if not clean:
            raise LibraryError("a recipient needs a name")
        if len(clean) > 100 or any(ord(ch) < 32 for ch in clean):
            raise LibraryError("a recipient name must be at most 100 printable characters")
        return clean

    def add_recipient(self, name: str, policy: str | os.PathLike[str] = "minimal") -> RecipientRow:
        name = self._check_name(name)
        stored = self._store_policy(policy, name)
        with self.db.transaction():
            if self.recipients_repo.by_name(name) is not None:
                raise LibraryError(f"there is already a recipient named {name!r}")
            self.recipients_repo.add(name, stored, now_iso())
            self._log({"kind": "recipient", "action": "add", "recipient": name, "policy": stored})
        return self.recipient(name)

    def rename_recipient(self, old: str, new: str) -> RecipientRow:
        new = self._check_name(new)
        with self.db.transaction():
            row = self.recipient(old)
            other = self.recipients_repo.by_name(new)
            if other is not None and other.id != row.id:
                raise LibraryError(f"there is already a recipient named {new!r}")
            self.recipients_repo.rename(row.id, new)
            self._log({"kind": "recipient", "action": "rename", "old": row.name, "new": new})
        return self.recipient(new)

    def set_recipient_policy(self, name: str, policy: str | os.PathLike[str]) -> RecipientRow:
        row = self.recipient(name)
        stored = self._store_policy(policy, row.name)
        with self.db.transaction():
            self.recipients_repo.set_policy(row.id, stored)
            self._log(
                {
                    "kind": "recipient",
                    "action": "policy",
                    "recipient": row.name,
                    "old": row.policy,
                    "new": stored,
                }
            )
        return self.recipient(row.name)

    def remove_recipient(self, name: str) -> None:
        with self.db.transaction():
            row = self.recipient(name)
            self.recipients_repo.remove(row.id)  # its decisions go with it (ON DELETE CASCADE)
            self._log({"kind": "recipient", "action": "remove", "recipient": row.name, "policy": row.policy})

    # -- consent -----------------------------------------------------------------------------------

    def decide_album(self, album_id: int, recipient: str, decision: Decision) -> bool:
        """Set an album's decision: one row, one transaction, whatever the album's size. False: no change."""
        with self.db.transaction():
            rec = self.recipient(recipient)
            album = self.albums_repo.get(album_id)
            if album is None:
                raise LibraryError(f"no album with id {album_id}")
            old = Decision.from_flag(self.decisions.album(album_id, rec.id))
            if old == decision:
                return False
            self.decisions.set_album(album_id, rec.id, decision.flag(), now_iso())
            self._log(
                {
                    "kind": "consent",
                    "recipient": rec.name,
                    "album": album.name,
                    "album_path": _display(album.path),
                    "old": str(old),
                    "new": str(decision),
                }
            )
        return True

    def decide_photos(self, fingerprints: Iterable[str], recipient: str, decision: Decision) -> int:
        """Set the decision on photos (shared by all their copies). Returns how many changed."""
        fps = sorted(set(fingerprints))
        with self.db.transaction():
            rec = self.recipient(recipient)
            current = self.decisions.photos(fps, rec.id)
            changes: dict[str, list[str]] = {}
            for fp in fps:
                old = Decision.from_flag(current.get(fp))
                if old != decision:
                    changes.setdefault(str(old), []).append(fp)
            changed = [fp for group in changes.values() for fp in group]
            if not changed:
                return 0
            self.decisions.set_photos(changed, rec.id, decision.flag(), now_iso())
            self._log({"kind": "consent", "recipient": rec.name, "photos": changes, "new": str(decision)})
        return len(changed)

    def _chain(self, album_id: int, album_decisions: dict[int, bool]) -> list[tuple[str, bool | None]]:
        chain: list[tuple[str, bool | None]] = []
        node: int | None = album_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            album = self.albums_repo.get(node)
            if album is None:
                break
            chain.append((album.name, album_decisions.get(node)))
            node = album.parent_id
        return chain

    def explain(self, fingerprint: str, recipient: str) -> Effective:
        """The effective decision for a photo and why, over all its live copies."""
        rec = self.recipient(recipient)
        photo = self.decisions.photo(fingerprint, rec.id)
        album_decisions = self.decisions.all_albums(rec.id)
        copies = self.files.copies(fingerprint)
        if not copies:
            return consent.resolve(photo, [])
        return consent.resolve_copies(
            [consent.resolve(photo, self._chain(c.album_id, album_decisions)) for c in copies]
        )

    def explain_album(self, album_id: int, recipient: str) -> Effective:
        """What a photo with no decision of its own gets in this album."""
        rec = self.recipient(recipient)
        return consent.resolve(None, self._chain(album_id, self.decisions.all_albums(rec.id)))

    def allowed_sources(self, recipient: str) -> list[tuple[Path, str]]:
        """One file per allowed photo (the first copy by path): what an export to this recipient takes."""
        rec = self.recipient(recipient)
        out: list[tuple[Path, str]] = []
        taken: set[str] = set()
        for path, fp in self.decisions.allowed_files(rec.id):
            if fp not in taken:
                taken.add(fp)
                out.append((path, fp))
        return out

    def status(self, recipient: str | None = None) -> dict[str, object]:
        recipients = [self.recipient(recipient)] if recipient else self.recipients()
        total_photos = self.db.conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT fingerprint) FROM files WHERE state = 'photo'"
        ).fetchone()
        problems = self.db.conn.execute(
            "SELECT COUNT(*) FROM files WHERE state IN ('unsupported', 'unreadable')"
        ).fetchone()[0]
        out_recipients = []
        for rec in recipients:
            counts = self.decisions.album_counts(rec.id)
            out_recipients.append(
                {
                    "name": rec.name,
                    "policy": rec.policy,
                    "allowed": len(self.allowed_sources(rec.name)),
                    "albums": [
                        {
                            "album": c.name,
                            "id": c.album_id,
                            "parent": c.parent_id,
                            "allowed": c.allowed,
                            "total": c.total,
                        }
                        for c in counts
                    ],
                }
            )
        return {
            "home": str(self.home),
            "keyring": {"persistent": self.keyring_persistent, "notice": self.keyring_notice},
            "roots": [_display(r.path) for r in self.roots.all()],
            "photos": {"files": int(total_photos[0]), "distinct": int(total_photos[1])},
            "problems": int(problems),
            "recipients": out_recipients,
        }

    # -- export by consent -------------------------------------------------------------------------

    def export_job(
        self, recipient: str, out: Path, *, zip_output: bool = False, cancel: CancelToken | None = None
    ) -> Job[object]:
        """Export exactly the photos the recipient may receive, with its policy; log it in the ledger."""
        from core.pipeline.export import export_job

        rec = self.recipient(recipient)
        try:
            policy = self.policy_of(rec)
        except PolicyError as exc:
            raise LibraryError(f"the policy of {rec.name!r} cannot be used: {exc}") from exc

        sources = self.allowed_sources(rec.name)
        self.record_export_started(rec.name, policy, out, len(sources))
        # The exporter hashes what it actually reads and withholds any file whose bytes are no longer the
        # photo that was consented to, so the receipt and the ledger state the truth.
        result = yield from export_job(
            [p for p, _ in sources],
            policy,
            out,
            zip_output=zip_output,
            recipient=rec.name,
            cancel=cancel,
            source_fingerprints=dict(sources),
            face_source=self.face_store.faces_for,
        )
        receipt = result.receipt
        with self.db.transaction():
            self._log(
                {
                    "kind": "export",
                    "recipient": rec.name,
                    "policy": policy.name,
                    "policy_settings": policy.to_json(),
                    "out": str(result.out),
                    "receipt_created": receipt.get("created"),
                    "files": [
                        {
                            "fingerprint": e.source_sha256,
                            "categories": list(e.categories),
                            "output_sha256": e.sha256,
                            "output": Path(e.output).name,
                            "faces_blurred": e.faces_blurred,
                        }
                        for e in result.exported
                    ],
                    "withheld": [
                        {"fingerprint": w.source_sha256, "reason": w.reason} for w in result.withheld
                    ],
                    "cancelled": result.cancelled,
                }
            )
        return result

    def record_export_started(self, recipient: str, policy: Policy, out: Path, count: int) -> None:
        """Logged before any photo is written, so a killed export is on the record too (its photos are
        accounted for by the receipt the next export into that folder writes)."""
        with self.db.transaction():
            payload = {"kind": "export-started", "recipient": recipient, "policy": policy.name}
            self._log({**payload, "out": str(out), "photos": count})

    # -- ledger ------------------------------------------------------------------------------------

    def _log(self, payload: dict[str, object]) -> Entry:
        return self.ledger.append({"when": now_iso(), **payload}, self._ledger_key)

    def ledger_entries(self) -> list[Entry]:
        return list(self.ledger.entries())

    def verify_ledger(self) -> Verification:
        result = verify(self.ledger.entries(), self._ledger_key)
        if result.ok and result.unsigned:
            notice = (
                f"{result.unsigned} entr{'y' if result.unsigned == 1 else 'ies'} written without a keyring "
                "are not signed; they are protected only by the signed entries after them"
            )
            return Verification(True, result.checked, result.unsigned, notice=notice)
        return result

    # -- the desktop app: gallery, pictures, faces --------------------------------------------------

    @property
    def thumbnail_cache(self) -> ThumbnailCache:
        with self._stores_lock:
            if self._thumbnail_cache is None:
                from core.imaging.thumbnails import ThumbnailCache
                from core.security.vault import open_vault

                self._thumbnail_cache = ThumbnailCache(self.home, open_vault(self.home, "cache"))
            return self._thumbnail_cache

    def gallery(self, recipient: str, album_id: int | None = None, filter_name: str = "all") -> list[int]:
        """File ids of one grid view (an album subtree or everything, one filter), ordered by path.

        Consent is computed in SQL with the same rule as ``explain``. A whole-library query: run it in a
        worker, never on the GUI thread."""
        return self.gallery_repo.ids(self.recipient(recipient).id, album_id, filter_name)

    def gallery_rows(self, file_ids: Sequence[int], recipient: str) -> dict[int, GalleryRow]:
        """Row data for a few ids (the visible part of the grid); ids that no longer exist are absent."""
        return self.gallery_repo.rows(file_ids, self.recipient(recipient).id)

    def file_ids_of(self, fingerprints: Sequence[str]) -> list[int]:
        return self.gallery_repo.file_ids_of(list(fingerprints))

    def shared_count(self, recipient: str) -> tuple[int, int]:
        """(photos the recipient may receive, photos in the library), photos counted once per content."""
        return self.gallery_repo.shared_count(self.recipient(recipient).id)

    def album_states(self, recipient: str) -> list[AlbumState]:
        return self.gallery_repo.album_states(self.recipient(recipient).id)

    def path_of(self, fingerprint: str) -> Path:
        copies = self.files.copies(fingerprint)
        if not copies:
            raise LibraryError("the photo is no longer in the library")
        return copies[0].path

    def preview_for(self, fingerprint: str, recipient: str) -> Preview:
        """What would leave for this photo and recipient: the same plan as `preview --json` and export,
        with the faces to blur taken from the face store (the user's keep/blur choices and manual boxes)."""
        from core.model.policy import BLUR
        from core.pipeline.export import plan_file
        from core.pipeline.preview import Preview

        rec = self.recipient(recipient)
        try:
            policy = self.policy_of(rec)
        except PolicyError as exc:
            raise LibraryError(f"the policy of {rec.name!r} cannot be used: {exc}") from exc
        path = self.path_of(fingerprint)
        faces: list[Face] = []
        reason = ""
        if policy.faces == BLUR and not policy.passthrough:
            faces, reason = self._faces_to_blur(fingerprint, path)
        try:
            with open_readonly(path) as (data, st):
                preview = plan_file(path, data, st, policy, index=1, faces=faces).preview
        except OSError as exc:
            preview = Preview.failed(str(path), policy, describe_os_error(exc))
        if reason and not preview.error:
            preview.error = reason
        return preview

    def _faces_to_blur(self, fingerprint: str, path: Path) -> tuple[list[Face], str]:
        from core.imaging import faces as face_module
        status = face_module.detector_status()
        if status:
            return [], status
        try:
            self.ensure_faces(fingerprint, path)
        except face_module.FaceDetectionUnavailable as exc:
            return [], str(exc)
        except Exception as exc:  # noqa: BLE001 - a decode failure is shown for this photo only
            return [], f"face detection failed: {exc}"
        return self.face_store.faces_to_blur(fingerprint), ""

    def ensure_faces(self, fingerprint: str, path: Path | None = None) -> FaceRecord:
        """The photo's face record, running the detector once if it never looked at this photo."""
        store = self.face_store
        if not store.has_detection(fingerprint):
            from core.imaging.faces import detect_path

            self._store_detected(fingerprint, detect_path(path or self.path_of(fingerprint)))
        return store.get(fingerprint)

    def _store_detected(self, fingerprint: str, found: list[Face]) -> None:
        rec = self.face_store.set_detected(fingerprint, found)
        with self.db.transaction():
            self.gallery_repo.set_faces(fingerprint, len(rec.detected) + len(rec.manual))

    def set_face_kept(self, fingerprint: str, index: int, kept: bool) -> FaceRecord:
        """Keep detected face ``index`` unblurred (kept=True) or blur it again."""
        return self.face_store.set_kept(fingerprint, index, kept)

    def add_manual_face(self, fingerprint: str, box: tuple[int, int, int, int], picture: Picture) -> Face:
        """Add a face the detector missed; ``box`` (x0, y0, x1, y1) is in ``picture``'s display pixels."""
        x0, y0, x1, y1 = picture.to_stored(box)
        face = self.face_store.add_manual(fingerprint, x0, y0, x1 - x0, y1 - y0)
        rec = self.face_store.get(fingerprint)
        with self.db.transaction():
            self.gallery_repo.set_faces(fingerprint, len(rec.detected) + len(rec.manual))
        return face

    def remove_manual_face(self, fingerprint: str, index: int) -> None:
        self.face_store.remove_manual(fingerprint, index)
        rec = self.face_store.get(fingerprint)
        with self.db.transaction():
            self.gallery_repo.set_faces(fingerprint, len(rec.detected) + len(rec.manual))

    def faces_job(self, cancel: CancelToken | None = None, batch: int = 16) -> Job[FacesResult]:
        """Look for faces in every photo not analysed yet; store boxes (face store) and counts (database)."""
        from core.imaging import faces as face_module
        cancel = cancel or CancelToken()
        result = FacesResult()
        status = face_module.detector_status()
        if status:
            result.unavailable = status
            return result
        todo = self.gallery_repo.without_faces()  # a snapshot: photos that fail are not retried forever
        total = len(todo)
        yield Progress(0, total, "Looking for faces")
        for start in range(0, total, batch):
            if cancel.cancelled:
                result.cancelled = True
                return result
            chunk = todo[start : start + batch]
            by_path = {path: fp for fp, path in chunk}
            found = face_module.detect_job(list(by_path), cancel)
            try:
                while True:
                    next(found)
            except StopIteration as stop:
                detected: dict[Path, list[Face]] = stop.value
            except face_module.FaceDetectionUnavailable as exc:
                result.unavailable = str(exc)
                return result
            for path, fp in by_path.items():
                if path in detected:
                    self._store_detected(fp, detected[path])
                    result.analysed += 1
                    result.with_faces += bool(detected[path])
                    result.changed.append(fp)
                else:
                    result.failed += 1
            yield Progress(min(start + batch, total), total, "Looking for faces")
        return result

    def picture(
        self, fingerprint: str, recipient: str | None = None, size: int = 1024, *, leaving: bool = False
    ) -> Picture:
        """The photo upright, at most ``size`` pixels on its long side, with its face boxes.

        ``leaving``: the pixels as they would leave for ``recipient`` (faces covered when its policy blurs
        them, the same covering the export applies). Face boxes are mapped into the returned pixels."""
        from core.model.policy import BLUR

        path = self.path_of(fingerprint)
        rec = self.face_store.get(fingerprint)
        blur: list[Face] = []
        if leaving and recipient:
            policy = self.policy_of(self.recipient(recipient))
            if policy.faces == BLUR and not policy.passthrough:
                blur = rec.to_blur()
        return render_picture(path, size, rec, blur)

    def thumbnail(self, fingerprint: str, path: Path, size: int, *, embedded: bool = False) -> Picture | None:
        """A grid thumbnail as RGB pixels: the camera's embedded one (instant) or a real one (cached)."""
        from core.imaging.thumbnails import DEFAULT_SIZE, embedded_thumbnail, make_thumbnail

        if embedded:
            data = embedded_thumbnail(path)
        else:
            cache = self.thumbnail_cache
            data = cache.get(fingerprint, DEFAULT_SIZE)
            if data is None:
                data = make_thumbnail(path, DEFAULT_SIZE)
                cache.put(fingerprint, data, DEFAULT_SIZE)
        return decode_rgb(data, size) if data else None


@dataclass
class FacesResult:
    analysed: int = 0
    with_faces: int = 0
    failed: int = 0
    changed: list[str] = field(default_factory=list)  # fingerprints whose count was stored
    unavailable: str = ""  # why detection could not run at all
    cancelled: bool = False


@dataclass(frozen=True)
class FaceBox:
    kind: str  # detected (blurred) | kept (left visible by the user) | manual (drawn by the user)
    index: int  # in the record's detected or manual list
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in display pixels
    covered: tuple[int, int, int, int]  # the area export covers (box plus margins), display pixels


@dataclass(frozen=True)
class Picture:
    """RGB pixels (3 bytes a pixel, rows packed) ready to show, and how they map to the stored grid."""

    width: int
    height: int
    rgb: bytes
    stored_width: int = 0
    stored_height: int = 0
    orientation: int = 1
    faces: tuple[FaceBox, ...] = ()

    @property
    def scale(self) -> float:
        """Display pixels per stored pixel."""
        upright_w = self.stored_height if self.orientation >= 5 else self.stored_width
        return self.width / upright_w if upright_w else 1.0

    def to_display(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = to_upright(box, self.orientation, self.stored_width, self.stored_height)
        s = self.scale
        return round(x0 * s), round(y0 * s), round(x1 * s), round(y1 * s)

    def to_stored(self, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:

        s = self.scale or 1.0
        up = (box[0] / s, box[1] / s, box[2] / s, box[3] / s)
        x0, y0, x1, y1 = to_stored(up, self.orientation, self.stored_width, self.stored_height)
        return (
            max(0, int(x0)),
            max(0, int(y0)),
            min(self.stored_width, round(x1)),
            min(self.stored_height, round(y1)),
        )


def decode_rgb(data: bytes, size: int) -> Picture:
    """Decode small image bytes (a thumbnail) to RGB at most ``size`` on the long side."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (size, size))
        im = im.convert("RGB")
        im.thumbnail((size, size), Image.Resampling.BILINEAR)
        return Picture(im.width, im.height, im.tobytes(), im.width, im.height, 1)


def render_picture(path: Path, size: int, record: FaceRecord, blur: Sequence[Face]) -> Picture:
    """Decode ``path`` small, cover ``blur`` faces as export does, turn it upright, map the face boxes."""
    from PIL import Image

    from core.imaging.decoding import register_heif
    from core.imaging.faces import redact, redaction_box
    from core.metadata.orientation import make_upright

    register_heif()
    with open(path, "rb") as fh, Image.open(fh) as im:
        full_w, full_h = im.size
        try:
            orientation = int(im.getexif().get(0x0112, 1))
        except Exception:  # noqa: BLE001 - broken EXIF: show as stored, like the detector does
            orientation = 1
        if orientation not in range(1, 9):
            orientation = 1
        if im.format in ("JPEG", "MPO"):
            im.draft("RGB", (size, size))
        im.load()
        image = im.convert("RGB")
    sx, sy = image.width / full_w, image.height / full_h
    if blur:
        # The covering is computed on the full grid and scaled, so it matches the exported pixels.
        small = [
            Face(round(f.x * sx), round(f.y * sy), max(1, round(f.w * sx)), max(1, round(f.h * sy)), f.score)
            for f in blur
        ]
        image = redact(image, small)
    image = make_upright(image, orientation)
    image.thumbnail((size, size), Image.Resampling.BILINEAR)
    pic = Picture(image.width, image.height, image.tobytes(), full_w, full_h, orientation)
    boxes: list[FaceBox] = []
    for i, f in enumerate(record.detected):
        kind = "kept" if record.is_kept(f) else "detected"
        boxes.append(_face_box(pic, f, kind, i, full_w, full_h, redaction_box))
    for i, f in enumerate(record.manual):
        boxes.append(_face_box(pic, f, "manual", i, full_w, full_h, redaction_box))
    return Picture(pic.width, pic.height, pic.rgb, full_w, full_h, orientation, tuple(boxes))


def _face_box(pic: Picture, f: Face, kind: str, index: int, w: int, h: int, redaction_box) -> FaceBox:  # noqa: ANN001
    covered = redaction_box(f, w, h)
    return FaceBox(kind, index, pic.to_display((f.x, f.y, f.x + f.w, f.y + f.h)), pic.to_display(covered))
