# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-photo face data: what the detector found, and what the user decided about it.

Keyed by the photo's content fingerprint, so detection runs once per photo whatever its path. For each
photo we keep:
- ``detected``: the detector's boxes (stored pixel grid of the file);
- ``kept``: detected faces the user keeps unblurred (their own face, say), stored as boxes so the
  choice survives a re-detection that finds the same face again;
- ``manual``: boxes the user drew for faces the detector missed; always blurred.

Face boxes are personal data. With a persistent vault each record is one AES-GCM encrypted file
(associated data: the fingerprint, so a record moved onto another photo does not decrypt); the file
name is a keyed hash, so the folder does not reveal which photos the library holds. Without a
persistent key (no keyring) nothing is written: records live in memory for this session only.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.imaging.faces import Face
from core.security.vault import Vault, VaultError

FORMAT = 1


def faces_dir(home: Path) -> Path:
    return home / "cache" / "faces"


@dataclass(frozen=True)
class FaceRecord:
    detected: tuple[Face, ...] = ()
    kept: frozenset[tuple[int, int, int, int]] = frozenset()
    manual: tuple[Face, ...] = ()
    analysed: bool = False  # True once the detector has run on this photo (0 faces is a result)

    def is_kept(self, face: Face) -> bool:
        return face.box in self.kept

    def to_blur(self) -> list[Face]:
        return [f for f in self.detected if f.box not in self.kept] + list(self.manual)


def _face_to_json(f: Face) -> list[object]:
    return [f.x, f.y, f.w, f.h, f.score]


def _face_from_json(data: object, source: str) -> Face:
    if not isinstance(data, list) or len(data) != 5:
        raise ValueError("bad face entry")
    x, y, w, h, score = data
    return Face(int(x), int(y), int(w), int(h), float(score), source)


def _encode(rec: FaceRecord) -> bytes:
    return json.dumps(
        {
            "format": FORMAT,
            "analysed": rec.analysed,
            "detected": [_face_to_json(f) for f in rec.detected],
            "kept": sorted(list(b) for b in rec.kept),
            "manual": [_face_to_json(f) for f in rec.manual],
        },
        separators=(",", ":"),
    ).encode("utf-8")


def _decode(raw: bytes) -> FaceRecord:
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("unknown face record format")
    return FaceRecord(
        detected=tuple(_face_from_json(f, "detected") for f in data.get("detected", [])),
        kept=frozenset(tuple(int(v) for v in b) for b in data.get("kept", [])),  # type: ignore[misc]
        manual=tuple(_face_from_json(f, "manual") for f in data.get("manual", [])),
        analysed=bool(data.get("analysed", False)),
    )


@dataclass
class FaceStore:
    home: Path
    vault: Vault
    _memory: dict[str, FaceRecord] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def persistent(self) -> bool:
        return bool(self.vault.persistent)

    # --- storage -------------------------------------------------------------------------------

    def _file(self, fingerprint: str) -> Path:
        # Keyed so that someone holding a photo cannot check whether this library has it.
        name_key = hmac.new(self.vault.key, b"photo-consent face file names", hashlib.sha256).digest()
        digest = hmac.new(name_key, fingerprint.encode("utf-8"), hashlib.sha256).hexdigest()
        return faces_dir(self.home) / f"{digest[:40]}.bin"

    def _aad(self, fingerprint: str) -> str:
        return f"faces:{fingerprint}"

    def get(self, fingerprint: str) -> FaceRecord:
        """The record for a photo; an empty one (analysed=False) when nothing is stored or readable."""
        with self._lock:
            rec = self._memory.get(fingerprint)
            if rec is not None or not self.persistent:
                return rec or FaceRecord()
            try:
                blob = self._file(fingerprint).read_bytes()
            except FileNotFoundError:
                return FaceRecord()
            try:
                rec = _decode(self.vault.decrypt(blob, self._aad(fingerprint)))
            except (VaultError, ValueError, TypeError, KeyError):
                # Another key or a damaged file: treat as never analysed, so detection runs again
                # (and the user's choices for this photo must be made again; never guessed).
                return FaceRecord()
            self._memory[fingerprint] = rec
            return rec

    def _put(self, fingerprint: str, rec: FaceRecord) -> None:
        with self._lock:
            self._memory[fingerprint] = rec
            if not self.persistent:
                return
            target = self._file(fingerprint)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            blob = self.vault.encrypt(_encode(rec), self._aad(fingerprint))
            # Write then rename: a crash never leaves a half-written record behind.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".bin")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(blob)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise

    # --- API -----------------------------------------------------------------------------------

    def has_detection(self, fingerprint: str) -> bool:
        return self.get(fingerprint).analysed

    def detected(self, fingerprint: str) -> list[Face] | None:
        """The detector's faces, or None when the photo has not been analysed yet."""
        rec = self.get(fingerprint)
        return list(rec.detected) if rec.analysed else None

    def set_detected(self, fingerprint: str, faces: list[Face]) -> FaceRecord:
        """Store a detection result; keep flags for boxes found again are preserved."""
        rec = self.get(fingerprint)
        detected = tuple(replace(f, source="detected") for f in faces)
        boxes = {f.box for f in detected}
        rec = replace(
            rec, detected=detected, kept=frozenset(b for b in rec.kept if b in boxes), analysed=True
        )
        self._put(fingerprint, rec)
        return rec

    def set_kept(self, fingerprint: str, index: int, kept: bool = True) -> FaceRecord:
        """Keep detected face ``index`` unblurred (kept=True) or blur it again (kept=False)."""
        rec = self.get(fingerprint)
        box = rec.detected[index].box  # IndexError for a face that does not exist
        new = rec.kept | {box} if kept else rec.kept - {box}
        rec = replace(rec, kept=frozenset(new))
        self._put(fingerprint, rec)
        return rec

    def add_manual(self, fingerprint: str, x: int, y: int, w: int, h: int) -> Face:
        """Add a box the user drew around a face the detector missed; it is always blurred."""
        if w <= 0 or h <= 0:
            raise ValueError("a face box needs a positive width and height")
        face = Face(int(x), int(y), int(w), int(h), 1.0, "manual")
        rec = self.get(fingerprint)
        self._put(fingerprint, replace(rec, manual=(*rec.manual, face)))
        return face

    def remove_manual(self, fingerprint: str, index: int) -> None:
        rec = self.get(fingerprint)
        manual = list(rec.manual)
        del manual[index]
        self._put(fingerprint, replace(rec, manual=tuple(manual)))

    def faces_to_blur(self, fingerprint: str) -> list[Face]:
        """Detected faces not kept by the user, plus the manual boxes (stored pixel grid)."""
        return self.get(fingerprint).to_blur()

    def faces_for(self, path: Path, fingerprint: str) -> list[Face]:
        """The faces to blur in a photo, detecting (once) when it was never analysed.

        Fits the exporter's face source ``(path, fingerprint) -> faces``. Raises
        FaceDetectionUnavailable without a model: never "no faces" when we could not look.
        """
        if not self.has_detection(fingerprint):
            from core.imaging.faces import detect_path

            self.set_detected(fingerprint, detect_path(path))
        return self.faces_to_blur(fingerprint)

    def forget(self, fingerprint: str) -> None:
        """Drop everything stored about a photo (e.g. removed from the library)."""
        with self._lock:
            self._memory.pop(fingerprint, None)
            if self.persistent:
                with contextlib.suppress(FileNotFoundError):
                    self._file(fingerprint).unlink()
